"""Contraction of compiled networks: plans with costs, backends, slicing.

Paths come from the optimizers of :mod:`tnrnn.network.optimizers` (by name,
as objects, or as explicit paths); every path becomes a
``cotengra.ContractionTree``, whose cost (flops, largest intermediate, peak
memory) is checked against a memory limit *before* any array is allocated.
Arrays go through :mod:`tnrnn.backends`, so numpy, torch (CPU or CUDA) and
cupy work alike.  Network-level operations read a network only through its
public :class:`~tnrnn.network.core.ContractionProblem`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..backends import infer, resolve
from ..cuts import as_cut
from ..errors import InvalidParameterError
from ..limits import check_memory, format_bytes, resolve_memory
from ..records import Record
from ..typing import BackendLike, MemoryLike, OptimizeLike
from .optimizers import DEFAULT_OPTIMIZER, find_tree, optimizer_name

__all__ = [
    "ContractionCost",
    "ContractionPlan",
    "contract_arrays",
    "contract_tn",
    "contraction_cost",
    "evaluate",
    "grid_tensor",
    "matricize",
    "plan_contraction",
]

Inputs = Sequence[Sequence[str]]


# -- plans and costs ----------------------------------------------------------------------
@dataclass(frozen=True)
class ContractionCost(Record):
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


def _cost_of(tree, name: str, itemsize: int) -> ContractionCost:
    output_size = math.prod(tree.size_dict[i] for i in tree.output)
    nslices = int(tree.nslices)
    peak = int(tree.peak_size()) + (output_size if nslices > 1 else 0)
    return ContractionCost(
        optimizer=name,
        num_tensors=tree.N,
        flops_log10=math.log10(max(tree.contraction_cost(), 1)),   # exact for huge integer costs
        largest_intermediate=int(tree.max_size()),
        peak_memory=peak * itemsize,
        output_size=int(output_size),
        num_slices=nslices,
        itemsize=itemsize,
    )


#: The most slices one contraction may be cut into (each slice contracts the whole tree once more).
MAX_SLICES = 1 << 20


def plan_contraction(inputs: Inputs, output: Sequence[str], size_dict: dict, optimize: OptimizeLike = DEFAULT_OPTIMIZER, *,
                     itemsize: int = 8, max_memory: MemoryLike = None, slice_to: int | None = None, slicing: bool = False,
                     what: str = "the contraction", enforce: bool = True) -> ContractionPlan:
    """Find a path, slice it if asked, and check its memory against the limit.

    Parameters
    ----------
    inputs, output, size_dict
        The contraction in einsum form (index names are strings).
    optimize : str, optimizer object or path
        See :mod:`tnrnn.network.optimizers`.
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
    from cotengra.utils import get_symbol_map

    limit = resolve_memory(max_memory)
    inputs = tuple(tuple(i) for i in inputs)
    output = tuple(output)
    size_dict = {k: int(v) for k, v in size_dict.items()}
    name = optimizer_name(optimize)
    # the result alone is a lower bound on the peak, whatever the path and the slicing: refuse it
    # before a search that can take minutes on a big network
    missing = [i for i in output if i not in size_dict]
    if missing:
        raise InvalidParameterError("output", missing[0], "indices that occur in the inputs")
    out_bytes = math.prod(size_dict[i] for i in output) * itemsize
    if enforce:
        check_memory(f"{what} (its result alone, before any path search)", out_bytes, limit,
                     "choose a cut or method with a smaller result (--method gram for spectra), smaller "
                     "shapes, or raise --max-memory")
    # cotengra's contraction code wants one character per index, as quimb gives it
    symbol = get_symbol_map((*inputs, output))
    tree = find_tree([tuple(symbol[i] for i in inds) for inds in inputs], tuple(symbol[i] for i in output),
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
    if cost.num_slices > MAX_SLICES:   # each slice is one more contraction of the whole tree: count before contracting
        if slice_to is not None:
            raise InvalidParameterError("slice_to", slice_to, f"a largest intermediate leaving at most {MAX_SLICES} "
                                        f"slices (this one leaves {cost.num_slices}): a larger --slice-to")
        check_memory(f"{what} in at most {MAX_SLICES} slices (it would take {cost.num_slices})", cost.peak_memory,
                     limit, "raise --max-memory (max_memory)")
    hint = ("slice the contraction (--slice on the command line, slicing=True or slice_to=N entries in Python; "
            "with --workers/--scheduler, or a Dask client=, the slices run on a cluster), use a better path "
            "(--optimize hyper, optimize='hyper'), or raise --max-memory")
    if cost.num_slices > 1:
        hint = "slicing could not get the peak under the limit; raise --max-memory (max_memory)"
    if enforce:
        check_memory(f"{what} ({cost})", cost.peak_memory, limit, hint)
    return ContractionPlan(tree, cost, inputs, output)


def contract_arrays(plan: ContractionPlan, arrays: Sequence, backend: BackendLike = "numpy",
                    device: str | None = None):
    """Contract ``arrays`` (in the plan's input order) on a backend.

    Returns an array of ``backend`` with axes in ``plan.output`` order.
    """
    target = resolve(backend, device)
    data = [target.asarray(a) for a in arrays]
    if plan.tree.N == 1:
        from autoray import do
        from cotengra.utils import get_symbol_map

        symbol = get_symbol_map((*plan.inputs, plan.output))
        eq = "".join(symbol[i] for i in plan.inputs[0]) + "->" + "".join(symbol[i] for i in plan.output)
        return do("einsum", eq, data[0], like=target.name)
    return plan.tree.contract(data, backend=target.name, autojit=False)


def contract_tn(tn, output_inds: Sequence[str], optimize: OptimizeLike = DEFAULT_OPTIMIZER, *, backend: BackendLike = "numpy",
                device: str | None = None, max_memory: MemoryLike = None, slice_to=None, slicing: bool = False,
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


# -- network-level operations ---------------------------------------------------------------
def contraction_cost(network, optimize: OptimizeLike = DEFAULT_OPTIMIZER, *, max_memory: MemoryLike = None, slice_to=None,
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
    problem = network.problem()
    plan = plan_contraction(problem.inputs, problem.output, problem.size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what="the grid tensor", enforce=False)
    return plan.cost


def grid_tensor(network, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike = "numpy", *, device: str | None = None,
                max_memory: MemoryLike = None, slice_to: int | None = None, slicing: bool = False, order=None,
                client=None):
    """Contract a compiled network to its grid tensor.

    Parameters
    ----------
    network : CircuitNetwork
    optimize : str, optimizer object or path
        See :mod:`tnrnn.network.optimizers`.
    backend : {"numpy", "torch", "cupy"}
    device : str, optional
        For torch: ``"cpu"`` or ``"cuda"`` (default: CUDA when available).
    max_memory : int, str or None
        Refuse paths whose peak memory exceeds it (default 4 GiB).
    slice_to, slicing
        cotengra slicing; see :func:`plan_contraction`.
    order : sequence of str, optional
        The output index order (default ``network.output_indices``).
    client : distributed.Client, optional
        Slice above ``max_memory`` (as ``slicing=True``) and contract the
        slices as tasks of this Dask cluster, gathered exactly here (see
        :mod:`tnrnn.network.sliced`).

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
    problem = network.problem()
    if order is not None:
        problem = problem.with_output(order)
    return _contract_problem(problem.inputs, problem.arrays, problem.output, problem.size_dict, optimize, backend,
                             device, max_memory, slice_to, slicing, client, "the grid tensor")


def _contract_problem(inputs, arrays, output, size_dict, optimize, backend, device, max_memory, slice_to, slicing,
                      client, what):
    """Plan (sliced when ``client`` is given) and contract, here or on the cluster."""
    plan = plan_contraction(inputs, output, size_dict, optimize, max_memory=max_memory, slice_to=slice_to,
                            slicing=slicing or client is not None, what=what)
    if client is None or plan.cost.num_slices == 1:
        return contract_arrays(plan, arrays, backend, device)
    from .sliced import contract_sliced

    target = resolve(backend, device)
    return target.asarray(contract_sliced(plan, arrays, client=client, backend=target.name, max_memory=max_memory))


def matricize(network, cut, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike = "numpy", **kwargs):
    """The grid tensor as an ``M^{|S|} x M^{|E|}`` matrix for a cut.

    Rows are indexed by the start-side inputs ``(x_s)_{s in S}`` in C order,
    columns by the end-side inputs.  The network must have a single output
    channel.

    Examples
    --------
    >>> from tnrnn import RAC, compile
    >>> matricize(compile(RAC.random(1, 2, 3), 4), "start-end").shape
    (9, 9)

    Keywords (``device``, ``max_memory``, ``slice_to``, ``slicing``,
    ``client``) are those of :func:`grid_tensor`.
    """
    if network.output is None:
        raise InvalidParameterError("output", None, "a network compiled with one output channel")
    cut = as_cut(cut, network.length)
    order = [f"x{t}" for t in cut.start] + [f"x{t}" for t in cut.end]
    A = grid_tensor(network, optimize, backend, order=order, **kwargs)
    M = network.circuit.inputs
    return A.reshape(M ** len(cut.start), M ** len(cut.end))


def evaluate(network, inputs, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike | None = None, *, device: str | None = None,
             max_memory: MemoryLike = None, slice_to=None, slicing: bool = False):
    """The circuit's outputs on input sequences, by contracting the network.

    Every copy of input ``t`` gets its own copy of the input vectors, joined
    by a batch hyperindex, so the ``recurrence`` path is the forward pass.

    Parameters
    ----------
    network : CircuitNetwork
    inputs : array of shape (N, T, M) or (T, M)
        numpy, torch or cupy.  For a kind whose network form is exact on
        one-hot inputs only (``ssm``, ``gla``: :mod:`tnrnn.network.forms`),
        every ``inputs[n, t]`` must be a standard basis vector.
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
    >>> from tnrnn.circuits import GatedCircuit
    >>> gla = GatedCircuit.random("gla", 2, 2, 3, seed=0)
    >>> X = np.eye(3)[[[0, 2, 1, 1], [2, 2, 0, 1]]]
    >>> bool(np.allclose(compile(gla, 4).evaluate(X), gla(X)))
    True
    """
    shape = tuple(inputs.shape)
    squeeze = len(shape) == 2
    if squeeze:
        inputs = inputs[None]
        shape = tuple(inputs.shape)
    M, T = network.circuit.inputs, network.length
    if len(shape) != 3 or shape[1:] != (T, M) or shape[0] < 1:
        raise InvalidParameterError("inputs", shape, f"an array of shape (N, {T}, {M})")
    from .forms import network_form

    if network_form(network.kind).one_hot_only:
        _check_one_hot(inputs, network.kind)
    if backend is None:
        backend = infer(inputs)
    problem = network.problem()
    ev_inputs, ev_arrays = [], []
    inputs_set = set(network.input_indices)
    for k, (s, a) in enumerate(zip(problem.specs, problem.arrays)):
        inds = list(s.inds)
        for pos, ind in enumerate(s.inds):
            if ind in inputs_set:
                leg = f"{ind}#{k}"
                ev_inputs.append(("batch", leg))
                ev_arrays.append(inputs[:, int(ind[1:]), :])
                inds[pos] = leg
        ev_inputs.append(tuple(inds))
        ev_arrays.append(a)
    size_dict = {ind: int(d) for inds, a in zip(ev_inputs, ev_arrays) for ind, d in zip(inds, a.shape)}
    output = ("batch",) if network.output is not None else ("batch", "y")
    plan = plan_contraction(ev_inputs, output, size_dict, optimize, max_memory=max_memory,
                            slice_to=slice_to, slicing=slicing, what="the evaluation")
    y = contract_arrays(plan, ev_arrays, backend, device)
    if network.output is not None:
        y = y.reshape(shape[0], 1)
    return y[0] if squeeze else y



def _check_one_hot(inputs, kind: str) -> None:
    """Refuse inputs that are not sequences of standard basis vectors (read on the host)."""
    from autoray import to_numpy

    X = np.asarray(to_numpy(inputs))
    if not (np.all((X == 0) | (X == 1)) and np.all(X.sum(axis=-1) == 1)):
        raise InvalidParameterError("inputs", "vectors that are not one-hot",
                                    f"one-hot input vectors (the {kind} network equals the circuit on one-hot "
                                    "inputs; evaluate other inputs with the circuit itself)")
