"""``tnrnn bounds``: certified Start-End (or other cut) ranks for a range of lengths."""

from __future__ import annotations

import argparse
import json
import sys

from ._common import (
    MAX_LIST_VALUES,
    add_circuit_arguments,
    add_cut_argument,
    add_max_memory_argument,
    figure_path,
    int_list,
    write_or_rescue,
)

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
    add_max_memory_argument(p)
    p.add_argument("--json", action="store_true", help="print a JSON list of records instead of a table")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="also plot rank against length (one series per depth) to PATH (.png, .svg or .pdf)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    import math

    from ..field import DEFAULT_PRIME
    from ..limits import check_count
    from ..ranks import format_table, rank_bounds
    from ..runinfo import new_run

    lists = [int_list(args.depth, "--depth", minimum=1), int_list(args.hidden, "--hidden", minimum=1),
             int_list(args.inputs, "--inputs", minimum=1), int_list(args.length, "--length", minimum=2)]
    check_count("--depth/--hidden/--inputs/--length", "their product", math.prod(map(len, lists)), MAX_LIST_VALUES)
    configs = [(L, R, M, T) for L in lists[0] for R in lists[1] for M in lists[2] for T in lists[3]]
    max_memory = args.max_memory
    run = new_run()
    progress = None
    show = not args.no_progress and sys.stderr.isatty()
    if show and args.method == "exact":
        from functools import partial

        from tqdm import tqdm

        progress = partial(tqdm, file=sys.stderr, leave=False, unit="block", desc="evaluating")
    records = []
    for L, R, M, T in configs:
        records.append(
            rank_bounds(L, R, M, T, cut=args.cut, method=args.method, seed=args.seed,
                        prime=args.prime if args.prime is not None else DEFAULT_PRIME, engine=args.engine,
                        samples=args.samples, mincut="auto" if args.mincut is None else args.mincut, max_memory=max_memory, progress=progress)
        )
        if not args.json and show:
            print(f"done L={L} R={R} M={M} T={T}", file=sys.stderr)
    if args.json:
        digits = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(0)   # exact ranks may have thousands of digits (deep circuits, closed forms)
        try:
            print(json.dumps([{**r.to_dict(), **run.to_dict()} for r in records], indent=2))
        finally:
            sys.set_int_max_str_digits(digits)
    else:
        print(format_table(records))
    if args.plot is not None:
        from ..plotting.ranks import plot_ranks

        write_or_rescue(lambda: plot_ranks(records, path=args.plot), [r.to_dict() for r in records], "--plot",
                        args.plot, "bounds")
    return 0
