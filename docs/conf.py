"""Sphinx configuration for tnrnn's documentation.

Built offline with warnings as errors::

    sphinx-build -W --keep-going -b html docs docs/_build/html
"""

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

import tnrnn  # noqa: E402

project = "tnrnn"
author = "the tnrnn authors"
copyright = "2025, the tnrnn authors"
version = release = tnrnn.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
]

# No intersphinx: the build machine is offline.
exclude_patterns = ["_build"]
templates_path = []
html_static_path = []
html_theme = "alabaster"
html_theme_options = {"description": "certified separation ranks of recurrent arithmetic circuits"}

default_role = None
primary_domain = "py"
nitpicky = False

autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": True, "show-inheritance": False}

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
