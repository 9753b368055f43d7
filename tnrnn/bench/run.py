"""Benchmark of contraction strategies on compiled RAC networks (and networks of any layer kind).

Compiled RACs form network families whose difficulty grows smoothly with the
depth ``L``, width ``R``, input dimension ``M`` and length ``T``: chains for
``L = 1``, input-duplicated trees with hyperindices for ``L >= 2``.  For each
network of a grid and each path strategy, :func:`bench` records the planning
time, the path's cost (flops, largest intermediate, peak memory) and the
measured contraction time on each array backend, as :class:`BenchRecord`\\ s.
``circuit=`` benchmarks the networks of another layer kind (``ssm``, ``gla``:
chains of bond ``R + 1`` and ``R^2 + 1`` for ``L = 1``, trees with more
input copies for ``L >= 2``; :mod:`tnrnn.network.forms`).

What is contracted
------------------
The **grid tensor**: the hyperindex form of the network (``to_hyper()``) with
every input index ``x0 .. x{T-1}`` open, exactly what
:meth:`~tnrnn.network.core.CircuitNetwork.grid_tensor` contracts (and what the
rank and spectrum computations use).  Its output has ``M**T`` entries, so
costs grow with the length even on shallow circuits, and hyperindices make
the deep networks non-trivial for path finders.  Evaluating a batch of
sequences is a different problem (the inputs are closed, and the
``recurrence`` path is then the forward pass); it is not what this
benchmark measures.

Strategies
----------
Any name of :func:`tnrnn.network.optimizers.list_optimizers`, with two differences:
``hyper`` and ``kahypar`` are run as fresh ``cotengra.HyperOptimizer``\\ s
whose ``max_time`` is the per-strategy budget (instead of the registry's fixed
trial counts), and ``optimal`` / ``dp`` are not tried above
:func:`tnrnn.network.optimizers.max_tensors` tensors.  A ``(label, optimize)`` pair benchmarks any
optimizer object, path function or explicit path under ``label``.  The
strategy tnrnn uses by default
(:data:`tnrnn.network.optimizers.DEFAULT_OPTIMIZER`) is always included and its records have
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
GPU backends, :data:`tnrnn.backends.GPU_LABELS`).  A backend that is unavailable here is
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
import functools
import itertools
import json
import math
import signal
import statistics
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backends import LABELS, available, from_label, missing
from ..circuits import check_weights_memory, layer_kind, random_circuit
from ..errors import InvalidParameterError
from ..limits import format_bytes, resolve_memory
from ..network import optimizers
from ..network.contract import contract_arrays, plan_contraction
from ..network.core import ContractionProblem, check_network_memory, compile
from ..runinfo import new_run
from ..typing import MemoryLike
from .records import BenchRecord, BenchResults

__all__ = ["DEFAULT_STRATEGIES", "bench", "bench_grid", "default_strategy"]

#: Strategies :func:`bench` runs when none are given (tnrnn's default is added).
DEFAULT_STRATEGIES = ("greedy", "dp", "optimal", "random-greedy-128", "auto-hq",
                      "cotengra-greedy", "kahypar", "hyper", "recurrence")


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


def default_strategy() -> str:
    """The strategy tnrnn uses by default: :data:`tnrnn.network.optimizers.DEFAULT_OPTIMIZER`.

    Examples
    --------
    >>> default_strategy()
    'tnrnn'
    """
    return optimizers.DEFAULT_OPTIMIZER


@dataclass(frozen=True)
class _Strategy:
    label: str
    optimize: Any
    default: bool
    missing: str | None = None       # why it cannot run here
    max_tensors: int | None = None   # the registry's limit for exhaustive searches
    hyper: bool = False              # a named hyper-optimizer: a fresh one, time-limited, per network


def _resolve_strategies(strategies) -> list[_Strategy]:
    known = optimizers.list_optimizers(available=False)
    if strategies is None:
        strategies = DEFAULT_STRATEGIES
    elif isinstance(strategies, str):
        strategies = [s for s in strategies.split(",") if s]
    strategies = list(strategies)
    default = default_strategy()
    default_label = default
    allowed = "names from " + ", ".join(known) + " or (label, optimizer) pairs"
    out: list[_Strategy] = []
    for s in strategies:
        if isinstance(s, str):
            if s not in known:
                raise InvalidParameterError("strategies", s, allowed)
            info = optimizers.optimizer_info(s)
            why = None if info.available else f"needs the optional package {info.requires!r}"
            out.append(_Strategy(s, s, s == default_label, why, info.max_tensors, info.hyper_methods is not None))
        elif isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str) and s[0]:
            out.append(_Strategy(s[0], s[1], False))
        else:
            raise InvalidParameterError("strategies", s, allowed)
    labels = [s.label for s in out]
    if len(set(labels)) != len(labels):
        raise InvalidParameterError("strategies", labels, "distinct labels")
    if not out:
        raise InvalidParameterError("strategies", strategies, "at least one strategy")
    if default_label not in labels:
        info = optimizers.optimizer_info(default)
        out.append(_Strategy(default_label, default, True, None, info.max_tensors, info.hyper_methods is not None))
    return out


def available_backends() -> tuple[str, ...]:
    """The backend labels that can be timed on this machine (:func:`tnrnn.backends.available`).

    Examples
    --------
    >>> available_backends()[0]
    'numpy'
    """
    return available()


def _check_backends(backends) -> tuple[str, ...]:
    if isinstance(backends, str):
        backends = [b for b in backends.split(",") if b]
    backends = tuple(backends)
    allowed = "backends from " + ", ".join(LABELS)
    if not backends or any(b not in LABELS for b in backends) or len(set(backends)) != len(backends):
        raise InvalidParameterError("backends", backends, allowed)
    return backends


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


# -- the benchmark ----------------------------------------------------------------------------------
@dataclass
class _Network:
    config: tuple[int, int, int, int]
    problem: ContractionProblem

    @classmethod
    def build(cls, config, seed, circuit="rac"):
        L, R, M, T = config
        return cls(tuple(config), compile(random_circuit(circuit, L, R, M, seed=seed), T).problem())

    @property
    def inputs(self):
        return self.problem.inputs

    @property
    def output(self):
        return self.problem.output

    @property
    def size_dict(self):
        return self.problem.size_dict

    @property
    def arrays(self):
        return self.problem.arrays


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
          progress: bool = False, max_memory: MemoryLike = None, seed: int = 0, circuit: str = "rac") -> BenchResults:
    """Benchmark path strategies on the grid tensors of compiled circuits (RACs by default).

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
        From :data:`tnrnn.backends.LABELS` (default numpy only).
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
        A tqdm progress bar on stderr (default off: the Python API is quiet unless asked, as quimb and
        cotengra are; ``tnrnn bench`` turns it on on a terminal).
    max_memory : int, str or None
        Paths whose estimated peak memory exceeds it are not contracted
        (default :data:`tnrnn.limits.DEFAULT_MEMORY_LIMIT`).
    seed : int
        Seed of the circuit's weights.
    circuit : str
        The layer kind (:func:`tnrnn.circuits.list_kinds`; default ``"rac"``).

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
    'optimal is exponential in the number of tensors: not tried above 8 (this network has 29)'
    >>> [(r.circuit, r.num_tensors, r.status) for r in bench([(1, 2, 2, 4)], ["greedy"], circuit="ssm", repeats=1)]
    [('ssm', 6, 'ok'), ('ssm', 6, 'ok')]
    """
    from tqdm import tqdm

    configs = _check_grid(grid)
    strats = _resolve_strategies(strategies)
    backends = _check_backends(backends)
    repeats = _number(repeats, "repeats", integer=True, minimum=1)
    warmup = _number(warmup, "warmup", integer=True, minimum=0)
    time_budget = _number(time_budget, "time_budget", integer=False, minimum=1e-9, allow_none=True)
    per_strategy_budget = _number(per_strategy_budget, "per_strategy_budget", integer=False, minimum=1e-9)
    limit = resolve_memory(max_memory)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidParameterError("seed", seed, "an integer >= 0")
    circuit = layer_kind(circuit).name
    for L, R, M, T in configs:   # every network and its weights must fit, before anything is measured
        check_network_memory(L, T, limit, kind=circuit, hidden=R, inputs=M)
        check_weights_memory(L, R, M, 1, limit, kind=circuit)
    run = new_run()
    missing_backends = {b: why for b in backends if (why := missing(b)) is not None}
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
                    network = _Network.build(config, seed, circuit)
                n = len(network.inputs)
                L, R, M, T = config
                common = dict(depth=L, hidden=R, inputs=M, length=T, num_tensors=n,
                              output_size=math.prod(network.size_dict[i] for i in network.output),
                              strategy=strat.label, default=strat.default, seed=seed,
                              skipped_backends=dict(missing_backends), run_id=run.run_id, timestamp=run.timestamp,
                              circuit=circuit)

                record = None
                spent = time.perf_counter() - started
                if time_budget is not None and spent > time_budget:
                    record = _skipped(common, f"the total time budget of {time_budget:g} s was spent")
                elif strat.missing:
                    record = _skipped(common, strat.missing)
                elif strat.max_tensors is not None and n > strat.max_tensors:
                    record = _skipped(common, f"{strat.label} is exponential in the number of tensors: not tried above "
                                     f"{strat.max_tensors} (this network has {n})")
                elif strat.label in out_of_budget and n >= out_of_budget[strat.label]:
                    record = _skipped(common, f"planning ran out of its {per_strategy_budget:g} s budget on a network "
                                     f"with {out_of_budget[strat.label]} tensors")
                if record is None:
                    record = _measure(network, strat, timed_backends, common, repeats, warmup, per_strategy_budget,
                                      limit, out_of_budget)
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


def _measure(network, strat, backends, common, repeats, warmup, budget, limit, out_of_budget) -> BenchRecord:
    n = len(network.inputs)
    hyper = strat.hyper
    hard_limit = budget * 1.5 + 1.0 if hyper else budget
    t0 = time.perf_counter()
    try:
        optimize = optimizers.fresh(strat.optimize, max_time=budget) if hyper else strat.optimize
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
            target = from_label(backend)
            data = [target.asarray(np.array(a)) for a in network.arrays]  # copies: quimb data is read-only
            run = functools.partial(contract_arrays, plan, data, target)
            begun = time.perf_counter()
            for _ in range(warmup):
                run()
                target.synchronize()
            samples: list[float] = []
            while len(samples) < repeats:
                t = time.perf_counter()
                run()
                target.synchronize()
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
