"""Benchmark of contraction strategies: run (:func:`bench`), records, report.

``run`` times path strategies on compiled RAC networks, ``records`` holds the
results (:class:`BenchRecord`, streamed as JSON lines), ``report`` reads them
(summary table, time-vs-flops fit, machine description); figures are in
:mod:`tnrnn.plotting.bench`.
"""

from .records import BenchRecord, BenchResults, load_records
from .report import TimeFit, fit_time_vs_flops, machine_info, summary_table
from .run import DEFAULT_STRATEGIES, available_backends, bench, bench_grid, default_strategy

__all__ = [
    "DEFAULT_STRATEGIES",
    "BenchRecord",
    "BenchResults",
    "TimeFit",
    "available_backends",
    "bench",
    "bench_grid",
    "default_strategy",
    "fit_time_vs_flops",
    "load_records",
    "machine_info",
    "summary_table",
]
