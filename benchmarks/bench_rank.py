"""Exact ranks mod p side by side on the same matrices, and the certified ranks they enable.

Stages (``--stages``, default all):

``rank``
    For each size, one random matrix mod p (the default prime 2**20 - 3, float64 residues:
    the elimination's dtype) ranked by tnrnn's BLAS elimination (``rank_mod(via="blas")``,
    which copies the matrix as ``lu_factor`` does), FLINT (``rank_mod(via="clib")``:
    rows copied into ``nmod_mat``, then ``nmod_mat_rank``), LinBox / FFLAS-FFPACK through
    passagemath-linbox's ``Matrix_modn_dense_double.rank()`` when it is installed (optional:
    skipped with the reason otherwise; matrix construction not timed), and scipy's float64
    ``lu_factor`` of a random float matrix of the same shape as the floor, timed just before
    and just after the elimination (the ratio uses the faster of the two). All ranks must agree.
``pipeline``
    ``tnrnn.rank_bounds`` (default memory limit) for L = 2, R = M = 4, T = 32, 40, 48 and
    L = 3, R = M = 3, T = 16, each against ``lu_factor`` of its grid's shape (the certified
    rank ``D`` by ``D + 16``) in the same run.
``cli``
    ``python -m tnrnn.cli bounds --depth 2 --hidden 4 --inputs 4 --length 32`` wall time
    (a subprocess), against one FLINT rank of a random 3876 x 3892 matrix in the same run.
``long``
    Certified ranks: L = 2, R = M = 4 at T = 36 and 40 (factored engine) and L = 3,
    R = M = 3, T = 16 (grid engine, trie evaluation), with the evaluation and rank times.
``gpu``
    The elimination on GPU arrays (``--backends``: ``torch-cuda``, ``cupy``; ``numpy`` runs the
    same steps on the CPU, as ``benchmarks/device_check.sh --dry-run`` does) at ``--gpu-sizes``,
    against the float64 LU of the same backend and shape and, up to 8000, the CPU elimination
    (ranks must agree).
``eval``
    The L = 3, R = M = 3, T = 16 grid (6561 x 6561) by the compiled trie walk, against the
    numpy trie and the previous pair-by-pair evaluation on 1/20 of the rows (scaled up).

Records stream to ``--out`` as JSON lines as they finish; a rerun skips the records
already there (``--fresh`` starts over). ``--plot`` draws the rank times.

Usage::

    python benchmarks/bench_rank.py [--sizes 1000,2000,3876x3892,8000] [--stages rank,pipeline]
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import tnrnn  # noqa: E402
from tnrnn.field import DEFAULT_PRIME, rank_mod  # noqa: E402


def machine() -> dict:
    import flint
    import scipy

    from tnrnn.bench import machine_info

    info = {**machine_info(), "python-flint": flint.__version__, "scipy": scipy.__version__,
            "load_average": os.getloadavg()}
    if importlib.util.find_spec("sage") is not None:
        from importlib.metadata import version

        info["passagemath-linbox"] = version("passagemath-linbox")
    return info


def _linbox():
    """LinBox's rank, or the reason it is unavailable."""
    if importlib.util.find_spec("sage") is None:
        return None, "passagemath-linbox is not installed"
    try:
        import flint
        import sage.arith.misc as misc

        # this passagemath install lacks PARI, which sage's is_prime would call; FLINT decides it
        misc.is_prime = lambda n: bool(flint.fmpz(int(n)).is_prime())
        from sage.matrix.matrix_modn_dense_double import Matrix_modn_dense_double
        from sage.matrix.matrix_space import MatrixSpace
        from sage.rings.finite_rings.integer_mod_ring import IntegerModRing
    except ImportError as exc:  # a partial install
        return None, f"passagemath-linbox does not import: {exc}"

    def rank(z, p):
        space = MatrixSpace(IntegerModRing(p, is_field=True), z.shape[0], z.shape[1],
                            implementation=Matrix_modn_dense_double)
        mat = space(z.ravel().tolist())
        t0 = time.perf_counter()
        r = int(mat.rank())
        return r, time.perf_counter() - t0

    return rank, None


_CPU = {}


def _timed(func, *args):
    """``(result, wall seconds)``; the process CPU seconds (all threads) go to ``_CPU["last"]``:
    on a shared machine they measure the work itself, the wall time also the waiting."""
    c0, t0 = time.process_time(), time.perf_counter()
    out = func(*args)
    _CPU["last"] = time.process_time() - c0
    return out, time.perf_counter() - t0


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        m, _, n = part.partition("x")
        sizes.append((int(m), int(n or m)))
    return sizes


def stage_rank(sizes, p, skip, emit):
    import scipy.linalg

    linbox, why = _linbox()
    for m, n in sizes:
        key = f"rank {m}x{n}"
        if key in skip:
            continue
        rng = np.random.default_rng([m, n])
        z = rng.integers(0, p, size=(m, n)).astype(np.float64)
        f = rng.standard_normal((m, n))
        rec = {"stage": "rank", "key": key, "rows": m, "cols": n, "prime": p, "load_before": os.getloadavg()[0]}
        _, lu_before = _timed(scipy.linalg.lu_factor, f)
        lu_before_cpu = _CPU["last"]
        rec["tnrnn_rank"], rec["tnrnn_s"] = _timed(rank_mod, z, p, None, "blas")
        rec["tnrnn_cpu_s"] = _CPU["last"]
        _, lu_after = _timed(scipy.linalg.lu_factor, f)
        rec["lu_factor_s"], rec["lu_factor_cpu_s"] = min((lu_before, lu_before_cpu), (lu_after, _CPU["last"]))
        rec["lu_factor_runs_s"] = [lu_before, lu_after]
        rec["flint_rank"], rec["flint_s"] = _timed(rank_mod, z, p, None, "clib")
        rec["flint_cpu_s"] = _CPU["last"]
        if linbox is not None:
            c0 = time.process_time()
            rec["linbox_rank"], rec["linbox_s"] = linbox(z, p)
            rec["linbox_cpu_s"] = time.process_time() - c0  # includes building Sage's matrix
        else:
            rec["linbox_skipped"] = why
        assert rec["tnrnn_rank"] == rec["flint_rank"] == rec.get("linbox_rank", rec["flint_rank"]), rec
        rec["flint_over_tnrnn"] = rec["flint_s"] / rec["tnrnn_s"]
        rec["tnrnn_over_lu"] = rec["tnrnn_s"] / rec["lu_factor_s"]
        rec["tnrnn_over_lu_cpu"] = rec["tnrnn_cpu_s"] / rec["lu_factor_cpu_s"]
        if "linbox_s" in rec:
            rec["linbox_over_tnrnn"] = rec["linbox_s"] / rec["tnrnn_s"]
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def stage_cli(p, skip, emit):
    if "cli" in skip:
        return
    cmd = [sys.executable, "-m", "tnrnn.cli", "bounds", "--depth", "2", "--hidden", "4", "--inputs", "4",
           "--length", "32", "--json"]
    rec = {"stage": "cli", "key": "cli", "command": " ".join(["tnrnn"] + cmd[3:]), "load_before": os.getloadavg()[0]}
    t0 = time.perf_counter()
    before = os.times()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=os.path.dirname(HERE))
    rec["cli_wall_s"] = time.perf_counter() - t0
    after = os.times()
    rec["cli_cpu_s"] = (after.children_user + after.children_system) - (before.children_user + before.children_system)
    result = json.loads(out.stdout)[0]
    rec.update(lower=result["lower"], upper=result["upper"], exact=result["exact"], details=result["details"])
    z = np.random.default_rng(0).integers(0, p, size=(3876, 3892))
    rec["flint_rank"], rec["flint_s"] = _timed(rank_mod, z, p, None, "clib")
    rec["flint_cpu_s"] = _CPU["last"]
    rec["cli_over_flint"] = rec["cli_wall_s"] / rec["flint_s"]
    rec["load_after"] = os.getloadavg()[0]
    emit(rec)


def stage_long(p, skip, emit):
    for L, R, M, T in [(2, 4, 4, 36), (2, 4, 4, 40), (3, 3, 3, 16)]:
        key = f"long L{L} R{R} M{M} T{T}"
        if key in skip:
            continue
        rec = {"stage": "long", "key": key, "depth": L, "hidden": R, "inputs": M, "length": T,
               "load_before": os.getloadavg()[0]}
        t0 = time.perf_counter()
        b = tnrnn.rank_bounds(L, R, M, T, method="exact", max_memory="16GiB")
        rec["wall_s"] = time.perf_counter() - t0
        rec.update(b.to_dict())
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def stage_pipeline(p, skip, emit, configs):
    import resource

    import scipy.linalg

    for L, R, M, T in configs:
        key = f"pipeline L{L} R{R} M{M} T{T} p{p}"
        if key in skip:
            continue
        rec = {"stage": "pipeline", "key": key, "depth": L, "hidden": R, "inputs": M, "length": T, "prime": p,
               "load_before": os.getloadavg()[0]}
        b, rec["wall_s"] = _timed(functools.partial(tnrnn.rank_bounds, L, R, M, T, method="exact", prime=p))
        rec["cpu_s"] = _CPU["last"]
        rec["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        rec.update({k: v for k, v in b.to_dict().items() if k not in ("versions", "caps")})
        f = np.random.default_rng(T).standard_normal((b.upper, b.upper + 16))
        _, rec["lu_factor_s"] = _timed(scipy.linalg.lu_factor, f)
        rec["lu_factor_cpu_s"] = _CPU["last"]
        del f
        rec["pipeline_over_lu"] = b.seconds / rec["lu_factor_s"]
        rec["load_after"] = os.getloadavg()[0]
        emit(rec)


def _sync(backend):
    if backend == "torch-cuda":
        import torch

        torch.cuda.synchronize()
    elif backend == "cupy":
        import cupy

        cupy.cuda.Device().synchronize()


def _on(backend, x):
    if backend == "torch-cuda":
        import torch

        return torch.as_tensor(x, device="cuda")
    if backend == "cupy":
        import cupy

        return cupy.asarray(x)
    return x


def _float_lu(backend, f):
    if backend == "torch-cuda":
        import torch

        return torch.linalg.lu_factor(f)
    if backend == "cupy":
        import cupyx.scipy.linalg

        return cupyx.scipy.linalg.lu_factor(f)
    import scipy.linalg

    return scipy.linalg.lu_factor(f)


def _synced(backend, func, *args):
    """``func(*args)`` (a trailing int is ``max_memory``), then wait for the device."""
    if func.__name__ == "rank_blas":
        out = func(args[0], args[1], max_memory=args[2])
    else:
        out = func(*args)
    _sync(backend)
    return out


def stage_gpu(p, skip, emit, sizes, backends):
    from tnrnn.elimination import rank_blas

    for backend in backends:
        for n in sizes:
            key = f"gpu {backend} {n} p{p}"
            if key in skip:
                continue
            rng = np.random.default_rng(n)
            z = rng.integers(0, p, size=(n, n + 16)).astype(np.float64)
            rec = {"stage": "gpu", "key": key, "backend": backend, "rows": n, "cols": n + 16, "prime": p}
            rank_blas(_on(backend, z[:64, :80]), p)  # warm-up: library handles, kernels
            _sync(backend)
            rec["rank"], rec["elimination_s"] = _timed(_synced, backend, rank_blas, _on(backend, z), p, 2**40)
            f = _on(backend, rng.standard_normal((n, n)))
            _float_lu(backend, f[:64, :64])
            _sync(backend)
            _, rec["float_lu_s"] = _timed(_synced, backend, _float_lu, backend, f)
            del f
            rec["elimination_over_float_lu"] = rec["elimination_s"] / rec["float_lu_s"]
            if n <= 8000 and backend != "numpy":
                rec["cpu_rank"], rec["cpu_elimination_s"] = _timed(rank_blas, z, p)
                assert rec["cpu_rank"] == rec["rank"], rec
                rec["cpu_over_gpu"] = rec["cpu_elimination_s"] / rec["elimination_s"]
            emit(rec)


def stage_eval(p, skip, emit, fraction=20):
    """L = 3, R = M = 3, T = 16: the 6561 x 6561 grid by the compiled trie, against the numpy
    trie and the previous pair-by-pair engine on 1/fraction of the rows (times scaled up)."""
    if "eval" in skip:
        return
    from tnrnn.ranks import _kernels
    from tnrnn.ranks.engines import _assignments, grid_matrix

    rac = tnrnn.RAC.random_modular(3, 3, 3, prime=p, seed=0)
    cut = tnrnn.Cut.start_end(16)
    rng = np.random.default_rng(0)
    rows, cols = _assignments(3, 8, 6561, rng), _assignments(3, 8, 6561, rng)
    grid_matrix(rac, cut, rows[:2], cols[:27])  # load the compiled kernel (cached after the first run)
    rec = {"stage": "eval", "key": "eval", "shape": [6561, 6561], "load_before": os.getloadavg()[0]}
    z, rec["trie_compiled_s"] = _timed(grid_matrix, rac, cut, rows, cols)
    sub = rows[: len(rows) // fraction]
    zp, t = _timed(lambda: grid_matrix(rac, cut, sub, cols, method="pairs"))
    rec["pairs_s_scaled"] = t * len(rows) / len(sub)
    saved = _kernels.available
    _kernels.available = lambda: False
    try:
        zn, t = _timed(lambda: grid_matrix(rac, cut, sub, cols, method="trie"))
    finally:
        _kernels.available = saved
    rec["trie_numpy_s_scaled"] = t * len(rows) / len(sub)
    assert (zp == z[: len(sub)]).all() and (zn == z[: len(sub)]).all()
    rec["pairs_over_trie"] = rec["pairs_s_scaled"] / rec["trie_compiled_s"]
    rec["load_after"] = os.getloadavg()[0]
    emit(rec)


def plot(records, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = sorted((r for r in records if r["stage"] == "rank" and r.get("prime") == records[-1].get("prime")), key=lambda r: r["rows"] * r["cols"])
    if not rows:
        return
    x = [np.sqrt(r["rows"] * r["cols"]) for r in rows]
    fig, ax = plt.subplots(figsize=(6, 4))
    for field, label in [("tnrnn_s", "tnrnn BLAS elimination"), ("flint_s", "FLINT nmod_mat_rank"),
                         ("linbox_s", "LinBox (passagemath)"), ("lu_factor_s", "float64 lu_factor (floor)")]:
        pts = [(xi, r[field]) for xi, r in zip(x, rows) if field in r]
        if pts:
            ax.loglog(*zip(*pts), marker="o", label=label)
    ax.set_xlabel("matrix size sqrt(m n)")
    ax.set_ylabel("seconds")
    ax.set_title(f"rank mod {rows[0]['prime']}, 2 shared cores")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="1000,2000,3876x3892,8000")
    ap.add_argument("--stages", default="rank,pipeline")
    ap.add_argument("--prime", type=int, default=DEFAULT_PRIME)
    ap.add_argument("--pipeline", default="2,4,4,32;2,4,4,40;3,3,3,16;2,4,4,48",
                    help="L,R,M,T configurations of the pipeline stage, separated by ';'")
    ap.add_argument("--gpu-sizes", default="4000,8000,16000,32000")
    ap.add_argument("--backends", default="torch-cuda,cupy")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "rank.jsonl"))
    ap.add_argument("--plot", default=os.path.join(HERE, "results", "rank.png"))
    ap.add_argument("--fresh", action="store_true", help="start over instead of resuming")
    args = ap.parse_args(argv)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    records = []
    if os.path.exists(args.out) and not args.fresh:
        with open(args.out) as f:
            records = [json.loads(line) for line in f if line.strip()]
    skip = {r["key"] for r in records}
    mode = "w" if args.fresh else "a"
    with open(args.out, mode) as out:
        if args.fresh or not records:
            out.write(json.dumps({"stage": "machine", "key": "machine", **machine()}) + "\n")

        def emit(rec):
            records.append(rec)
            out.write(json.dumps(rec, default=float) + "\n")
            out.flush()
            print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in rec.items()
                              if k != "details"}), flush=True)

        stages = args.stages.split(",")
        from tnrnn.ranks import _kernels

        _kernels.warm_up()  # compile or load the kernels before anything is timed
        try:
            if "rank" in stages:
                stage_rank(parse_sizes(args.sizes), args.prime, skip, emit)
            if "cli" in stages:
                stage_cli(args.prime, skip, emit)
            if "long" in stages:
                stage_long(args.prime, skip, emit)
            if "pipeline" in stages:
                stage_pipeline(args.prime, skip, emit, tuple(
                    tuple(int(v) for v in c.split(",")) for c in args.pipeline.split(";")))
            if "gpu" in stages:
                stage_gpu(args.prime, skip, emit, [int(v) for v in args.gpu_sizes.split(",")],
                          args.backends.split(","))
            if "eval" in stages:
                stage_eval(args.prime, skip, emit)
        except KeyboardInterrupt:  # what finished stays in the file
            print("interrupted", file=sys.stderr)
    if args.plot:
        plot(records, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
