"""``tnrnn bench``: benchmark contraction strategies on compiled networks (RAC, ssm, gla)."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ..errors import InvalidParameterError
from ..validation import parse_float, parse_int
from ._common import (
    add_circuit_arguments,
    add_json_argument,
    add_max_memory_argument,
    add_term,
    declare,
    figure_path,
    int_list,
    output_path,
    write_or_rescue,
)
from ._progress import Progress, add_progress_arguments

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
examples:
  tnrnn bench --depth 1,2 --hidden 2,4 --inputs 2 --length 4:12:4
  tnrnn bench -L 2 -R 4 -M 2 -T 4:12:4 --strategies greedy,recurrence,hyper --strategy-seconds 5
  tnrnn bench -L 1,2,3 -R 2 -M 2 -T 4,6,8 --backend numpy,torch --out results.jsonl --plot flops.png
  tnrnn bench -L 1 -R 16 -M 4 -T 4:10:2 --plot time.png --plot-kind time --json
  tnrnn bench --circuit ssm -L 1,2 -R 2 -M 2 -T 4,6 --strategies greedy,recurrence

What is contracted is the grid tensor (every input open), as CircuitNetwork.grid_tensor does.
Strategies: opt_einsum greedy, dp, optimal, random-greedy-128, auto-hq; cotengra cotengra-greedy,
kahypar, hyper (time-limited by --strategy-seconds); tnrnn's recurrence. tnrnn's default strategy is always
added. Backends: numpy, torch (CPU), torch-cuda, cupy, or 'all' for every one available here;
unavailable backends get no time column.

Each network is one task of a sweep (tnrnn.runner): with --out, its records are appended to the
JSON-lines file as soon as it is measured, so Ctrl-C keeps what was done (exit code 130) and --resume
skips it next time; --workers N measures networks in parallel on a local Dask cluster of N processes,
--scheduler on a running cluster (times measured in parallel share the machine: compare them with care).
--time-budget bounds one run in this process: it cannot be combined with --resume, --workers or --scheduler.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``bench`` subcommand."""
    p = subparsers.add_parser(
        "bench",
        help="benchmark contraction strategies on compiled networks (RAC, ssm, gla)",
        description="Plan and time the contraction of compiled networks of a circuit kind (--circuit, default "
                    "rac; grid tensors) with several "
                    "path strategies and array backends: planning time, flops, largest intermediate, "
                    "peak memory, and the median contraction time per backend.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p, lists=True)
    p.add_argument("--strategies", "-s", default=None,
                   help="comma-separated strategy names (default: all of tnrnn.bench.run.DEFAULT_STRATEGIES)")
    add_term(p, "backend", dest="backends", deprecated=("--backends", "-b"), default="numpy",
                   help="comma-separated backends: numpy, torch, torch-cuda, cupy, or 'all' (default numpy)")
    p.add_argument("--repeats", type=parse_int, default=5, help="timed contractions per backend (median kept; default 5)")
    p.add_argument("--warmup", type=parse_int, default=1, help="untimed contractions first (default 1)")
    add_term(p, "strategy-seconds", dest="budget", deprecated=("--budget",), type=parse_float, default=10.0, metavar="SECONDS",
                   help="seconds per strategy and network for planning, and per backend for timing (default 10)")
    p.add_argument("--time-budget", type=parse_float, default=None, metavar="SECONDS",
                   help="seconds for the whole run; what is left is recorded as skipped")
    add_max_memory_argument(p, "networks, and do not contract paths,")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the circuit weights (default 0)")
    p.add_argument("--out", default=None, metavar="PATH", type=output_path("--out"),
                   help="append one JSON line per measured network to PATH (a sweep record holding its records)")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="also plot to PATH (.png, .svg or .pdf)")
    add_term(p, "plot-kind", default="flops", choices=("flops", "time", "speedup"),
                   help="flops vs T (default), time vs flops, or GPU speed-up")
    add_json_argument(p, "print a JSON list of records instead of a table")
    add_progress_arguments(p)
    from ._sweep import add_runner_arguments

    add_runner_arguments(p, out=False)
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn bench`` with parsed arguments; returns the exit code."""
    import math

    from ..backends import GPU_LABELS, LABELS
    from ..bench import available_backends, bench, bench_grid, fit_time_vs_flops, summary_table
    from ..limits import check_count
    from ..plotting.bench import plot_bench
    from ..runner import exit_status
    from ._common import MAX_LIST_VALUES

    lists = [int_list(getattr(args, name), f"--{name}", minimum=1) for name in ("depth", "hidden", "inputs", "length")]
    check_count("--depth/--hidden/--inputs/--length", "their product", math.prod(map(len, lists)), MAX_LIST_VALUES)
    grid = bench_grid(*lists)
    max_memory = args.max_memory
    if args.backends.strip() == "all":
        backends = list(available_backends())
    else:
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.plot_kind == "speedup" and (args.plot is None or not set(backends) & set(GPU_LABELS)):
        raise InvalidParameterError("--plot-kind", "speedup", "a --plot PATH and a GPU backend (torch-cuda, cupy)")
    if args.seed < 0:
        raise InvalidParameterError("--seed", args.seed, "an integer >= 0")
    if args.repeats < 1:
        raise InvalidParameterError("--repeats", args.repeats, "an integer >= 1")
    if args.warmup < 0:
        raise InvalidParameterError("--warmup", args.warmup, "an integer >= 0")
    for name, option in (("budget", "--strategy-seconds"), ("time_budget", "--time-budget")):
        value = getattr(args, name)
        if value is not None and not value > 0:
            raise InvalidParameterError(option, value, "a positive number of seconds")
    progress = Progress.from_args(args).enabled
    try:
        if args.time_budget is not None:
            for option in ("resume", "workers", "scheduler"):
                if getattr(args, option) not in (None, False):
                    raise InvalidParameterError("--time-budget", args.time_budget,
                                                f"not given with --{option} (it bounds one run in this process)")
            if args.out is not None and os.path.exists(args.out) and os.path.getsize(args.out) > 0:
                raise InvalidParameterError("--out", args.out, "a new or empty file")
            records = bench(grid, args.strategies, backends, repeats=args.repeats, warmup=args.warmup,
                            time_budget=args.time_budget, per_strategy_budget=args.budget, max_memory=max_memory,
                            seed=args.seed, progress=progress, circuit=args.circuit)
            interrupted, sweep = records.interrupted, None
            if args.out is not None:
                _write_as_sweep(records, args.out, args.time_budget)
        else:
            records, interrupted, sweep = _sweep(args, grid, backends, max_memory, progress)
    except InvalidParameterError as err:
        # bench() names its parameters as in Python; say them as the options they came from
        name = {"strategies": "--strategies", "backends": "--backend", "grid": "--depth/--hidden/--inputs/--length",
                "time_budget": "--time-budget", "per_strategy_budget": "--strategy-seconds"}.get(err.name)
        if name is None:
            raise
        raise InvalidParameterError(name, err.value, err.allowed) from None
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2))
    elif records:
        print(summary_table(records))
        for backend in LABELS:
            try:
                fit = fit_time_vs_flops(records, backend)
            except InvalidParameterError:
                continue
            print(f"{backend}: log10 time = {fit.slope:.2f} log10 flops {fit.intercept:+.2f} "
                  f"(r = {fit.correlation:.2f}, {fit.points} contractions)")
    if args.plot is not None:
        gpu_timed = any(b in r.times for r in records for b in GPU_LABELS)
        if not any(r.flops_log10 is not None for r in records):
            print("tnrnn bench: no planned path to plot", file=sys.stderr)
        elif args.plot_kind == "speedup" and not gpu_timed:
            print("tnrnn bench: no GPU timings here, so no speed-up plot", file=sys.stderr)
        else:
            write_or_rescue(lambda: plot_bench(records, args.plot_kind, path=args.plot),
                            [r.to_dict() for r in records], "--plot", args.plot, "bench")
            print(f"wrote {args.plot}", file=sys.stderr)
    if sweep is not None and sweep.rescued is not None:
        print(f"tnrnn bench: error: could not write --out {args.out} ({sweep.write_error}); the records from then "
              f"on were saved to {sweep.rescued}", file=sys.stderr)
    elif args.out is not None:
        print(f"{len(records)} records in {args.out}", file=sys.stderr)
    for failure in sweep.errors() if sweep is not None else []:
        c = failure.config
        print(f"tnrnn bench: error: L={c['depth']} R={c['hidden']} M={c['inputs']} T={c['length']}: "
              f"{failure.error}", file=sys.stderr)
    if interrupted:
        print(f"tnrnn bench: interrupted after {len(records)} records", file=sys.stderr)
        return 130
    return 0 if sweep is None else exit_status(sweep)


def _task_config(args, network, backends, max_memory) -> dict:
    """The configuration of :func:`tnrnn.runner.bench_task` for one network."""
    from ..bench.run import _resolve_strategies

    labels = [s.label for s in _resolve_strategies(args.strategies)]
    L, R, M, T = network
    kind = {} if args.circuit == "rac" else {"circuit": args.circuit}   # RAC configs (and --resume) as they were
    return dict(depth=L, hidden=R, inputs=M, length=T, strategies=labels, backends=list(backends),
                repeats=args.repeats, warmup=args.warmup, per_strategy_budget=args.budget, max_memory=max_memory,
                seed=args.seed, **kind)


def _sweep(args, grid, backends, max_memory, progress):
    """Measure each network as one task of :func:`tnrnn.runner.run_sweep`."""
    from ..bench import BenchRecord
    from ..bench.run import _check_backends, _number, _resolve_strategies
    from ..runner import run_sweep
    from ._sweep import runner_options

    # refuse bad options before anything runs (inside a task they would only be error records)
    _resolve_strategies(args.strategies)
    _check_backends(backends)
    _number(args.repeats, "repeats", integer=True, minimum=1)
    _number(args.warmup, "warmup", integer=True, minimum=0)
    _number(args.budget, "per_strategy_budget", integer=False, minimum=1e-9)
    configs = [_task_config(args, network, backends, max_memory) for network in grid]
    sweep = run_sweep("bench", configs, progress=progress, desc="networks", **runner_options(args))
    records = [BenchRecord.from_dict(d) for result in sweep.results() for d in result]
    return records, sweep.interrupted, sweep


def _write_as_sweep(records, out, time_budget) -> None:
    """Write the records of a time-budgeted run as sweep records, one line per network.

    Their configurations carry the ``time_budget``, so a later ``--resume`` does not take them for its own.
    """
    from ..runner import TaskRecord

    by_network: dict = {}
    for r in records:
        by_network.setdefault(r.network, []).append(r)
    with open(out, "a") as fh:
        for network, recs in by_network.items():
            config = {"depth": network[0], "hidden": network[1], "inputs": network[2], "length": network[3],
                      "seed": recs[0].seed, "time_budget": time_budget}
            if recs[0].circuit != "rac":
                config["circuit"] = recs[0].circuit
            line = TaskRecord("bench", config, "ok", [r.to_dict() for r in recs], None, 0.0, "local")
            fh.write(json.dumps(line.to_dict()) + "\n")
