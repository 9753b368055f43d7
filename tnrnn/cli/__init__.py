"""The ``tnrnn`` command.

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers the subcommand and sets
``func`` (called with the parsed arguments, returning an exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import TnrnnError

__all__ = ["main", "build_parser"]

#: Subcommand modules, in the order ``tnrnn --help`` lists them.
SUBCOMMANDS = ("bounds", "import_", "draw", "bench", "compile", "spectrum", "train", "memory", "plot")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for every other bad input
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``tnrnn`` command."""
    from .._version import __version__

    parser = _Parser(
        prog="tnrnn",
        description="Measure the long-term memory of recurrent networks with tensor networks.",
        epilog="Run 'tnrnn COMMAND --help' for a command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"tnrnn {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    return parser


def main(argv=None) -> int:
    """Run the ``tnrnn`` command; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except TnrnnError as err:
        print(f"tnrnn {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"tnrnn {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
