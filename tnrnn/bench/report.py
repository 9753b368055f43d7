"""Reading benchmark results: the summary table, time-vs-flops fits, the machine they ran on."""

from __future__ import annotations

import importlib.util
import math
import os
import platform
from collections.abc import Iterable
from dataclasses import dataclass

from ..backends import LABELS
from ..errors import InvalidParameterError
from ..limits import format_bytes
from ..records import Record, format_table
from .records import BenchRecord

__all__ = ["TimeFit", "fit_time_vs_flops", "machine_info", "summary_table"]


def time_columns(records: Iterable[BenchRecord]) -> list[str]:
    """The backend labels some record was timed on, in :data:`tnrnn.backends.LABELS` order."""
    present = {b for r in records for b in r.times}
    return [b for b in LABELS if b in present]


def summary_table(records: Iterable[BenchRecord]) -> str:
    """The records as a text table, one row per (network, strategy).

    ``x best`` is the path's flops over the fewest flops any strategy found
    for that network; tnrnn's default strategy is marked ``*``.  Time columns
    (milliseconds, median) appear only for backends that timed something, so
    a run without a GPU has no GPU column.

    Examples
    --------
    >>> from tnrnn.bench import bench
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
    cols = time_columns(records)
    header = ["L", "R", "M", "T", "tensors", "strategy", "plan[s]", "log10(flops)", "x best", "largest",
              "peak"] + [f"{b}[ms]" for b in cols] + ["note"]
    rows = []

    def fmt(v, spec):
        return "-" if v is None else format(v, spec)

    for r in records:
        ratio = None if r.flops_log10 is None else 10 ** (r.flops_log10 - best[r.network])
        row = [r.depth, r.hidden, r.inputs, r.length, r.num_tensors,
               r.strategy + ("*" if r.default else ""), fmt(r.plan_seconds, ".3f"), fmt(r.flops_log10, ".3f"),
               fmt(ratio, ".3f"), fmt(r.largest_intermediate, "d"),
               "-" if r.peak_memory is None else format_bytes(r.peak_memory).replace(" ", "")]
        row += [fmt(None if b not in r.times else 1e3 * r.times[b], ".3f") for b in cols]
        row.append("" if r.reason is None else "skipped: " + r.reason)
        rows.append(row)
    lines = [format_table(rows, header, right=[h for h in header if h not in ("strategy", "note")])]
    if any(r.default for r in records):
        lines.append("* tnrnn's default strategy")
    return "\n".join(lines)


@dataclass(frozen=True)
class TimeFit(Record):
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


def fit_time_vs_flops(records: Iterable[BenchRecord], backend: str = "numpy", *, min_flops_log10: float | None = None) -> TimeFit:
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
    >>> from tnrnn.bench import bench
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

    from .._version import __version__

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
