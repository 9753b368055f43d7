"""``tnrnn memory curse``: error vs width for target memories (balanced truncation, trained, lower bound)."""

from __future__ import annotations

import argparse
import sys

from .._common import declare, figure_path, int_list, output_path
from ._common import check_plot, emit, name_list, note

EXAMPLES = """\
examples:
  tnrnn memory curse --targets exp,pol --widths 1:64
  tnrnn memory curse --targets exp,pol,airy --widths 1,2,4,8,16,32,64 --out curse.jsonl --plot curse.png
  tnrnn memory curse --targets pol --widths 1:16 --no-train --json
  tnrnn memory curse --targets shift,twoparts --widths 1:8 --steps 500 --lr 0.02 --seed 1

For each target (sampled as h_k = dt * rho(k dt) over the horizon) and width m: the l1
error on the horizon of the width-m balanced truncation (finite-horizon gramians, Kung), of a
linear RNN trained with Adam (seeded; needs torch; --no-train skips it), and the Hankel lower
bound sigma_{m+1} that no width-m linear RNN beats; fir-bt is the balanced truncation of the
target cut at the horizon, whose certified bounds are AAK <= error and H-inf error <= BT. Records are appended to --out as they finish;
a rerun with the same --out skips the configurations already there.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory curse``."""
    p = subparsers.add_parser(
        "curse",
        help="approximation error vs width per target: balanced truncation, trained RNN, Hankel bound",
        description="The approximation side of the curse of memory: how the error of width-m linear RNNs "
                    "falls with m for each target memory, against the Hankel lower bound.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--targets", default="exp,pol", help="targets, comma list (default exp,pol)")
    p.add_argument("--widths", default="1:64", help="widths, list or range (default 1:64)")
    p.add_argument("--horizon", type=float, default=32.0, help="time horizon (default 32)")
    p.add_argument("--dt", type=float, default=0.1, help="sampling step (default 0.1)")
    p.add_argument("--no-train", action="store_true", help="skip the trained linear RNNs (no torch needed)")
    p.add_argument("--steps", type=int, default=1000, help="Adam steps per trained model (default 1000)")
    p.add_argument("--lr", type=float, default=1e-2, help="Adam learning rate (default 0.01)")
    p.add_argument("--seed", type=int, default=0, help="seed of the trained models (default 0)")
    p.add_argument("--out", default=None, metavar="PATH", type=output_path("--out"), help="append one JSON line per record to PATH (resumes)")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot error vs width, one panel per target")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory curse``."""
    from ...memory.curse import approximation_records, run_records

    check_plot(args.plot)
    targets = name_list(args.targets, "--targets")
    widths = int_list(args.widths, "--widths")
    train = not args.no_train

    def make(skip):
        return approximation_records(targets, widths, horizon=args.horizon, dt=args.dt, train=train,
                                     steps=args.steps, lr=args.lr, seed=args.seed, skip=skip)

    records = run_records(make, args.out, progress=sys.stderr.isatty(), total=len(targets) * len(widths))
    from ...memory import target as parse_target

    names = {parse_target(t).name for t in targets}
    records = [r for r in records if r.get("kind") == "approximation" and r["target"] in names
               and r["width"] in widths and r["horizon"] == args.horizon and r["dt"] == args.dt]
    head = (f"{'target':>10} {'m':>3} {'lower bound':>12} {'bt l1':>10} {'trained l1':>11} {'fir-bt l1':>10} "
            f"{'AAK':>10} {'BT H-inf <=':>12}")
    rows = [head] + [
        f"{r['target']:>10} {r['width']:>3} {r['lower_bound']:>12.3e} {r['bt_l1']:>10.3e} "
        f"{'-' if r['trained_l1'] is None else format(r['trained_l1'], '.3e'):>11} {r['fir_l1']:>10.3e} "
        f"{r['aak_lower']:>10.3e} "
        f"{r['bt_upper']:>12.3e}" for r in records]
    emit(args, records, "\n".join(rows), written=True)
    if args.out is not None:
        note(f"{len(records)} records in {args.out}")
    if args.plot is not None:
        from ...plotting.memory import plot_approximation

        plot_approximation(records, args.plot)
    return 0
