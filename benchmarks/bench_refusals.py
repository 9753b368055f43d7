"""How fast refusals and first progress lines come: the timing checks the test suite no longer asserts.

The tests check what happens (a refusal in one line by the estimate, progress on a terminal before the end,
the estimate's order of magnitude); this script measures how soon, against the targets the tests used to
assert, and the start-up of a bare Python importing numpy measured in the same run (the floor of any
command), so that a loaded machine shows as a larger floor rather than a failure:

* CLI refusals of oversized work: target 5 s beyond start-up (was tests/test_hostile.py);
* API refusals: 5 s for all (was tests/test_hostile.py::test_api_refuses_hangs_at_once);
* the exact-work estimate within a factor 20 of a measured run (was test_work_estimates_order_real_runs);
* the first progress output of the README's commands on a terminal: 2 s (was tests/test_progress_tty.py).

Usage::

    python benchmarks/bench_refusals.py [--json benchmarks/results/refusals.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pty
import select
import signal
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: Oversized CLI work refused by its estimate (the cases of tests/test_hostile.py that need no prepared file).
REFUSALS = [
    ["bounds", "-L", "2", "-R", "1000", "-M", "1000", "-T", "8"],
    ["bounds", "-L", "4", "-R", "4", "-M", "4", "-T", "24", "--max-seconds", "30"],
    ["bounds", "-L", "1000", "-R", "1000", "-M", "2", "-T", "1000", "--method", "closed-form"],
    ["compile", "-L", "2", "-R", "2", "-M", "2", "-T", "300", "--optimize", "greedy"],
    ["memory", "curse", "--hidden", "1:10000"],
]

#: README commands whose first progress output should come within 2 s on a terminal.
PROGRESS = [
    ["bounds", "--depth", "1,2,3", "--hidden", "3", "--inputs", "3", "--length", "4,8,12"],
    ["compile", "-L", "2", "-R", "3", "-M", "3", "-T", "6"],
    ["spectrum", "-L", "2", "-R", "3", "-M", "3", "-T", "6"],
    ["memory", "plateau", "--target", "shift", "--delays", "2,4,6,8"],
]


def _env():
    return dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")


def _timed(argv):
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=_env(), cwd=ROOT, timeout=300)
    return time.perf_counter() - start, proc


def _first_output(argv, limit=60.0):
    """Seconds until the command first writes to its terminal (None: finished or silent)."""
    main, sub = pty.openpty()
    proc = subprocess.Popen(argv, stdin=sub, stdout=sub, stderr=sub, env=_env(), cwd=ROOT, start_new_session=True)
    os.close(sub)
    start = time.monotonic()
    first = None
    try:
        while time.monotonic() - start < limit and first is None:
            ready, _, _ = select.select([main], [], [], 0.02)
            if ready:
                try:
                    if os.read(main, 4096):
                        first = time.monotonic() - start
                except OSError:
                    break
            elif proc.poll() is not None:
                break
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(main)
    return first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", default=None, help="also write the measurements to this file")
    args = parser.parse_args()
    tnrnn = [sys.executable, "-m", "tnrnn"]
    floor, _ = _timed([sys.executable, "-c", "import numpy"])
    rows = []
    for argv in REFUSALS:
        seconds, proc = _timed(tnrnn + argv)
        rows.append({"what": "refusal", "command": " ".join(argv), "exit": proc.returncode,
                     "seconds": round(seconds, 3), "beyond_startup": round(seconds - floor, 3), "target": 5.0,
                     "met": proc.returncode == 2 and seconds - floor < 5.0})
    from tnrnn.cuts import Cut
    from tnrnn.network import mincut_bound
    from tnrnn.ranks import rank_bounds
    from tnrnn.ranks.cost import exact_seconds

    start = time.perf_counter()
    for call in (lambda: rank_bounds(depth=10**30, hidden=2, inputs=2, length=4), lambda: rank_bounds(2, 2, 2, 10**7),
                 lambda: rank_bounds(4, 4, 4, 24, max_seconds=30), lambda: rank_bounds(2, 1000, 1000, 8),
                 lambda: rank_bounds(1000, 1000, 2, 1000, method="closed-form"), lambda: mincut_bound("x")):
        try:
            call()
        except Exception:  # noqa: BLE001 - every one of them is refused; only the time matters here
            pass
    api = time.perf_counter() - start
    rows.append({"what": "api refusals", "command": "6 refused rank_bounds/mincut_bound calls",
                 "seconds": round(api, 3), "target": 5.0, "met": api < 5.0})
    rank_bounds(2, 2, 2, 4)   # the kernels compiled first
    start = time.perf_counter()
    rank_bounds(3, 4, 4, 10, mincut=False)
    ran = time.perf_counter() - start
    estimate = exact_seconds(3, 4, 4, Cut.start_end(10))
    rows.append({"what": "estimate", "command": "rank_bounds(3, 4, 4, 10)", "seconds": round(ran, 3),
                 "estimate": round(estimate, 3), "ratio": round(estimate / ran, 2), "target": "1/20..20",
                 "met": ran / 20 < estimate < ran * 20})
    for argv in PROGRESS:
        first = _first_output(tnrnn + argv)
        rows.append({"what": "first progress", "command": " ".join(argv),
                     "seconds": None if first is None else round(first, 3),
                     "beyond_startup": None if first is None else round(first - floor, 3), "target": 2.0,
                     "met": first is None or first <= 2.0})
    load = os.getloadavg()
    info = {"python_numpy_startup_seconds": round(floor, 3), "loadavg": [round(v, 2) for v in load],
            "cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(), "rows": rows}
    for r in rows:
        beyond = r.get("beyond_startup")
        print(f"{r['what']:<15} {'ok ' if r['met'] else 'MISS'} {str(r.get('seconds')):>8} s"
              f"{'' if beyond is None else f' ({beyond:.2f} s beyond start-up)':<28} {r['command']}")
    print(f"start-up floor (python -c 'import numpy'): {floor:.3f} s; load average {load[0]:.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(info, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
