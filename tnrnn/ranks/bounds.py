"""Closed-form bounds on the separation rank of a RAC across a cut.

Notation: depth ``L``, width ``R``, input dimension ``M``, length ``T``; a cut
has ``|S|`` start and ``|E|`` end steps.  Every bound here holds for *all*
weights unless its docstring says "generic" (outside a measure-zero set).
Proofs are in ``docs/theory.rst``.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import comb, prod

from ..circuits import check_positive_int
from ..cuts import Cut

__all__ = [
    "multiset",
    "degree_exponents",
    "degree_bound",
    "grid_caps",
    "theorem_lower",
    "TheoremBound",
    "ClosedFormUpper",
    "closed_form_upper",
]


def multiset(n: int, k: int) -> int:
    """The multiset coefficient ((n, k)) = C(n + k - 1, k).

    The number of monomials of degree ``k`` in ``n`` variables.

    Examples
    --------
    >>> multiset(4, 16), multiset(3, 2), multiset(5, 0)
    (969, 6, 1)
    """
    if n <= 0:
        return 1 if k == 0 else 0
    return comb(n + k - 1, k)


def degree_exponents(depth: int, end_steps: int) -> tuple[int, ...]:
    """Degrees of the end part of a circuit in the states at a prefix cut.

    With ``E`` end steps, the output is a polynomial in the hidden states at
    the cut, homogeneous of degree ``C(E + k - 1, k)`` in ``h^{L-k}`` for
    ``k = 0..L-1``. Entry ``k`` of the result is that degree.

    Examples
    --------
    >>> degree_exponents(3, 4)     # h^3: 1, h^2: E, h^1: E(E+1)/2
    (1, 4, 10)
    """
    L = check_positive_int(depth, "depth")
    E = check_positive_int(end_steps, "end_steps")
    return tuple(comb(E + k - 1, k) for k in range(L))


def degree_bound(depth: int, hidden: int, end_steps: int) -> int:
    """The degree (symmetric-power) upper bound for a prefix cut.

    ``prod_k ((R, C(E + k - 1, k)))`` for ``k = 0..L-1``: the dimension of the
    space of polynomials with the degrees of :func:`degree_exponents`, which
    contains every function of the start the circuit can output.

    Examples
    --------
    >>> degree_bound(1, 5, 10)    # shallow: R
    5
    >>> degree_bound(2, 4, 16)    # R * ((R, E)) = 4 * 969
    3876
    """
    R = check_positive_int(hidden, "hidden")
    return prod(multiset(R, d) for d in degree_exponents(depth, end_steps))


def grid_caps(cut: Cut, inputs: int, hidden: int, depth: int = 1) -> dict[str, int]:
    """Upper bounds read off the grid's shape and the input layer.

    Returns a dict with

    ``grid``
        ``min(M^|S|, M^|E|)``: the matricization has that many rows/columns.
    ``last_input``
        ``min(M, R) * M^(|side| - 1)`` for the side holding step ``T-1``: the
        output is linear in ``W^{I,1} f(x_{T-1})``, a vector of rank at most
        ``min(M, R)``, because the last step's states have no later consumer.
    ``input_rank`` (depth 1 only)
        ``min(M, R)^min(|S|, |E|)``: a shallow RAC is multilinear in the
        vectors ``W^{I,1} f(x_t)``. A deep RAC is not (``h^1_t`` feeds both
        ``h^2_t`` and ``h^1_{t+1}``), and the cap fails for it.

    Examples
    --------
    >>> grid_caps(Cut.start_end(4), inputs=3, hidden=2, depth=1)
    {'grid': 9, 'last_input': 6, 'input_rank': 4}
    >>> grid_caps(Cut.start_end(4), inputs=3, hidden=2, depth=2)
    {'grid': 9, 'last_input': 6}
    """
    M = check_positive_int(inputs, "inputs")
    R = check_positive_int(hidden, "hidden")
    L = check_positive_int(depth, "depth")
    S, E = len(cut.start), len(cut.end)
    last_side = E if (cut.length - 1) in cut.end else S
    caps = {"grid": min(M**S, M**E), "last_input": min(M, R) * M ** (last_side - 1)}
    if L == 1:
        caps["input_rank"] = min(M, R) ** min(S, E)
    return caps


@dataclass(frozen=True)
class ClosedFormUpper:
    """The tightest closed-form upper bound on a separation rank, with the bounds it was chosen from.

    Attributes
    ----------
    value : int
        ``min`` of the grid caps and (for prefix cuts) the degree bound.
    source : str
        ``"cap:<name>"`` or ``"degree bound"``: which bound attains it.
    caps : dict
        :func:`grid_caps`.
    degree : int or None
        :func:`degree_bound` for prefix cuts, else ``None``.
    """

    value: int
    source: str
    caps: dict
    degree: int | None


def closed_form_upper(depth: int, hidden: int, inputs: int, cut: Cut) -> ClosedFormUpper:
    """The one closed-form upper bound tnrnn uses: the least of :func:`grid_caps` and :func:`degree_bound`.

    The degree bound applies to prefix cuts only (the end side is a suffix
    of the sequence). Ties go to the grid caps, in their order.

    Examples
    --------
    >>> u = closed_form_upper(2, 3, 3, Cut.start_end(8))
    >>> u.value, u.source, u.degree
    (45, 'degree bound', 45)
    >>> closed_form_upper(2, 3, 3, Cut.start_end(4)).source
    'cap:grid'
    """
    caps = grid_caps(cut, inputs, hidden, depth)
    degree = degree_bound(depth, hidden, len(cut.end)) if cut.is_prefix else None
    named = [(v, f"cap:{k}") for k, v in caps.items()]
    if degree is not None:
        named.append((degree, "degree bound"))
    value, source = min(named, key=lambda vs: vs[0])
    return ClosedFormUpper(value, source, caps, degree)


@dataclass(frozen=True)
class TheoremBound:
    """A bound proven in the paper, with its source."""

    value: int
    source: str


def theorem_lower(depth: int, hidden: int, inputs: int, cut: Cut) -> TheoremBound | None:
    """The paper's generic lower bound on the Start-End separation rank.

    Levine, Sharir, Ziv, Shashua (2020): for ``L = 1`` the rank is exactly
    ``min(R, M^{T/2})`` (Theorem 1); for ``L = 2`` it is at least
    ``((min(M, R), T/2))`` (Theorem 2). Both hold for all weights outside a
    set of measure zero. Returns ``None`` for other cuts or depths.

    Examples
    --------
    >>> theorem_lower(2, 4, 4, Cut.start_end(32))
    TheoremBound(value=969, source='Levine et al. 2020, Theorem 2: ((min(M,R), T/2))')
    >>> theorem_lower(2, 4, 4, Cut.interleaved(8)) is None
    True
    """
    L = check_positive_int(depth, "depth")
    R = check_positive_int(hidden, "hidden")
    M = check_positive_int(inputs, "inputs")
    if cut.name != "start-end":
        return None
    half = cut.length // 2
    if L == 1:
        return TheoremBound(min(R, M**half), "Levine et al. 2020, Theorem 1: min(R, M^(T/2))")
    if L == 2:
        return TheoremBound(multiset(min(M, R), half), "Levine et al. 2020, Theorem 2: ((min(M,R), T/2))")
    return None
