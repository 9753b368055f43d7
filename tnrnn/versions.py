"""The versions of tnrnn and of the libraries a result depends on, recorded beside results.

Examples
--------
>>> v = versions()
>>> sorted(k for k in ("tnrnn", "numpy", "python") if k in v)
['numpy', 'python', 'tnrnn']
"""

from __future__ import annotations

import functools
import importlib.metadata
import platform

__all__ = ["versions"]

#: The distributions whose versions records carry (when installed).
DEPENDENCIES = ("numpy", "scipy", "quimb", "cotengra", "opt_einsum", "autoray", "python-flint", "networkx",
                "torch", "matplotlib")


@functools.cache
def _installed() -> dict:
    out = {}
    for name in DEPENDENCIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


def versions() -> dict:
    """``{"tnrnn": ..., "python": ..., "numpy": ..., ...}``: a JSON-safe dict of versions (installed ones only).

    Read from the installed distributions' metadata: nothing is imported.
    """
    from ._version import __version__

    return {"tnrnn": __version__, "python": platform.python_version(), **_installed()}
