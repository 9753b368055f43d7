"""``tnrnn memory plateau``: training plateaus of linear RNNs vs the position of the target's memory."""

from __future__ import annotations

import argparse
import sys

from .._common import declare, figure_path, output_path
from ._common import check_plot, emit, float_list, note

EXAMPLES = """\
examples:
  tnrnn memory plateau --target shift --delays 2,4,6,8
  tnrnn memory plateau --target airy --delays 2,4,6,8 --steps 3000 --out plateau.jsonl --plot plateau.png
  tnrnn memory plateau --target shift --delays 2:8 --optimizer adam --lr 0.01 --json

Each delay trains a width --width linear RNN (Euler parametrisation, seeded) by gradient descent
on the kernel loss (1 = the loss of the zero model) and reports the plateau length: the first step
at which the loss is at most --threshold (needs torch). Records are appended to --out (resumes).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory plateau``."""
    p = subparsers.add_parser(
        "plateau",
        help="optimisation side of the curse: plateau length vs memory position (needs torch)",
        description="Train linear RNNs on targets whose memory sits later and later (shift:d, airy:d, "
                    "twoparts:d) and measure how long training stays on its plateau.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--target", default="shift", help="shift (default), airy or twoparts")
    p.add_argument("--delays", default="2,4,6,8", help="memory positions, comma list (default 2,4,6,8)")
    p.add_argument("--width", type=int, default=8, help="hidden width (default 8)")
    p.add_argument("--horizon", type=float, default=16.0, help="time horizon (default 16)")
    p.add_argument("--dt", type=float, default=0.1, help="sampling step (default 0.1)")
    p.add_argument("--optimizer", default="gd", choices=("gd", "adam"), help="gd (default) or adam")
    p.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
    p.add_argument("--steps", type=int, default=2000, help="steps per run (default 2000)")
    p.add_argument("--threshold", type=float, default=0.5, help="the plateau ends at this loss (default 0.5)")
    p.add_argument("--seed", type=int, default=0, help="seed of the initialisation (default 0)")
    p.add_argument("--out", default=None, metavar="PATH", type=output_path("--out"), help="append one JSON line per record to PATH (resumes)")
    p.add_argument("--json", action="store_true", help="print a JSON list of records")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot loss curves and plateau length vs delay")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory plateau``."""
    from ...memory import target as parse_target
    from ...memory.curse import plateau_records, run_records

    check_plot(args.plot)
    delays = float_list(args.delays, "--delays")
    base = args.target.partition(":")[0]

    def make(skip):
        return plateau_records(base, delays, width=args.width, horizon=args.horizon, dt=args.dt,
                               optimizer=args.optimizer, lr=args.lr, steps=args.steps, threshold=args.threshold,
                               seed=args.seed, skip=skip)

    records = run_records(make, args.out, progress=sys.stderr.isatty(), total=len(delays))
    names = {parse_target(f"{base}:{d:g}").name for d in delays}
    records = [r for r in records if r.get("kind") == "plateau" and r["target"] in names
               and r["width"] == args.width and r["horizon"] == args.horizon and r["dt"] == args.dt]
    rows = [f"{'target':>10} {'delay':>6} {'plateau':>8} {'final loss':>11}"] + [
        f"{r['target']:>10} {r['delay']:>6g} {'>' + str(r['steps']) if r['plateau'] is None else r['plateau']:>8} "
        f"{r['final_loss']:>11.3e}" for r in records]
    emit(args, records, "\n".join(rows), written=True)
    if args.out is not None:
        note(f"{len(records)} records in {args.out}")
    if args.plot is not None:
        from ...plotting.memory import plot_plateaus

        plot_plateaus(records, args.plot)
    return 0
