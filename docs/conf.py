"""Sphinx configuration for tnrnn's documentation.

Built offline, with warnings as errors, by::

    sphinx-build -W --keep-going -b html docs docs/_build/html
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
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "tnrnn_cli",
]
# No intersphinx: the build machine is offline, and nothing may be fetched.

exclude_patterns = ["_build"]
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
    app.connect("missing-reference", _resolve_short_names)
