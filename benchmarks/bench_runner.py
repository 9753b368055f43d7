"""Wall time of one ``tnrnn bounds`` sweep: serial in this process vs a 2-process Dask LocalCluster.

The sweep is 24 configurations of certified ranks (exact GF(p) engine): L = 2, R = 3, 4, M = 3, 4,
T = 16..26. Three runs, one after the other:

* ``serial``: ``run_sweep("bounds", configs)`` in this process, FLINT on all cores (the CLI's default);
* ``serial-1thread``: the same with ``threads=1`` in every configuration;
* ``2 workers``: ``threads=1`` configurations on a LocalCluster of 2 single-threaded processes (the
  cluster's start-up is timed apart, and the records are checked equal to the serial ones).

Usage::

    python benchmarks/bench_runner.py [--out benchmarks/results/runner.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import subprocess
import time

from tnrnn.runner import run_sweep

CONFIGS = [dict(depth=2, hidden=R, inputs=M, length=T) for R in (3, 4) for M in (3, 4) for T in range(16, 27, 2)]
TIMINGS = ("seconds", "evaluate_seconds", "rank_seconds")


def _untimed(x):
    if isinstance(x, dict):
        return {k: _untimed(v) for k, v in x.items() if k not in TIMINGS and k != "threads"}
    return x


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        return next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results", "runner.json"))
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    one = [dict(c, threads=1) for c in CONFIGS]
    run_sweep("bounds", [dict(depth=2, hidden=2, inputs=2, length=4)])  # imports and caches, untimed
    times = {}
    t = time.perf_counter()
    serial = run_sweep("bounds", CONFIGS)
    times["serial"] = time.perf_counter() - t
    t = time.perf_counter()
    serial1 = run_sweep("bounds", one)
    times["serial-1thread"] = time.perf_counter() - t
    t = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        times["cluster-start"] = time.perf_counter() - t
        t = time.perf_counter()
        parallel = run_sweep("bounds", one, client=client)
        times["2 workers"] = time.perf_counter() - t
    same = [_untimed(r) for r in parallel.results()] == [_untimed(r) for r in serial.results()] \
        == [_untimed(r) for r in serial1.results()]
    task_seconds = sum(r.seconds for r in parallel.records)
    result = {"cpu": cpu_model(), "cores": os.cpu_count(), "configurations": len(CONFIGS),
              "failed": parallel.failed, "identical_records": same, "seconds": times,
              "task_seconds_on_workers": task_seconds,
              "speedup_2_workers_vs_serial_1thread": times["serial-1thread"] / times["2 workers"],
              "speedup_2_workers_vs_serial": times["serial"] / times["2 workers"],
              "load_average_at_end": os.getloadavg()}
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
