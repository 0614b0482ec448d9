"""Sphinx configuration of the symlearn documentation.

Build it with ``python -m sphinx -W --keep-going -b html docs docs/_build/html``
(after ``pip install ".[docs]"``): warnings, broken cross-references
included, are errors. The gallery runs every script in ``examples/``.
"""

import os
import sys
from importlib.metadata import version as _version

sys.path.insert(0, os.path.abspath(".."))

project = "symlearn"
author = "the symlearn developers"
copyright = "2026, the symlearn developers"
release = _version("symlearn")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.md5"]
templates_path = ["_templates"]

# Every reference must resolve. Without network access at build time there
# is no intersphinx: names of other libraries are written out, not linked.
nitpicky = True
nitpick_ignore_regex = [
    (r"py:.*", r"(torch|numpy|np|sklearn|skorch|scipy|matplotlib|joblib|dask|safetensors)(\..*)?"),
    (r"py:.*", r"(array-like|ndarray|callable|optional|default|of|shape|int|float|str|bool)"),
]

autosummary_generate = True
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()

myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every example runs: each must finish in well under a minute on a CPU.
    "filename_pattern": r"/.*\.py$",
    "download_all_examples": False,
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "show_memory": False,
}

html_theme = "pydata_sphinx_theme"
html_title = "symlearn"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []

# A method's docstring is its own: torch's ``forward`` and the like are not repeated.
autodoc_inherit_docstrings = False


def _skip_member(app, what, name, obj, skip, options):
    # scikit-learn adds ``set_*_request`` methods for metadata routing; they
    # are scikit-learn's, documented there.
    if name.startswith("set_") and name.endswith("_request") or name == "get_metadata_routing":
        return True
    # What scikit-learn's mixins give (``score``) is documented by scikit-learn.
    if (getattr(obj, "__module__", None) or "").startswith("sklearn."):
        return True
    return skip


def setup(app):
    app.connect("autodoc-skip-member", _skip_member)
