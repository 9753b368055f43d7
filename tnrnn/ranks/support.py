"""The monomial bound: how many monomials in the cut state a circuit's output can contain.

Across a prefix cut (start ``0..s-1``, end ``s..T-1``), the output of a circuit
of any registered layer kind is ``f = sum_m c_m(end) m(state at the cut)``: a
polynomial in the *cut variables* (every entry of every layer's state after
step ``s - 1``) whose coefficients depend on the end inputs only.  Every
start then gives the row ``(m(state))_m`` and every end the column
``(c_m)_m``, so the rank of the grid matricization is at most the number of
monomials ``m`` that can occur (proof in docs/gated.rst, "The monomial bound").

Which monomials can occur is found without any weights, by running the kind's
own registered step (:attr:`tnrnn.circuits.LayerKind.step`) over a semiring
whose elements are *sets of exponent vectors* (:class:`SemiringOps`): a sum
has its support in the union of the supports (``add``; ``lin`` is the union
over a row, every weight possibly nonzero), a product in their Minkowski sum
(``mul``; ``dot`` is the union of Minkowski sums), and an input (one-hot: a
constant) has support ``{0}``.  Treating every weight as an indeterminate,
each computed set contains the support of the corresponding polynomial, for
all weights and all end inputs at once.

The top layer's state enters through its *readout labels*
(:attr:`tnrnn.circuits.LayerKind.readout_labels`): ``gla``'s output reads its
``R x R`` state ``S`` only through ``S w``, so ``S_ij`` is replaced by the
variable ``v_i`` (valid because the coefficient of ``S_ij`` is ``w_j g_i``: the
support of ``g_i`` is found in the computed set of ``v_i``).  At depth 1 the
count is the kind's automaton bound (:attr:`~tnrnn.circuits.LayerKind.cut_state_rank`).

Cost before compute: a first pass over the max-plus semiring gives, for every
group of cut variables (one group per layer), the largest total degree
``d_g`` in the ``n_g`` variables of the group; the number of monomials is at
most the *majorant* ``prod_g C(n_g + d_g, n_g)`` (itself a proven bound).  The
set pass runs only when the majorant is at most :data:`MAX_MONOMIALS`, and
stops (falling back to the majorant) beyond :data:`MAX_PAIRS` pairs of
exponent vectors combined.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from math import comb, prod

import numpy as np

from ..circuits.kinds import Ops, layer_kind

__all__ = ["SemiringOps", "MonomialBound", "monomial_bound", "weight_degree_of", "MAX_MONOMIALS", "MAX_PAIRS"]

#: The set pass runs only when the majorant (an upper bound on every count it could return) is at most this.
MAX_MONOMIALS = 400_000

#: The set pass stops after this many pairs of exponent vectors added (about 10 s of Python set arithmetic).
MAX_PAIRS = 60_000_000


class SemiringOps(Ops):
    """Array operations over a semiring of Python objects (``join`` is its sum, ``combine`` its product).

    The arrays are numpy object arrays; ``lin(u, W)`` is the join over ``k``
    of ``combine(u[..., k], W[i, k])``, as ``u @ W.T`` is over the reals.

    Examples
    --------
    Max-plus degrees: one layer of ``ssm`` on a state of degree 1 gives an
    output of degree 1 (``y = (C u) (A u) h + (C u) B u``, ``u`` constant):

    >>> ops = SemiringOps(max, lambda a, b: a + b)
    >>> one = lambda *shape: np.full(shape, 0, dtype=object)
    >>> params = {name: one(2, 1) for name in "ABC"}
    >>> h, y = layer_kind("ssm").step(ops, params, np.full((1, 2), 1, dtype=object), one(1, 1))
    >>> y.tolist()
    [[1, 1]]
    """

    exact = True

    def __init__(self, join, combine):
        self._join = np.frompyfunc(join, 2, 1)
        self._combine = np.frompyfunc(combine, 2, 1)

    def lin(self, u, W):
        return self._join.reduce(self._combine(u[..., None, :], W), axis=-1)

    def mul(self, a, b):
        return self._combine(a, b)

    def add(self, a, b):
        return self._join(a, b)

    def dot(self, a, b, axis: int):
        return self._join.reduce(self._combine(a, b), axis=axis)


class _Constants(dict):
    """Parameters of a layer as semiring constants; a name the kind does not list (``rac``'s first
    hidden factor, the all-ones vector) is a constant vector of length ``R``."""

    def __init__(self, items, missing):
        super().__init__(items)
        self._missing = missing

    def __missing__(self, key):
        return self._missing


def _constant(value, shape) -> np.ndarray:
    arr = np.empty(shape, dtype=object)
    arr.fill(value)
    return arr


def _run_end(kind, depth: int, hidden: int, end_steps: int, states: list, one, top_var_state=None):
    """The output's semiring element after ``end_steps`` steps from ``states`` (inputs constant)."""
    R = hidden
    ops = SemiringOps(*one[1:])
    c = one[0]
    params = [_Constants({name: _constant(c, kind.param_shape(name, R, 1 if layer == 0 else R))
                          for name in kind.params}, _constant(c, (R,))) for layer in range(depth)]
    u = _constant(c, (1, 1))
    top = None
    for _ in range(end_steps):
        below = u
        for layer in range(depth):
            states[layer], below = kind.step(ops, params[layer], states[layer], below)
        top = below
    return ops.lin(top, _constant(c, (1, R)))[0, 0]


def _groups(kind, depth: int, hidden: int) -> list[np.ndarray]:
    """Per layer, the label (variable index within the layer's group) of every state entry."""
    shape = kind.state_shape(hidden)
    labels = [np.arange(int(np.prod(shape))).reshape(shape) for _ in range(depth)]
    if kind.readout_labels is not None:
        labels[-1] = np.asarray(kind.readout_labels(hidden)).reshape(shape)
    return labels


def _max_tuple(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return tuple(map(max, a, b))


def _add_tuple(a, b):
    if a is None or b is None:
        return None
    return tuple(x + y for x, y in zip(a, b))


@dataclass(frozen=True)
class MonomialBound:
    """The monomial bound of a circuit shape across a prefix cut with ``E`` end steps.

    Attributes
    ----------
    value : int
        The bound: the number of monomials found by the set pass, or the
        majorant when the set pass did not run.
    counted : bool
        Whether ``value`` is the set pass's count (else it is the majorant).
    majorant : int
        ``prod_g C(n_g + d_g, n_g)``.
    variables, degrees : tuple of int
        ``n_g`` and ``d_g`` per layer (bottom first).
    reason : str
        How ``value`` was obtained.
    support : frozenset or None
        The monomials counted (packed: variable ``j`` of the concatenated
        groups has weight ``base ** j``), when the set pass ran.
    base : int
        The packing base (above every degree).
    """

    value: int
    counted: bool
    majorant: int
    variables: tuple
    degrees: tuple
    reason: str
    support: frozenset | None = field(default=None, repr=False, compare=False)
    base: int = 0

    def monomial(self, exponents: dict) -> int:
        """The packed monomial with ``exponents`` (``{(group, index): exponent}``)."""
        offsets = np.cumsum((0,) + self.variables)
        return sum(e * self.base ** int(offsets[g] + i) for (g, i), e in exponents.items())


@lru_cache(maxsize=256)
def monomial_bound(kind, depth: int, hidden: int, end_steps: int, max_pairs: int = MAX_PAIRS,
                   max_monomials: int = MAX_MONOMIALS, useful_below: int | None = None) -> MonomialBound:
    """The number of monomials in the cut variables that the output can contain (module docstring).

    Parameters
    ----------
    kind : str
        A registered layer kind.
    depth, hidden, end_steps : int
        ``L``, ``R`` and ``E`` (validated by the caller: :class:`~tnrnn.circuits.CircuitSpec`).
    max_pairs, max_monomials : int
        The cost limits of the set pass (:data:`MAX_PAIRS`, :data:`MAX_MONOMIALS`).
    useful_below : int, optional
        A bound already proven (the grid cap): the set pass is skipped when the
        majorant is above 64 times it (the count would almost surely not get
        below it, and the pass costs seconds).

    Examples
    --------
    One layer: the automaton bound ``R + 1`` (``ssm``, ``gla``) or ``R`` (``rac``):

    >>> [monomial_bound(k, 1, 3, 5).value for k in ("ssm", "gla", "rac")]
    [4, 4, 3]

    Two ``ssm`` layers, ``R = 2``, ``E = 4``: ``(R + 1) C(R + E + 1, R) = 3 * 21``;
    two ``rac`` layers give the degree bound ``R ((R, E))``:

    >>> monomial_bound("ssm", 2, 2, 4).value, monomial_bound("rac", 2, 2, 4).value
    (63, 10)
    """
    k = layer_kind(kind)
    L, R, E = depth, hidden, end_steps
    labels = _groups(k, L, R)
    sizes = tuple(int(lab.max()) + 1 for lab in labels)
    # pass 1: max-plus degrees per group
    zero = (0,) * L
    states = []
    for g, lab in enumerate(labels):
        unit = tuple(int(i == g) for i in range(L))
        states.append(_constant(unit, (1,) + lab.shape))
    deg = _run_end(k, L, R, E, states, (zero, _max_tuple, _add_tuple))
    degrees = tuple(0 if deg is None else deg)
    majorant = prod(comb(n + d, n) for n, d in zip(sizes, degrees))
    if deg is None:
        return MonomialBound(0, True, 0, sizes, degrees, "the output is identically zero")
    if useful_below is not None and majorant > 64 * useful_below:
        return MonomialBound(majorant, False, majorant, sizes, degrees,
                             f"degree majorant prod C(n_g + d_g, n_g) (the set pass was not run: the majorant "
                             f"{majorant} is above 64 times the grid cap {useful_below})")
    if majorant > max_monomials:
        return MonomialBound(majorant, False, majorant, sizes, degrees,
                             f"degree majorant prod C(n_g + d_g, n_g) (the set pass was not run: the majorant "
                             f"{majorant} is above {max_monomials} monomials)")
    # pass 2: sets of packed exponent vectors (base above every degree)
    base = max(degrees) + 1
    offsets = np.cumsum((0,) + sizes)
    states = []
    for g, lab in enumerate(labels):
        arr = np.empty((1,) + lab.shape, dtype=object)
        arr[0] = np.vectorize(lambda i, g=g: frozenset((base ** int(offsets[g] + i),)), otypes=[object])(lab)
        states.append(arr)
    budget = [max_pairs]

    class _Exceeded(Exception):
        pass

    def minkowski(a, b):
        budget[0] -= len(a) * len(b)
        if budget[0] < 0:
            raise _Exceeded
        if len(a) == 1:
            (x,) = a
            return frozenset(x + y for y in b)
        if len(b) == 1:
            (y,) = b
            return frozenset(x + y for x in a)
        return frozenset(x + y for x in a for y in b)

    try:
        support = _run_end(k, L, R, E, states, (frozenset((0,)), frozenset.union, minkowski))
    except _Exceeded:
        return MonomialBound(majorant, False, majorant, sizes, degrees,
                             f"degree majorant prod C(n_g + d_g, n_g) (the set pass stopped after {max_pairs} "
                             "pairs of exponent vectors)")
    return MonomialBound(len(support), True, majorant, sizes, degrees,
                         "monomials of the cut state in the output's support (set pass)", support, base)


def weight_degree_of(kind, depth: int, hidden: int, length: int) -> int:
    """The total degree of a grid entry as a polynomial in the weights, for any layer kind.

    The max-plus pass of the module docstring from ``t = 0`` (states ``None``),
    with every weight of degree 1, inputs of degree 0 and the output weights
    of degree 1.  For ``rac`` it equals :func:`tnrnn.ranks.bounds.weight_degree`.

    Examples
    --------
    >>> from tnrnn.ranks.bounds import weight_degree
    >>> weight_degree_of("rac", 3, 2, 12) == weight_degree(3, 12)
    True
    >>> weight_degree_of("ssm", 1, 2, 4)      # C A A A B: 5, plus W^O
    6
    """
    k = layer_kind(kind)
    R = hidden
    ops = SemiringOps(_max_none, _add_none)
    params = [_Constants({name: _constant(1, k.param_shape(name, R, 1 if layer == 0 else R)) for name in k.params},
                         _constant(0, (R,))) for layer in range(depth)]
    states: list = [None] * depth
    top = None
    for _ in range(length):
        below = _constant(0, (1, 1))
        for layer in range(depth):
            states[layer], below = k.step(ops, params[layer], states[layer], below)
        top = below
    return int(ops.lin(top, _constant(1, (1, R)))[0, 0])


def _max_none(a, b):
    return max(a, b)


def _add_none(a, b):
    return a + b
