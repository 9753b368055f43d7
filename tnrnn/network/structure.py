"""The structure of a compiled RAC network, without its data: circuit nodes, tensor specs, sizes.

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
    "num_tensors_closed_form",
    "tensor_specs",
]

#: Role tags of the tensors of a compiled network.
ROLES = ("WI", "WH", "INIT", "MUL", "WO")


def copies_closed_form(depth: int, length: int) -> tuple[int, ...]:
    """Copies of each input in the network of a depth-``L`` RAC on ``T`` steps.

    Input ``t`` occurs ``C(L + T - t - 2, L - 1)`` times (see the module
    docstring for the proof).

    Examples
    --------
    >>> copies_closed_form(1, 4)
    (1, 1, 1, 1)
    >>> copies_closed_form(2, 4)
    (4, 3, 2, 1)
    >>> copies_closed_form(3, 4)
    (10, 6, 3, 1)
    """
    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    return tuple(math.comb(L + T - t - 2, L - 1) for t in range(T))


def num_tensors_closed_form(depth: int, length: int) -> int:
    """Tensors in a compiled network: ``3 (C(T + L, L) - 1) + 1``.

    Examples
    --------
    >>> num_tensors_closed_form(1, 5)   # WI, WH or INIT, MUL per step, plus WO
    16
    """
    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    return 3 * (math.comb(T + L, L) - 1) + 1


#: Bytes per tensor of a compiled network with its contraction problem and a path search on it
#: (4-6 KiB measured with tracemalloc for greedy/cotengra-greedy/recurrence plans, L=1,2 at about
#: 1e3-2e4 tensors; doubled for the allocator's overhead). tnrnn's own estimate.
NETWORK_BYTES_PER_TENSOR = 12 * 2**10


def _log2_num_tensors(depth: int, length: int) -> float:
    """``log2`` of :func:`num_tensors_closed_form`, without forming a huge binomial."""
    L, T = depth, length
    log2_comb = (math.lgamma(T + L + 1) - math.lgamma(L + 1) - math.lgamma(T + 1)) / math.log(2)
    return log2_comb + math.log2(3)


def network_memory(depth: int, length: int, per_tensor: int = NETWORK_BYTES_PER_TENSOR) -> float:
    """Estimated bytes of a compiled network (and of planning its contraction): tensors x ``per_tensor``.

    The number of tensors is ``3 (C(T + L, L) - 1) + 1``; for huge shapes the
    estimate is computed in floating point (``inf`` above ``2^1000`` bytes).

    Examples
    --------
    >>> network_memory(1, 5) == 16 * NETWORK_BYTES_PER_TENSOR
    True
    >>> network_memory(2, 2000) > 2**34      # about 6 million tensors
    True
    """
    L = check_positive_int(depth, "depth")
    T = check_positive_int(length, "length")
    log2 = _log2_num_tensors(L, T)
    if log2 > 1000:
        return float("inf")
    if log2 < 60:
        return float(num_tensors_closed_form(L, T) * per_tensor)
    return 2.0 ** log2 * per_tensor


def check_network_memory(depth: int, length: int, max_memory: MemoryLike = None,
                         per_tensor: int = NETWORK_BYTES_PER_TENSOR, what: str = "the compiled network") -> None:
    """Refuse (:class:`~tnrnn.errors.MemoryLimitError`) a network whose :func:`network_memory` is above the limit."""
    estimate = network_memory(depth, length, per_tensor)
    tensors = f"about 2^{_log2_num_tensors(depth, length):.1f}" if estimate > 2.0**60 else str(
        num_tensors_closed_form(depth, length))
    check_memory(f"{what} (L={depth}, T={length}: {tensors} tensors)", estimate, max_memory,
                 "the tensors grow as C(T+L, L): use a smaller --length or --depth, or raise --max-memory")


@dataclass(frozen=True)
class CircuitNode:
    """One circuit node ``h^layer_time`` of the tree (``copy`` counts duplicates of ``(layer, time)``).

    ``hidden_child`` and ``input_child`` are the ids of the nodes computing
    ``h^layer_{time-1}`` and ``h^{layer-1}_time`` (``None`` at ``time = 0``
    and at ``layer = 1``).
    """

    id: int
    layer: int
    time: int
    copy: int
    hidden_child: int | None
    input_child: int | None


def circuit_nodes(depth: int, length: int) -> tuple[CircuitNode, ...]:
    """The tree's nodes in post-order (hidden child, input child, node); node ``c`` has id ``c``.

    Iterative, so long sequences do not hit Python's recursion limit.
    """
    nodes: list[CircuitNode] = []
    copies: dict[tuple[int, int], int] = {}
    # stack items: (layer, time, state, child ids)
    stack = [(depth, length - 1, 0, [])]
    results: list[int] = []
    while stack:
        layer, time, state, kids = stack.pop()
        if state == 0:
            stack.append((layer, time, 1, kids))
            if time > 0:
                stack.append((layer, time - 1, 0, []))
            continue
        if state == 1:
            hidden_child = results.pop() if time > 0 else None
            kids.append(hidden_child)
            stack.append((layer, time, 2, kids))
            if layer > 1:
                stack.append((layer - 1, time, 0, []))
            continue
        input_child = results.pop() if layer > 1 else None
        key = (layer, time)
        copy = copies.get(key, 0)
        copies[key] = copy + 1
        node = CircuitNode(len(nodes), layer, time, copy, kids[0], input_child)
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
                 hyper: bool) -> tuple[TensorSpec, ...]:
    """Index structure of the network (no data); ``hyper`` fuses each MUL into a hyperindex.

    Examples
    --------
    >>> [s.name for s in tensor_specs(circuit_nodes(1, 2), 1, 2, False, True)]
    ['WI0', 'INIT0', 'WI1', 'WH1', 'WO']
    """
    specs = []
    for n in nodes:
        c = n.id
        base = (f"L{n.layer}", f"T{n.time}", f"COPY{n.copy}", f"NODE{c}")
        out = f"h{c}"
        a, b = (out, out) if hyper else (f"a{c}", f"b{c}")
        below = f"x{n.time}" if n.layer == 1 else f"h{n.input_child}"
        specs.append(TensorSpec("WI", c, (b, below), (f"WI{c}", "WI", *base)))
        if n.hidden_child is None:
            specs.append(TensorSpec("INIT", c, (a,), (f"INIT{c}", "INIT", *base)))
        else:
            specs.append(TensorSpec("WH", c, (a, f"h{n.hidden_child}"), (f"WH{c}", "WH", *base)))
        if not hyper:
            specs.append(TensorSpec("MUL", c, (a, b, out), (f"MUL{c}", "MUL", *base)))
    root = nodes[-1].id
    wo_inds = ("y", f"h{root}") if open_output else (f"h{root}",)
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
