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
``monomial bound`` (any depth)
    Where a proven lemma of :data:`LEMMAS` applies, ``monomial bound + lemma``:
    the lemma bounds the rank of blocks of rows of the coefficient matrix.
    The number of monomials in the states at the cut that the output can
    contain, counted by running the kind's step over sets of exponent
    vectors (:func:`tnrnn.ranks.support.monomial_bound`); where that count
    would cost too much, its *majorant* ``prod_g C(n_g + d_g, n_g)`` from the
    degrees ``d_g`` of the output in the ``n_g`` cut variables of layer ``g``
    (``monomial majorant``).

:func:`certified_upper` is the one place that picks, for a shape of any kind,
the RAC closed forms or :func:`kind_upper`.

Cuts that are not prefix cuts are refused for these kinds (no bound beyond
the grid cap is proven for them), in one line naming the cuts accepted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import factorial

from ..circuits import CircuitSpec
from ..cuts import Cut
from ..errors import InvalidParameterError
from .support import monomial_bound

__all__ = ["KindUpper", "kind_upper", "certified_upper", "check_kind_cut", "LEMMAS", "register_lemma", "ssm_top_degree_blocks"]


def _compositions(total: int, parts: int):
    """Every tuple of ``parts`` non-negative integers summing to ``total``."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


def _alpha_monomials(e: tuple, end_steps: int) -> int:
    """``N(e)``: distinct products ``prod_k alpha_{k, i_k} * alpha_{E, i_c}`` whose indices have multiset ``e``
    (the sequence ``i_1..i_{E-1}`` and the unordered pair ``{i_E, i_c}``)."""
    E = end_steps
    support = [i for i, x in enumerate(e) if x]
    total = 0
    for a_pos, a in enumerate(support):
        for b in support[a_pos:]:
            rest = list(e)
            rest[a] -= 1
            rest[b] -= 1
            if min(rest) < 0:
                continue
            ways = factorial(E - 1)
            for x in rest:
                ways //= factorial(x)
            total += ways
    return total


def ssm_top_degree_blocks(mono, hidden: int, end_steps: int) -> int:
    """Rows the top-degree lemma removes from the monomial count of a depth-2 ``ssm`` (proof below).

    With ``z`` the first layer's and ``v`` the second layer's state at a prefix
    cut and ``E >= 1`` end steps, every first-layer output after the cut is
    ``y_k = alpha_k * z + beta_k`` (the state is ``D_k z + e_k`` with ``D_k``
    diagonal) and, with second-layer weights ``A, B, C`` and output weights ``w``,
    ``f = sum_r w_r (C y_E)_r [v_r prod_k (A y_k)_r + sum_k (B y_k)_r prod_{j>k} (A y_j)_r]``.
    Take a monomial ``z^e`` of the top degree ``|e| = E + 1`` and its block of
    ``R + 1`` rows ``z^e v_1, ..., z^e v_R, z^e`` of the coefficient matrix.
    Each of the ``E + 1`` affine factors contributes its ``z_i`` part
    (``A_ri alpha_ki``, ``C_ri alpha_Ei``), so the coefficient of ``z^e v_r``
    is a sum over assignments ``(i_1, ..., i_E, i_c)`` with multiset ``e`` of
    ``w_r C_{r i_c} prod_k A_{r i_k}`` times ``prod_k alpha_{k i_k} alpha_{E i_c}``;
    the weight factor depends on the assignment only through ``i_c`` (the
    ``A`` indices are then ``e - delta_{i_c}``).  Hence the column of the block
    over ``r`` is ``sum_{c in supp e} Pi_c(end) g_c`` for ``|supp e|`` fixed
    vectors ``g_c``, plus one more function in the row of ``z^e`` (which comes
    from the ``k = 1`` term only): the block has rank at most ``|supp e| + 1``.
    Every entry is also a combination of the ``N(e)`` distinct products of
    alphas (:func:`_alpha_monomials`), so the rank is at most ``N(e)``.  A
    matrix's rank is at most the sum of its row blocks' ranks, so each block
    removes (its rows in the support) - ``min(rows, |supp e| + 1, N(e))``;
    ``R^2`` for the pure powers ``z_i^(E+1)`` alone (``N = 1``).
    """
    R, E = hidden, end_steps
    removed = 0
    for e in _compositions(E + 1, R):
        rows = [{(0, i): x for i, x in enumerate(e) if x}]
        rows += [{**rows[0], (1, r): 1} for r in range(R)]
        present = sum(mono.monomial(row) in mono.support for row in rows)
        keep = min(present, sum(1 for x in e if x) + 1, _alpha_monomials(e, E))
        removed += present - keep
    return removed


#: Proven lemmas that sharpen the monomial bound, by ``(kind, depth)``: ``func(mono, R, E) -> rows removed``.
LEMMAS: dict = {}


def register_lemma(kind: str, depth: int, func) -> None:
    """Register a lemma ``func(monomial_bound, R, E) -> rows removed`` for circuits of ``kind`` and ``depth``."""
    LEMMAS[(kind, depth)] = func


register_lemma("ssm", 2, ssm_top_degree_blocks)


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
    >>> u.value, u.source, u.caps                    # (R + 1) C(R + E + 1, R) - R^2 = 3 * 21 - 4 at R = 2
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


def certified_upper(spec: CircuitSpec, cut: Cut):
    """The certified upper bound of a circuit shape of any kind, with its ``value`` and ``source``.

    The class that holds the kind's circuits decides (:func:`tnrnn.circuits.circuit_class`): RACs get
    :func:`tnrnn.ranks.bounds.closed_form_upper` (every cut), the other kinds :func:`kind_upper`
    (prefix cuts).

    Examples
    --------
    >>> certified_upper(CircuitSpec("rac", 1, 2, 3), Cut.start_end(6)).value          # Theorem 1: R
    2
    >>> u = certified_upper(CircuitSpec("ssm", 1, 2, 3), Cut.start_end(6))
    >>> u.value, u.source                                                             # R + 1
    (3, 'automaton bound')
    """
    from ..circuits import RAC, circuit_class

    spec = CircuitSpec.of(spec)
    if circuit_class(spec.kind) is RAC:
        from .bounds import closed_form_upper

        return closed_form_upper(spec.depth, spec.hidden, spec.inputs, cut)
    return kind_upper(spec, cut)
