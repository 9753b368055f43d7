"""``tnrnn memory compare``: memory measures of units trained above chance, over seeds, with intervals and tests."""

from __future__ import annotations

import argparse
import json
import os
import sys

from ...errors import InvalidParameterError
from ...validation import parse_float, parse_int
from .._common import add_json_argument, add_term, check_resume, declare
from ._common import note

EXAMPLES = """\
examples:
  tnrnn memory compare --preset cpu --out compare/ --workers 2   # the documented run (see docs/measures.rst)
  tnrnn memory compare --preset smoke --out /tmp/smoke/        # seconds
  tnrnn memory compare --preset cpu --units lstm,gru --seeds 0:9 --out compare/ --json
  tnrnn plot compare/compare.jsonl --plot compare.png              # re-draw the figure from the records

Writes OUT/compare.jsonl (one record per network, streamed; a rerun with --resume continues it), OUT/compare.md (the table:
mean [bootstrap 95 %] over seeds, task accuracy and status per row, n/a reasons, the significant
differences) and OUT/compare.png.  Training length 0 is the untrained network (the reference).  Every
unit is trained until its validation accuracy reaches --target or --max-steps; rows whose accuracy does
not clear chance + margin are flagged AT CHANCE and left out of the significance tests.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory compare``."""
    p = subparsers.add_parser(
        "compare", help="memory measures of RNN/LSTM/GRU/orthogonal/MIRNN/RAC/ssm/gla/Mamba units trained above "
                        "chance, over seeds",
        description="Train every unit on the Start-End Similarity task at every training length and seed until "
                    "it is clearly above chance, measure test accuracy, retention areas (linear and kernel "
                    "probes, task inputs), memory capacity, Start-End effective rank, gradient horizon and the "
                    "largest Lyapunov exponent of each network, and tabulate the means with bootstrap 95 % "
                    "intervals over seeds and the significant differences.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="cpu", help="cpu (default), cpu-modern (with the ssm, gla and mamba units) "
                                                   "or smoke")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--units", default=None, help="comma-separated units (default all of the preset)")
    add_term(p, "length", short=False, dest="lengths", deprecated=("--lengths",), default=None,
             help="training lengths, e.g. 8,16")
    add_term(p, "seeds", default=None, help="seeds, e.g. 0:9")
    add_term(p, "max-steps", type=parse_int, default=None, help="most training steps per network")
    add_term(p, "target-accuracy", dest="target", deprecated=("--target",), type=parse_float, default=None,
             help="validation accuracy that stops training")
    add_term(p, "workers", dest="jobs", deprecated=("--jobs",), type=parse_int, default=1, help="worker processes (default 1)")
    add_json_argument(p, "print the summary rows and tests as one JSON object")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory compare``."""
    from ...measures.compare import (
        PRESETS,
        comparison_configs,
        config_key,
        estimate_seconds,
        format_summary,
        print_progress,
        run_comparison,
        significant_differences,
        summarize,
        summary_json,
    )
    from .._common import int_list
    from .._progress import Progress

    if args.preset not in PRESETS:
        raise InvalidParameterError("--preset", args.preset, "one of " + ", ".join(PRESETS))
    if args.max_steps is not None and args.max_steps < 1:
        raise InvalidParameterError("--max-steps", args.max_steps, "an integer >= 1")
    if args.target is not None and not 0 < args.target <= 1:
        raise InvalidParameterError("--target-accuracy", args.target, "a number in (0, 1]")
    if args.jobs < 1:
        raise InvalidParameterError("--workers", args.jobs, "an integer >= 1")
    units = None if args.units is None else [u.strip() for u in args.units.split(",") if u.strip()]
    lengths = None if args.lengths is None else int_list(args.lengths, "--length", minimum=2)
    seeds = None if args.seeds is None else int_list(args.seeds, "--seeds", minimum=0)
    configs = comparison_configs(args.preset, units=units, lengths=lengths, seeds=seeds, max_steps=args.max_steps,
                                 target=args.target)
    from ...limits import check_memory
    from ...measures.compare import estimate_memory

    check_memory("the data and autograd graph of the largest network", estimate_memory(configs), args.max_memory,
                 "use a shorter --length or a smaller preset")
    path = os.path.join(args.out, "compare.jsonl")
    check_resume(args, path)
    os.makedirs(args.out, exist_ok=True)
    keys = {config_key(c) for c in configs}
    progress = Progress.from_args(args)
    if args.progress is not False:
        note(f"memory compare: {len(configs)} networks ({len(configs) - sum(1 for c in configs if not c['length'])} "
             f"to train), at most ~{estimate_seconds(configs) / 60 / args.jobs:.0f} min with {args.jobs} job(s); "
             f"records stream to {path}")
    bar = None
    if progress.enabled and sys.stderr.isatty():
        bar = progress.bar(total=len(configs), desc="compare", unit="net", leave=True)

        def report(done, total, rec):
            bar.total = total
            bar.update(1)
    else:
        # milestones on a pipe unless --json or --quiet (-q is silence: no progress line at all)
        report = print_progress if progress.enabled or (not args.json and args.progress is not False) else None
    try:
        records = [r for r in run_comparison(configs, path, jobs=args.jobs, report=report) if r.get("key") in keys]
    finally:
        if bar is not None:
            bar.close()
    rows = summarize(records)
    tests = significant_differences(rows)
    table = format_summary(rows, markdown=True)
    sig = [t for t in tests if t["significant"]]
    lines = [table, "", f"Significant differences (Mann-Whitney U, Holm-corrected per metric, 5 %): {len(sig)} "
             f"of {len(tests)} tests."]
    lines += [f"- {t['metric']} at T={t['length']}: {t['a']} {t['mean_a']:.3g} vs {t['b']} {t['mean_b']:.3g} "
              f"(p = {t['p_holm']:.2g})" for t in sig]
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    figure = args.plot or os.path.join(args.out, "compare.png")
    from ...plotting.measures import plot_compare

    plot_compare(rows, figure)
    if args.json:
        print(json.dumps({"rows": summary_json(rows), "tests": tests}, indent=1))
    else:
        print(format_summary(rows))
        print(lines[2] + f" The list is in {os.path.join(args.out, 'compare.md')}.")
    if args.progress is not False:
        note(f"wrote {path}, compare.md and {os.path.basename(figure)} in {args.out}")
    return 0
