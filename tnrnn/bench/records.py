"""Benchmark records: one strategy on one network, its plan and its measured times."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..records import Record
from ..typing import PathLike

__all__ = ["BenchRecord", "BenchResults", "load_records"]

_STATUSES = ("ok", "skipped")


def _versions() -> dict:
    from ..versions import versions

    return versions()


@dataclass(frozen=True)
class BenchRecord(Record):
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
    run_id : str or None
        The run that measured the record (:func:`tnrnn.runinfo.new_run`), so
        that two runs appending to one file can be told apart.
    timestamp : str or None
        When that run started (ISO 8601, UTC).
    circuit : str
        The layer kind of the compiled circuit (``"rac"`` by default; a RAC
        record's dict leaves it out, as records did before other kinds).

    Examples
    --------
    >>> from tnrnn.bench import bench
    >>> (r,) = bench([(1, 2, 2, 3)], ["greedy"], repeats=1, progress=False)[:1]
    >>> d = r.to_dict()
    >>> BenchRecord.from_dict(json.loads(json.dumps(d))) == r
    True
    >>> d["strategy"], d["status"], d["output_size"]
    ('greedy', 'ok', 8)
    """

    KIND = "bench"

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
    run_id: str | None = None
    timestamp: str | None = None
    versions: dict = field(default_factory=_versions, hash=False, compare=False)
    circuit: str = "rac"

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
        if d["circuit"] == "rac":
            del d["circuit"]
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

    def to_pandas(self):
        """The records as a ``pandas.DataFrame``, one row per record (see :func:`tnrnn.results.to_pandas`)."""
        from ..results import to_pandas

        return to_pandas(self)


def load_records(path: PathLike) -> list[BenchRecord]:
    """Read the JSON-lines file that ``bench(..., out=path)`` or ``tnrnn bench --out`` appended to.

    Lines of ``bench(out=)`` are records; lines of ``tnrnn bench --out`` are
    sweep records (:class:`tnrnn.runner.TaskRecord`) of one network each, whose
    records are read in turn (a failed network has none).

    Examples
    --------
    >>> import os, tempfile
    >>> out = os.path.join(tempfile.mkdtemp(), "bench.jsonl")
    >>> from tnrnn.bench import bench
    >>> recs = bench([(1, 2, 2, 3)], ["greedy"], repeats=1, progress=False, out=out)
    >>> load_records(out) == list(recs)
    True
    """
    records = []
    with open(path) as fh:
        for line in fh:
            if not line.strip():
                continue
            d = json.loads(line)
            if "config" in d and "status" in d and d.get("task") == "bench":  # a sweep record
                records.extend(BenchRecord.from_dict(r) for r in (d.get("result") or []))
            else:
                records.append(BenchRecord.from_dict(d))
    return records
