"""Sphinx configuration for tnrnn's documentation.

Built offline, with warnings as errors, by::

    sphinx-build -W --keep-going -q -b html docs docs/_build/html

MathJax is served from the built site itself (no CDN), the API reference is one
page per subpackage (``docs/api/``), and ``docs/figures.py`` redraws every figure
from ``docs/data/``.
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))

import tnrnn  # noqa: E402

project = "tnrnn"
author = "the tnrnn authors"
copyright = "2026, the tnrnn authors"
version = release = tnrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",   # MathJax served from _static (below): the pages read offline
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "tnrnn_cli",
]
# No intersphinx: the build machine is offline, and nothing may be fetched.

exclude_patterns = ["_build", "data"]

# MathJax 3 (SVG output: one file, no web fonts) from the django-static-mathjax package (the docs extra), copied
# into the built site: the build and the pages need no network.
mathjax_path = "mathjax/tex-svg.js"


def _mathjax_source() -> str:
    import importlib.util

    spec = importlib.util.find_spec("mathjax")
    path = spec and os.path.join(list(spec.submodule_search_locations)[0], "static", "mathjax", "es5", "tex-svg.js")
    if not path or not os.path.isfile(path):
        raise RuntimeError("the docs serve MathJax from the django-static-mathjax package: pip install -e '.[docs]'")
    return path


def _copy_mathjax(app, exception):
    import shutil

    if exception is None and app.builder.format == "html":
        target = os.path.join(app.outdir, "_static", "mathjax")
        os.makedirs(target, exist_ok=True)
        shutil.copy2(_mathjax_source(), os.path.join(target, "tex-svg.js"))
html_theme = "alabaster"
html_theme_options = {"description": "certified separation ranks of recurrent arithmetic circuits"}

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True}

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

def _resolve_short_names(app, env, node, contnode):
    """Link names re-exported elsewhere (``tnrnn.bridge.from_module``, ``rank_bounds``)
    to the one place each object is documented, when the match is unique."""
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    objects = env.get_domain("py").objects
    target = node["reftarget"].lstrip("~.")
    for key in (target, target.rsplit(".", 1)[-1]):
        found = [name for name in objects if name.endswith("." + key)]
        if len(found) == 1:
            entry = objects[found[0]]
            return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, found[0])
    return None


def setup(app):
    _mathjax_source()   # refuse at once, not after the build, when MathJax is not installed
    app.connect("missing-reference", _resolve_short_names)
    app.connect("build-finished", _copy_mathjax)
