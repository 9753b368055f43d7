"""``tnrnn memory compare``: the unit x training-length comparison of memory measures (one table, one figure)."""

from __future__ import annotations

import argparse
import json
import os

from ...errors import InvalidParameterError
from .._common import declare
from ._common import note

EXAMPLES = """\
examples:
  tnrnn memory compare --preset cpu --out compare/            # the documented run (~10 min on 2 cores)
  tnrnn memory compare --preset smoke --out /tmp/smoke/       # seconds
  tnrnn memory compare --preset cpu --units lstm,gru --seeds 0,1 --out compare/ --json

Writes OUT/compare.jsonl (one record per network, streamed; a rerun resumes), OUT/compare.md (the table,
mean ± std over seeds) and OUT/compare.png (memory length vs training length; capacity and Start-End
effective rank per unit).  Training length 0 is the untrained network.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory compare``."""
    p = subparsers.add_parser(
        "compare", help="memory measures of RNN/LSTM/GRU/orthogonal/MIRNN/RAC units trained at several lengths",
        description="Train every unit on the Start-End Similarity task at every training length and seed, "
                    "measure test accuracy, memory length, semantic memory length, memory capacity, Start-End "
                    "effective rank, gradient horizon and the largest Lyapunov exponent of each network, "
                    "and tabulate mean ± std over seeds.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="cpu", help="cpu (default) or smoke")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder")
    p.add_argument("--units", default=None, help="comma-separated units (default all of the preset)")
    p.add_argument("--lengths", default=None, help="training lengths, e.g. 8,16,32")
    p.add_argument("--seeds", default=None, help="seeds, e.g. 0,1,2")
    p.add_argument("--steps", type=int, default=None, help="training steps per network")
    p.add_argument("--json", action="store_true", help="print the summary rows as JSON")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def _ints(text, name):
    from .._common import int_list

    return None if text is None else int_list(text, name)


def run(args) -> int:
    """Run ``tnrnn memory compare``."""
    from ...measures.compare import (
        PRESETS,
        comparison_configs,
        config_key,
        format_table,
        plot_comparison,
        run_comparison,
        summarize,
    )

    if args.preset not in PRESETS:
        raise InvalidParameterError("--preset", args.preset, "one of " + ", ".join(PRESETS))
    if args.steps is not None and args.steps < 1:
        raise InvalidParameterError("--steps", args.steps, "an integer >= 1")
    units = None if args.units is None else [u.strip() for u in args.units.split(",") if u.strip()]
    configs = comparison_configs(args.preset, units=units, lengths=_ints(args.lengths, "--lengths"),
                                 seeds=_ints(args.seeds, "--seeds"), steps=args.steps)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "compare.jsonl")
    keys = {config_key(c) for c in configs}
    records = [r for r in run_comparison(configs, path, progress=not args.json) if r["key"] in keys]
    rows = summarize(records)
    table = format_table(rows, markdown=True)
    with open(os.path.join(args.out, "compare.md"), "w") as f:
        f.write(table + "\n")
    plot_comparison(rows, os.path.join(args.out, "compare.png"))
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(format_table(rows))
    note(f"wrote {path}, compare.md and compare.png in {args.out}")
    return 0
