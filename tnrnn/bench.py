"""Benchmark of contraction strategies on compiled RAC networks.

Compiled RACs form network families whose difficulty grows smoothly with the
depth ``L``, width ``R``, input dimension ``M`` and length ``T``: chains for
``L = 1``, input-duplicated trees with hyperindices for ``L >= 2``.  For each
network of a grid and each path strategy, :func:`bench` records the planning
time, the path's cost (flops, largest intermediate, peak memory) and the
measured contraction time on each array backend, as :class:`BenchRecord`\\ s.

What is contracted
------------------
The **grid tensor**: the hyperindex form of the network (``to_hyper()``) with
every input index ``x0 .. x{T-1}`` open, exactly what
:meth:`~tnrnn.network.CircuitNetwork.grid_tensor` contracts (and what the
rank and spectrum computations use).  Its output has ``M**T`` entries, so
costs grow with the length even on shallow circuits, and hyperindices make
the deep networks non-trivial for path finders.  Evaluating a batch of
sequences is a different problem (the inputs are closed, and the
``recurrence`` path is then the forward pass); it is not what this
benchmark measures.

Strategies
----------
Any name of :func:`tnrnn.contract.list_optimizers`, with two differences:
``hyper`` and ``kahypar`` are run as fresh ``cotengra.HyperOptimizer``\\ s
whose ``max_time`` is the per-strategy budget (instead of the registry's fixed
trial counts), and ``optimal`` / ``dp`` are not tried above
:data:`FEASIBLE_TENSORS` tensors.  A ``(label, optimize)`` pair benchmarks any
optimizer object, path function or explicit path under ``label``.  The
strategy tnrnn uses by default (the ``optimize=`` default of
:func:`tnrnn.contract.grid_tensor`) is always included and its records have
``default=True``.

Budgets
-------
``per_strategy_budget`` seconds bound the planning of one strategy on one
network (planning is interrupted there, where the platform has ``SIGALRM``;
hyper-optimizers stop on their own and are interrupted only 50% late), and
the timed contractions of one strategy on one backend (repeats are cut to fit,
at least one is kept).  A strategy that ran out of planning budget is not tried
on networks with as many tensors or more.  ``time_budget`` bounds the whole
run.  Paths whose estimated peak memory is above ``max_memory`` are not
contracted.  Every such case is a record with ``status="skipped"`` and its
``reason``; nothing is silently dropped.

Backends
--------
``"numpy"``, ``"torch"`` (on the CPU), ``"torch-cuda"`` and ``"cupy"`` (the
GPU backends, :data:`GPU_BACKENDS`).  A backend that is unavailable here is
listed in each record's ``skipped_backends`` with the reason, and gets no time
column: times are never made up.

Examples
--------
>>> recs = bench([(1, 2, 2, 3), (2, 2, 2, 3)], ["greedy", "recurrence"], repeats=1, progress=False)
>>> [(r.depth, r.strategy, r.status) for r in recs][:3]
[(1, 'greedy', 'ok'), (1, 'recurrence', 'ok'), (1, 'tnrnn', 'ok')]
>>> [r.strategy for r in recs if r.default][:1]
['tnrnn']
>>> sorted(recs[0].times)
['numpy']
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import itertools
import json
import math
import os
import platform
import signal
import statistics
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidParameterError

__all__ = [
    "BenchRecord",
    "BenchResults",
    "TimeFit",
    "BENCH_BACKENDS",
    "GPU_BACKENDS",
    "DEFAULT_STRATEGIES",
    "FEASIBLE_TENSORS",
    "available_backends",
    "bench",
    "bench_grid",
    "default_strategy",
    "fit_time_vs_flops",
    "load_records",
    "machine_info",
    "plot_bench",
    "summary_table",
]

#: Strategies :func:`bench` runs when none are given (tnrnn's default is added).
DEFAULT_STRATEGIES = ("greedy", "dp", "optimal", "random-greedy-128", "auto-hq",
                      "cotengra-greedy", "kahypar", "hyper", "recurrence")

#: Exponential strategies are not tried on networks with more tensors than
#: this: ``optimal`` takes about a second at 9 tensors and more than 10 s at
#: 13; ``dp`` takes under 2 s at 29 tensors and more than 10 s at 55 (measured
#: on compiled RACs on a 2-core CPU).
FEASIBLE_TENSORS = {"optimal": 9, "dp": 32}

#: Backend labels :func:`bench` accepts.
BENCH_BACKENDS = ("numpy", "torch", "torch-cuda", "cupy")

#: The labels that time a GPU.
GPU_BACKENDS = ("torch-cuda", "cupy")

# strategies run as time-limited cotengra HyperOptimizers: label -> methods
_HYPER = {"hyper": None, "kahypar": ("kahypar",)}

_STATUSES = ("ok", "skipped")


# -- records ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BenchRecord:
    """One strategy on one network: its plan and its measured times.

    Attributes
    ----------
    depth, hidden, inputs, length : int
        ``L``, ``R``, ``M``, ``T`` of the network.
    num_tensors : int
        Tensors of the contracted (hyperindex) network.
    output_size : int
        Entries of the grid tensor, ``M**T``.
    strategy : str
        The strategy's label.
    default : bool
        Whether this is the strategy tnrnn uses by default.
    status : {"ok", "skipped"}
        ``"skipped"`` when a budget, the memory limit, feasibility or an error
        stopped the strategy; ``reason`` says which.
    reason : str or None
    plan_seconds : float or None
        Wall time to find the path (``None`` when not planned).
    flops_log10 : float or None
        ``log10`` of the path's scalar multiply-adds (cotengra's contraction
        cost: the product of the dimensions of every index of each pairwise
        contraction, summed).
    largest_intermediate : int or None
        Entries of the largest tensor on the path.
    peak_memory : int or None
        Estimated bytes alive at the worst point of the path (float64).
    path : tuple of (int, int) or None
        The path in opt_einsum's linear format, over the tensors of
        ``CircuitNetwork.to_hyper()`` in order.
    times : dict
        Backend label -> median seconds of the timed contractions.
    repeats : dict
        Backend label -> number of timed contractions (after warm-up).
    skipped_backends : dict
        Backend label -> why it was not timed.
    seed : int
        Seed of the random RAC weights.

    Examples
    --------
    >>> (r,) = bench([(1, 2, 2, 3)], ["greedy"], repeats=1, progress=False)[:1]
    >>> d = r.to_dict()
    >>> BenchRecord.from_dict(json.loads(json.dumps(d))) == r
    True
    >>> d["strategy"], d["status"], d["output_size"]
    ('greedy', 'ok', 8)
    """

    depth: int
    hidden: int
    inputs: int
    length: int
    num_tensors: int
    output_size: int
    strategy: str
    default: bool
    status: str
    reason: str | None = None
    plan_seconds: float | None = None
    flops_log10: float | None = None
    largest_intermediate: int | None = None
    peak_memory: int | None = None
    path: tuple[tuple[int, int], ...] | None = None
    times: dict[str, float] = field(default_factory=dict, hash=False)
    repeats: dict[str, int] = field(default_factory=dict, hash=False)
    skipped_backends: dict[str, str] = field(default_factory=dict, hash=False)
    seed: int = 0

    @property
    def network(self) -> tuple[int, int, int, int]:
        """``(L, R, M, T)``."""
        return (self.depth, self.hidden, self.inputs, self.length)

    @property
    def ok(self) -> bool:
        """Whether the strategy was planned (and contracted where a backend ran)."""
        return self.status == "ok"

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field (the path as a list of pairs)."""
        d = {name: getattr(self, name) for name in self.__dataclass_fields__}
        d["path"] = None if self.path is None else [list(p) for p in self.path]
        for name in ("times", "repeats", "skipped_backends"):
            d[name] = dict(d[name])
        return d

    @classmethod
    def from_dict(cls, d: dict) -> BenchRecord:
        """The record that :meth:`to_dict` wrote (e.g. a line of the JSON-lines file)."""
        d = dict(d)
        if d.get("path") is not None:
            d["path"] = tuple(tuple(int(i) for i in p) for p in d["path"])
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**d)


class BenchResults(list):
    """The list of :class:`BenchRecord` that :func:`bench` returns.

    ``interrupted`` is ``True`` when the run was stopped by Ctrl-C
    (``KeyboardInterrupt``); the list then holds what was measured before.
    """

    interrupted: bool = False


def load_records(path) -> list[BenchRecord]:
    """Read the JSON-lines file that ``bench(..., out=path)`` appended to.

    Examples
    --------
    >>> import tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "bench.jsonl")
    >>> recs = bench([(1, 2, 2, 3)], ["greedy"], repeats=1, progress=False, out=out)
    >>> load_records(out) == list(recs)
    True
    """
    with open(path) as fh:
        return [BenchRecord.from_dict(json.loads(line)) for line in fh if line.strip()]


# -- grid, strategies, backends ------------------------------------------------------------------
def bench_grid(depth, hidden, inputs, length) -> list[tuple[int, int, int, int]]:
    """Every ``(L, R, M, T)`` of the product of the given values.

    Examples
    --------
    >>> bench_grid([1, 2], 4, 2, [4, 8])
    [(1, 4, 2, 4), (1, 4, 2, 8), (2, 4, 2, 4), (2, 4, 2, 8)]
    """
    def values(v):
        return [v] if isinstance(v, int) else list(v)

    return [tuple(c) for c in itertools.product(values(depth), values(hidden), values(inputs), values(length))]


def default_strategy():
    """The ``optimize=`` default of :func:`tnrnn.contract.grid_tensor`: the strategy tnrnn uses.

    Examples
    --------
    >>> default_strategy()
    'tnrnn'
    """
    from .contract import grid_tensor

    return inspect.signature(grid_tensor).parameters["optimize"].default


def _label(optimize) -> str:
    return optimize if isinstance(optimize, str) else type(optimize).__name__


@dataclass(frozen=True)
class _Strategy:
    label: str
    optimize: Any
    default: bool
    missing: str | None  # why it cannot run here


def _resolve_strategies(strategies) -> list[_Strategy]:
    from .contract import _OPTIMIZERS, list_optimizers

    known = list_optimizers(available=False)
    available = set(list_optimizers(available=True))
    if strategies is None:
        strategies = DEFAULT_STRATEGIES
    elif isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s]
    strategies = list(strategies)
    default = default_strategy()
    default_label = _label(default)
    allowed = "names from " + ", ".join(known) + " or (label, optimizer) pairs"
    out: list[_Strategy] = []
    for s in strategies:
        if isinstance(s, str):
            if s not in known:
                raise InvalidParameterError("strategies", s, allowed)
            missing = None
            if s not in available:
                missing = f"needs the optional package {_OPTIMIZERS[s].requires!r}"
            out.append(_Strategy(s, s, s == default_label, missing))
        elif isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str) and s[0]:
            out.append(_Strategy(s[0], s[1], False, None))
        else:
            raise InvalidParameterError("strategies", s, allowed)
    labels = [s.label for s in out]
    if len(set(labels)) != len(labels):
        raise InvalidParameterError("strategies", labels, "distinct labels")
    if not out:
        raise InvalidParameterError("strategies", strategies, "at least one strategy")
    if default_label not in labels:
        out.append(_Strategy(default_label, default, True, None))
    return out


def _backend_missing(backend: str) -> str | None:
    """Why ``backend`` cannot be timed here, or ``None``."""
    if backend == "numpy":
        return None
    if backend in ("torch", "torch-cuda"):
        if importlib.util.find_spec("torch") is None:
            return "torch is not installed"
        if backend == "torch-cuda":
            import torch

            if not torch.cuda.is_available():
                return "torch sees no CUDA device"
        return None
    if importlib.util.find_spec("cupy") is None:
        return "cupy is not installed"
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "cupy sees no CUDA device"
    except Exception as err:  # a cupy without a driver raises its own CUDA errors
        return f"cupy cannot use a GPU: {err}"
    return None


def available_backends() -> tuple[str, ...]:
    """The backend labels that can be timed on this machine.

    Examples
    --------
    >>> available_backends()[0]
    'numpy'
    """
    return tuple(b for b in BENCH_BACKENDS if _backend_missing(b) is None)


def _check_backends(backends) -> tuple[str, ...]:
    if isinstance(backends, str):
        backends = [b for b in backends.split(",") if b]
    backends = tuple(backends)
    allowed = "backends from " + ", ".join(BENCH_BACKENDS)
    if not backends or any(b not in BENCH_BACKENDS for b in backends) or len(set(backends)) != len(backends):
        raise InvalidParameterError("backends", backends, allowed)
    return backends


def _to_backend(arrays, backend: str):
    import numpy as np

    if backend == "numpy":
        return [np.asarray(a, dtype=np.float64) for a in arrays]
    if backend in ("torch", "torch-cuda"):
        import torch

        device = "cuda" if backend == "torch-cuda" else "cpu"
        return [torch.tensor(np.array(a, dtype=np.float64), device=device) for a in arrays]  # copies: quimb data is read-only
    import cupy

    return [cupy.asarray(a, dtype=cupy.float64) for a in arrays]


def _synchronize(backend: str) -> None:
    """Wait for queued GPU work, so that a timer measures the contraction itself."""
    if backend == "torch-cuda":
        import torch

        torch.cuda.synchronize()
    elif backend == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def _contract_call(plan, data, backend: str):
    from .contract import contract_arrays

    if backend == "numpy":
        return lambda: contract_arrays(plan, data, "numpy")
    if backend == "cupy":
        return lambda: contract_arrays(plan, data, "cupy")
    device = "cuda" if backend == "torch-cuda" else "cpu"
    return lambda: contract_arrays(plan, data, "torch", device)


# -- planning under a deadline -------------------------------------------------------------------
class _PlanningTimeout(BaseException):
    """Raised by the alarm; a BaseException so that optimizers' ``except Exception`` let it through."""


@contextlib.contextmanager
def _deadline(seconds: float | None):
    """Interrupt the block after ``seconds`` where SIGALRM can be used (main thread, no other handler)."""
    usable = (seconds is not None and hasattr(signal, "setitimer")
              and threading.current_thread() is threading.main_thread()
              and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None))
    if not usable:
        yield
        return
    state = {"active": True}

    def handler(signum, frame):
        if state["active"]:
            raise _PlanningTimeout

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(float(seconds), 1e-3))
    try:
        yield
    finally:
        try:
            state["active"] = False
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _fresh_optimize(strategy: _Strategy, budget: float | None):
    """The ``optimize`` value for one network (hyper-optimizers are stateful: a new one each time)."""
    if isinstance(strategy.optimize, str) and strategy.optimize in _HYPER:
        import cotengra as ctg

        methods = _HYPER[strategy.optimize]
        return ctg.HyperOptimizer(methods=None if methods is None else list(methods), max_repeats=128,
                                  max_time=budget, parallel=False, progbar=False, on_trial_error="ignore")
    return strategy.optimize


# -- the benchmark ----------------------------------------------------------------------------------
@dataclass
class _Network:
    config: tuple[int, int, int, int]
    inputs: list
    output: tuple
    size_dict: dict
    arrays: list

    @classmethod
    def build(cls, config, seed):
        from .circuits import RAC
        from .network import compile

        L, R, M, T = config
        net = compile(RAC.random(L, R, M, seed=seed), T)
        tn = net.to_hyper()
        tensors = list(tn.tensors)
        inputs = [t.inds for t in tensors]
        size_dict = {ind: int(d) for t in tensors for ind, d in zip(t.inds, t.shape)}
        return cls(tuple(config), inputs, net.output_indices, size_dict, [t.data for t in tensors])


def _check_grid(grid) -> list[tuple[int, int, int, int]]:
    allowed = "an iterable of (L, R, M, T) integer tuples with L, R, M, T >= 1"
    try:
        configs = [tuple(c) for c in grid]
    except TypeError:
        raise InvalidParameterError("grid", grid, allowed) from None
    for c in configs:
        if len(c) != 4 or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in c):
            raise InvalidParameterError("grid", c, allowed)
    if not configs:
        raise InvalidParameterError("grid", grid, allowed)
    return configs


def _number(value, name: str, *, integer: bool, minimum: float, allow_none: bool = False):
    """``value`` checked: an integer (or a finite number) ``>= minimum``, or ``None`` where allowed."""
    if value is None and allow_none:
        return None
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value) or value < minimum:
        what = f"an integer >= {minimum}" if integer else "a positive number of seconds"
        raise InvalidParameterError(name, value, what + (" or None" if allow_none else ""))
    return value


def bench(grid: Iterable[Sequence[int]], strategies=None, backends=("numpy",), *, repeats: int = 5,
          warmup: int = 1, time_budget: float | None = None, per_strategy_budget: float = 10.0, out=None,
          progress: bool = True, max_memory=None, seed: int = 0) -> BenchResults:
    """Benchmark path strategies on the grid tensors of compiled RACs.

    For each network ``(L, R, M, T)`` of ``grid`` (a RAC with random weights
    from ``seed``) and each strategy: find the path (timed), record its cost,
    then on each backend contract ``warmup`` times untimed and ``repeats``
    times timed, keeping the median.  See the module docstring for what is
    contracted, the strategies, budgets and backends.

    Parameters
    ----------
    grid : iterable of (L, R, M, T)
        The networks (see :func:`bench_grid`).
    strategies : sequence of str or (label, optimizer) pairs, optional
        Default :data:`DEFAULT_STRATEGIES`; tnrnn's default strategy is always
        added.  A comma-separated string is accepted.
    backends : sequence of str
        From :data:`BENCH_BACKENDS` (default numpy only).
    repeats : int
        Timed contractions per backend (the median is kept), cut to fit the
        per-strategy budget (at least one).
    warmup : int
        Untimed contractions first (their time sets how many repeats fit).
    time_budget : float, optional
        Seconds for the whole run; once spent, the rest is recorded as skipped.
    per_strategy_budget : float
        Seconds for one strategy's planning on one network, and for its timed
        contractions on one backend.
    out : str or path-like, optional
        A JSON-lines file; each record is appended (and flushed) as soon as it
        is measured, so an interrupted run keeps what it did.
    progress : bool
        A tqdm progress bar on stderr.
    max_memory : int, str or None
        Paths whose estimated peak memory exceeds it are not contracted
        (default :data:`tnrnn.limits.DEFAULT_MEMORY_LIMIT`).
    seed : int
        Seed of the RAC weights.

    Returns
    -------
    BenchResults
        A list of :class:`BenchRecord`, networks in grid order, strategies in
        the given order.  On ``KeyboardInterrupt`` the records gathered so far
        (already on disk when ``out`` is given) with ``interrupted=True``.

    Raises
    ------
    InvalidParameterError
        For an unknown strategy or backend, or a bad grid or budget, before
        anything is measured.

    Examples
    --------
    >>> recs = bench([(2, 2, 2, 4)], ["optimal", "greedy"], repeats=1, progress=False)
    >>> [(r.strategy, r.status) for r in recs]
    [('optimal', 'skipped'), ('greedy', 'ok'), ('tnrnn', 'ok')]
    >>> recs[0].reason
    'optimal is exponential in the number of tensors: not tried above 9 (this network has 29)'
    """
    from tqdm import tqdm

    from .contract import plan_contraction
    from .limits import DEFAULT_MEMORY_LIMIT, format_bytes, parse_memory

    configs = _check_grid(grid)
    strats = _resolve_strategies(strategies)
    backends = _check_backends(backends)
    repeats = _number(repeats, "repeats", integer=True, minimum=1)
    warmup = _number(warmup, "warmup", integer=True, minimum=0)
    time_budget = _number(time_budget, "time_budget", integer=False, minimum=1e-9, allow_none=True)
    per_strategy_budget = _number(per_strategy_budget, "per_strategy_budget", integer=False, minimum=1e-9)
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise InvalidParameterError("seed", seed, "an integer")
    missing_backends = {b: why for b in backends if (why := _backend_missing(b)) is not None}
    timed_backends = [b for b in backends if b not in missing_backends]

    results = BenchResults()
    started = time.perf_counter()
    out_of_budget: dict[str, int] = {}  # strategy label -> fewest tensors on which planning ran out
    bar = tqdm(total=len(configs) * len(strats), disable=not progress, file=sys.stderr, unit="plan",
               leave=False, dynamic_ncols=True)
    fh = open(out, "a") if out is not None else None
    try:
        for config in configs:
            network = None
            for strat in strats:
                bar.set_description(f"L={config[0]} R={config[1]} M={config[2]} T={config[3]} {strat.label}")
                if network is None:
                    network = _Network.build(config, seed)
                n = len(network.inputs)
                L, R, M, T = config
                common = dict(depth=L, hidden=R, inputs=M, length=T, num_tensors=n,
                              output_size=math.prod(network.size_dict[i] for i in network.output),
                              strategy=strat.label, default=strat.default, seed=seed,
                              skipped_backends=dict(missing_backends))

                record = None
                spent = time.perf_counter() - started
                if time_budget is not None and spent > time_budget:
                    record = _skipped(common, f"the total time budget of {time_budget:g} s was spent")
                elif strat.missing:
                    record = _skipped(common, strat.missing)
                elif strat.label in FEASIBLE_TENSORS and strat.optimize == strat.label \
                        and n > FEASIBLE_TENSORS[strat.label]:
                    record = _skipped(common, f"{strat.label} is exponential in the number of tensors: not tried above "
                                     f"{FEASIBLE_TENSORS[strat.label]} (this network has {n})")
                elif strat.label in out_of_budget and n >= out_of_budget[strat.label]:
                    record = _skipped(common, f"planning ran out of its {per_strategy_budget:g} s budget on a network "
                                     f"with {out_of_budget[strat.label]} tensors")
                if record is None:
                    record = _measure(network, strat, timed_backends, common, plan_contraction,
                                      repeats, warmup, per_strategy_budget, limit, out_of_budget, format_bytes)
                results.append(record)
                if fh is not None:
                    fh.write(json.dumps(record.to_dict()) + "\n")
                    fh.flush()
                bar.update()
    except KeyboardInterrupt:
        results.interrupted = True
    finally:
        bar.close()
        if fh is not None:
            fh.close()
    return results


def _skipped(common: dict, reason: str, **planned) -> BenchRecord:
    return BenchRecord(status="skipped", reason=reason, **common, **planned)


def _measure(network, strat, backends, common, plan_contraction, repeats, warmup, budget, limit,
             out_of_budget, format_bytes) -> BenchRecord:
    n = len(network.inputs)
    hyper = isinstance(strat.optimize, str) and strat.optimize in _HYPER
    hard_limit = budget * 1.5 + 1.0 if hyper else budget
    t0 = time.perf_counter()
    try:
        optimize = _fresh_optimize(strat, budget)
        with _deadline(hard_limit):
            plan = plan_contraction(network.inputs, network.output, network.size_dict, optimize,
                                    max_memory=limit, enforce=False)
    except _PlanningTimeout:
        out_of_budget[strat.label] = min(n, out_of_budget.get(strat.label, n))
        return _skipped(common, f"planning was stopped at its budget of {hard_limit:g} s", plan_seconds=hard_limit)
    except Exception as err:  # a failing strategy is a result, not the end of the sweep
        return _skipped(common, f"planning failed: {type(err).__name__}: {err}".splitlines()[0],
                       plan_seconds=time.perf_counter() - t0)
    plan_seconds = time.perf_counter() - t0
    if plan_seconds > hard_limit:  # no alarm on this platform: the budget is enforced afterwards
        out_of_budget[strat.label] = min(n, out_of_budget.get(strat.label, n))
    cost = plan.cost
    planned = dict(plan_seconds=plan_seconds, flops_log10=cost.flops_log10,
                   largest_intermediate=cost.largest_intermediate, peak_memory=cost.peak_memory,
                   path=tuple(tuple(int(i) for i in step) for step in plan.tree.get_path()))
    if cost.peak_memory > limit:
        return _skipped(common, f"not contracted: peak memory {format_bytes(cost.peak_memory)} is above the limit "
                       f"of {format_bytes(limit)}", **planned)
    times, counts, failed = {}, {}, dict(common["skipped_backends"])
    for backend in backends:
        try:
            data = _to_backend(network.arrays, backend)
            run = _contract_call(plan, data, backend)
            begun = time.perf_counter()
            for _ in range(warmup):
                run()
                _synchronize(backend)
            samples: list[float] = []
            while len(samples) < repeats:
                t = time.perf_counter()
                run()
                _synchronize(backend)
                samples.append(time.perf_counter() - t)
                # stop when one more contraction would overrun the budget (one is always kept)
                if time.perf_counter() - begun + statistics.median(samples) > budget:
                    break
            times[backend] = statistics.median(samples)
            counts[backend] = len(samples)
        except Exception as err:  # e.g. GPU out of memory: recorded, the other backends go on
            failed[backend] = f"contraction failed: {type(err).__name__}: {err}".splitlines()[0]
    common = {**common, "skipped_backends": failed}
    return BenchRecord(status="ok", times=times, repeats=counts, **common, **planned)


# -- reading the results ---------------------------------------------------------------------------
def _time_columns(records) -> list[str]:
    present = {b for r in records for b in r.times}
    return [b for b in BENCH_BACKENDS if b in present]


def summary_table(records) -> str:
    """The records as a text table, one row per (network, strategy).

    ``x best`` is the path's flops over the fewest flops any strategy found
    for that network; tnrnn's default strategy is marked ``*``.  Time columns
    (milliseconds, median) appear only for backends that timed something, so
    a run without a GPU has no GPU column.

    Examples
    --------
    >>> recs = bench([(1, 2, 2, 3)], ["greedy", "recurrence"], repeats=1, progress=False)
    >>> lines = summary_table(recs).splitlines()
    >>> lines[0].split()[:8]
    ['L', 'R', 'M', 'T', 'tensors', 'strategy', 'plan[s]', 'log10(flops)']
    >>> "numpy[ms]" in lines[0], "cupy[ms]" in lines[0], len(lines)
    (True, False, 5)
    """
    records = list(records)
    best: dict[tuple, float] = {}
    for r in records:
        if r.flops_log10 is not None:
            best[r.network] = min(best.get(r.network, math.inf), r.flops_log10)
    cols = _time_columns(records)
    header = ["L", "R", "M", "T", "tensors", "strategy", "plan[s]", "log10(flops)", "x best", "largest",
              "peak"] + [f"{b}[ms]" for b in cols] + ["note"]
    rows = [header]

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    from .limits import format_bytes

    for r in records:
        ratio = None if r.flops_log10 is None else 10 ** (r.flops_log10 - best[r.network])
        row = [str(r.depth), str(r.hidden), str(r.inputs), str(r.length), str(r.num_tensors),
               r.strategy + ("*" if r.default else ""), fmt(r.plan_seconds, ".3f"), fmt(r.flops_log10, ".3f"),
               fmt(ratio, ".3f"), fmt(r.largest_intermediate, "d"),
               "-" if r.peak_memory is None else format_bytes(r.peak_memory).replace(" ", "")]
        row += [fmt(None if b not in r.times else 1e3 * r.times[b], ".3f") for b in cols]
        row.append("" if r.reason is None else "skipped: " + r.reason)
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = []
    for row in rows:
        cells = [c.rjust(w) if i not in (5,) else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells + [row[-1]]).rstrip())
    if any(r.default for r in records):
        lines.append("* tnrnn's default strategy")
    return "\n".join(lines)


@dataclass(frozen=True)
class TimeFit:
    """A least-squares fit ``log10(seconds) = slope * log10(flops) + intercept``.

    ``correlation`` is Pearson's r of the two logarithms over ``points``
    records; a slope near 1 means time is proportional to flops.
    """

    backend: str
    points: int
    slope: float
    intercept: float
    correlation: float
    min_flops_log10: float | None = None

    def to_dict(self) -> dict:
        """A JSON-safe dict of the fields."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def fit_time_vs_flops(records, backend: str = "numpy", *, min_flops_log10: float | None = None) -> TimeFit:
    """How measured contraction time tracks the path's flops, on one backend.

    Parameters
    ----------
    records : iterable of BenchRecord
    backend : str
        The backend whose times are fitted.
    min_flops_log10 : float, optional
        Only paths with at least this many flops (small contractions are
        dominated by per-step overhead, not arithmetic).

    Examples
    --------
    >>> recs = bench([(1, 4, 2, 6), (1, 4, 2, 10)], ["greedy", "recurrence"], repeats=1, progress=False)
    >>> fit = fit_time_vs_flops(recs)
    >>> fit.backend, fit.points
    ('numpy', 6)
    """
    import numpy as np

    pts = [(r.flops_log10, math.log10(max(r.times[backend], 1e-9))) for r in records
           if backend in r.times and r.flops_log10 is not None
           and (min_flops_log10 is None or r.flops_log10 >= min_flops_log10)]
    if len(pts) < 2 or len({p[0] for p in pts}) < 2:
        raise InvalidParameterError("records", f"{len(pts)} timed on {backend}",
                                    "at least two records timed on that backend with different flops")
    x, y = np.array(pts).T
    slope, intercept = np.polyfit(x, y, 1)
    corr = float(np.corrcoef(x, y)[0, 1]) if np.std(y) > 0 else 0.0
    return TimeFit(backend, len(pts), float(slope), float(intercept), corr, min_flops_log10)


_PLOT_KINDS = ("flops", "time", "speedup")


def plot_bench(records, kind: str = "flops", path=None, *, title: str | None = None, figsize=None):
    """Plot benchmark records.

    Parameters
    ----------
    records : iterable of BenchRecord
    kind : {"flops", "time", "speedup"}
        ``"flops"``: log10 flops against ``T``, one line per strategy, one
        panel per ``(L, R, M)``.  ``"time"``: measured time against flops
        (log-log), one colour per strategy, one marker per backend, with the
        fitted line of :func:`fit_time_vs_flops` per backend.
        ``"speedup"``: CPU (numpy) time over GPU time against flops, only
        when some records were timed on a GPU backend.
    path : str or path-like, optional
        Also save the figure (``.png``, ``.svg`` or ``.pdf``).
    title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidParameterError
        For an unknown ``kind``, no plottable records, or ``"speedup"``
        without GPU timings.

    Examples
    --------
    >>> recs = bench([(1, 2, 2, T) for T in (3, 4)], ["greedy", "recurrence"], repeats=1, progress=False)
    >>> fig = plot_bench(recs, "flops")
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), sorted(line.get_label() for line in ax.get_lines())
    ('length $T$', ['greedy', 'recurrence', 'tnrnn (default)'])
    >>> plot_bench(recs, "time").axes[0].get_xscale()
    'log'
    """
    from .draw import figure_format

    fmt = figure_format(path)
    if kind not in _PLOT_KINDS:
        raise InvalidParameterError("kind", kind, "one of " + ", ".join(_PLOT_KINDS))
    records = [r for r in records if isinstance(r, BenchRecord)]
    planned = [r for r in records if r.flops_log10 is not None]
    if not planned:
        raise InvalidParameterError("records", len(records), "BenchRecords with at least one planned path")
    strategies = list(dict.fromkeys(r.strategy for r in records))
    default = {r.strategy for r in records if r.default}
    colours = _colours(strategies)

    def name(s):
        return s + (" (default)" if s in default else "")

    if kind == "flops":
        fig = _plot_flops(planned, strategies, colours, name, figsize)
    elif kind == "time":
        fig = _plot_time(planned, strategies, colours, name, figsize)
    else:
        fig = _plot_speedup(planned, strategies, colours, name, figsize)
    if title is not None:
        fig.suptitle(title)
    if fmt is not None:
        fig.savefig(os.fspath(path), format=fmt, dpi=150 if fmt == "png" else None)
    return fig


def _colours(strategies):
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(strategies) <= 10 else "tab20"]
    return {s: cmap(i % cmap.N) for i, s in enumerate(strategies)}


def _plot_flops(records, strategies, colours, name, figsize):
    from matplotlib.figure import Figure

    families = sorted({r.network[:3] for r in records})
    ncols = min(len(families), 3)
    nrows = math.ceil(len(families) / ncols)
    fig = Figure(figsize=figsize or (4.2 * ncols + 1.8, 3.4 * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, fam in zip(axes, families):
        for s in strategies:
            pts = sorted((r.length, r.flops_log10) for r in records if r.network[:3] == fam and r.strategy == s)
            if pts:
                x, y = zip(*pts)
                is_default = name(s) != s
                ax.plot(x, y, marker="o", ms=4, color=colours[s], label=name(s), gid=f"strategy:{s}",
                        lw=2.4 if is_default else 1.2, ls="--" if is_default else "-")
        ax.set_title(f"L={fam[0]}, R={fam[1]}, M={fam[2]}")
        ax.set_xlabel("length $T$")
        ax.set_ylabel(r"$\log_{10}$ flops")
        ax.grid(alpha=0.3)
    for ax in axes[len(families):]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right upper", fontsize="small")
    return fig


_MARKERS = {"numpy": "o", "torch": "s", "torch-cuda": "^", "cupy": "D"}


def _plot_time(records, strategies, colours, name, figsize):
    import numpy as np

    from .draw import _new_figure

    fig, ax = _new_figure(figsize or (7.2, 4.6))
    backends = _time_columns(records)
    if not backends:
        raise InvalidParameterError("records", len(records), "records with measured times")
    for b in backends:
        for s in strategies:
            pts = [(10 ** r.flops_log10, r.times[b]) for r in records if r.strategy == s and b in r.times]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, marker=_MARKERS[b], color=colours[s], s=22, alpha=0.8, gid=f"time:{b}:{s}",
                           label=name(s) if b == backends[0] else None)
        try:
            fit = fit_time_vs_flops(records, b)
        except InvalidParameterError:
            continue
        xs = np.array([min(r.flops_log10 for r in records), max(r.flops_log10 for r in records)])
        ax.plot(10 ** xs, 10 ** (fit.slope * xs + fit.intercept), color="black", lw=1,
                ls=("-", "--", ":", "-.")[backends.index(b) % 4], gid=f"fit:{b}",
                label=f"{b} ({_MARKERS[b]}): slope {fit.slope:.2f}, r={fit.correlation:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flops of the path")
    ax.set_ylabel("contraction time [s] (median)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small", loc="upper left")
    return fig


def _plot_speedup(records, strategies, colours, name, figsize):
    from .draw import _new_figure

    gpus = [b for b in GPU_BACKENDS if any(b in r.times for r in records)]
    if not gpus:
        raise InvalidParameterError("kind", "speedup", "records timed on a GPU backend (torch-cuda or cupy); "
                                    "these have none")
    fig, ax = _new_figure(figsize or (7.2, 4.6))
    for b in gpus:
        for s in strategies:
            pts = [(10 ** r.flops_log10, r.times["numpy"] / r.times[b]) for r in records
                   if r.strategy == s and b in r.times and "numpy" in r.times and r.times[b] > 0]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, marker=_MARKERS[b], color=colours[s], s=22, gid=f"speedup:{b}:{s}",
                           label=f"{name(s)} ({b})")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flops of the path")
    ax.set_ylabel("speed-up: numpy time / GPU time")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small")
    return fig


def machine_info() -> dict:
    """The machine and library versions, for benchmark reports.

    Examples
    --------
    >>> info = machine_info()
    >>> info["cores"] >= 1 and "cotengra" in info and "gpu" in info
    True
    """
    import cotengra
    import numpy
    import opt_einsum
    import quimb

    from . import __version__

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(), "numpy": numpy.__version__,
            "opt_einsum": opt_einsum.__version__, "cotengra": cotengra.__version__, "quimb": quimb.__version__,
            "kahypar": importlib.util.find_spec("kahypar") is not None, "tnrnn": __version__, "gpu": None}
    if importlib.util.find_spec("torch") is not None:
        import torch

        info["torch"] = torch.__version__
        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    return info
