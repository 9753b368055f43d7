"""tnrnn: the long-term memory of recurrent networks, measured with tensor networks.

The measure is the Start-End separation rank (Levine, Sharir, Ziv, Shashua,
"Depth Enables Long-Term Memory for Recurrent Neural Networks", 2020) of the
function a recurrent arithmetic circuit (RAC) computes.

>>> import tnrnn
>>> r = tnrnn.rank_bounds(depth=2, hidden=4, inputs=4, length=8)
>>> r.lower, r.upper, r.exact, r.theorem_lower
(140, 140, True, 35)
"""

__version__ = "0.1.0"

from . import bridge, errors
from .bench import BenchRecord, bench
from .bridge import EmpiricalSpectrum, empirical_spectrum, from_module, load_weights
from .circuits import RAC
from .contract import ContractionCost, list_optimizers
from .cuts import Cut
from .draw import draw, plot_ranks, plot_spectrum
from .errors import TnrnnError
from .exact import exact_rank, list_engines
from .mincut import MinCut, mincut_bound, mincut_bound_for
from .network import CircuitNetwork, compile
from .ranks import RankBounds, cut_rank, format_table, rank_bounds
from .spectrum import Spectrum, spectrum

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
    "from_module",
    "load_weights",
    "empirical_spectrum",
    "EmpiricalSpectrum",
    "draw",
    "plot_ranks",
    "plot_spectrum",
    "bench",
    "BenchRecord",
]
