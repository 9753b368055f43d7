"""``tnrnn memory curse``: error vs width for target memories (best trained width, balanced truncation, bound)."""

from __future__ import annotations

import argparse

from ...errors import InvalidParameterError
from .._common import add_json_argument, add_term, declare, figure_path, output_path
from ..plot import register_kind
from ._common import (
    check_plot,
    emit,
    float_list_type,
    int_at_least,
    int_list_type,
    name_list,
    note,
    positive_float,
    reporter,
)

EXAMPLES = """\
examples:
  tnrnn memory curse                                   # --preset quick: exp, pol; widths 1,2,4,8 (minutes)
  tnrnn memory curse --preset paper --out curse.jsonl --plot curse.png
  tnrnn memory curse --target pol --hidden 1:16 --no-train --json
  tnrnn memory curse --target exp,pol --hidden 1,2,4 --lrs 0.01,0.03 --seeds 0,1,2 --max-steps 3000

For each target (sampled as h_k = dt * rho(k dt) over the horizon) and width m: the Hankel lower
bound sigma_{m+1} that no width-m linear RNN beats (l1 on the horizon), the l1 error of the width-m
balanced truncation (finite-horizon gramians, Kung), and the best l1 error of linear RNNs trained with
Adam over a learning-rate sweep (--lrs) and seeds (--seeds), each to convergence (plateau/decay rule,
--patience) within --steps; the per-seed median and range are shown beside the best (needs torch;
--no-train skips it). fir-bt is the balanced truncation of the target cut at the horizon, whose
certified bounds are AAK <= its error over all lags and H-inf error <= BT. Values at or below the
noise floor N*eps*sigma_1 are shown as 'floor': they certify nothing. Records are appended to --out
as they finish; --resume skips the configurations already there.

presets (options given explicitly override them):
  quick   exp,pol; widths 1,2,4,8; horizon 128, dt 1; lrs 0.01,0.03; inits timescales; seeds 0,1,2;
          1000 steps, --patience 200
  paper   exp,pol; widths 1,2,4,8,16; horizon 1024, dt 1; lrs 0.01,0.03; inits timescales,decay;
          seeds 0,1,2; 3000 steps, --patience 300 (the run behind docs/memory.rst)
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory curse``."""
    from ...memory.curse import PRESETS

    p = subparsers.add_parser(
        "curse",
        help="approximation error vs width per target: best trained RNN, balanced truncation, Hankel bound",
        description="The approximation side of the curse of memory: how the best error of width-m linear "
                    "RNNs falls with m for each target memory, against balanced truncation and the Hankel "
                    "lower bound.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--preset", default="quick", choices=tuple(PRESETS), help="quick (default) or paper")
    add_term(p, "target", dest="targets", deprecated=("--targets",), default=None, help="targets, comma list (preset: exp,pol)")
    add_term(p, "hidden", dest="widths", deprecated=("--widths",), default=None, type=int_list_type("--hidden"),
             help="widths, list or range")
    p.add_argument("--horizon", type=positive_float("--horizon"), default=None, help="time horizon")
    p.add_argument("--dt", type=positive_float("--dt"), default=None, help="sampling step")
    p.add_argument("--no-train", action="store_true", help="skip the trained linear RNNs (no torch needed)")
    add_term(p, "max-steps", dest="steps", deprecated=("--steps",), type=int_at_least("--max-steps"), default=None,
             help="most Adam steps per run")
    p.add_argument("--lrs", type=float_list_type("--lrs", low=0, open_low=True), default=None,
                   help="Adam learning rates of the sweep, comma list")
    add_term(p, "seeds", type=int_list_type("--seeds", minimum=0), default=None,
                   help="seeds of the trained models, list or range (at least 3 for a spread)")
    p.add_argument("--inits", default=None,
                   help="initialisations in the sweep, comma list of timescales, decay (preset: quick timescales, "
                        "paper both)")
    p.add_argument("--patience", type=int_at_least("--patience"), default=None,
                   help="plateau/decay rule: cut the learning rate after this many steps without improvement")
    p.add_argument("--out", default=None, metavar="PATH", type=output_path("--out"),
                   help="append one JSON line per record to PATH (with --resume: skip what it holds)")
    add_json_argument(p, "print a JSON list of records")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="plot error vs width, one panel per target")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def settings(args) -> dict:
    """The run's settings: the preset, overridden by the options given."""
    from ...memory.curse import PRESETS

    s = dict(PRESETS[args.preset])
    for name in ("widths", "horizon", "dt", "steps", "lrs", "seeds", "patience"):
        if getattr(args, name) is not None:
            s[name] = getattr(args, name)
    if args.targets is not None:
        s["targets"] = name_list(args.targets, "--target")
    if args.inits is not None:
        s["inits"] = tuple(name_list(args.inits, "--inits"))
    from ...memory.training import INITS

    for i in s["inits"]:
        if i not in INITS:
            raise InvalidParameterError("--inits", i, "a comma list of " + ", ".join(INITS))
    return s


def run(args) -> int:
    """Run ``tnrnn memory curse``."""
    from ...memory import sample_kernel, target
    from ...memory.curse import approximation_records, approximation_row, run_records
    from ...records import format_table

    check_plot(args.plot)
    s = settings(args)
    train = not args.no_train
    names = []
    for t in s["targets"]:
        try:
            spec = target(t)
            sample_kernel(spec, s["horizon"], s["dt"])
        except InvalidParameterError as err:
            raise InvalidParameterError("--target", t, err.allowed) from None
        names.append(spec.name)
    report = reporter(args, "memory curse")
    if report is not None:
        runs = f", {len(s['inits']) * len(s['lrs']) * len(s['seeds'])} trainings each (<= {s['steps']} steps)" if train else ""
        report(f"{len(names)} targets x {len(s['widths'])} widths, horizon {s['horizon']:g}, dt {s['dt']:g}{runs}")

    def make(skip):
        return approximation_records(s["targets"], s["widths"], horizon=s["horizon"], dt=s["dt"], train=train,
                                     steps=s["steps"], lrs=s["lrs"], seeds=s["seeds"], patience=s["patience"],
                                     inits=s["inits"],
                                     skip=skip, max_memory=args.max_memory)

    def done(rec):
        best = "-" if rec.trained_l1 is None else f"{rec.trained_l1:.2e}"
        report(f"{rec.target} m={rec.width}: bound {rec.lower_bound:.2e}, bt {rec.bt_l1:.2e}, trained best {best}")

    records = run_records(make, args.out, resume=args.resume, report=None if report is None else done,
                          kinds=("approximation",))
    widths = set(s["widths"])
    records = [r for r in records if r.get("kind") == "approximation" and r["target"] in names
               and r["width"] in widths and r["horizon"] == s["horizon"] and r["dt"] == s["dt"]
               and (r["steps"] == (s["steps"] if train else 0))]
    floors = {r["target"]: r["noise_floor"] for r in records}
    head = "noise floor N*eps*sigma_1 ('floor' below): " + ", ".join(f"{k} {v:.1e}" for k, v in floors.items())
    emit(args, records, head + "\n" + format_table([approximation_row(r) for r in records]), written=True)
    if args.out is not None:
        note(f"{len(records)} records in {args.out}")
    if args.plot is not None:
        from ...plotting.memory import plot_approximation

        plot_approximation(records, args.plot)
    return 0


def _draw(records, args) -> None:
    from ...plotting.memory import plot_approximation

    plot_approximation(records, args.output, title=args.title)


register_kind("curse", lambda r: r.get("kind") == "approximation", _draw)
