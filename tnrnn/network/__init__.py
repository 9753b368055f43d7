"""The tensor-network track: compile a circuit (RAC, ssm, gla, ...), plan and contract, cut, take spectra.

``core`` compiles circuits into quimb networks (:class:`CircuitNetwork`, its
:class:`ContractionProblem`), each layer kind through its network form
(``forms``: ``factored`` for RACs, ``augmented`` for the gated kinds) and the
tree of circuit nodes (``structure``); ``optimizers`` is the registry of path
optimizers and the default; ``contract`` plans and contracts (grid tensor,
matricization, evaluation); ``mincut`` bounds ranks by minimum cuts;
``spectrum`` takes singular values across a cut by contraction.
"""

from .contract import ContractionCost, ContractionPlan, contraction_cost, evaluate, grid_tensor, matricize
from .core import CircuitNetwork, ContractionProblem, NetworkSummary, compile
from .mincut import MinCut, mincut_bound, mincut_bound_for
from .optimizers import DEFAULT_OPTIMIZER, list_optimizers, register_optimizer
from .spectrum import Spectrum, spectrum

__all__ = [
    "DEFAULT_OPTIMIZER",
    "CircuitNetwork",
    "ContractionCost",
    "ContractionPlan",
    "ContractionProblem",
    "MinCut",
    "NetworkSummary",
    "Spectrum",
    "compile",
    "contraction_cost",
    "evaluate",
    "grid_tensor",
    "list_optimizers",
    "matricize",
    "mincut_bound",
    "mincut_bound_for",
    "register_optimizer",
    "spectrum",
]
