"""The ``tnrnn`` command.

Each subcommand lives in its own module of this package and exposes
``add_parser(subparsers)``, which registers the subcommand and sets
``func`` (called with the parsed arguments, returning an exit code).
The conventions every subcommand follows (``--max-memory``, output path
types, exit codes) are in the docstring of :mod:`tnrnn.cli._common`.

Every error reaches the user as one line on stderr: exit status 2 for bad
input (the line names the option), 1 for an internal error (the line says to
rerun with ``--debug``, which shows the traceback), 130 when interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import InvalidParameterError, MemoryLimitError, OutputError, TnrnnError

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
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback of an error (may also be given after the command)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in SUBCOMMANDS:
        importlib.import_module(f"{__name__}.{name}").add_parser(sub)
    from ._common import add_common_arguments, leaf_parsers

    for _, leaf in leaf_parsers(parser):  # the shared options, by construction (cli/_common.py)
        add_common_arguments(leaf)
    return parser


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _options(parser: argparse.ArgumentParser, command: str, action_name: str | None = None) -> dict[str, str]:
    """``dest -> --option`` for the options of ``command`` (and of its ``action``, e.g. ``memory capacity``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            sub = action.choices.get(command)
            if sub is not None:
                if action_name is not None:
                    return _options(sub, action_name)
                return {a.dest: max(a.option_strings, key=len) for a in sub._actions if a.option_strings}
    return {}


def _as_option(err: InvalidParameterError, options: dict[str, str]) -> str:
    """The message of ``err`` naming the command-line option when the Python name is one (``cut`` -> ``--cut``)."""
    option = options.get(str(err.name).replace("-", "_"))
    if option is None or option == err.name:
        return _one_line(err)
    return _one_line(InvalidParameterError(option, err.value, err.allowed))


def main(argv=None) -> int:
    """Run the ``tnrnn`` command; returns the exit code (0, 1 internal error, 2 bad input, 130 interrupted)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # --debug is accepted anywhere before a "--"
    head = argv[:argv.index("--")] if "--" in argv else argv
    debug = "--debug" in head
    if debug:
        argv = ["--debug"] + [a for i, a in enumerate(argv) if not (a == "--debug" and i < len(head))]
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:   # --help and --version exit 0 as usual; a bad argument returns its status
        if exit.code in (0, None):
            raise
        return int(exit.code) if isinstance(exit.code, int) else 2
    action = getattr(args, "action", None) if isinstance(getattr(args, "action", None), str) else None
    prefix = f"tnrnn {args.command}" + (f" {action}" if action else "")  # the full subcommand
    try:
        return int(args.func(args) or 0)
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130
    except InvalidParameterError as err:
        if debug:
            raise
        print(f"{prefix}: error: {_as_option(err, _options(parser, args.command, action))}", file=sys.stderr)
        return 2
    except OutputError as err:   # the work is done and saved elsewhere: not a bad input
        if debug:
            raise
        print(f"{prefix}: error: {_one_line(err)}", file=sys.stderr)
        return 1
    except (TnrnnError, MemoryLimitError) as err:
        if debug:
            raise
        print(f"{prefix}: error: {_one_line(err)}", file=sys.stderr)
        return 2
    except MemoryError:
        if debug:
            raise
        print(f"{prefix}: error: out of memory (an estimate missed this allocation: please report it); "
              "lower the sizes or --max-memory, rerun with --debug for the traceback", file=sys.stderr)
        return 1
    except Exception as err:
        if debug:
            raise
        print(f"{prefix}: internal error: {type(err).__name__}: {_one_line(err)} "
              "(rerun with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
