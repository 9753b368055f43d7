"""The options of the sweep-shaped commands (``bounds``, ``bench``): ``--out``, ``--resume``, ``--workers``,
``--scheduler``, and the keywords of :func:`tnrnn.runner.run_sweep` they give."""

from __future__ import annotations

import os

from ..errors import InvalidParameterError
from ..validation import parse_int
from ._common import add_term

__all__ = ["add_cluster_arguments", "add_runner_arguments", "runner_options"]


def add_runner_arguments(parser, *, out: bool = True) -> None:
    """Add ``--out`` (unless the command has it), ``--resume``, ``--workers`` and ``--scheduler``."""
    if out:
        parser.add_argument("--out", default=None, metavar="PATH",
                            help="append one JSON line per finished configuration to PATH")
    parser.add_argument("--resume", action="store_true",
                        help="skip the configurations already in --out and append the rest")
    add_cluster_arguments(parser, "run", "(default: in this process)")


def add_cluster_arguments(parser, verb: str, default: str = "") -> None:
    """Add ``--workers N`` and ``--scheduler ADDRESS`` (one or the other): ``verb`` says what runs there."""
    group = parser.add_mutually_exclusive_group()
    add_term(group, "workers", type=parse_int, default=None, metavar="N",
             help=f"{verb} on a local Dask cluster of N processes" + (f" {default}" if default else ""))
    group.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help=f"{verb} on the Dask cluster of this scheduler, e.g. tcp://host:8786")


def runner_options(args) -> dict:
    """The keywords of :func:`run_sweep` from parsed :func:`add_runner_arguments` options."""
    if args.resume and args.out is None:
        raise InvalidParameterError("--resume", True, "used with --out FILE")
    if args.workers is not None and args.workers < 1:
        raise InvalidParameterError("--workers", args.workers, "a positive number of processes")
    if args.out is not None and not args.resume and os.path.exists(args.out) and os.path.getsize(args.out) > 0:
        raise InvalidParameterError("--out", args.out, "a new or empty file, or --resume to continue this one")
    return dict(out=args.out, resume=args.resume, workers=args.workers, scheduler=args.scheduler)
