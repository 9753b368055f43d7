"""tnrnn: the long-term memory of recurrent networks, measured with tensor networks.

The measure is the Start-End separation rank (Levine, Sharir, Ziv, Shashua,
"Depth Enables Long-Term Memory for Recurrent Neural Networks", 2020) of the
function a recurrent arithmetic circuit (RAC) computes.  The tracks::

    spec (L, R, M) -> circuits.RAC --cut--> ranks/    closed forms + GF(p) engines -> RankBounds
                         |        --T-->    network/  compile -> optimizers -> contract -> spectrum, min-cut
    trained torch -> bridge/ (nn, files, mapping)  -> RAC or RecurrentModel -> empirical spectra
    tasks/ (memory tasks, deep orthogonal RNNs, training) -> trained models
    models, kernels -> memory/ memory functions, Hankel analysis, curse of memory, memory measures
    all records   -> plotting/ (figures), bench/ (contraction benchmark), cli/ (the tnrnn command)
    shared leaves:   errors, limits (memory budgets), backends (numpy/torch/cupy), field (GF(p)), cuts, typing

>>> import tnrnn
>>> r = tnrnn.rank_bounds(depth=2, hidden=4, inputs=4, length=8)
>>> r.lower, r.upper, r.exact, r.theorem_lower
(140, 140, True, 35)
"""

import importlib
import importlib.util
import sys
import types

from ._version import __version__

#: Public names -> the module that defines them.  Nothing is imported until a name is
#: first used (PEP 562), so ``import tnrnn`` and small CLI queries stay instant.
_LAZY = {
    # subpackages
    "bridge": None, "errors": None, "memory": None, "tasks": None,
    # the certified track
    "RAC": "circuits", "Cut": "cuts", "TnrnnError": "errors",
    "RankBounds": "ranks", "cut_rank": "ranks", "exact_rank": "ranks", "format_table": "ranks",
    "list_engines": "ranks", "rank_bounds": "ranks",
    # the tensor-network track
    "CircuitNetwork": "network", "ContractionCost": "network", "MinCut": "network",
    "Spectrum": "network", "compile": "network", "list_optimizers": "network",
    "mincut_bound": "network", "mincut_bound_for": "network", "spectrum": "network",
    # trained networks
    "EmpiricalSpectrum": "bridge", "empirical_spectrum": "bridge", "from_module": "bridge",
    "load_weights": "bridge",
    # figures and benchmarks
    "draw": "plotting", "plot_ranks": "plotting", "plot_spectra": "plotting",
    "plot_spectrum": "plotting", "BenchRecord": "bench", "bench": "bench",
    # records of every track: JSON lines, tables
    "Record": "records", "load_results": "records", "read_records": "records", "to_pandas": "records",
}


def __getattr__(name: str):
    if name not in _LAZY:
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)   # any subpackage, as after an eager import
        raise AttributeError(f"module 'tnrnn' has no attribute {name!r}")
    module = _LAZY[name]
    if module is None:
        value = importlib.import_module(f".{name}", __name__)
    else:
        value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


class _Package(types.ModuleType):
    """``tnrnn.bench`` is the benchmark function, as when it was imported eagerly: importing the
    subpackage ``tnrnn.bench`` (which Python binds on its parent) does not shadow it."""

    def __setattr__(self, name, value):
        if name == "bench" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "__version__",
    "errors",
    "TnrnnError",
    "RAC",
    "Cut",
    "compile",
    "CircuitNetwork",
    "list_optimizers",
    "ContractionCost",
    "spectrum",
    "Spectrum",
    "mincut_bound",
    "mincut_bound_for",
    "MinCut",
    "rank_bounds",
    "cut_rank",
    "RankBounds",
    "format_table",
    "exact_rank",
    "list_engines",
    "bridge",
    "memory",
    "tasks",
    "from_module",
    "load_weights",
    "empirical_spectrum",
    "EmpiricalSpectrum",
    "draw",
    "plot_ranks",
    "plot_spectrum",
    "plot_spectra",
    "bench",
    "BenchRecord",
    "Record",
    "to_pandas",
    "load_results",
    "read_records",
]
