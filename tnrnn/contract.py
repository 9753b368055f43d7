"""Contraction of compiled networks: path planning by name, cost, backends, slicing.

Paths come from opt_einsum or cotengra by the names their users know, or from
tnrnn's structure-aware ``"recurrence"`` path; every path becomes a
``cotengra.ContractionTree``, whose cost (flops, largest intermediate, peak
memory) is checked against a memory limit *before* any array is allocated.
Arrays go through autoray, so numpy, torch (CPU or CUDA) and cupy work alike.

Optimizer names (see :func:`list_optimizers`)
---------------------------------------------
``greedy``, ``dp``, ``optimal``, ``random-greedy``, ``random-greedy-128``, ``auto``, ``auto-hq``
    opt_einsum's path functions.  ``optimal`` and ``dp`` are exponential in
    the number of tensors: use them on small networks.
``cotengra-greedy``, ``kahypar``, ``hyper``
    cotengra: its greedy optimizer, and hyper-optimizers over kahypar
    partitions or over its default methods (a modest number of trials; pass a
    configured ``cotengra.HyperOptimizer`` for more).
``tnrnn`` (the default)
    opt_einsum's ``auto-hq``, refined, for networks of at most 100 tensors
    whose path costs at least 10^4 flops, by cotengra's forest of subtree
    reconfigurations; the path with fewer flops wins (benchmarked against a generous hyper-optimizer in
    ``benchmarks/README.md``). Paths are memoized per contraction.
``recurrence``
    tnrnn's own path: tensors are absorbed one at a time in the network's
    order, which :func:`tnrnn.network.compile` makes the post-order of the
    circuit tree, so each intermediate is a hidden state ``h^l_t`` as a
    function of the inputs below it: the forward pass over all inputs, written
    as an explicit path.

An ``optimize`` argument may also be any object with a cotengra-style
``search(inputs, output, size_dict)`` method (``HyperOptimizer``,
``ReusableHyperOptimizer`` with an on-disk ``directory=``), an opt_einsum
``PathOptimizer``, or an explicit linear path (a list of tuples).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .errors import InvalidParameterError, MissingDependencyError
from .limits import DEFAULT_MEMORY_LIMIT, check_memory, format_bytes, parse_memory

__all__ = [
    "BACKENDS",
    "ContractionCost",
    "ContractionPlan",
    "contract_arrays",
    "contract_tn",
    "contraction_cost",
    "evaluate",
    "grid_tensor",
    "list_optimizers",
    "matricize",
    "plan_contraction",
    "recurrence_path",
    "register_optimizer",
]

#: Array backends understood by ``backend=``.
BACKENDS = ("numpy", "torch", "cupy")

Inputs = Sequence[Sequence[str]]
PathFinder = Callable[[list, tuple, dict], Any]


# -- the registry -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    finder: PathFinder       # (inputs, output, size_dict) -> ContractionTree
    requires: str | None     # an optional module the finder needs
    source: str
    max_tensors: int | None  # exhaustive searches refuse larger networks


_OPTIMIZERS: dict[str, _Entry] = {}


def register_optimizer(name: str, finder: PathFinder, *, requires: str | None = None,
                       source: str = "user", max_tensors: int | None = None) -> None:
    """Register a path optimizer under ``name``.

    Parameters
    ----------
    name : str
        The name ``optimize=`` will accept.
    finder : callable
        ``finder(inputs, output, size_dict)`` returning a
        ``cotengra.ContractionTree``, an SSA path, or a linear path.
    requires : str, optional
        A module the finder needs; :func:`list_optimizers` hides the name when
        it is missing.
    source : str
        Where the optimizer comes from (``"opt_einsum"``, ``"cotengra"``,
        ``"tnrnn"``, ``"user"``).
    max_tensors : int, optional
        Refuse networks with more tensors (for exhaustive searches, whose
        time explodes).
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError("name", name, "a non-empty string")
    _OPTIMIZERS[name] = _Entry(finder, requires, source, max_tensors)


def list_optimizers(available: bool = True) -> tuple[str, ...]:
    """Names ``optimize=`` accepts.

    Parameters
    ----------
    available : bool
        Only names whose optional dependencies are installed (default).

    Examples
    --------
    >>> names = list_optimizers()
    >>> "greedy" in names and "recurrence" in names and "cotengra-greedy" in names
    True
    """
    return tuple(name for name, e in _OPTIMIZERS.items()
                 if not available or e.requires is None or importlib.util.find_spec(e.requires))


def _opt_einsum_finder(name: str) -> PathFinder:
    def finder(inputs, output, size_dict):
        import opt_einsum as oe

        fn = oe.paths.get_path_fn(name)
        return list(fn([set(i) for i in inputs], set(output), dict(size_dict)))

    return finder


def _cotengra_greedy(inputs, output, size_dict):
    from cotengra.pathfinders.path_basic import GreedyOptimizer

    return GreedyOptimizer().search(inputs, output, size_dict)


def _hyper_finder(methods, max_repeats):
    def finder(inputs, output, size_dict):
        import cotengra as ctg

        opt = ctg.HyperOptimizer(methods=methods, max_repeats=max_repeats, parallel=False,
                                 reconf_opts=None, progbar=False, on_trial_error="ignore")
        return opt.search(inputs, output, size_dict)

    return finder


#: The optimizer tnrnn uses when ``optimize=`` is not given.
DEFAULT_OPTIMIZER = "tnrnn"

#: ``"tnrnn"`` also refines the ``auto-hq`` path by cotengra's subtree-reconfiguration forest on
#: networks of at most this many tensors whose path costs at least :data:`HYPER_MIN_FLOPS`; below
#: that, ``auto-hq`` is within 1.05x of the best path found on every benchmarked network.
HYPER_MAX_TENSORS = 100
HYPER_MIN_FLOPS = 10**4


@functools.lru_cache(maxsize=256)
def _tnrnn_path(inputs: tuple, output: tuple, sizes: tuple) -> tuple:
    import cotengra as ctg
    import opt_einsum as oe

    size_dict = dict(sizes)
    best = ctg.ContractionTree.from_path(
        inputs, output, size_dict,
        path=oe.paths.get_path_fn("auto-hq")([set(i) for i in inputs], set(output), dict(size_dict)))
    if len(inputs) <= HYPER_MAX_TENSORS and best.contraction_cost() >= HYPER_MIN_FLOPS:
        # a forest of subtree reconfigurations (about 2 s on 90 tensors) recovers the paths a
        # generous hyper-optimizer finds where greedy-type paths are 20-35% worse
        tree = best.subtree_reconfigure_forest(num_trees=8, num_restarts=2, subtree_size=8, parallel=False,
                                               minimize="flops", progbar=False)
        if tree.contraction_cost() < best.contraction_cost():
            best = tree
    return tuple(best.get_path())


def _tnrnn_finder(inputs, output, size_dict):
    """The default: opt_einsum's ``auto-hq`` path, refined for up to :data:`HYPER_MAX_TENSORS` tensors
    and at least :data:`HYPER_MIN_FLOPS` by cotengra's subtree-reconfiguration forest (8 trees, 2
    restarts, subtrees of 8), keeping the path with fewer flops. Paths are memoized per contraction,
    so replanning one network is free.
    """
    key = (tuple(tuple(i) for i in inputs), tuple(output), tuple(sorted(size_dict.items())))
    return list(_tnrnn_path(*key))


def recurrence_path(inputs: Inputs, output: Sequence[str], size_dict: dict | None = None) -> list[tuple[int, int]]:
    """tnrnn's structure-aware path, as an SSA path.

    Tensors are taken in the given order; each is contracted with every
    earlier intermediate it shares a summed index with (open indices do not
    join: two copies sharing only ``x_t`` stay apart).  Whatever is left is
    then joined in order.  On a compiled network (post-order tensors) the
    intermediates are the hidden states ``h^l_t`` as functions of the inputs
    below them.

    Examples
    --------
    >>> recurrence_path([("a",), ("a", "b"), ("b", "x")], ("x",))    # (a . ab) . bx
    [(0, 1), (3, 2)]
    """
    output = set(output)
    remaining: dict[str, int] = {}
    for inds in inputs:
        for ind in set(inds):
            remaining[ind] = remaining.get(ind, 0) + 1
    alive: dict[int, set[str]] = {}
    path: list[tuple[int, int]] = []
    next_id = len(inputs)

    def join(i: int, inds_i: set[str], j: int, inds_j: set[str]) -> tuple[int, set[str]]:
        nonlocal next_id
        path.append((i, j))
        new = inds_i | inds_j
        for ind in inds_i & inds_j:
            remaining[ind] -= 1
        keep = {ind for ind in new if ind in output or remaining[ind] > 1}
        for ind in new - keep:
            remaining[ind] -= 1
        next_id += 1
        return next_id - 1, keep

    for k, inds in enumerate(inputs):
        cur, cur_inds = k, set(inds)
        while True:
            partner = next((j for j in sorted(alive) if (alive[j] & cur_inds) - output), None)
            if partner is None:
                break
            cur, cur_inds = join(partner, alive.pop(partner), cur, cur_inds)
        alive[cur] = cur_inds
    ids = sorted(alive)
    cur, cur_inds = ids[0], alive[ids[0]]
    for j in ids[1:]:
        cur, cur_inds = join(cur, cur_inds, j, alive[j])
    return path


def _register_defaults() -> None:
    # measured on compiled networks (hyperindices make opt_einsum's exhaustive
    # searches slow): "optimal" takes ~7 s at 9 tensors, "dp" ~2 s at 29, ~25 s at 39
    limits = {"optimal": 8, "dp": 30}
    for name in ("greedy", "dp", "optimal", "random-greedy", "random-greedy-128", "auto", "auto-hq"):
        register_optimizer(name, _opt_einsum_finder(name), source="opt_einsum", max_tensors=limits.get(name))
    register_optimizer("cotengra-greedy", _cotengra_greedy, source="cotengra")
    register_optimizer("kahypar", _hyper_finder(["kahypar"], 4), requires="kahypar", source="cotengra")
    register_optimizer("hyper", _hyper_finder(None, 16), source="cotengra")
    register_optimizer("recurrence", lambda i, o, s: ("ssa", recurrence_path(i, o, s)), source="tnrnn")
    register_optimizer("tnrnn", _tnrnn_finder, source="tnrnn")


_register_defaults()


# -- plans and costs ----------------------------------------------------------------------
@dataclass(frozen=True)
class ContractionCost:
    """The cost of a contraction path, known before contracting.

    Attributes
    ----------
    optimizer : str
        The path optimizer's name.
    num_tensors : int
    flops_log10 : float
        ``log10`` of the scalar multiply-adds (cotengra's contraction cost),
        summed over slices.
    largest_intermediate : int
        Entries of the largest intermediate (inputs excluded), per slice.
    peak_memory : int
        Bytes alive at the worst point of the path (per slice, plus the
        output gathered across slices).
    output_size : int
        Entries of the result.
    num_slices : int
        1 unless the contraction was sliced.
    itemsize : int
        Bytes per entry assumed (8 for float64).

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> cost = compile(RAC.random(1, 2, 2), 4).contraction_cost("recurrence")
    >>> cost.optimizer, cost.output_size, cost.num_slices
    ('recurrence', 16, 1)
    """

    optimizer: str
    num_tensors: int
    flops_log10: float
    largest_intermediate: int
    peak_memory: int
    output_size: int
    num_slices: int = 1
    itemsize: int = 8

    def to_dict(self) -> dict:
        """A JSON-safe dict of the fields."""
        return asdict(self)

    def __str__(self) -> str:
        sliced = f", {self.num_slices} slices" if self.num_slices > 1 else ""
        return (f"{self.optimizer}: 10^{self.flops_log10:.2f} flops, largest intermediate "
                f"{self.largest_intermediate} entries, peak {format_bytes(self.peak_memory)}{sliced}")


@dataclass(frozen=True, eq=False)
class ContractionPlan:
    """A planned contraction: the cotengra tree and its :class:`ContractionCost`."""

    tree: Any
    cost: ContractionCost
    inputs: tuple[tuple[str, ...], ...]
    output: tuple[str, ...]


def _optimizer_name(optimize) -> str:
    if isinstance(optimize, str):
        return optimize
    if isinstance(optimize, (list, tuple)):
        return "explicit path"
    return type(optimize).__name__


def _build_tree(inputs, output, size_dict, optimize):
    import cotengra as ctg

    if isinstance(optimize, str):
        entry = _OPTIMIZERS.get(optimize)
        if entry is None:
            raise InvalidParameterError("optimize", optimize, "one of " + ", ".join(list_optimizers())
                                        + ", an optimizer object or a path")
        if entry.requires and not importlib.util.find_spec(entry.requires):
            raise MissingDependencyError(entry.requires, f"the {optimize!r} path optimizer")
        if entry.max_tensors is not None and len(inputs) > entry.max_tensors:
            raise InvalidParameterError(
                "optimize", optimize,
                f"a faster optimizer for {len(inputs)} tensors ({optimize!r} is exhaustive and limited to "
                f"{entry.max_tensors}; try 'auto-hq', 'hyper' or 'recurrence')")
        found = entry.finder(inputs, output, size_dict)
    elif hasattr(optimize, "search"):
        found = optimize.search(inputs, output, size_dict)
    elif callable(optimize):
        found = list(optimize([set(i) for i in inputs], set(output), dict(size_dict)))
    elif isinstance(optimize, (list, tuple)):
        found = [tuple(step) for step in optimize]
    else:
        raise InvalidParameterError("optimize", optimize, "an optimizer name, an optimizer object or a path")
    if isinstance(found, ctg.ContractionTree):
        return found
    if isinstance(found, tuple) and len(found) == 2 and found[0] == "ssa":
        return ctg.ContractionTree.from_path(inputs, output, size_dict, ssa_path=found[1])
    return ctg.ContractionTree.from_path(inputs, output, size_dict, path=found)


def _cost_of(tree, name: str, itemsize: int) -> ContractionCost:
    output_size = math.prod(tree.size_dict[i] for i in tree.output)
    nslices = int(tree.nslices)
    peak = int(tree.peak_size()) + (output_size if nslices > 1 else 0)
    return ContractionCost(
        optimizer=name,
        num_tensors=tree.N,
        flops_log10=math.log10(max(float(tree.contraction_cost()), 1.0)),
        largest_intermediate=int(tree.max_size()),
        peak_memory=peak * itemsize,
        output_size=int(output_size),
        num_slices=nslices,
        itemsize=itemsize,
    )


def plan_contraction(inputs: Inputs, output: Sequence[str], size_dict: dict, optimize=DEFAULT_OPTIMIZER, *,
                     itemsize: int = 8, max_memory=None, slice_to: int | None = None, slicing: bool = False,
                     what: str = "the contraction", enforce: bool = True) -> ContractionPlan:
    """Find a path, slice it if asked, and check its memory against the limit.

    Parameters
    ----------
    inputs, output, size_dict
        The contraction in einsum form (index names are strings).
    optimize : str, optimizer object or path
        See the module docstring.
    itemsize : int
        Bytes per entry.
    max_memory : int, str or None
        The limit (``None``: :data:`tnrnn.limits.DEFAULT_MEMORY_LIMIT`).
    slice_to : int, optional
        Slice with cotengra until the largest intermediate has at most this
        many entries.
    slicing : bool
        Slice automatically until the peak memory fits ``max_memory``.
    what : str
        What is contracted, for the error message.
    enforce : bool
        Raise above the limit (default); ``False`` only reports the cost.

    Raises
    ------
    MemoryLimitError
        If the peak memory (after any slicing) exceeds ``max_memory``; the
        message carries the estimate and how to slice.

    Examples
    --------
    >>> plan = plan_contraction([("a", "b"), ("b", "c")], ("a", "c"), {"a": 2, "b": 3, "c": 4})
    >>> round(10 ** plan.cost.flops_log10), plan.cost.output_size
    (24, 8)
    """
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    inputs = tuple(tuple(i) for i in inputs)
    output = tuple(output)
    size_dict = {k: int(v) for k, v in size_dict.items()}
    name = _optimizer_name(optimize)
    # cotengra's contraction code wants one character per index, as quimb gives it
    symbol = _symbols(inputs, output)
    tree = _build_tree([tuple(symbol[i] for i in inds) for inds in inputs], tuple(symbol[i] for i in output),
                       {symbol[k]: v for k, v in size_dict.items() if k in symbol}, optimize)
    if slice_to is not None:
        if isinstance(slice_to, bool) or not isinstance(slice_to, (int, np.integer)) or slice_to < 1:
            raise InvalidParameterError("slice_to", slice_to, "a positive number of entries")
        if tree.max_size() > slice_to:
            tree = tree.slice(target_size=int(slice_to), seed=0)
    cost = _cost_of(tree, name, itemsize)
    if slicing and cost.peak_memory > limit:
        out_bytes = cost.output_size * itemsize
        target = max((limit - out_bytes) // (4 * itemsize), 1)
        for _ in range(60):
            sliced = tree.slice(target_size=int(target), seed=0)
            cost = _cost_of(sliced, name, itemsize)
            if cost.peak_memory <= limit or target == 1:
                tree = sliced
                break
            target = max(target // 2, 1)
    hint = ("slice the contraction: pass slicing=True (or slice_to=N entries), use a better path "
            "(optimize='hyper' or 'kahypar'), or raise max_memory")
    if cost.num_slices > 1:
        hint = "slicing could not get the peak under the limit; raise max_memory"
    if enforce:
        check_memory(f"{what} ({cost})", cost.peak_memory, limit, hint)
    return ContractionPlan(tree, cost, inputs, output)


# -- backends -----------------------------------------------------------------------------------
def _check_backend(backend: str, device: str | None):
    if backend not in BACKENDS:
        raise InvalidParameterError("backend", backend, "one of " + ", ".join(BACKENDS))
    if backend == "torch":
        if importlib.util.find_spec("torch") is None:
            raise MissingDependencyError("torch", "the torch backend", extra="torch")
        import torch

        dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
        if str(dev).startswith("cuda") and not torch.cuda.is_available():
            raise InvalidParameterError("device", dev, "'cpu': torch sees no CUDA device")
        return dev
    if backend == "cupy":
        if importlib.util.find_spec("cupy") is None:
            raise MissingDependencyError("cupy", "the cupy backend", extra="gpu")
        return device or "cuda"
    if device not in (None, "cpu"):
        raise InvalidParameterError("device", device, "'cpu' for the numpy backend")
    return "cpu"


def _to_backend(array, backend: str, device: str, dtype=None):
    """``array`` on ``backend`` / ``device`` as float64 (or ``dtype``)."""
    if backend == "numpy":
        from autoray import to_numpy

        return np.asarray(to_numpy(array), dtype=dtype or np.float64)
    if backend == "torch":
        import torch

        if isinstance(array, torch.Tensor):
            return array.to(device=device, dtype=dtype or torch.float64)
        return torch.as_tensor(np.array(array), dtype=dtype or torch.float64, device=device)
    import cupy

    return cupy.asarray(array, dtype=dtype or cupy.float64)


def contract_arrays(plan: ContractionPlan, arrays: Sequence, backend: str = "numpy", device: str | None = None):
    """Contract ``arrays`` (in the plan's input order) on a backend.

    Returns an array of ``backend`` with axes in ``plan.output`` order.
    """
    device = _check_backend(backend, device)
    data = [_to_backend(a, backend, device) for a in arrays]
    if plan.tree.N == 1:
        from autoray import do

        eq = _einsum_eq(plan.inputs, plan.output)
        return do("einsum", eq, data[0], like=backend)
    return plan.tree.contract(data, backend=backend, autojit=False)


def _symbols(inputs, output) -> dict[str, str]:
    """Index names mapped to single unicode characters, in order of appearance."""
    from opt_einsum import get_symbol

    symbol: dict[str, str] = {}
    for inds in (*inputs, output):
        for ind in inds:
            if ind not in symbol:
                symbol[ind] = get_symbol(len(symbol))
    return symbol


def _einsum_eq(inputs, output) -> str:
    from opt_einsum import get_symbol

    symbols: dict[str, str] = {}

    def sym(ind):
        if ind not in symbols:
            symbols[ind] = get_symbol(len(symbols))
        return symbols[ind]

    lhs = ",".join("".join(sym(i) for i in inds) for inds in inputs)
    return lhs + "->" + "".join(sym(i) for i in output)


def contract_tn(tn, output_inds: Sequence[str], optimize=DEFAULT_OPTIMIZER, *, backend: str = "numpy",
                device: str | None = None, max_memory=None, slice_to=None, slicing: bool = False,
                what: str = "the contraction"):
    """Contract a quimb ``TensorNetwork`` to ``output_inds`` through tnrnn's planner.

    Examples
    --------
    >>> import quimb.tensor as qtn
    >>> tn = qtn.TensorNetwork([qtn.Tensor(np.ones((2, 3)), ("a", "b")), qtn.Tensor(np.ones(3), ("b",))])
    >>> contract_tn(tn, ["a"]).tolist()
    [3.0, 3.0]
    """
    tensors = list(tn.tensors)
    inputs = [t.inds for t in tensors]
    size_dict = {ind: d for t in tensors for ind, d in zip(t.inds, t.shape)}
    plan = plan_contraction(inputs, output_inds, size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what=what)
    return contract_arrays(plan, [t.data for t in tensors], backend, device)


def _problem(specs, arrays):
    inputs = [s.inds for s in specs]
    size_dict = {ind: int(d) for s, a in zip(specs, arrays) for ind, d in zip(s.inds, np.shape(a))}
    return inputs, size_dict


# -- network-level operations ---------------------------------------------------------------
def contraction_cost(network, optimize=DEFAULT_OPTIMIZER, *, max_memory=None, slice_to=None,
                     slicing: bool = False) -> ContractionCost:
    """The cost of contracting a network's grid tensor, without contracting.

    The memory limit is not enforced here (costs are for reporting);
    ``max_memory`` only steers ``slicing``.

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> net = compile(RAC.random(2, 3, 2), 4)
    >>> cost = contraction_cost(net, "greedy")
    >>> cost.output_size == 2 ** 4
    True
    """
    specs = network._specs(True)
    inputs, size_dict = _problem(specs, network._data(True))
    plan = plan_contraction(inputs, network.output_indices, size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what="the grid tensor", enforce=False)
    return plan.cost


def grid_tensor(network, optimize=DEFAULT_OPTIMIZER, backend: str = "numpy", *, device: str | None = None,
                max_memory=None, slice_to: int | None = None, slicing: bool = False, order=None):
    """Contract a compiled network to its grid tensor.

    Parameters
    ----------
    network : CircuitNetwork
    optimize : str, optimizer object or path
        See :mod:`tnrnn.contract`.
    backend : {"numpy", "torch", "cupy"}
    device : str, optional
        For torch: ``"cpu"`` or ``"cuda"`` (default: CUDA when available).
    max_memory : int, str or None
        Refuse paths whose peak memory exceeds it (default 4 GiB).
    slice_to, slicing
        cotengra slicing; see :func:`plan_contraction`.
    order : sequence of str, optional
        The output index order (default ``network.output_indices``).

    Returns
    -------
    array of shape ``(M,) * T`` (plus ``(C,)`` when the output is open)
        ``A[d_0, ..., d_{T-1}] = y(e_{d_0}, ..., e_{d_{T-1}})``, on ``backend``.

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> rac = RAC.random(2, 3, 2, seed=1)
    >>> A = compile(rac, 3).grid_tensor("recurrence")
    >>> X = np.eye(2)[[[1, 0, 1]]]                  # the sequence e_1, e_0, e_1
    >>> bool(np.isclose(A[1, 0, 1], rac(X)[0, 0]))
    True
    """
    specs = network._specs(True)
    arrays = network._data(True)
    inputs, size_dict = _problem(specs, arrays)
    output = tuple(order) if order is not None else network.output_indices
    if sorted(output) != sorted(network.output_indices):
        raise InvalidParameterError("order", order, "a permutation of " + ", ".join(network.output_indices))
    plan = plan_contraction(inputs, output, size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what="the grid tensor")
    return contract_arrays(plan, arrays, backend, device)


def matricize(network, cut, optimize=DEFAULT_OPTIMIZER, backend: str = "numpy", **kwargs):
    """The grid tensor as an ``M^{|S|} x M^{|E|}`` matrix for a cut.

    Rows are indexed by the start-side inputs ``(x_s)_{s in S}`` in C order,
    columns by the end-side inputs.  The network must have a single output
    channel.

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> matricize(compile(RAC.random(1, 2, 3), 4), "start-end").shape
    (9, 9)
    """
    from .cuts import as_cut

    if network.output is None:
        raise InvalidParameterError("output", None, "a network compiled with one output channel")
    cut = as_cut(cut, network.length)
    order = [f"x{t}" for t in cut.start] + [f"x{t}" for t in cut.end]
    A = grid_tensor(network, optimize, backend, order=order, **kwargs)
    M = network.rac.inputs
    return A.reshape(M ** len(cut.start), M ** len(cut.end))


def evaluate(network, inputs, optimize=DEFAULT_OPTIMIZER, backend: str | None = None, *, device: str | None = None,
             max_memory=None, slice_to=None, slicing: bool = False):
    """The circuit's outputs on input sequences, by contracting the network.

    Every copy of input ``t`` gets its own copy of the input vectors, joined
    by a batch hyperindex, so the ``recurrence`` path is the forward pass.

    Parameters
    ----------
    network : CircuitNetwork
    inputs : array of shape (N, T, M) or (T, M)
        numpy, torch or cupy.
    backend : str, optional
        Default: the backend of ``inputs``.

    Returns
    -------
    array of shape (N, 1) (one output channel) or (N, C); (1,) or (C,) for 2-d inputs
        Equal to ``network.rac(inputs)`` (its channel ``output``).

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> rac = RAC.random(3, 2, 2, seed=2)
    >>> X = np.random.default_rng(0).standard_normal((5, 4, 2))
    >>> bool(np.allclose(compile(rac, 4).evaluate(X), rac(X)))
    True
    """
    from autoray import infer_backend

    shape = tuple(inputs.shape)
    squeeze = len(shape) == 2
    if squeeze:
        inputs = inputs[None]
        shape = tuple(inputs.shape)
    M, T = network.rac.inputs, network.length
    if len(shape) != 3 or shape[1:] != (T, M) or shape[0] < 1:
        raise InvalidParameterError("inputs", shape, f"an array of shape (N, {T}, {M})")
    if backend is None:
        backend = infer_backend(inputs)
        backend = backend if backend in BACKENDS else "numpy"
    specs = network._specs(True)
    arrays = network._data(True)
    ev_inputs, ev_arrays = [], []
    for k, (s, a) in enumerate(zip(specs, arrays)):
        inds = s.inds
        if s.role == "WI" and inds[1].startswith("x"):
            leg = f"{inds[1]}#{k}"
            ev_inputs.append(("batch", leg))
            ev_arrays.append(inputs[:, int(inds[1][1:]), :])
            inds = (inds[0], leg)
        ev_inputs.append(inds)
        ev_arrays.append(a)
    size_dict = {ind: int(d) for inds, a in zip(ev_inputs, ev_arrays) for ind, d in zip(inds, a.shape)}
    output = ("batch",) if network.output is not None else ("batch", "y")
    plan = plan_contraction(ev_inputs, output, size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what="the evaluation")
    y = contract_arrays(plan, ev_arrays, backend, device)
    if network.output is not None:
        y = y.reshape(shape[0], 1)
    return y[0] if squeeze else y

