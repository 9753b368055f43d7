"""The standard sweep of ``tnrnn bench``, and the check of tnrnn's default path against cotengra.

Two stages:

``sweep`` (default)
    :func:`tnrnn.bench.run.bench` on :data:`SWEEP` (13 networks: shallow chains
    and deep input-duplicated trees) with every strategy of
    :data:`tnrnn.bench.run.DEFAULT_STRATEGIES`, numpy and torch (CPU), plus the GPU
    backends when this machine has one.  Writes JSON lines, the summary
    table, the time-vs-flops fit and the figures.  About 3-4 minutes on a
    2-core CPU.
``check``
    For every sweep network: the flops of tnrnn's default strategy, and of
    candidate defaults, over the fewest flops a generous
    ``cotengra.HyperOptimizer`` finds (``--reference-seconds`` each, default
    25).  The issue asks for a ratio <= 1.05 everywhere.
``report``
    Markdown tables (log10 flops, planning seconds, contraction times per
    backend) from the sweep's ``sweep.jsonl``, as pasted into
    ``benchmarks/README.md``.

Usage::

    python benchmarks/bench_contraction.py sweep --out benchmarks/results
    python benchmarks/bench_contraction.py check --out benchmarks/results
    python benchmarks/bench_contraction.py report --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings

import tnrnn
from tnrnn.backends import GPU_LABELS as GPU_BACKENDS
from tnrnn.bench import (
    available_backends,
    bench,
    default_strategy,
    fit_time_vs_flops,
    machine_info,
    summary_table,
)
from tnrnn.plotting import plot_bench

#: The standard sweep: (L, R, M, T).
SWEEP = (
    [(1, 16, 4, T) for T in (4, 6, 8, 10)]
    + [(2, 4, 2, T) for T in (4, 8, 12)]
    + [(2, 8, 3, T) for T in (4, 6, 8)]
    + [(3, 2, 2, T) for T in (4, 6, 8)]
)


def _problem(config):
    from tnrnn.network.core import compile

    L, R, M, T = config
    net = compile(tnrnn.RAC.random(L, R, M, seed=0), T)
    tensors = list(net.to_hyper().tensors)
    size_dict = {i: int(d) for t in tensors for i, d in zip(t.inds, t.shape)}
    return [t.inds for t in tensors], net.output_indices, size_dict


class ReconfiguredRandomGreedy:
    """opt_einsum's random-greedy (128 trials), then cotengra's subtree reconfiguration (subtrees of 8)."""

    def search(self, inputs, output, size_dict):
        import cotengra as ctg
        import opt_einsum as oe

        path = oe.RandomGreedy(max_repeats=128)([set(i) for i in inputs], set(output), dict(size_dict))
        tree = ctg.ContractionTree.from_path(inputs, output, size_dict, path=path)
        return tree.subtree_reconfigure(subtree_size=8, minimize="flops")


def _candidates():
    import cotengra as ctg

    default = default_strategy()
    return {
        f"{default} (current default)": lambda: default,
        "auto-hq": lambda: "auto-hq",
        "random-greedy-128 + reconf": ReconfiguredRandomGreedy,
        "hyper 5 s + reconf": lambda: ctg.HyperOptimizer(
            methods=["greedy", "kahypar", "random-greedy"], reconf_opts={}, max_time=5, max_repeats=4096,
            parallel=False, progbar=False, on_trial_error="ignore"),
    }


def check(out: str, seconds: float) -> list[dict]:
    """Flops of the default and candidate strategies over a generous hyper-optimizer's, per sweep network."""
    import cotengra as ctg

    from tnrnn.network.contract import plan_contraction

    rows = []
    for config in SWEEP:
        inputs, output, size_dict = _problem(config)
        t0 = time.perf_counter()
        ref = ctg.HyperOptimizer(max_time=seconds, max_repeats=100_000, parallel=False, progbar=False,
                                 on_trial_error="ignore")
        best = plan_contraction(inputs, output, size_dict, ref, enforce=False).cost.flops_log10
        row = {"network": list(config), "tensors": len(inputs), "hyper_flops_log10": best,
               "hyper_trials": len(ref.scores), "hyper_seconds": time.perf_counter() - t0, "candidates": {}}
        for name, make in _candidates().items():
            t0 = time.perf_counter()
            flops = plan_contraction(inputs, output, size_dict, make(), enforce=False).cost.flops_log10
            row["candidates"][name] = {"flops_log10": flops, "ratio": 10 ** (flops - best),
                                       "plan_seconds": time.perf_counter() - t0}
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
    with open(os.path.join(out, "default_vs_hyper.json"), "w") as f:
        json.dump({"reference_seconds": seconds, "rows": rows}, f, indent=1)
    names = list(rows[0]["candidates"])
    print("| L | R | M | T | tensors | hyper log10 flops (trials) | " + " | ".join(names) + " |")
    print("|" + "---|" * (6 + len(names)))
    for r in rows:
        cells = [f"{c['ratio']:.3f}" + (" ✗" if c["ratio"] > 1.05 else "") for c in r["candidates"].values()]
        print("| " + " | ".join(map(str, r["network"])) + f" | {r['tensors']} | {r['hyper_flops_log10']:.3f} "
              f"({r['hyper_trials']}) | " + " | ".join(cells) + " |")
    for name in names:
        worst = max(r["candidates"][name]["ratio"] for r in rows)
        plan = sum(r["candidates"][name]["plan_seconds"] for r in rows)
        print(f"{name}: worst ratio {worst:.3f}, planning {plan:.1f} s in all", file=sys.stderr)
    return rows


def sweep(out: str, budget: float, repeats: int) -> None:
    backends = [b for b in ("numpy", "torch") if b in available_backends()]
    backends += [b for b in GPU_BACKENDS if b in available_backends()]
    path = os.path.join(out, "sweep.jsonl")
    if os.path.exists(path):
        os.remove(path)  # the file is appended to: start afresh
    t0 = time.perf_counter()
    records = bench(SWEEP, backends=backends, repeats=repeats, per_strategy_budget=budget, out=path,
                    progress=sys.stderr.isatty())
    seconds = time.perf_counter() - t0
    print(summary_table(records))
    print(f"\n{len(records)} records in {seconds:.0f} s; backends {', '.join(backends)}")
    fits = {}
    for b in backends:
        for cut in (None, 6.0):
            try:
                fit = fit_time_vs_flops(records, b, min_flops_log10=cut)
            except tnrnn.errors.InvalidParameterError:
                continue
            fits[f"{b}" + ("" if cut is None else f" (flops >= 1e{cut:g})")] = fit.to_dict()
            print(f"{b}{'' if cut is None else f' flops >= 1e{cut:g}'}: log10 t = {fit.slope:.3f} log10 flops "
                  f"{fit.intercept:+.3f}, r = {fit.correlation:.3f}, {fit.points} points")
    plot_bench(records, "flops", path=os.path.join(out, "flops.png"))
    plot_bench(records, "time", path=os.path.join(out, "time.png"))
    if any(b in GPU_BACKENDS for b in backends):
        plot_bench(records, "speedup", path=os.path.join(out, "speedup.png"))
    with open(os.path.join(out, "sweep_summary.json"), "w") as f:
        json.dump({"machine": machine_info(), "seconds": seconds, "backends": backends, "fits": fits,
                   "interrupted": records.interrupted}, f, indent=1)
    print(json.dumps(machine_info()))


def report(out: str) -> None:
    """Markdown tables of the recorded sweep (one row per network, one column per strategy)."""
    from tnrnn.bench import load_records

    records = load_records(os.path.join(out, "sweep.jsonl"))
    strategies = list(dict.fromkeys(r.strategy for r in records))
    default = next((r.strategy for r in records if r.default), None)
    nets = list(dict.fromkeys((r.depth, r.hidden, r.inputs, r.length, r.num_tensors) for r in records))
    cell = {((r.depth, r.hidden, r.inputs, r.length, r.num_tensors), r.strategy): r for r in records}
    names = [s + ("*" if s == default else "") for s in strategies]
    backends = list(dict.fromkeys(b for r in records for b in r.times))

    def table(title, value):
        print(f"\n{title}\n")
        print("| L,R,M,T | tensors | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for net in nets:
            row = []
            for s in strategies:
                r = cell.get((net, s))
                v = None if r is None or r.status != "ok" else value(r)
                row.append("—" if v is None else v)
            print(f"| {','.join(map(str, net[:4]))} | {net[4]} | " + " | ".join(row) + " |")

    table("log10 flops (— : skipped)", lambda r: f"{r.flops_log10:.2f}")
    table("planning seconds", lambda r: f"{r.plan_seconds:.2f}")
    for b in backends:
        table(f"{b} contraction, ms (median of the repeats)",
              lambda r, b=b: f"{1000 * r.times[b]:.2f}" if b in r.times else None)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("stage", choices=("sweep", "check", "report"), nargs="?", default="sweep")
    p.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    p.add_argument("--budget", type=float, default=4.0, help="per-strategy budget of the sweep, seconds")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--reference-seconds", type=float, default=25.0, help="hyper-optimizer time per network")
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    warnings.filterwarnings("ignore", module="cotengra")
    if args.stage == "sweep":
        sweep(args.out, args.budget, args.repeats)
    elif args.stage == "report":
        report(args.out)
    else:
        check(args.out, args.reference_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
