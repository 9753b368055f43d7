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

from . import bridge, errors, memory, tasks
from ._version import __version__
from .bench import BenchRecord, bench

# trained networks
from .bridge import EmpiricalSpectrum, empirical_spectrum, from_module, load_weights

# the certified track
from .circuits import RAC
from .cuts import Cut
from .errors import TnrnnError

# the tensor-network track
from .network import (
    CircuitNetwork,
    ContractionCost,
    MinCut,
    Spectrum,
    compile,
    list_optimizers,
    mincut_bound,
    mincut_bound_for,
    spectrum,
)

# figures and benchmarks
from .plotting import draw, plot_ranks, plot_spectra, plot_spectrum
from .ranks import RankBounds, cut_rank, exact_rank, format_table, list_engines, rank_bounds

# records of every track: JSON lines, tables
from .records import Record, load_results, read_records, to_pandas

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
