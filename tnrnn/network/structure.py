"""The structure of a compiled network, without its data: circuit nodes, tensor specs, sizes.

A RAC on ``T`` steps compiles (:mod:`tnrnn.network.core`) into a tree of
*circuit nodes* ``(l, t)`` rooted at ``(L, T-1)``, whose node ``(l, t)`` has
the children ``(l, t-1)`` (hidden) and ``(l-1, t)`` (input).  This module
holds that tree (:func:`circuit_nodes`), the index structure of its tensors
(:func:`tensor_specs`), the contraction problem every contraction reads
(:class:`ContractionProblem`), the closed forms of the tree's size, and the
memory estimate made before anything is built (:func:`check_network_memory`).
Min-cut bounds use it alone, from the shape (no weights).

Closed forms (proved by counting paths in the tree).  A node ``(l, t)``
occurs once for every monotone lattice path from ``(L, T-1)`` to it, so it
has ``C(L-l + T-1-t, L-l)`` copies; input ``x_t`` is reached through a node
``(1, t)`` and so has

    copies(t) = C(L + T - t - 2, L - 1)        (1 for a shallow RAC)

copies, ``C(L + T - 1, L)`` in all (hockey-stick identity).  The tree has
``C(T + L, L) - 1`` circuit nodes, hence ``3 (C(T + L, L) - 1) + 1`` tensors.

Other kinds (``ssm``, ``gla``: the ``augmented`` form of
:mod:`tnrnn.network.forms`).  A step reads ``lam = input_uses[0]`` copies of
its layer input (``ssm`` 1: ``A u`` and ``B u`` are one linear map of
``[u; 1]``; ``gla`` 2: ``(K u)(V u)^T``), and a node whose output ``y`` is
read (by the layer above or by ``W^O``: an *emitting* node) reads
``mu = input_uses[1]`` more (``C u``, ``Q u``).  A state ``h^l_t`` feeds both
``h^l_{t+1}`` and ``y^l_t``, so it is duplicated as for a RAC, and each copy
of a layer input ``y^{l-1}_t`` is its own sub-network: node ``(l, t)`` has
the hidden child ``(l, t-1)`` and ``lam`` (``lam + mu`` when emitting) input
children ``(l-1, t)``, which emit.  Its copies are the weighted lattice paths
of :func:`weighted_paths` (a sum over the runs of down moves; ``C(i+j, i)``
for ``lam = 1, mu = 0``), and the network has one ``STEP`` tensor per node,
one ``EMIT`` per emitting node and ``W^O``: :func:`num_tensors_closed_form`.
A depth-1 network is a chain, ``T + 2`` tensors (a matrix product state).

Notation: ``L`` depth, ``R`` width, ``M`` input dimension, ``T`` length;
time is 0-based.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from ..errors import InvalidParameterError
from ..limits import check_memory
from ..typing import MemoryLike
from ..validation import check_positive_int

__all__ = [
    "NETWORK_BYTES_PER_TENSOR",
    "ROLES",
    "CircuitNode",
    "ContractionProblem",
    "TensorSpec",
    "check_network_memory",
    "circuit_nodes",
    "copies_closed_form",
    "network_memory",
    "node_copies_closed_form",
    "num_tensors_closed_form",
    "tensor_specs",
    "weighted_paths",
]

#: Role tags of the tensors of a compiled network.
ROLES = ("WI", "WH", "INIT", "MUL", "WO")


def _compositions(n: int, k: int) -> int:
    """Ways to write ``n`` as an ordered sum of ``k`` positive integers (1 for ``n = k = 0``)."""
    if n == 0 and k == 0:
        return 1
    return math.comb(n - 1, k - 1) if 1 <= k <= n else 0


def _rates(kind) -> tuple[int, int]:
    """``(lambda, mu)``: input copies read by a step, and the extra ones read by an emitting node."""
    from ..circuits.kinds import layer_kind
    from .forms import network_form

    k = layer_kind(kind)
    n_step, n_emit = k.input_uses
    return n_step, (n_emit if network_form(k).separate_output else 0)


def weighted_paths(down: int, left: int, lam: int, mu: int) -> tuple[int, int]:
    """``(P, E)``: copies of a node ``down`` layers below and ``left`` steps before the root, and the emitting ones.

    A copy of node ``(l, t)`` is a path from the root ``(L, T-1)`` of
    ``i = L - l`` moves down (to an input child) and ``j = T-1-t`` moves left
    (to the hidden child), weighted by the number of input children each
    down move may take: ``lam + mu`` from an emitting node (the root, or a
    node entered by a down move), ``lam`` from a node entered by a left move.
    Splitting the ``i`` down moves into ``r`` runs (``C(i-1, r-1)`` ways) and
    the ``j`` left moves into the gaps between and around them, a path that
    starts with a down move has weight ``lam^(r-1) (lam+mu)^(i-r+1)`` and one
    that starts with a left move ``lam^r (lam+mu)^(i-r)``, so

        P = sum_r C(i-1, r-1) [ c(j+1, r) lam^(r-1) k^(i-r+1) + c(j+1, r+1) lam^r k^(i-r) ]
        E = sum_r C(i-1, r-1) [ c(j, r-1) lam^(r-1) k^(i-r+1) + c(j, r) lam^r k^(i-r) ]

    with ``k = lam + mu`` and ``c(n, q)`` the compositions of ``n`` into ``q``
    positive parts (the left moves: ``E`` counts the paths ending in a down
    move, whose node emits); ``P = 1``, ``E = [j = 0]`` for ``i = 0``.  For
    ``lam = 1, mu = 0`` (a RAC) ``P = C(i + j, i)`` by Vandermonde's identity.

    Examples
    --------
    >>> weighted_paths(2, 3, 1, 0)[0] == math.comb(5, 2)
    True
    >>> weighted_paths(1, 0, 1, 1)      # ssm: the root reads y^{L-1}_{T-1} twice (A u, B u and C u: 1 + 1)
    (2, 2)
    """
    i, j, k = down, left, lam + mu
    if i == 0:
        return 1, int(j == 0)
    P = E = 0
    for r in range(1, i + 1):
        runs = math.comb(i - 1, r - 1)
        starts_down = lam ** (r - 1) * k ** (i - r + 1)
        starts_left = lam**r * k ** (i - r)
        P += runs * (_compositions(j + 1, r) * starts_down + _compositions(j + 1, r + 1) * starts_left)
        E += runs * (_compositions(j, r - 1) * starts_down + _compositions(j, r) * starts_left)
    return P, E


def node_copies_closed_form(depth: int, length: int, kind="rac") -> dict[tuple[int, int], tuple[int, int]]:
    """``(layer, time) -> (copies, emitting copies)`` of every circuit node, by :func:`weighted_paths`.

    Examples
    --------
    >>> node_copies_closed_form(2, 2, "ssm")[1, 0]   # under the root's 2 reads of y^1_1, and y^1_0 read by h^2_0
    (3, 1)
    """
    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    lam, mu = _rates(kind)
    return {(layer, t): weighted_paths(L - layer, T - 1 - t, lam, mu) for layer in range(1, L + 1) for t in range(T)}


def copies_closed_form(depth: int, length: int, kind="rac") -> tuple[int, ...]:
    """Copies of each input in the network of a depth-``L`` circuit on ``T`` steps (tensors reading ``x_t``).

    For a RAC, input ``t`` occurs ``C(L + T - t - 2, L - 1)`` times (see the
    module docstring for the proof); for an ``augmented`` kind, once per
    copy of a layer-1 node ``(1, t)`` and once more per emitting copy
    (:func:`weighted_paths`).

    Examples
    --------
    >>> copies_closed_form(1, 4)
    (1, 1, 1, 1)
    >>> copies_closed_form(2, 4)
    (4, 3, 2, 1)
    >>> copies_closed_form(3, 4)
    (10, 6, 3, 1)
    >>> copies_closed_form(1, 3, "ssm")        # the last step's STEP and EMIT both read x_2
    (1, 1, 2)
    """
    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    lam, mu = _rates(kind)
    if (lam, mu) == (1, 0):
        return tuple(math.comb(L + T - t - 2, L - 1) for t in range(T))
    out = []
    for t in range(T):
        P, E = weighted_paths(L - 1, T - 1 - t, lam, mu)
        out.append(P + E)
    return tuple(out)


def _node_totals(depth: int, length: int, kind) -> tuple[int, int]:
    """``(sum P, sum E)`` over every node ``(l, t)`` (exact)."""
    lam, mu = _rates(kind)
    if (lam, mu) == (1, 0):
        return math.comb(length + depth, depth) - 1, 0
    P = E = 0
    for i in range(depth):
        for j in range(length):
            p, e = weighted_paths(i, j, lam, mu)
            P, E = P + p, E + e
    return P, E


def num_tensors_closed_form(depth: int, length: int, kind="rac") -> int:
    """Tensors in a compiled network: ``3 (C(T + L, L) - 1) + 1`` for a RAC.

    In general ``per_node * sum P + per_emitting_node * sum E + 1`` (``W^O``)
    over the nodes of :func:`node_copies_closed_form`, with the form's tensor
    counts (:mod:`tnrnn.network.forms`: ``augmented`` has a ``STEP`` per node
    and an ``EMIT`` per emitting node).

    Examples
    --------
    >>> num_tensors_closed_form(1, 5)   # WI, WH or INIT, MUL per step, plus WO
    16
    >>> num_tensors_closed_form(1, 5, "ssm")   # a STEP per step, the last EMIT, WO
    7
    """
    from .forms import network_form

    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    form = network_form(kind)
    if form.per_emitting_node == 0 and _rates(kind) == (1, 0):
        return form.per_node * (math.comb(T + L, L) - 1) + 1
    P, E = _node_totals(L, T, kind)
    return form.per_node * P + form.per_emitting_node * E + 1


#: Bytes per tensor of a compiled network with its contraction problem and a path search on it
#: (4-6 KiB measured with tracemalloc for greedy/cotengra-greedy/recurrence plans, L=1,2 at about
#: 1e3-2e4 tensors; doubled for the allocator's overhead). tnrnn's own estimate.
NETWORK_BYTES_PER_TENSOR = 12 * 2**10


def _log2_num_tensors(depth: int, length: int, kind="rac") -> float:
    """``log2`` of :func:`num_tensors_closed_form`, without forming a huge integer.

    Other kinds than the RAC's binomial run the recurrence of
    :func:`weighted_paths` in floating point (``E(i, j) = lam P(i-1, j-1) +
    (lam + mu) E(i-1, j)``, ``P(i, .)`` the running sum of ``E(i, .)``).
    """
    import numpy as np

    from .forms import network_form

    L, T = depth, length
    lam, mu = _rates(kind)
    if (lam, mu) == (1, 0):
        log2_comb = (math.lgamma(T + L + 1) - math.lgamma(L + 1) - math.lgamma(T + 1)) / math.log(2)
        return log2_comb + math.log2(network_form(kind).per_node)
    form = network_form(kind)
    with np.errstate(over="ignore", invalid="ignore"):
        E = np.zeros(T)
        E[0] = 1.0
        P = np.cumsum(E)
        total = form.per_node * P.sum() + form.per_emitting_node * E.sum()
        for _ in range(1, L):
            E = lam * np.r_[0.0, P[:-1]] + (lam + mu) * E
            P = np.cumsum(E)
            total += form.per_node * P.sum() + form.per_emitting_node * E.sum()
    return math.log2(total + 1) if math.isfinite(total) else float("inf")


def network_memory(depth: int, length: int, per_tensor: int = NETWORK_BYTES_PER_TENSOR, kind="rac",
                   hidden: int | None = None, inputs: int | None = None) -> float:
    """Estimated bytes of a compiled network (and of planning its contraction): tensors x ``per_tensor``.

    The number of tensors is ``3 (C(T + L, L) - 1) + 1`` for a RAC
    (:func:`num_tensors_closed_form` for any kind); for huge shapes the
    estimate is computed in floating point (``inf`` above ``2^1000`` bytes).
    With ``hidden`` and ``inputs``, the arrays the compilation builds are
    added (:meth:`tnrnn.network.forms.NetworkForm.data_bytes`: none for a
    RAC, whose network holds the circuit's own weights).

    Examples
    --------
    >>> network_memory(1, 5) == 16 * NETWORK_BYTES_PER_TENSOR
    True
    >>> network_memory(2, 2000) > 2**34      # about 6 million tensors
    True
    >>> network_memory(1, 5, kind="gla") == 7 * NETWORK_BYTES_PER_TENSOR
    True
    """
    from ..circuits.kinds import layer_kind
    from .forms import network_form

    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    log2 = _log2_num_tensors(L, T, kind)
    data = 0.0
    if hidden is not None and inputs is not None:
        data = float(network_form(kind).data_bytes(layer_kind(kind), L, hidden, inputs))
    if log2 > 1000:
        return float("inf")
    if log2 < 60:
        return float(num_tensors_closed_form(L, T, kind) * per_tensor) + data
    return 2.0 ** log2 * per_tensor + data


def check_network_memory(depth: int, length: int, max_memory: MemoryLike = None,
                         per_tensor: int = NETWORK_BYTES_PER_TENSOR, what: str = "the compiled network",
                         kind="rac", hidden: int | None = None, inputs: int | None = None) -> None:
    """Refuse (:class:`~tnrnn.errors.MemoryLimitError`) a network whose :func:`network_memory` is above the limit."""
    from ..circuits.kinds import layer_kind

    name = layer_kind(kind).name
    estimate = network_memory(depth, length, per_tensor, kind, hidden, inputs)
    log2 = _log2_num_tensors(depth, length, kind)
    tensors = f"about 2^{log2:.1f}" if log2 >= 60 else str(num_tensors_closed_form(depth, length, kind))
    label = "" if name == "rac" else f"{name}, "
    grows = "C(T+L, L)" if _rates(kind) == (1, 0) else "the weighted paths of tnrnn.network.structure"
    check_memory(f"{what} ({label}L={depth}, T={length}: {tensors} tensors)", estimate, max_memory,
                 f"the tensors grow as {grows}: use a smaller --length or --depth, or raise --max-memory")


@dataclass(frozen=True)
class CircuitNode:
    """One circuit node ``h^layer_time`` of the tree (``copy`` counts duplicates of ``(layer, time)``).

    ``hidden_child`` and ``input_child`` are the ids of the nodes computing
    ``h^layer_{time-1}`` and ``h^{layer-1}_time`` (``None`` at ``time = 0``
    and at ``layer = 1``).  ``inputs`` lists every input child (one per copy
    of the layer input the node reads: ``input_child`` is the first), and
    ``emits`` says whether the node also computes its output ``y`` (kinds
    whose output differs from their state, for a node read by the layer
    above or by ``W^O``).
    """

    id: int
    layer: int
    time: int
    copy: int
    hidden_child: int | None
    input_child: int | None
    inputs: tuple[int, ...] = ()
    emits: bool = False


def circuit_nodes(depth: int, length: int, kind="rac") -> tuple[CircuitNode, ...]:
    """The tree's nodes in post-order (hidden child, input children, node); node ``c`` has id ``c``.

    The root ``(L, T-1)`` emits (its output is read by ``W^O``); a node
    ``(l, t)`` has the hidden child ``(l, t-1)`` (not emitting) and, for
    ``l > 1``, ``input_uses[0]`` input children ``(l-1, t)`` (emitting), plus
    ``input_uses[1]`` more when it emits and its kind's output differs from
    its state.  Iterative, so long sequences do not hit Python's recursion
    limit.

    Examples
    --------
    >>> [(n.layer, n.time, n.inputs) for n in circuit_nodes(2, 2)]
    [(1, 0, ()), (2, 0, (0,)), (1, 0, ()), (1, 1, ()), (2, 1, (3,))]
    >>> [(n.layer, n.time, n.inputs, n.emits) for n in circuit_nodes(2, 1, "ssm")]
    [(1, 0, (), True), (1, 0, (), True), (2, 0, (0, 1), True)]
    """
    from ..circuits.kinds import layer_kind
    from .forms import network_form

    k = layer_kind(kind)
    separate = network_form(k).separate_output
    n_step, n_emit = k.input_uses
    if not separate:
        n_emit = 0
    nodes: list[CircuitNode] = []
    copies: dict[tuple[int, int], int] = {}
    results: list[int] = []
    stack: list[tuple] = [("visit", depth, length - 1, True)]
    while stack:
        item = stack.pop()
        if item[0] == "visit":
            _, layer, time, emits = item
            children = [(layer, time - 1, False)] if time > 0 else []
            if layer > 1:
                children += [(layer - 1, time, True)] * (n_step + (n_emit if emits else 0))
            stack.append(("make", layer, time, emits, len(children)))
            stack.extend(("visit", *child) for child in reversed(children))
            continue
        _, layer, time, emits, n_children = item
        ids = results[len(results) - n_children:]
        del results[len(results) - n_children:]
        hidden_child = ids[0] if time > 0 else None
        inputs = tuple(ids[1:] if time > 0 else ids)
        key = (layer, time)
        copy = copies.get(key, 0)
        copies[key] = copy + 1
        node = CircuitNode(len(nodes), layer, time, copy, hidden_child, inputs[0] if inputs else None, inputs,
                           emits and separate)
        nodes.append(node)
        results.append(node.id)
    return tuple(nodes)


@dataclass(frozen=True)
class TensorSpec:
    """A tensor without its data: role, node, index names and tags."""

    role: str
    node: int | None
    inds: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def name(self) -> str:
        """The tensor's unique tag, e.g. ``"WH5"`` or ``"WO"``."""
        return self.tags[0]


def tensor_specs(nodes: tuple[CircuitNode, ...], depth: int, length: int, open_output: bool,
                 hyper: bool, kind="rac") -> tuple[TensorSpec, ...]:
    """Index structure of the network (no data); ``hyper`` fuses each MUL into a hyperindex.

    Each node's tensors come from its kind's network form
    (:mod:`tnrnn.network.forms`); the network ends in ``WO``.

    Examples
    --------
    >>> [s.name for s in tensor_specs(circuit_nodes(1, 2), 1, 2, False, True)]
    ['WI0', 'INIT0', 'WI1', 'WH1', 'WO']
    >>> [(s.name, s.inds) for s in tensor_specs(circuit_nodes(1, 2, "ssm"), 1, 2, False, True, "ssm")]
    [('STEP0', ('s0', 'x0')), ('STEP1', ('s1', 's0', 'x1')), ('EMIT1', ('u1', 's1', 'x1')), ('WO', ('u1',))]
    """
    from ..circuits.kinds import layer_kind
    from .forms import network_form

    k = layer_kind(kind)
    form = network_form(k)
    specs = []
    for n in nodes:
        c = n.id
        base = (f"L{n.layer}", f"T{n.time}", f"COPY{n.copy}", f"NODE{c}")
        for role, inds in form.node_specs(n, k, hyper):
            specs.append(TensorSpec(role, c, inds, (f"{role}{c}", role, *base)))
    out = form.output_index(nodes[-1].id)
    wo_inds = ("y", out) if open_output else (out,)
    specs.append(TensorSpec("WO", None, wo_inds, ("WO", f"L{depth}", f"T{length - 1}", "COPY0")))
    return tuple(specs)


@dataclass(frozen=True, eq=False)
class ContractionProblem:
    """A contraction in einsum form with its tensors' identities: what every contraction reads.

    Attributes
    ----------
    specs : tuple of TensorSpec
        The tensors (role, circuit node, index names, tags), in contraction order.
    size_dict : dict
        Dimension of every index.
    output : tuple of str
        The open indices, in the order of the result.
    arrays : tuple of numpy.ndarray or None
        The data, in the order of ``specs`` (shared and read-only); ``None``
        for a problem built from a shape alone (see
        :func:`tnrnn.network.mincut.mincut_bound_for`).

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> p = compile(RAC.random(1, 2, 3), 2).problem()
    >>> p.inputs[:2], p.output, p.size_dict["x0"]
    ((('h0', 'x0'), ('h0',)), ('x0', 'x1'), 3)
    """

    specs: tuple[TensorSpec, ...]
    size_dict: dict
    output: tuple[str, ...]
    arrays: tuple | None = None

    @property
    def inputs(self) -> tuple[tuple[str, ...], ...]:
        """The index tuple of every tensor."""
        return tuple(s.inds for s in self.specs)

    @property
    def num_tensors(self) -> int:
        """The number of tensors."""
        return len(self.specs)

    def with_output(self, output: Sequence[str]) -> ContractionProblem:
        """The same tensors contracted to ``output`` (a permutation of :attr:`output`).

        Raises
        ------
        InvalidParameterError
            If ``output`` is not a permutation of the open indices.
        """
        output = tuple(output)
        if sorted(output) != sorted(self.output):
            raise InvalidParameterError("order", output, "a permutation of " + ", ".join(self.output))
        return ContractionProblem(self.specs, self.size_dict, output, self.arrays)
