"""Proven upper bounds on the separation rank of circuits of any layer kind (``ssm``, ``gla``, ...).

The RAC closed forms (:mod:`tnrnn.ranks.bounds`) stay as they are; this module
gives the bounds that hold for every registered kind, for prefix cuts
(start ``0..s-1``, end ``s..T-1``; ``start-end`` is the prefix cut with
``s = T/2``).  Proofs in docs/gated.rst:

``cap:grid``
    ``min(M^|S|, M^|E|)``: the matricization has that many rows and columns.
``automaton bound`` (depth 1)
    ``LayerKind.cut_state_rank(R)``: one layer's output depends on its state
    at the cut through an affine map of rank at most ``R`` (``R + 1`` for
    ``ssm`` and ``gla``, whose state is affine in the cut state; ``R`` for ``rac``).
``monomial bound`` (any depth; ``monomial bound + lemma`` where a proven
lemma of :data:`LEMMAS` groups monomials whose coefficients are proportional)
    The number of monomials in the states at the cut that the output can
    contain, counted by running the kind's step over sets of exponent
    vectors (:func:`tnrnn.ranks.support.monomial_bound`); where that count
    would cost too much, its *majorant* ``prod_g C(n_g + d_g, n_g)`` from the
    degrees ``d_g`` of the output in the ``n_g`` cut variables of layer ``g``
    (``monomial majorant``).

Cuts that are not prefix cuts are refused for these kinds (no bound beyond
the grid cap is proven for them), in one line naming the cuts accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..circuits import CircuitSpec
from ..cuts import Cut
from ..errors import InvalidParameterError
from .support import monomial_bound

__all__ = ["KindUpper", "kind_upper", "check_kind_cut", "LEMMAS", "register_lemma", "ssm_pure_powers"]


def ssm_pure_powers(mono, hidden: int, end_steps: int) -> int:
    """How many rows the pure-power lemma removes from the monomial count of a depth-2 ``ssm`` (proof below).

    With ``z`` the first layer's and ``v`` the second layer's state at a prefix
    cut and ``E >= 1`` end steps, every first-layer output after the cut is
    ``y_k = alpha_k * z + beta_k`` (the state is ``D_k z + e_k``, ``D_k``
    diagonal) and ``f = sum_r w_r (C y_E)_r [v_r prod_k (A y_k)_r +
    sum_k (B y_k)_r prod_{j>k} (A y_j)_r]`` (second-layer weights ``A, B, C``).
    The coefficient of ``z_i^(E+1) v_r`` takes the ``z_i`` part of each of the
    ``E + 1`` affine factors: ``w_r C_ri A_ri^E pi_i`` with
    ``pi_i = alpha_Ei prod_k alpha_ki``; that of ``z_i^(E+1)`` comes from the
    ``k = 1`` term only (the others have lower degree):
    ``sum_r w_r C_ri B_ri A_ri^(E-1) pi_i``.  So the ``R + 1`` rows
    ``z_i^(E+1) {1, v_1, ..., v_R}`` of the coefficient matrix are multiples
    of one row ``pi_i(end)`` and add at most 1 to its rank: each ``i`` removes
    (number of those rows in the support) - 1, ``R^2`` in all.
    """
    R, E = hidden, end_steps
    removed = 0
    for i in range(R):
        rows = [{(0, i): E + 1}] + [{(0, i): E + 1, (1, r): 1} for r in range(R)]
        present = sum(mono.monomial(row) in mono.support for row in rows)
        removed += max(0, present - 1)
    return removed


#: Proven lemmas that sharpen the monomial bound, by ``(kind, depth)``: ``func(mono, R, E) -> rows removed``.
LEMMAS: dict = {}


def register_lemma(kind: str, depth: int, func) -> None:
    """Register a lemma ``func(monomial_bound, R, E) -> rows removed`` for circuits of ``kind`` and ``depth``."""
    LEMMAS[(kind, depth)] = func


register_lemma("ssm", 2, ssm_pure_powers)


@dataclass(frozen=True)
class KindUpper:
    """The least proven upper bound for a circuit of a non-``rac`` kind, with the bounds it was chosen from.

    Attributes
    ----------
    value : int
    source : str
        ``"cap:grid"``, ``"automaton bound"``, ``"monomial bound"`` or ``"monomial majorant"``.
    caps : dict
        ``{"grid": min(M^|S|, M^|E|)}`` (and ``"automaton"`` at depth 1).
    degree : int
        The monomial bound (or its majorant).
    details : dict
        The monomial bound's variables, degrees, majorant and how it was obtained.
    """

    value: int
    source: str
    caps: dict
    degree: int
    details: dict = field(default_factory=dict)


def check_kind_cut(spec: CircuitSpec, cut: Cut) -> None:
    """Refuse a cut no bound is proven for with circuits of ``spec.kind`` (``rac`` takes every cut).

    Examples
    --------
    >>> check_kind_cut(CircuitSpec("ssm", 2, 2, 2), Cut.start_end(4))
    >>> check_kind_cut(CircuitSpec("ssm", 2, 2, 2), Cut.interleaved(4))
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid cut='interleaved': expected a prefix cut (start-end or prefix:s) for ssm circuits (bounds for other cuts are proven for rac only)
    """
    if spec.kind != "rac" and not (cut.is_prefix and len(cut.start) >= 1 and len(cut.end) >= 1):
        raise InvalidParameterError("cut", str(cut), f"a prefix cut (start-end or prefix:s) for {spec.kind} circuits "
                                    "(bounds for other cuts are proven for rac only)")


def kind_upper(spec: CircuitSpec, cut: Cut) -> KindUpper:
    """The least of the grid cap, the automaton bound (depth 1) and the monomial bound.

    ``spec`` is validated (a :class:`~tnrnn.circuits.CircuitSpec`) and ``cut``
    a prefix cut (:func:`check_kind_cut`); ties go to the grid cap, then the
    automaton bound.

    Examples
    --------
    >>> u = kind_upper(CircuitSpec("ssm", 2, 2, 3), Cut.start_end(8))
    >>> u.value, u.source, u.caps                    # (R + 1) C(R + E + 1, R) - R^2 = 3 * 21 - 4
    (59, 'monomial bound + lemma', {'grid': 81})
    >>> kind_upper(CircuitSpec("gla", 1, 3, 2), Cut.start_end(8)).source
    'automaton bound'
    >>> kind_upper(CircuitSpec("gla", 2, 3, 2), Cut.start_end(8)).source
    'cap:grid'
    """
    check_kind_cut(spec, cut)
    L, R, M = spec.depth, spec.hidden, spec.inputs
    S, E = len(cut.start), len(cut.end)
    caps = {"grid": min(M**S, M**E)}
    named = [(caps["grid"], "cap:grid")]
    if L == 1:
        caps["automaton"] = spec.layer_kind.cut_state_rank(R)
        named.append((caps["automaton"], "automaton bound"))
    mono = monomial_bound(spec.kind, L, R, E, useful_below=caps["grid"])
    degree, source = mono.value, "monomial bound" if mono.counted else "monomial majorant"
    lemma = LEMMAS.get((spec.kind, L))
    removed = lemma(mono, R, E) if lemma is not None and mono.counted else 0
    if removed:
        degree, source = degree - removed, "monomial bound + lemma"
    named.append((degree, source))
    value, source = min(named, key=lambda vs: vs[0])
    details = {"monomial": {"value": mono.value, "counted": mono.counted, "majorant": mono.majorant,
                            "variables": list(mono.variables), "degrees": list(mono.degrees), "reason": mono.reason,
                            "lemma_removed": removed}}
    return KindUpper(value, source, caps, degree, details)
