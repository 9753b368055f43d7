"""Min-cut upper bounds on the rank of a grid matricization.

If the tensors of a network are split into a start side and an end side,
the grid matricization factors through the indices crossing the split, so
its rank is at most the product of their dimensions.  The smallest such
product over all splits is a min-cut of the network, found here by max-flow
(networkx) on the network's graph:

* each tensor is a node; an index joining two tensors is a pair of arcs;
* a hyperindex (an index on three or more tensors, or an open input; the
  COPY tensors of multiplicative integration are fused into hyperindices, see
  :meth:`tnrnn.network.core.CircuitNetwork.to_hyper`) is Lawler's gadget: two nodes
  ``e' -> e''`` joined by one arc carrying the index's capacity, with
  uncuttable arcs ``v -> e'`` and ``e'' -> v`` for every tensor ``v`` on the
  index, so that cutting it costs its dimension *once*;
* the open inputs ``x_s`` of the start side hang from the source, those of
  the end side from the sink.

Exactness.  Capacities are ``w = round(2**K * log2(dim))``, integers, so
networkx's flow is exact, and ``K`` is chosen with ``2**K > P * n`` where
``n`` is the number of finite arcs and ``P = min(prod of start input dims,
prod of end input dims)`` is the cost of a feasible cut (all inputs of one
side).  Rounding moves a cut's total by at most ``n / 2``, while two cuts
with different integer products ``P_0 < P_1 <= P`` differ in ``log2`` by at
least ``log2(1 + 1/P_0) >= 1/P``, that is by more than ``n`` after scaling;
so the integer minimum is a true minimum.  The reported bound is then the
exact product of the crossing indices' dimensions.

Cache.  networkx's import and the max-flow take 0.2-1.4 s, more than the rest
of a small ``tnrnn bounds`` query, so cuts are cached on disk (the folder
``mincuts`` of :func:`tnrnn.network.optimizers.path_cache_dir`, one JSON
file per network structure and cut).  A cached cut is checked before use: its
crossing indices must separate the start inputs from the end inputs (a
breadth-first search, :func:`_separates`), so the product of their
dimensions is a proven upper bound whatever the file holds; a file that fails
the check is ignored and the cut computed again.

Every layer kind compiles to such a network (:mod:`tnrnn.network.forms`), so
the min-cut of its compiled network is a proven upper bound on the rank of
its grid matricization (over the reals, and over any field: the
factorization through the crossing indices is a polynomial identity in the
weights with integer coefficients).  For one ``ssm`` layer it is
``min(R + 1, M^{|S|}, M^{|E|})`` across a prefix cut (the matrix product
state's bond), for one ``gla`` layer ``min(R^2 + 1, ...)``.
:func:`mincut_bound_for` takes the kind from the shape alone, so the
certified track can use it as an upper bound.

Deep RACs (see ``docs/_notes_mincut.md`` for computed numbers): every copy
of a state carried across the cut is a separate crossing, so for depth 2 and
the start-end cut the best split through hidden states costs ``R^{T/2+1}``
(the state ``h^2_{T/2-1}`` plus the ``T/2`` copies of ``h^1_{T/2-1}`` that
feed later layer-1 steps), and the min-cut is ``min(R^{T/2+1}, M^{T/2})``
for ``R = M`` and small ``T``, exponential in ``T`` -- far above the degree
bound :func:`tnrnn.ranks.bounds.degree_bound`, which is polynomial in ``T``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..cuts import Cut, as_cut
from ..errors import InvalidParameterError
from ..records import Record
from ..typing import CutLike, MemoryLike
from ..validation import check_positive_int
from .core import CircuitNetwork
from .structure import ContractionProblem, check_network_memory, circuit_nodes, tensor_specs

#: Bytes per tensor of the min-cut's flow graph (networkx), with the network's specs: about 9 KiB
#: measured with tracemalloc at 1e3-2e4 tensors, doubled for the allocator's overhead (tnrnn's estimate).
MINCUT_BYTES_PER_TENSOR = 20 * 2**10

__all__ = ["MinCut", "mincut_bound", "mincut_bound_for"]


@dataclass(frozen=True)
class MinCut(Record):
    """A minimum cut of a network across a cut of the time steps.

    Attributes
    ----------
    bound : int
        The product of the dimensions of the crossing indices: an upper
        bound on the rank of the grid matricization.
    log2 : float
        ``log2(bound)``.
    bonds : tuple of str
        The crossing indices, named as in the hyperindexed network
        (``h{c}``: the state of circuit node ``c``, i.e. COPY tensor
        ``MUL{c}`` is split; ``x{t}``: an input).
    start_tensors, end_tensors : tuple of str
        Unique tags of the tensors on each side (``"WI3"``, ``"MUL3"``, ...;
        a ``MUL`` tensor is on the side where its hyperindex enters).
    cut : Cut
        The partition of the time steps.

    Examples
    --------
    >>> mc = mincut_bound_for(depth=1, hidden=3, inputs=2, length=6, cut="start-end")
    >>> mc.bound, len(mc.bonds)       # one MPS bond, R = 3 < M^3 = 8
    (3, 1)
    """

    bound: int
    log2: float
    bonds: tuple[str, ...]
    start_tensors: tuple[str, ...]
    end_tensors: tuple[str, ...]
    cut: Cut

    def to_dict(self) -> dict:
        """A JSON-safe dict (the bound as an exact integer)."""
        return {
            "bound": self.bound,
            "log2": self.log2,
            "bonds": list(self.bonds),
            "start_tensors": list(self.start_tensors),
            "end_tensors": list(self.end_tensors),
            "cut": {"name": self.cut.name, "length": self.cut.length,
                    "start": list(self.cut.start), "end": list(self.cut.end)},
        }

    def __str__(self) -> str:
        bonds = ", ".join(self.bonds) if len(self.bonds) <= 12 else ", ".join(self.bonds[:12]) + ", ..."
        return (f"min-cut bound {self.bound} (2^{self.log2:.3f}) across {self.cut}: "
                f"{len(self.bonds)} crossing indices ({bonds}); "
                f"{len(self.start_tensors)} tensors on the start side, {len(self.end_tensors)} on the end side")


def _separates(members: dict, specs, bonds: set, start_inds: set, end_inds: set) -> bool:
    """Whether removing the indices ``bonds`` leaves no path from a start input to an end input
    (breadth-first search over tensors and indices: the cut's validity, checked without networkx)."""
    tensor_inds = [set(s.inds) for s in specs]
    seen_inds = {ind for ind in start_inds if ind not in bonds}
    seen_tensors: set[int] = set()
    frontier = list(seen_inds)
    while frontier:
        ind = frontier.pop()
        if ind in end_inds:
            return False
        for k in members.get(ind, ()):
            if k in seen_tensors:
                continue
            seen_tensors.add(k)
            for nxt in tensor_inds[k]:
                if nxt not in bonds and nxt not in seen_inds:
                    seen_inds.add(nxt)
                    frontier.append(nxt)
    return True


def _from_cache(record, specs, sizes, members, start_inds, end_inds, cut) -> MinCut | None:
    """The cached min-cut ``record`` if it is a cut of this network, else ``None``.  A cached file is never
    trusted: its crossing indices must separate the start inputs from the end inputs (so the product of
    their dimensions is a proven upper bound whatever the file says), and its two sides must list every
    tensor once; the bound is recomputed from the dimensions."""
    if not isinstance(record, dict):
        return None
    bonds, start, end = record.get("bonds"), record.get("start_tensors"), record.get("end_tensors")
    if not all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in (bonds, start, end)):
        return None
    names = [s.name for s in specs] + ["MUL" + ind[1:] for ind in members if ind.startswith("h")]
    if sorted(start + end) != sorted(names) or not set(bonds) <= set(members) or len(set(bonds)) != len(bonds):
        return None
    if not _separates(members, specs, set(bonds), start_inds, end_inds):
        return None
    bound = math.prod(sizes[i] for i in bonds)
    return MinCut(bound=bound, log2=math.log2(bound) if bound > 0 else float("-inf"), bonds=tuple(bonds),
                  start_tensors=tuple(start), end_tensors=tuple(end), cut=cut)


def _min_cut(problem, cut: Cut):
    """The min-cut of a hyperindexed network given as a contraction problem.

    Cached on disk (the folder ``mincuts`` of :func:`tnrnn.network.optimizers.path_cache_dir`), keyed by
    the network's structure and the cut; a cached cut is checked to be a cut before it is used."""
    from .optimizers import cache_read, cache_write

    specs, sizes = problem.specs, problem.size_dict
    start_inds = {f"x{t}" for t in cut.start}
    end_inds = {f"x{t}" for t in cut.end}
    members: dict[str, list[int]] = {}
    for k, s in enumerate(specs):
        for ind in dict.fromkeys(s.inds):
            members.setdefault(ind, []).append(k)
    for ind in members:
        if ind.startswith("x") or ind in start_inds | end_inds:
            continue
        if len(members[ind]) < 2:
            raise InvalidParameterError("network", f"open index {ind!r}",
                                        "a network whose only open indices are the inputs x0..x{T-1}")
    for ind in start_inds | end_inds:
        if ind not in members:
            members[ind] = []
    key = ("mincut", [[s.name, list(s.inds)] for s in specs], sorted(sizes.items()), list(cut.start), list(cut.end))
    cached = _from_cache(cache_read(key, "mincuts"), specs, sizes, members, start_inds, end_inds, cut)
    if cached is not None:
        return cached
    import networkx as nx

    def regular(ind):
        return ind not in start_inds and ind not in end_inds and len(members[ind]) == 2

    n_arcs = sum(2 if regular(ind) else 1 for ind in members)
    feasible = min(math.prod(sizes[i] for i in start_inds), math.prod(sizes[i] for i in end_inds))
    K = (feasible * max(n_arcs, 1)).bit_length() + 1
    weight = {ind: round(math.log2(sizes[ind]) * 2 ** K) if sizes[ind] > 1 else 0 for ind in members}
    infinite = sum(weight.values()) * 2 + 1

    G = nx.DiGraph()
    source, sink = ("terminal", "start"), ("terminal", "end")
    G.add_nodes_from([source, sink])
    G.add_nodes_from(("tensor", k) for k in range(len(specs)))
    for ind, ks in members.items():
        w = weight[ind]
        if regular(ind):
            u, v = ("tensor", ks[0]), ("tensor", ks[1])
            G.add_edge(u, v, capacity=w, index=ind)
            G.add_edge(v, u, capacity=w, index=ind)
            continue
        e_in, e_out = ("enter", ind), ("leave", ind)
        G.add_edge(e_in, e_out, capacity=w, index=ind)
        for k in ks:
            G.add_edge(("tensor", k), e_in, capacity=infinite)
            G.add_edge(e_out, ("tensor", k), capacity=infinite)
        if ind in start_inds:
            G.add_edge(source, e_in, capacity=infinite)
        if ind in end_inds:
            G.add_edge(e_out, sink, capacity=infinite)
    value, (reachable, _) = nx.minimum_cut(G, source, sink, capacity="capacity")
    if value >= infinite:  # cannot happen: cutting every start input is finite
        raise InvalidParameterError("network", "an uncuttable network", "a network with finite cuts")
    crossing = []
    for u in reachable:
        for v, data in G[u].items():
            if v not in reachable and "index" in data:
                crossing.append(data["index"])
    crossing = sorted(set(crossing), key=lambda i: (i[0], int(i[1:]) if i[1:].isdigit() else i))
    if sum(weight[i] for i in crossing) != value:
        raise AssertionError("min-cut arcs do not add up to the flow value")
    bound = math.prod(sizes[i] for i in crossing)
    start, end = [], []
    for k, s in enumerate(specs):
        (start if ("tensor", k) in reachable else end).append(s.name)
    # COPY tensors live where their hyperindex enters
    for ind in members:
        if ind.startswith("h"):
            (start if ("enter", ind) in reachable else end).append("MUL" + ind[1:])
    cache_write(key, {"bonds": crossing, "start_tensors": start, "end_tensors": end}, "mincuts")
    return MinCut(bound=bound, log2=math.log2(bound) if bound > 0 else float("-inf"),
                  bonds=tuple(crossing), start_tensors=tuple(start), end_tensors=tuple(end), cut=cut)


def mincut_bound(network, cut: CutLike = "start-end", *, length: int | None = None,
                 max_memory: MemoryLike = None) -> MinCut:
    """The min-cut bound of a compiled network across ``cut``.

    Parameters
    ----------
    network : CircuitNetwork or CircuitSpec
        Compiled with one output channel; or a spec (any layer kind), whose
        network's structure is built for ``length`` steps without weights
        (:func:`mincut_bound_for`).
    cut : Cut or str
        A :class:`~tnrnn.cuts.Cut` or a name (default ``"start-end"``, as for :func:`tnrnn.cut_rank`).

    Returns
    -------
    MinCut

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> net = compile(RAC.random(depth=1, hidden=5, inputs=2), 6)
    >>> mincut_bound(net, "prefix:2").bound      # min(R, M^2, M^4) = 4
    4
    >>> from tnrnn.circuits import CircuitSpec
    >>> mincut_bound(CircuitSpec("ssm", 1, 5, 3), "start-end", length=8).bound    # R + 1
    6
    """
    from ..circuits import CircuitSpec

    if isinstance(network, CircuitSpec):
        return mincut_bound_for(network, length=length, cut=cut, max_memory=max_memory)
    if length is not None and isinstance(network, CircuitNetwork) and length != network.length:
        raise InvalidParameterError("length", length, f"{network.length}, the network's length, or None")
    if not isinstance(network, CircuitNetwork):
        raise InvalidParameterError("network", type(network).__name__, "a CircuitNetwork (tnrnn.compile(rac, T))")
    if network.output is None:
        raise InvalidParameterError("output", None, "a network compiled with one output channel")
    cut = as_cut(cut, network.length)
    check_network_memory(network.depth, network.length, max_memory, MINCUT_BYTES_PER_TENSOR, "the min-cut graph",
                         kind=network.kind)
    return _min_cut(network.problem(), cut)


def mincut_bound_for(depth, hidden: int | None = None, inputs: int | None = None, length: int | None = None,
                     cut: CutLike = "start-end", *, kind="rac", max_memory: MemoryLike = None) -> MinCut:
    """The min-cut bound from the shape alone (no weights are built), for any layer kind.

    Parameters
    ----------
    depth : int or CircuitSpec
        ``L``; or a :class:`~tnrnn.circuits.CircuitSpec` (kind and shape),
        then give ``length`` (and ``cut``) by keyword.
    hidden, inputs, length : int
        ``R``, ``M``, ``T``.
    cut : Cut or str
    kind : str
        A registered layer kind (default ``"rac"``; a spec's own kind wins).
    max_memory : int, str or None
        The flow graph's memory is estimated from the shape first
        (:data:`MINCUT_BYTES_PER_TENSOR` per tensor) and refused above it
        (default 4 GiB).

    Examples
    --------
    >>> mincut_bound_for(2, 2, 2, 4, "start-end").bound    # min(R^3, M^2)
    4
    >>> mincut_bound_for(2, 2, 8, 4, "start-end").bound    # R^{T/2+1} = 2^3
    8
    >>> mincut_bound_for(1, 3, 4, 6, "start-end", kind="ssm").bound    # the MPS bond R + 1
    4
    >>> from tnrnn.circuits import CircuitSpec
    >>> mincut_bound_for(CircuitSpec("gla", 1, 2, 3), length=8).bound    # R^2 + 1
    5
    """
    from ..circuits import CircuitSpec
    from .forms import network_form

    if isinstance(depth, CircuitSpec):
        spec = depth
        if hidden is not None or inputs is not None:
            raise InvalidParameterError("hidden", hidden if hidden is not None else inputs,
                                        "None when a CircuitSpec is given (its shape is used)")
        L, R, M, k = spec.depth, spec.hidden, spec.inputs, spec.layer_kind
    else:
        from ..circuits import layer_kind

        k = layer_kind(kind)
        L = check_positive_int(depth, "depth")
        R = check_positive_int(hidden, "hidden")
        M = check_positive_int(inputs, "inputs")
    T = check_positive_int(length, "length", 2)
    cut = as_cut(cut, T)
    check_network_memory(L, T, max_memory, MINCUT_BYTES_PER_TENSOR, "the min-cut graph", kind=k.name)
    form = network_form(k)
    specs = tensor_specs(circuit_nodes(L, T, k.name), L, T, False, True, k.name)
    sizes = {ind: form.index_size(ind, k, R, M) for s in specs for ind in s.inds}
    return _min_cut(ContractionProblem(specs, sizes, tuple(f"x{t}" for t in range(T))), cut)
