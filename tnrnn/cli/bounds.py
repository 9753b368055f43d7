"""``tnrnn bounds``: certified Start-End (or other cut) ranks for a range of lengths."""

from __future__ import annotations

import argparse
import json
import math
import sys

from ..errors import InvalidParameterError
from ..validation import parse_float, parse_int
from ._common import (
    MAX_LIST_VALUES,
    add_circuit_arguments,
    add_cut_argument,
    add_json_argument,
    add_max_memory_argument,
    add_term,
    declare,
    figure_path,
    int_list,
    write_or_rescue,
)
from ._progress import Progress, add_progress_arguments

EXAMPLES = """\
examples:
  tnrnn bounds --depth 2 --hidden 4 --inputs 4 --length 4,8,16,32
  tnrnn bounds --depth 1,2,3 --hidden 2 --inputs 2 --length 4:12:2 --json
  tnrnn bounds --depth 2 --hidden 3 --inputs 3 --length 9 --cut prefix:3
  tnrnn bounds --depth 2 --hidden 3 --inputs 3 --length 6 --cut interleaved --mincut
  tnrnn bounds --depth 3 --hidden 4 --inputs 4 --length 8,16,32 --method closed-form
  tnrnn bounds --depth 1,2,3 --hidden 3 --inputs 3 --length 2:12:2 --plot ranks.png
  tnrnn bounds --circuit ssm --depth 1:3 --hidden 2 --inputs 2 --length 4:12:2
  tnrnn bounds -L 1:4 -R 2,3 -M 2 -T 4:12:4 --out ranks.jsonl --workers 2
  tnrnn bounds -L 1:4 -R 2,3 -M 2 -T 4:12:4 --out ranks.jsonl --resume --scheduler tcp://host:8786

Each configuration (L, R, M, T) is one task: with --out its record is appended to the JSON-lines file as
soon as it finishes (Ctrl-C keeps what finished; --resume skips it next time); --workers N runs the
tasks on a local Dask cluster of N processes, --scheduler on a running one (pip install tnrnn[dask]).
A configuration that fails is reported (and recorded) and the others go on.
"""


#: The most layers one sweep may hold in all (sum over its configurations of the depth).
MAX_SWEEP_LAYERS = 100_000


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bounds",
        help="certified separation-rank bounds of RACs and other circuits (--circuit ssm, gla)",
        description=(
            "Certified bounds on the separation rank of a recurrent arithmetic circuit (or, with --circuit, "
            "a circuit of another layer kind) across a cut of its time steps: lower bounds from exact ranks "
            "over GF(p), upper bounds proven in closed form (docs/theory.rst, docs/gated.rst). 'exact' in "
            "the certified column means lower = upper. Kinds other than rac take prefix cuts only."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p, lists=True)
    add_cut_argument(p)
    p.add_argument("--method", default="exact", choices=("exact", "closed-form"),
                   help="exact: GF(p) ranks as lower bounds (default); closed-form: theorems only")
    p.add_argument("--engine", default="auto", help="exact engine: auto, grid or factored")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the weights and sampling (default 0)")
    p.add_argument("--prime", type=parse_int, default=None,
                   help="prime modulus below 2**31 (default 2**20-3 = 1048573; the old default was 2**25-39)")
    p.add_argument("--samples", type=parse_int, default=None,
                   help="sample this many grid rows/columns per side (default: the whole grid, or a random "
                        "sketch of it to upper bound + 16, when it fits; else a sample of that size)")
    p.add_argument("--mincut", action=argparse.BooleanOptionalAction, default=None,
                   help="compute the min-cut bound of the compiled tensor network (default: for networks "
                        "of at most 10000 tensors)")
    add_max_memory_argument(p)
    add_json_argument(p, "print a JSON list of records instead of a table")
    from ._sweep import add_runner_arguments

    add_runner_arguments(p)
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="also plot rank against length (one series per depth) to PATH (.png, .svg or .pdf)")
    add_progress_arguments(p)
    p.add_argument("--max-seconds", type=_seconds, default=None, metavar="S",
                   help="refuse an exact configuration estimated to take longer than S seconds "
                        "(default $TNRNN_MAX_SECONDS, else 600)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def _seconds(text: str) -> float:
    try:
        value = parse_float(text)
    except ValueError:
        value = float("nan")
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"invalid --max-seconds={text!r}: expected a positive number of seconds")
    return value


def run(args) -> int:
    from ..field import DEFAULT_PRIME
    from ..limits import check_count
    from ..ranks import RankBounds, format_table, list_engines, rank_bounds
    from ..ranks.cost import check_rank_request
    from ..runinfo import new_run
    from ..runner import exact_integers, exit_status, run_sweep
    from ._common import refuse_with
    from ._sweep import runner_options

    max_memory = args.max_memory
    if args.method == "closed-form":
        refuse_with(args, "--method", "closed-form", ("--engine", "--samples", "--prime", "--seed"))
    if args.engine not in ("auto", *list_engines()):
        raise InvalidParameterError("--engine", args.engine, "auto or one of " + ", ".join(list_engines()))
    kind = {} if args.circuit == "rac" else {"circuit": args.circuit}   # RAC configurations keep their keys (--resume)
    common = dict(**kind, cut=args.cut, method=args.method, seed=args.seed,
                  prime=args.prime if args.prime is not None else DEFAULT_PRIME, engine=args.engine,
                  samples=args.samples, mincut="auto" if args.mincut is None else args.mincut, max_memory=max_memory)
    if args.max_seconds is not None:   # the sweep's own rank_bounds calls (and local workers) read the limit here;
        import os  # it is not part of a configuration's identity (--resume keys)

        os.environ["TNRNN_MAX_SECONDS"] = repr(args.max_seconds)
    lists = [int_list(args.depth, "--depth", minimum=1), int_list(args.hidden, "--hidden", minimum=1),
             int_list(args.inputs, "--inputs", minimum=1), int_list(args.length, "--length", minimum=2)]
    check_count("--depth/--hidden/--inputs/--length", "their product", math.prod(map(len, lists)), MAX_LIST_VALUES)
    # the up-front checks and every configuration's work grow with its depth: the sweep's total number of
    # layers is counted (not computed) first, so that -L 1:10000 is refused at once instead of checked for minutes
    layers = sum(lists[0]) * len(lists[1]) * len(lists[2]) * len(lists[3])
    if layers > MAX_SWEEP_LAYERS:
        raise InvalidParameterError("--depth", args.depth, f"a sweep of at most {MAX_SWEEP_LAYERS} layers in all "
                                    f"(the sum of the depths times the other values: {layers}); split the sweep")
    configs = [dict(depth=L, hidden=R, inputs=M, length=T, **common)
               for L in lists[0] for R in lists[1] for M in lists[2] for T in lists[3]]
    # bad input fails here, before anything runs: the closed forms are cheap, and with --method closed-form
    # the first configuration checks the options that all share (the sweep computes the rest)
    for config in configs if args.method == "exact" else configs[:1]:
        rank_bounds(**{**config, "method": "closed-form", "mincut": False})
    if args.method == "exact":   # the work of each configuration, estimated before the sweep starts
        for config in configs:
            check_rank_request(config["depth"], config["hidden"], config["inputs"], config["length"],
                               config["cut"], engine=config["engine"], samples=config["samples"],
                               max_memory=max_memory, max_seconds=args.max_seconds, kind=args.circuit)
    run = new_run()
    sweep = run_sweep("bounds", configs, progress=Progress.from_args(args).enabled,
                      desc="configurations", **runner_options(args))
    records = [RankBounds.from_dict(r) for r in sweep.results()]
    if records:
        if args.json:
            with exact_integers():   # exact ranks may have thousands of digits (deep circuits, closed forms)
                print(json.dumps([{**r.to_dict(), **run.to_dict()} for r in records], indent=2))
        else:
            print(format_table(records))
    if args.plot is not None and records:
        from ..plotting.ranks import plot_ranks

        write_or_rescue(lambda: plot_ranks(records, path=args.plot), [r.to_dict() for r in records], "--plot",
                        args.plot, "bounds")
    if sweep.rescued is not None:
        print(f"tnrnn bounds: error: could not write --out {args.out} ({sweep.write_error}); the records from then "
              f"on were saved to {sweep.rescued}", file=sys.stderr)
    elif args.out is not None:
        more = f", {sweep.concurrent} written first by a concurrent run" if sweep.concurrent else ""
        print(f"{sweep.appended} configurations appended to {args.out} ({sweep.resumed} already there{more})",
              file=sys.stderr)
    for failure in sweep.errors():
        c = failure.config
        print(f"tnrnn bounds: error: {c.get('circuit', 'rac')} L={c['depth']} R={c['hidden']} M={c['inputs']} T={c['length']}: "
              f"{failure.error}", file=sys.stderr)
    if sweep.interrupted:
        print(f"tnrnn bounds: interrupted after {sweep.ran} configurations", file=sys.stderr)
    return exit_status(sweep)
