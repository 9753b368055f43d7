"""``tnrnn bounds``: certified Start-End (or other cut) ranks for a range of lengths."""

from __future__ import annotations

import argparse
import json
import sys

from ._common import add_circuit_arguments, add_cut_argument, int_list
from ._progress import Progress, add_progress_arguments

EXAMPLES = """\
examples:
  tnrnn bounds --depth 2 --hidden 4 --inputs 4 --length 4,8,16,32
  tnrnn bounds --depth 1,2,3 --hidden 2 --inputs 2 --length 4:12:2 --json
  tnrnn bounds --depth 2 --hidden 3 --inputs 3 --length 9 --cut prefix:3
  tnrnn bounds --depth 2 --hidden 3 --inputs 3 --length 6 --cut interleaved --mincut
  tnrnn bounds --depth 3 --hidden 4 --inputs 4 --length 8,16,32 --method closed-form
  tnrnn bounds --depth 1,2,3 --hidden 3 --inputs 3 --length 2:12:2 --plot ranks.png
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "bounds",
        help="certified separation-rank bounds of RACs",
        description=(
            "Certified bounds on the separation rank of a recurrent arithmetic circuit across a cut of its "
            "time steps: lower bounds from exact ranks over GF(p), upper bounds in closed form. 'exact' in "
            "the certified column means lower = upper."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p, lists=True)
    add_cut_argument(p)
    p.add_argument("--method", default="exact", choices=("exact", "closed-form"),
                   help="exact: GF(p) ranks as lower bounds (default); closed-form: theorems only")
    p.add_argument("--engine", default="auto", help="exact engine: auto, grid or factored")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights and sampling (default 0)")
    p.add_argument("--prime", type=int, default=None, help="prime modulus below 2**31 (default 2**25-39)")
    p.add_argument("--samples", type=int, default=None,
                   help="grid rows/columns to sample per side (default: upper bound + 16)")
    p.add_argument("--mincut", action=argparse.BooleanOptionalAction, default=None,
                   help="compute the min-cut bound of the compiled tensor network (default: for networks "
                        "of at most 10000 tensors)")
    p.add_argument("--max-memory", default="4GiB", help="refuse computations above this estimate (default 4GiB)")
    p.add_argument("--json", action="store_true", help="print a JSON list of records instead of a table")
    p.add_argument("--plot", default=None, metavar="PATH",
                   help="also plot rank against length (one series per depth) to PATH (.png, .svg or .pdf)")
    add_progress_arguments(p)
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..field import DEFAULT_PRIME
    from ..limits import parse_memory
    from ..ranks import format_table, rank_bounds

    configs = [
        (L, R, M, T)
        for L in int_list(args.depth, "--depth")
        for R in int_list(args.hidden, "--hidden")
        for M in int_list(args.inputs, "--inputs")
        for T in int_list(args.length, "--length")
    ]
    max_memory = parse_memory(args.max_memory, "--max-memory")
    if args.plot is not None:
        from ..plotting.figure import figure_format

        figure_format(args.plot, "--plot")  # refuse a bad file name before computing
    reports = Progress.from_args(args)
    show = reports.enabled
    progress = reports.wrapper("evaluating", unit="block") if args.method == "exact" else None
    records = []
    for L, R, M, T in configs:
        with reports.stage(f"L={L} R={R} M={M} T={T}: bounds and rank"):
            records.append(
                rank_bounds(L, R, M, T, cut=args.cut, method=args.method, seed=args.seed,
                            prime=args.prime if args.prime is not None else DEFAULT_PRIME, engine=args.engine,
                            samples=args.samples, mincut="auto" if args.mincut is None else args.mincut, max_memory=max_memory, progress=progress)
            )
        if not args.json and show:
            print(f"done L={L} R={R} M={M} T={T}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.to_dict() for r in records], indent=2))
    else:
        print(format_table(records))
    if args.plot is not None:
        from ..plotting.ranks import plot_ranks

        plot_ranks(records, path=args.plot)
    return 0
