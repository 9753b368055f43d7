"""The certified track: closed-form bounds, exact GF(p) engines, records.

``bounds`` holds every closed form (the paper's theorems, the grid caps, the
degree bound, and :func:`~tnrnn.ranks.bounds.closed_form_upper`, the one
upper bound used everywhere); ``engines`` computes ranks of evaluation
matrices over GF(p) (a registry: ``grid``; ``factored`` registers the
factored engine); ``certify``
combines them into :func:`rank_bounds` (an architecture) and
:func:`cut_rank` (one circuit); ``records`` is :class:`RankBounds` and its
table.  The prime-field arithmetic itself is :mod:`tnrnn.field`.
"""

from . import factored  # noqa: F401  (registers the factored engine)
from .bounds import closed_form_upper, degree_bound, grid_caps, theorem_lower
from .certify import METHODS, certified_rank, cut_rank, float_vs_certified, rank_bounds
from .engines import ExactRank, exact_rank, list_engines, register_engine
from .records import RankBounds, format_table

__all__ = [
    "METHODS",
    "ExactRank",
    "RankBounds",
    "certified_rank",
    "closed_form_upper",
    "cut_rank",
    "degree_bound",
    "exact_rank",
    "float_vs_certified",
    "format_table",
    "grid_caps",
    "list_engines",
    "rank_bounds",
    "register_engine",
    "theorem_lower",
]
