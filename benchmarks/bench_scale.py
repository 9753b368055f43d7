"""Issue 29: small queries end to end, and the certified T = 64 rank, against the float floor of the same run.

Stages (each appends one JSON line per measurement to ``--out``):

``small``
    ``tnrnn bounds -L1 -R2 -M2 -T4`` and ``-L2 -R4 -M4 -T32`` as fresh processes (warm: numba's
    on-disk cache filled by a first, untimed call), wall and CPU seconds, against
    ``scipy.linalg.lu_factor`` of a float64 3876 x 3892 matrix timed in the same run (in-process,
    like the issue's reference), and ``python -c "import tnrnn"`` as the interpreter's floor.
``warm``
    The exact rank alone, warm (in-process, kernels loaded): :func:`tnrnn.elimination.rank_blas` of a
    3892 x 3876 matrix of residues mod the default prime against ``lu_factor`` of a float64 matrix of the
    same shape, alternated three times (the issue's "warm exact rank <= 1.25x lu_factor").
``t48``
    ``tnrnn bounds -L2 -R4 -M4 -T48`` with int32 sides (``--max-memory 1.5GiB``) and with float64 sides,
    each followed by ``lu_factor`` of 11700 x 11716 in a fresh process (wall and CPU seconds).
``t64``
    ``tnrnn bounds -L2 -R4 -M4 -T64 --json`` at the default limits (4 GiB, 10 minutes) as a fresh
    process (peak RSS from ``getrusage`` of the child), then ``lu_factor`` of a float64 26180 x 26180
    matrix in a fresh process (5.5 GB: the float floor, with enough memory).

Usage::

    python benchmarks/bench_scale.py --stages small,t64 --out benchmarks/results/scale.jsonl
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def run_child(args: list[str], env=None) -> dict:
    """Wall seconds, CPU seconds and peak RSS (bytes) of a child process, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "peak_rss_bytes": after.ru_maxrss * 1024, "stdout": proc.stdout}


LU_CHILD = """
import sys, time, numpy as np, scipy.linalg
n = int(sys.argv[1]); m = int(sys.argv[2])
f = np.random.default_rng(n).standard_normal((n, m))
t0 = time.perf_counter(); c0 = time.process_time()
scipy.linalg.lu_factor(f, overwrite_a=True, check_finite=False)
print(time.perf_counter() - t0, time.process_time() - c0)
"""


#: The float floor through torch (MKL on x86 CPU builds), for where scipy's OpenBLAS ``getrf`` fails: on the
#: Intel Xeon of 2026-12-08 it died with SIGSEGV at 26180 x 26180 (C or Fortran order, any stack limit).
LU_CHILD_TORCH = """
import sys, time, torch
n = int(sys.argv[1]); m = int(sys.argv[2])
torch.manual_seed(n)
a = torch.randn(n, m, dtype=torch.float64)
t0 = time.perf_counter(); c0 = time.process_time()
torch.linalg.lu_factor(a)
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def lu_factor_child(n: int, m: int) -> dict:
    """``lu_factor`` of a float64 ``n x m`` matrix in a fresh process: scipy's, or torch's where scipy's fails."""
    try:
        out, lib = run_child([sys.executable, "-c", LU_CHILD, str(n), str(m)]), "scipy"
    except RuntimeError as err:
        out, lib = run_child([sys.executable, "-c", LU_CHILD_TORCH, str(n), str(m)]), f"torch (scipy failed: {err})"[:200]
    wall, cpu = map(float, out["stdout"].split())
    return {"lu_factor_s": wall, "lu_factor_cpu_s": cpu, "lu_factor_peak_rss_bytes": out["peak_rss_bytes"],
            "lu_factor_library": lib}


def tnrnn_cmd(*argv: str) -> list[str]:
    return [sys.executable, "-m", "tnrnn.cli", *argv]


def stage_small(emit):
    import numpy as np
    import scipy.linalg

    f = np.random.default_rng(0).standard_normal((3876, 3892))
    trivial = ["bounds", "-L1", "-R2", "-M2", "-T4"]
    t32 = ["bounds", "-L2", "-R4", "-M4", "-T32"]
    run_child(tnrnn_cmd(*t32))  # fills numba's on-disk cache (untimed)
    for argv in (trivial, trivial, t32, t32):
        rec = {"stage": "small", "command": "tnrnn " + " ".join(argv), "load_before": os.getloadavg()[0]}
        g = f.copy()
        t0, c0 = time.perf_counter(), time.process_time()
        scipy.linalg.lu_factor(g, overwrite_a=True, check_finite=False)
        rec["lu_factor_3876_s"] = time.perf_counter() - t0
        lu_cpu = time.process_time() - c0
        rec.update({k: v for k, v in run_child(tnrnn_cmd(*argv)).items() if k != "stdout"})
        rec["import_tnrnn_s"] = run_child([sys.executable, "-c", "import tnrnn"])["wall_s"]
        rec["over_lu_factor"] = rec["wall_s"] / rec["lu_factor_3876_s"]
        rec["lu_factor_3876_cpu_s"] = lu_cpu
        rec["cpu_over_lu_factor_cpu"] = rec["cpu_s"] / lu_cpu
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def stage_warm(emit):
    import numpy as np
    import scipy.linalg

    from tnrnn.elimination import rank_blas
    from tnrnn.field import DEFAULT_PRIME

    rng = np.random.default_rng(0)
    z = rng.integers(0, DEFAULT_PRIME, size=(3892, 3876)).astype(np.float64)
    f = rng.standard_normal((3892, 3876))
    rank_blas(z[:200, :200].copy(), DEFAULT_PRIME)  # loads the kernels (untimed)
    for _ in range(3):
        rec = {"stage": "warm", "command": "rank_blas 3892 x 3876 (warm, in-process)", "load_before": os.getloadavg()[0]}
        g = np.asfortranarray(f)
        t0 = time.perf_counter()
        scipy.linalg.lu_factor(g, overwrite_a=True, check_finite=False)
        rec["lu_factor_3876_s"] = time.perf_counter() - t0
        w = np.asfortranarray(z)
        t0 = time.perf_counter()
        rec["rank"] = rank_blas(w, DEFAULT_PRIME, overwrite=True)
        rec["wall_s"] = time.perf_counter() - t0
        rec["over_lu_factor"] = rec["wall_s"] / rec["lu_factor_3876_s"]
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def stage_t64(emit):
    rec = {"stage": "t64", "command": "tnrnn bounds -L2 -R4 -M4 -T64 --json", "load_before": os.getloadavg()[0]}
    out = run_child(tnrnn_cmd("bounds", "-L2", "-R4", "-M4", "-T64", "--json"))
    result = json.loads(out["stdout"])[0]
    rec.update(wall_s=out["wall_s"], cpu_s=out["cpu_s"], peak_rss_bytes=out["peak_rss_bytes"],
               lower=result["lower"], upper=result["upper"], exact=result["exact"], seconds=result["seconds"],
               details=result["details"])
    rec["load_mid"] = os.getloadavg()[0]
    emit(dict(rec, stage="t64-rank"))   # kept even if the reference below fails
    rec.update(lu_factor_child(26180, 26180))
    rec["over_lu_factor"] = rec["wall_s"] / rec["lu_factor_s"]
    rec["cpu_over_lu_factor_cpu"] = rec["cpu_s"] / rec["lu_factor_cpu_s"]
    rec["load_after"] = os.getloadavg()[0]
    emit(rec)


def stage_t48(emit):
    """T = 48 both ways in the same run: int32 sides (``--max-memory 1.5GiB`` forces tnrnn.compact) and float64
    sides (the default limit), then the float floor ``lu_factor`` of 11700 x 11716, all as fresh processes."""
    for label, extra in (("int32 (compact)", ["--max-memory", "1.5GiB"]), ("float64", [])):
        rec = {"stage": "t48", "storage": label, "command": "tnrnn bounds -L2 -R4 -M4 -T48 " + " ".join(extra),
               "load_before": os.getloadavg()[0]}
        out = run_child(tnrnn_cmd("bounds", "-L2", "-R4", "-M4", "-T48", "--json", *extra))
        result = json.loads(out["stdout"])[0]
        rec.update(wall_s=out["wall_s"], cpu_s=out["cpu_s"], peak_rss_bytes=out["peak_rss_bytes"],
                   lower=result["lower"], upper=result["upper"], exact=result["exact"], seconds=result["seconds"],
                   details=result["details"])
        rec.update(lu_factor_child(11700, 11716))
        rec["over_lu_factor"] = rec["wall_s"] / rec["lu_factor_s"]
        rec["cpu_over_lu_factor_cpu"] = rec["cpu_s"] / rec["lu_factor_cpu_s"]
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stages", default="small,t64")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "scale.jsonl"))
    args = ap.parse_args(argv)
    machine = {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()}

    def emit(rec):
        rec["machine"] = machine
        line = json.dumps(rec)
        print(line, flush=True)
        with open(args.out, "a") as f:
            f.write(line + "\n")

    stages = args.stages.split(",")
    if "small" in stages:
        stage_small(emit)
    if "warm" in stages:
        stage_warm(emit)
    if "t48" in stages:
        stage_t48(emit)
    if "t64" in stages:
        stage_t64(emit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
