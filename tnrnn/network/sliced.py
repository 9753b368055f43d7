"""Sliced contractions, their slices contracted as Dask tasks and gathered exactly.

Slicing (cotengra's ``ContractionTree.slice``) fixes the values of a few
indices: the contraction becomes ``nslices`` independent contractions of
smaller intermediates.  A sliced *inner* index is summed over, so its slices
add up; a sliced *output* index selects a block of the result, so its slices
are placed.  The result is

.. math::

    A[o] = \\sum_{i \\,:\\, \\mathrm{outer}(i) \\text{ matches } o} A_i[o \\setminus \\mathrm{outer}],

the same sum the unsliced contraction computes, regrouped.

How tnrnn runs them (its own scheme): the slices ``0 .. nslices-1`` are cut
into ``chunks`` consecutive ranges (by default ``min(nslices, 256)``,
independent of the cluster); each range is one task that contracts its slices
one after another and adds them up per block of the output (in slice order);
the caller then adds the partial sums into the result in range order.  The
grouping depends only on the plan and ``chunks``, never on which worker
finishes first, so a run on any cluster and the in-process run
(``client=None``) give the same floats; against the unsliced contraction they
differ only by rounding (summation order).

Memory, estimated before anything is submitted: a task holds the inputs, one
slice's path (its peak, per cotengra) and its partial sums (one output block
per value of the sliced output indices its range meets: at most two when a
range is shorter than the run of inner slices of one block, up to one per
slice when only output indices are sliced); the caller holds the whole output
and one task's partial sums.
Both must fit ``max_memory``, and a task must fit each worker's memory limit
per thread.

Examples
--------
>>> from tnrnn import RAC, compile
>>> net = compile(RAC.random(2, 3, 2, seed=1), 6)
>>> p = net.problem()
>>> from tnrnn.network.contract import plan_contraction
>>> plan = plan_contraction(p.inputs, p.output, p.size_dict, slice_to=32)
>>> plan.cost.num_slices > 1
True
>>> A = contract_sliced(plan, p.arrays)
>>> bool(np.allclose(A, net.grid_tensor(), rtol=1e-12, atol=0))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..limits import check_memory, format_bytes, resolve_memory
from ..records import Record
from ..typing import BackendLike, MemoryLike

__all__ = ["DEFAULT_CHUNKS", "SliceEstimate", "contract_sliced", "estimate_slices"]

#: Default number of slice ranges (tasks) of a sliced contraction.
DEFAULT_CHUNKS = 256


def _outer(tree) -> list[tuple[int, str]]:
    """``(position in the output, index)`` of each sliced output index."""
    return [(pos, ix) for pos, ix in enumerate(tree.output) if ix in tree.sliced_inds]


def _ranges(n: int, chunks: int) -> list[tuple[int, int]]:
    step = math.ceil(n / chunks)
    return [(a, min(a + step, n)) for a in range(0, n, step)]


@dataclass(frozen=True)
class SliceEstimate(Record):
    """The memory of a sliced contraction, estimated before it runs.

    Attributes
    ----------
    task_bytes : int
        One task: the inputs, one slice's peak and the partial sums.
    gather_bytes : int
        The caller: the whole output and one task's partial sums.
    tasks : int
        The number of slice ranges.
    slices : int
        The number of slices.
    """

    task_bytes: int
    gather_bytes: int
    tasks: int
    slices: int

    def to_dict(self) -> dict:
        """A JSON-safe dict of the fields."""
        return asdict(self)

    def __str__(self) -> str:
        return (f"{self.slices} slices in {self.tasks} tasks of {format_bytes(self.task_bytes)} each, "
                f"gathered in {format_bytes(self.gather_bytes)}")


def estimate_slices(plan, arrays: Sequence, chunks: int | None = None) -> SliceEstimate:
    """Bytes one task and the caller's gather need, and how many tasks (see the module docstring).

    Examples
    --------
    >>> from tnrnn.network.contract import plan_contraction
    >>> plan = plan_contraction([("a", "b"), ("b", "c")], ("a", "c"), {"a": 2, "b": 300, "c": 4}, slice_to=4)
    >>> e = estimate_slices(plan, [np.ones((2, 300)), np.ones((300, 4))])
    >>> e.slices, e.tasks, e.gather_bytes     # c (output) and b sliced: 4 * 300 slices, 5 per task
    (1200, 240, 96)
    """
    tree = plan.tree
    n = int(tree.multiplicity)
    chunks = _check_chunks(chunks, n)
    itemsize = plan.cost.itemsize
    full = math.prod(tree.size_dict[ix] for ix in tree.output)
    block = full // math.prod(tree.size_dict[ix] for _, ix in _outer(tree)) if _outer(tree) else full
    step = math.ceil(n / chunks)
    # outer indices vary slowest (cotengra orders sliced indices outer first), so a range of ``step``
    # consecutive slices meets at most ``(step - 1) // inner + 2`` output blocks
    inner = n // max(math.prod(tree.sliced_inds[ix].size for _, ix in _outer(tree)), 1)
    blocks = min(step, (step - 1) // max(inner, 1) + 2) if _outer(tree) else 1
    inputs = sum(int(np.prod(np.shape(a))) for a in arrays)
    task = (inputs + int(tree.peak_size()) + blocks * block) * itemsize
    gather = (full + blocks * block) * itemsize
    return SliceEstimate(task, gather, len(_ranges(n, chunks)), n)


def _check_chunks(chunks, n: int) -> int:
    if chunks is None:
        return max(min(n, DEFAULT_CHUNKS), 1)
    if isinstance(chunks, bool) or not isinstance(chunks, (int, np.integer)) or chunks < 1:
        raise InvalidParameterError("chunks", chunks, "a positive number of tasks or None")
    return int(min(chunks, max(n, 1)))


def _contract_range(tree, arrays, start: int, stop: int, backend: str):
    """Contract slices ``start .. stop-1`` and add them up per output block: ``[(outer values, array)]``."""
    from autoray import to_numpy
    from cotengra.core import get_slice_strides

    outer = [ix for _, ix in _outer(tree)]
    strides = get_slice_strides(tree.sliced_inds)
    sums: dict[tuple, np.ndarray] = {}
    for i in range(start, stop):
        key = tree.slice_key(i, strides)
        k = tuple(key[ix] for ix in outer)
        part = np.asarray(to_numpy(tree.contract_slice(arrays, i, backend=backend)))
        if k in sums:
            sums[k] += part
        else:
            sums[k] = np.array(part, copy=True)
    return list(sums.items())


def contract_sliced(plan, arrays: Sequence, *, client=None, backend: BackendLike = "numpy",
                    max_memory: MemoryLike = None, chunks: int | None = None) -> np.ndarray:
    """Contract a sliced plan range by range, on a Dask cluster or in this process, and gather exactly.

    Parameters
    ----------
    plan : ContractionPlan
        From :func:`tnrnn.network.contract.plan_contraction` (sliced or not).
    arrays : sequence of array
        The inputs, in the plan's order (numpy).
    client : distributed.Client, optional
        Contract the ranges as tasks of this client's cluster; ``None``: here.
    backend : str
        The array backend the slices are contracted with (where they run).
    max_memory : int, str or None
        The budget of one process (default 4 GiB): a task and the gather must
        each fit, as must a task in a worker's memory limit per thread.
    chunks : int, optional
        The number of slice ranges (default ``min(nslices, 256)``).

    Returns
    -------
    numpy.ndarray
        Axes in ``plan.output`` order.

    Raises
    ------
    MemoryLimitError
        If a task or the gather would not fit, before anything is submitted.
    """
    from ..backends import resolve

    tree = plan.tree
    label = resolve(backend).name
    if tree.N == 1 or not tree.sliced_inds:
        # nothing to distribute: contract here (this module stays below tnrnn.network.contract, which calls it)
        from autoray import to_numpy

        target = resolve(backend)
        data = [target.asarray(a) for a in arrays]
        if tree.N == 1:
            from cotengra.utils import get_symbol_map

            symbol = get_symbol_map((*plan.inputs, plan.output))
            eq = "".join(symbol[i] for i in plan.inputs[0]) + "->" + "".join(symbol[i] for i in plan.output)
            return np.einsum(eq, np.asarray(to_numpy(data[0])))
        return np.asarray(to_numpy(tree.contract(data, backend=label, autojit=False)))
    limit = resolve_memory(max_memory)
    data = [np.asarray(a) for a in arrays]
    estimate = estimate_slices(plan, data, chunks)
    hint = "slice finer (a smaller slice_to) or raise the memory limit"
    check_memory(f"one task of the sliced contraction ({estimate.tasks} tasks)", estimate.task_bytes, limit, hint)
    check_memory("gathering the sliced contraction's output", estimate.gather_bytes, limit,
                 "the output itself must fit in this process: raise the memory limit")
    n = int(tree.multiplicity)
    ranges = _ranges(n, _check_chunks(chunks, n))
    if client is not None:
        workers = client.scheduler_info().get("workers", {})
        per_thread = [w.get("memory_limit", 0) / max(w.get("nthreads", 1), 1) for w in workers.values()]
        per_thread = [m for m in per_thread if m > 0]
        if per_thread:
            check_memory("one task of the sliced contraction on a worker", estimate.task_bytes, int(min(per_thread)),
                         "start workers with more memory (--memory-limit) or fewer threads, or slice finer")
        # hash=False: a fresh key per call (a key shared with a call that is releasing it can be lost)
        tree_f, arrays_f = client.scatter([tree, data], broadcast=True, hash=False)
        parts = (client.submit(_contract_range, tree_f, arrays_f, a, b, label, pure=False) for a, b in ranges)
        results = (f.result() for f in list(parts))
    else:
        results = (_contract_range(tree, data, a, b, label) for a, b in ranges)
    shape = tuple(tree.size_dict[ix] for ix in tree.output)
    positions = [pos for pos, _ in _outer(tree)]
    out = None
    for result in results:  # in range order: the same floats on any cluster
        for k, part in result:
            if out is None:
                out = np.zeros(shape, dtype=part.dtype)
            index = [slice(None)] * len(shape)
            for pos, value in zip(positions, k):
                index[pos] = value
            out[tuple(index)] += part
    return out
