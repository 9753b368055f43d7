"""``tnrnn memory plateau``: training plateaus of linear RNNs vs the position of the target's memory."""

from __future__ import annotations

import argparse

from ...errors import InvalidParameterError
from .._common import add_json_argument, add_term, declare, figure_path, output_path
from ..plot import register_kind
from ._common import (
    check_plot,
    emit,
    float_in,
    float_list_type,
    int_at_least,
    int_list_type,
    note,
    positive_float,
    reporter,
)

EXAMPLES = """\
examples:
  tnrnn memory plateau --target shift --delays 2,4,6,8
  tnrnn memory plateau --target airy --delays 2,4,6,8 --steps 3000 --out plateau.jsonl --plot plateau.png
  tnrnn memory plateau --target shift --delays 2,4 --seeds 0:4 --optimizer adam --lr 0.01 --json

Each delay trains a width --hidden linear RNN (Euler parametrisation) by gradient descent on the
kernel loss (1 = the loss of the zero model), once per seed (--seeds, default 0,1,2), and reports the
plateau length: the first step at which the loss is at most --threshold (needs torch). The table
gives the median and the range over seeds; a run that never reaches the threshold is censored
('> steps'). Records are appended to --out (--resume skips what it holds).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory plateau``."""
    p = subparsers.add_parser(
        "plateau",
        help="optimisation side of the curse: plateau length vs memory position, over seeds (needs torch)",
        description="Train linear RNNs on targets whose memory sits later and later (shift:d, airy:d, "
                    "twoparts:d) and measure how long training stays on its plateau, over several seeds.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_term(p, "target", default="shift", help="shift (default), airy or twoparts")
    p.add_argument("--delays", default=[2.0, 4.0, 6.0, 8.0], type=float_list_type("--delays", low=0, open_low=True),
                   help="memory positions, comma list of numbers > 0 (default 2,4,6,8)")
    add_term(p, "hidden", dest="width", deprecated=("--width",), type=int_at_least("--hidden"), default=8,
             help="hidden width (default 8)")
    p.add_argument("--horizon", type=positive_float("--horizon"), default=16.0, help="time horizon (default 16)")
    p.add_argument("--dt", type=positive_float("--dt"), default=0.1, help="sampling step (default 0.1)")
    p.add_argument("--optimizer", default="gd", choices=("gd", "adam"), help="gd (default) or adam")
    p.add_argument("--lr", type=positive_float("--lr"), default=0.05, help="learning rate (default 0.05)")
    p.add_argument("--steps", type=int_at_least("--steps"), default=2000, help="steps per run (default 2000)")
    p.add_argument("--threshold", type=float_in("--threshold", 0, 1, open_low=True), default=0.5,
                   help="the plateau ends at this relative loss, in (0, 1] (default 0.5)")
    add_term(p, "seeds", type=int_list_type("--seeds", minimum=0), default=[0, 1, 2],
                   help="seeds of the initialisation, list or range (default 0,1,2)")
    p.add_argument("--out", default=None, metavar="PATH", type=output_path("--out"),
                   help="append one JSON line per record to PATH (with --resume: skip what it holds)")
    add_json_argument(p, "print a JSON list of records")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="plot loss curves and plateau length vs delay")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def summary_rows(records) -> list[dict]:
    """The table of :func:`tnrnn.memory.curse.plateau_summary`: median [range] over seeds, censored counts."""
    from ...memory.curse import plateau_summary

    rows = []
    for s in plateau_summary(records):
        med = f">{s['steps']}" if s["median_censored"] else f"{s['median']:g}"
        low = "n/a" if s["low"] is None else str(s["low"])
        high = f">{s['steps']}" if s["high"] is None else str(s["high"])
        rows.append({"target": s["target"], "delay": s["delay"], "seeds": s["seeds"],
                     "plateau median": med, "range over seeds": f"[{low}, {high}]",
                     "censored": s["censored"]})
    return rows


def run(args) -> int:
    """Run ``tnrnn memory plateau``."""
    from ...memory import sample_kernel
    from ...memory import target as parse_target
    from ...memory.curse import plateau_records, run_records
    from ...records import format_table

    check_plot(args.plot)
    base = args.target.partition(":")[0]
    try:
        if parse_target(base).delay is None:
            raise InvalidParameterError("--target", args.target, "a target with a delay: shift, twoparts or airy")
    except InvalidParameterError as err:
        raise InvalidParameterError("--target", args.target, err.allowed) from None
    for d in args.delays:
        try:
            sample_kernel(f"{base}:{d:g}", args.horizon, args.dt)
        except InvalidParameterError as err:
            raise InvalidParameterError("--delays", f"{d:g}", err.allowed) from None
    from ...limits import check_memory
    from ...memory.curse import training_memory

    check_memory(f"training a width-{args.width} linear RNN", training_memory(args.width, round(args.horizon / args.dt)),
                 args.max_memory, "use a smaller --hidden or a larger --dt")
    report = reporter(args, "memory plateau")
    if report is not None:
        report(f"{base}: {len(args.delays)} delays x {len(args.seeds)} seeds, width {args.width}, "
               f"{args.optimizer} lr {args.lr:g}, {args.steps} steps each")

    def make(skip):
        return plateau_records(base, args.delays, width=args.width, horizon=args.horizon, dt=args.dt,
                               optimizer=args.optimizer, lr=args.lr, steps=args.steps, threshold=args.threshold,
                               seeds=args.seeds, skip=skip)

    def done(rec):
        p = f">{rec.steps}" if rec.plateau is None else str(rec.plateau)
        report(f"{rec.target} seed {rec.seed}: plateau {p} steps, final loss {rec.final_loss:.2e}")

    records = run_records(make, args.out, resume=args.resume, report=None if report is None else done,
                          kinds=("plateau",))
    names = {parse_target(f"{base}:{d:g}").name for d in args.delays}
    records = [r for r in records if r.get("kind") == "plateau" and r["target"] in names
               and r["width"] == args.width and r["horizon"] == args.horizon and r["dt"] == args.dt
               and r["seed"] in args.seeds and r["steps"] == args.steps]
    emit(args, records, format_table(summary_rows(records)), written=True)
    if args.out is not None:
        note(f"{len(records)} records in {args.out}")
    if args.plot is not None:
        from ...plotting.memory import plot_plateaus

        plot_plateaus(records, args.plot)
    return 0


def _draw(records, args) -> None:
    from ...plotting.memory import plot_plateaus

    plot_plateaus(records, args.output, title=args.title)


register_kind("plateau", lambda r: r.get("kind") == "plateau", _draw)
