"""Sweeps of independent tasks, in-process or on a Dask cluster, streamed and resumable.

A **sweep** runs one *task* over many *configurations*.  The definitions are
tnrnn's own:

task
    A function ``config -> result`` of one JSON-safe ``dict`` (the
    configuration) returning something JSON-safe (a dict or a list of dicts).
    It must be a module-level function (workers import it by name) and
    deterministic in its configuration: every seed it uses comes from the
    configuration, so a configuration gives the same numbers wherever and in
    whatever order it runs.  Tasks are named in :data:`TASKS` (a registry of
    ``"module:function"`` paths, imported when first used) or given as plain
    callables.
key
    The configuration's canonical JSON (sorted keys, no spaces); two
    configurations are the same configuration when their keys are equal.
record
    One line of the output file (JSON lines), a :class:`TaskRecord`:
    ``{"kind": "sweep", "task", "config", "status", "result", "error", "seconds", "worker"}``
    with ``status`` ``"ok"`` (``result`` holds the task's output) or
    ``"error"`` (``error`` holds ``"ExceptionType: message"``).

Execution: with neither ``workers`` nor ``scheduler`` (or ``client``), tasks run
one after the other in this process, in the given order, and dask is not
imported.  ``workers=N`` starts a ``distributed.LocalCluster`` of ``N``
single-threaded worker processes for the sweep; ``scheduler="tcp://host:8786"``
connects to a running cluster; ``client=`` uses a ``distributed.Client`` you
already hold.  On a cluster every configuration is one Dask task, submitted at
once; the scheduler retries the tasks of a worker that dies (up to
``distributed.scheduler.allowed-failures`` times, 3 by default), so a lost
worker loses nothing; a task that keeps killing workers ends as an error
record (``KilledWorker``).

Guarantees:

* Records are appended to ``out`` as tasks finish, one ``write`` of a whole
  line each, flushed; Ctrl-C (``KeyboardInterrupt``) cancels what is pending
  and leaves every finished record on disk, valid.
* ``resume=True`` reads ``out`` and skips every configuration already there
  (finished, or failed for a lasting reason: delete a failed line, or use
  another file, to run it again); a configuration whose record failed for a
  transient reason (:func:`is_transient`: memory, a lost worker, an
  interrupt) runs again, and its new record supersedes the old one.  A last
  line cut short by a crash is dropped.
* Several processes may append to one ``out`` at once (two sweeps, two
  ``resume`` runs): the writer's lock (:class:`tnrnn.records.JsonlWriter`)
  keeps every configuration exactly once in the file, and a sweep skips what
  a concurrent one has finished meanwhile.
* A write that fails after the work (a full disk) loses nothing: the records
  go on in a file in the temporary folder, named by
  :attr:`SweepResult.rescued`.  Without ``resume``, an
  existing non-empty ``out`` is refused rather than mixed into.
* A task raising an ``Exception`` becomes an error record; the sweep goes on.
* The records are those of the serial run: the same configurations give the
  same results; only ``seconds``, ``worker`` and the order of the lines in the
  file differ.  :attr:`SweepResult.records` is in configuration order.
* One tqdm bar for the sweep, on stderr.

Adopting the runner in a command (how ``tnrnn bounds`` and ``tnrnn bench`` do
it, and what ``tnrnn train`` or the memory measures need):

1. Write the task at module level: ``def train_task(config: dict) -> dict``
   that builds everything from ``config`` (seeds included) and returns a
   JSON-safe result, e.g. ``record.to_dict()``.  Turn off any inner progress
   bar (the sweep has one).
2. Name it: add ``"train": "tnrnn.tasks.train:train_task"`` to :data:`TASKS`
   (or call ``register_task("train", train_task)``; or pass the function
   itself to :func:`run_sweep`).
3. In the CLI: ``add_runner_arguments(parser)`` (:mod:`tnrnn.cli._sweep`) (adds ``--out``, ``--resume``,
   ``--workers``, ``--scheduler``), build the list of configuration dicts, then
   ``sweep = run_sweep("train", configs, **runner_options(args))``; print
   ``sweep.results()`` (the ``ok`` results in configuration order), report
   ``sweep.errors()`` on stderr, and return ``exit_status(sweep)`` (130 if
   interrupted, 2 or 1 if some configuration failed).

Examples
--------
>>> sweep = run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=T, method="closed-form", mincut=False)
...                              for T in (2, 4)])
>>> [(r["length"], r["lower"], r["upper"]) for r in sweep.results()]
[(2, 2, 2), (4, 2, 2)]
>>> print(sweep)
sweep of bounds: 2 configurations, 2 ran (0 failed), 0 resumed from the file
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .clusters import _check_workers, _require_distributed, cluster
from .errors import InvalidParameterError
from .records import Record, exact_integers
from .runinfo import new_run

__all__ = [
    "TASKS",
    "SweepResult",
    "TaskRecord",
    "bench_task",
    "exit_status",
    "is_transient",
    "bounds_task",
    "cluster",
    "config_key",
    "get_task",
    "read_task_records",
    "register_task",
    "run_sweep",
]

#: Task name -> ``"module:function"`` (imported on first use) or a callable.
TASKS: dict[str, str | Callable[[dict], Any]] = {
    "bounds": "tnrnn.runner:bounds_task",
    "bench": "tnrnn.runner:bench_task",
}

_STATUSES = ("ok", "error")

#: Error types of a record that failed for a reason outside its configuration (memory pressure, a lost worker,
#: an interrupt swallowed by a C callback): ``resume`` runs such configurations again.
TRANSIENT_ERRORS = ("MemoryError", "OSError", "TimeoutError", "KilledWorker", "CommClosedError", "ConnectionError",
                    "ConnectionResetError", "BrokenPipeError", "InterruptedError", "BrokenProcessPool",
                    "KeyboardInterrupt", "CancelledError")
_TRANSIENT_TEXT = ("no compiled object yet", "interrupted")


def is_transient(error: str | None) -> bool:
    """Whether an error record's ``error`` is transient (:data:`TRANSIENT_ERRORS`): ``resume`` retries it.

    Examples
    --------
    >>> is_transient("KilledWorker: lost"), is_transient("RuntimeError: no compiled object yet")
    (True, True)
    >>> is_transient("InvalidParameterError: invalid length=5: expected an even length")
    False
    """
    if not error:
        return False
    kind = error.split(":", 1)[0].strip()
    return kind in TRANSIENT_ERRORS or any(t in error for t in _TRANSIENT_TEXT)


def _final_key(task: str):
    """The writer's key of a record that settles its configuration: ok, or failed for a lasting reason."""

    def key(d: dict):
        if not isinstance(d, dict) or d.get("task") != task or not isinstance(d.get("config"), dict):
            return None
        if d.get("status") != "ok" and is_transient(d.get("error")):
            return None
        try:
            return config_key(d["config"])
        except InvalidParameterError:
            return None

    return key


# -- tasks ------------------------------------------------------------------------------------------
def register_task(name: str, function: str | Callable[[dict], Any]) -> None:
    """Register a task under ``name``: a module-level callable or its ``"module:function"`` path.

    Examples
    --------
    >>> register_task("closed-form", "tnrnn.runner:bounds_task")
    >>> get_task("closed-form")[1] is bounds_task
    True
    >>> del TASKS["closed-form"]
    """
    if not isinstance(name, str) or not name:
        raise InvalidParameterError("name", name, "a non-empty string")
    if not (callable(function) or (isinstance(function, str) and ":" in function)):
        raise InvalidParameterError("function", function, "a callable or a 'module:function' path")
    TASKS[name] = function


def get_task(task: str | Callable[[dict], Any]) -> tuple[str, Callable[[dict], Any]]:
    """``(name, function)`` of a registered name or a callable (named ``module:qualname``).

    Examples
    --------
    >>> get_task("bounds")[0]
    'bounds'
    >>> get_task(bounds_task)[0]
    'tnrnn.runner:bounds_task'
    """
    if callable(task):
        return f"{task.__module__}:{task.__qualname__}", task
    if task not in TASKS:
        raise InvalidParameterError("task", task, "a callable or one of " + ", ".join(sorted(TASKS)))
    function = TASKS[task]
    if isinstance(function, str):
        module, _, name = function.partition(":")
        function = getattr(importlib.import_module(module), name)
    return task, function


def config_key(config: dict) -> str:
    """The canonical JSON of a configuration (sorted keys, no spaces).

    Examples
    --------
    >>> config_key({"b": 1, "a": [2, 3]})
    '{"a":[2,3],"b":1}'
    """
    try:
        return json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidParameterError("config", config, f"a JSON-safe dict ({err})") from None


def bounds_task(config: dict) -> dict:
    """``rank_bounds(**config).to_dict()``: one configuration of ``tnrnn bounds``.

    Examples
    --------
    >>> bounds_task(dict(depth=2, hidden=2, inputs=2, length=4))["lower"]
    4
    """
    from .ranks import rank_bounds

    return rank_bounds(**config).to_dict()


def bench_task(config: dict) -> list[dict]:
    """The records of ``tnrnn bench`` on one network: ``config`` holds ``depth``, ``hidden``,
    ``inputs``, ``length`` and :func:`tnrnn.bench.bench`'s keywords (``strategies``, ``backends``, ...).

    Examples
    --------
    >>> recs = bench_task(dict(depth=1, hidden=2, inputs=2, length=3, strategies=["greedy"], repeats=1))
    >>> [(r["strategy"], r["status"]) for r in recs]
    [('greedy', 'ok'), ('tnrnn', 'ok')]
    """
    from .bench import bench

    options = dict(config)
    network = tuple(options.pop(k) for k in ("depth", "hidden", "inputs", "length"))
    results = bench([network], progress=False, **options)
    if results.interrupted:
        raise KeyboardInterrupt
    return [r.to_dict() for r in results]


# -- records ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskRecord(Record):
    """One finished configuration: one line of the sweep's JSON-lines file.

    Attributes
    ----------
    task : str
        The task's name.
    config : dict
        The configuration.
    status : {"ok", "error"}
    result : Any
        The task's output (``None`` on error).
    error : str or None
        ``"ExceptionType: message"`` on error.
    seconds : float
        Wall time of the task where it ran.
    worker : str
        ``"local"`` or the Dask worker's address.
    run_id, timestamp : str or None
        The sweep run that wrote the record (:func:`tnrnn.runinfo.new_run`), so that two runs
        appending to one file (``resume``) are told apart.

    Examples
    --------
    >>> r = TaskRecord("square", {"x": 3}, "ok", 9, None, 0.001, "local")
    >>> TaskRecord.from_dict(json.loads(json.dumps(r.to_dict()))) == r, r.key
    (True, '{"x":3}')
    >>> print(r)
    square {"x":3}: ok in 0.001 s on local
    """

    task: str
    config: dict = field(hash=False)
    status: str
    result: Any = field(default=None, hash=False)
    error: str | None = None
    seconds: float = 0.0
    worker: str = "local"
    run_id: str | None = field(default=None, compare=False)
    timestamp: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """:func:`config_key` of the configuration."""
        return config_key(self.config)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field."""
        return {"kind": "sweep", "task": self.task, "config": self.config, "status": self.status, "result": self.result,
                "error": self.error, "seconds": self.seconds, "worker": self.worker, "run_id": self.run_id,
                "timestamp": self.timestamp}

    @classmethod
    def from_dict(cls, d: dict) -> TaskRecord:
        """The record :meth:`to_dict` wrote."""
        if not isinstance(d, dict) or d.get("status") not in _STATUSES or not isinstance(d.get("config"), dict):
            raise InvalidParameterError("record", d, "a dict with a 'config' dict and a status 'ok' or 'error'")
        return cls(task=d.get("task", ""), config=d["config"], status=d["status"], result=d.get("result"),
                   error=d.get("error"), seconds=float(d.get("seconds", 0.0)), worker=d.get("worker", "local"),
                   run_id=d.get("run_id"), timestamp=d.get("timestamp"))

    def __str__(self) -> str:
        what = "ok" if self.ok else f"failed: {self.error}"
        return f"{self.task} {self.key}: {what} in {self.seconds:.3g} s on {self.worker}"


@dataclass(frozen=True)
class SweepResult(Record):
    """What :func:`run_sweep` did.

    Attributes
    ----------
    task : str
    records : tuple of TaskRecord
        One per configuration that has a record (resumed or run), in the order
        of the configurations given.
    ran : int
        Configurations run now.
    resumed : int
        Configurations found in the file and skipped.
    failed : int
        Error records among ``records``.
    interrupted : bool
        Stopped by ``KeyboardInterrupt``; the configurations without a record
        are what is left to run (``resume=True``).
    out : str or None
        The JSON-lines file.
    rescued : str or None
        Where the records went when writing ``out`` failed (a full disk), else ``None``.
    write_error : str or None
        Why writing ``out`` failed.
    concurrent : int
        Configurations run here whose record another process appended to ``out`` first (kept: its line).
    """

    task: str
    records: tuple[TaskRecord, ...]
    ran: int
    resumed: int
    failed: int
    interrupted: bool = False
    out: str | None = None
    rescued: str | None = None
    write_error: str | None = None
    concurrent: int = 0

    @property
    def appended(self) -> int:
        """Records this sweep appended to the file (``ran`` less those a concurrent run wrote first)."""
        return self.ran - self.concurrent

    def results(self) -> list:
        """The ``result`` of every ``ok`` record, in configuration order."""
        return [r.result for r in self.records if r.ok]

    def errors(self) -> list[TaskRecord]:
        """The error records."""
        return [r for r in self.records if not r.ok]

    def to_dict(self) -> dict:
        """A JSON-safe dict (records as dicts)."""
        return {"task": self.task, "records": [r.to_dict() for r in self.records], "ran": self.ran,
                "resumed": self.resumed, "failed": self.failed, "interrupted": self.interrupted, "out": self.out}

    def __str__(self) -> str:
        where = f", records in {self.out}" if self.out else ""
        stop = ", interrupted" if self.interrupted else ""
        return (f"sweep of {self.task}: {len(self.records)} configurations, {self.ran} ran ({self.failed} failed), "
                f"{self.resumed} resumed from the file{where}{stop}")


def read_task_records(path, task: str | None = None) -> list[TaskRecord]:
    """The records of a sweep's JSON-lines file (of one ``task`` if given).

    A last line without its newline (a crash mid-write) is ignored; any other
    line that is not a record raises :class:`~tnrnn.errors.InvalidParameterError`.

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "sweep.jsonl")
    >>> _ = run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=4, method="closed-form")], out=out)
    >>> [(r.status, r.result["upper"]) for r in read_task_records(out)]
    [('ok', 2)]
    """
    from .records import _read_jsonl as read_jsonl

    records = []
    for number, d in enumerate(read_jsonl(path, missing_ok=False, name="out"), 1):
        try:
            record = TaskRecord.from_dict(d)
        except InvalidParameterError:
            raise InvalidParameterError("out", f"{path}, record {number}", "a JSON-lines file of sweep records") from None
        if task is None or record.task == task:
            records.append(record)
    return records


def __getattr__(name: str):
    if name == "read_records":  # renamed: one read_records (tnrnn.records) returns dicts, this one TaskRecords
        import warnings

        warnings.warn("tnrnn.runner.read_records is deprecated; use tnrnn.runner.read_task_records",
                      DeprecationWarning, stacklevel=2)
        return read_task_records
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- running ----------------------------------------------------------------------------------------
def _execute(function: Callable[[dict], Any], name: str, config: dict) -> dict:
    """Run one configuration; an ``Exception`` becomes an error record (a dict, for pickling)."""
    worker = "local"
    if "distributed" in sys.modules:
        with contextlib.suppress(Exception):
            from distributed import get_worker

            worker = get_worker().address
    started = time.perf_counter()
    try:
        result, status, error = function(dict(config)), "ok", None
        with exact_integers():
            json.dumps(result, allow_nan=True)  # a result that cannot be written is the task's error
    except Exception as err:
        last = traceback.extract_tb(err.__traceback__)[-1:]
        where = f" (at {os.path.basename(last[0].filename)}:{last[0].lineno})" if last else ""
        result, status, error = None, "error", f"{type(err).__name__}: {err}".splitlines()[0] + where
    return {"kind": "sweep", "task": name, "config": config, "status": status, "result": result, "error": error,
            "seconds": time.perf_counter() - started, "worker": worker}


def run_sweep(task: str | Callable[[dict], Any], configs: Iterable[dict], *, out=None, resume: bool = False,
              workers: int | None = None, scheduler: str | None = None, client=None, progress: bool = False,
              desc: str | None = None, on_record: Callable[[TaskRecord], None] | None = None) -> SweepResult:
    """Run ``task`` on every configuration, in-process or on Dask, streaming records to ``out``.

    Parameters
    ----------
    task : str or callable
        A name of :data:`TASKS` or a module-level function ``config -> result``.
    configs : iterable of dict
        JSON-safe configurations; repeated ones (same :func:`config_key`) run once.
    out : str or path-like, optional
        The JSON-lines file records are appended to as they finish.
    resume : bool
        Skip the configurations already in ``out`` (their records are read back).
    workers : int, optional
        Run on a new LocalCluster of this many single-threaded processes.
    scheduler : str, optional
        Run on the cluster of this scheduler (``tcp://host:8786``).
    client : distributed.Client, optional
        Run on this client's cluster.
    progress : bool
        One tqdm bar for the sweep on stderr.
    desc : str, optional
        The bar's label (default the task's name).
    on_record : callable, optional
        Called in this process with each new :class:`TaskRecord` as it is written.

    Returns
    -------
    SweepResult

    Raises
    ------
    InvalidParameterError
        For a bad task, configuration or option, or a non-empty ``out`` without ``resume``.
    MissingDependencyError
        For ``workers``, ``scheduler`` without dask.distributed installed.

    Examples
    --------
    >>> sweep = run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=4, method="closed-form"),
    ...                              dict(depth=1, hidden=2, inputs=2, length=4, method="no-such")])
    >>> sweep.failed, sweep.errors()[0].error.split(":")[0]
    (1, 'InvalidParameterError')
    """
    name, function = get_task(task)
    _check_workers(workers, scheduler, client)
    if resume and out is None:
        raise InvalidParameterError("resume", resume, "False unless an output file (out) is given")
    unique: dict[str, dict] = {}
    for config in configs:
        if not isinstance(config, dict):
            raise InvalidParameterError("configs", config, "dicts of JSON-safe values")
        unique.setdefault(config_key(config), json.loads(config_key(config)))
    from .records import JsonlWriter

    done: dict[str, TaskRecord] = {}
    writer = JsonlWriter(out, resume=resume, name="out", key=_final_key(name), rescue=True,
                         kinds=(name,)) if out is not None else None

    def adopt(records, check: bool) -> None:
        """Records in the file settle their configurations (ok, or a lasting error; transient ones rerun)."""
        for number, d in enumerate(records, 1):
            try:
                record = TaskRecord.from_dict(d)
            except InvalidParameterError:
                if not check:
                    continue
                writer.close()
                raise InvalidParameterError("out", f"{out}, record {number}", "a JSON-lines file of sweep records") from None
            if record.task == name and (record.ok or not is_transient(record.error)):
                if record.ok or record.key not in done:
                    done[record.key] = record

    if writer is not None:
        out = writer.path
        adopt(writer.existing, True)
    todo = [(k, c) for k, c in unique.items() if k not in done]
    new: dict[str, TaskRecord] = {}
    interrupted = False

    from tqdm import tqdm

    bar = tqdm(total=len(todo), disable=not progress, file=sys.stderr, unit="task", desc=desc or name,
               leave=False, dynamic_ncols=True)
    run = new_run()

    concurrent = 0

    def finish(line: dict) -> None:
        nonlocal concurrent
        record = TaskRecord.from_dict({**line, **run.to_dict()})
        if writer is not None and writer.write(record.to_dict()) is None:
            concurrent += 1   # another process appending to the same file settled it first: its line stays
        new[record.key] = record
        bar.update()
        if on_record is not None:
            on_record(record)

    hit = _Interrupts()
    try:
        if client is None and workers is None and scheduler is None:
            with hit:
                for key, config in todo:
                    if writer is not None:   # what a concurrent run appended meanwhile is not run again
                        adopt(writer.poll(), False)
                        if key in done:
                            bar.update()
                            continue
                    line = _execute(function, name, config)
                    if hit.count and line["status"] != "ok":
                        raise KeyboardInterrupt   # swallowed by a C callback and turned into an error: not a result
                    finish(line)
                    if hit.count:
                        raise KeyboardInterrupt
        else:
            if client is None:
                _require_distributed("running on a Dask cluster (--workers, --scheduler)")
            with cluster(workers, scheduler) if client is None else contextlib.nullcontext(client) as dask_client:
                _run_on(dask_client, function, name, todo, finish)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
        if writer is not None:
            writer.close()
    ran = {k: r for k, r in new.items() if k not in done}
    records = tuple(ran.get(k) or done[k] for k in unique if k in ran or k in done)
    return SweepResult(task=name, records=records, ran=len(ran), resumed=len(records) - len(ran),
                       failed=sum(1 for r in records if not r.ok), interrupted=interrupted, out=out,
                       rescued=None if writer is None else writer.rescued,
                       write_error=None if writer is None else writer.write_error, concurrent=concurrent)


class _Interrupts:
    """Count Ctrl-C while a sweep runs in this process, even when a C callback swallows the exception.

    A ``KeyboardInterrupt`` raised inside a ctypes callback (numba compiling its kernels, a FLINT or BLAS
    callback) is printed as "Exception ignored on calling ctypes callback" and lost; the C code goes on,
    and may fail later with another error (numba: "no compiled object yet").  The handler counts the
    signal before raising, and the unraisable hook silences that message, so the sweep can stop with what
    finished (exit 130) instead of recording the side effect as the configuration's result.
    """

    def __init__(self):
        self.count = 0
        self._previous = self._hook = None

    def _handler(self, signum, frame):
        self.count += 1
        raise KeyboardInterrupt

    def _unraisable(self, info):
        if isinstance(info.exc_value, KeyboardInterrupt):
            self.count += 1
            return
        self._hook(info)

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            with contextlib.suppress(ValueError, TypeError):
                self._previous = signal.signal(signal.SIGINT, self._handler)
        self._hook, sys.unraisablehook = sys.unraisablehook, self._unraisable
        return self

    def __exit__(self, *exc):
        sys.unraisablehook = self._hook
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


def _run_on(client, function, name, todo, finish) -> None:
    """Submit every configuration as one Dask task and finish them as they complete."""
    from distributed import as_completed

    futures = {}
    for _, config in todo:
        # pure=False: a configuration asked again (after a resume) is run again, not looked up
        futures[client.submit(_execute, function, name, config, pure=False)] = config
    pending = set(futures)
    try:
        for future in as_completed(futures):
            pending.discard(future)
            try:
                line = future.result()
            except Exception as err:  # e.g. KilledWorker: the task kept killing its workers
                line = {"kind": "sweep", "task": name, "config": futures[future], "status": "error", "seconds": 0.0,
                        "error": f"{type(err).__name__}: {err}".splitlines()[0], "result": None,
                        "worker": "lost"}
            finish(line)
    finally:
        if pending:
            client.cancel(list(pending))


# -- command-line options ---------------------------------------------------------------------------
def exit_status(sweep: SweepResult) -> int:
    """The exit status of a command that ran ``sweep``.

    130 if interrupted; 1 if the records had to be rescued to another file; 0 if nothing failed; 2 if every failure is a tnrnn
    error (bad input or a memory limit: the user's to fix); 1 otherwise.

    Examples
    --------
    >>> exit_status(run_sweep("bounds", [dict(depth=1, hidden=2, inputs=2, length=5)]))
    2
    """
    if sweep.interrupted:
        return 130
    if sweep.rescued is not None:   # the work is done, but not where it was asked to go
        return 1
    if not sweep.failed:
        return 0
    from . import errors

    names = {name for name, obj in vars(errors).items() if isinstance(obj, type) and issubclass(obj, errors.TnrnnError)}
    return 2 if all(r.error.split(":")[0] in names for r in sweep.errors()) else 1
