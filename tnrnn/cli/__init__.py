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
import contextlib
import importlib
import os
import sys

from ..errors import InvalidParameterError, MemoryLimitError, OutputError, TnrnnError, WeightsError

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

    for name, leaf in leaf_parsers(parser):  # the shared options, by construction (cli/_common.py)
        add_common_arguments(leaf)
        leaf.set_defaults(_command=name)      # "tnrnn memory capacity": the prefix of its errors
    return parser


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _options(leaf: argparse.ArgumentParser | None) -> dict[str, str]:
    """``dest -> --option`` for the options of a subcommand's parser."""
    if leaf is None:
        return {}
    from ._common import _Deprecated

    return {a.dest: max(a.option_strings, key=len) for a in leaf._actions
            if a.option_strings and not isinstance(a, _Deprecated)}


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
    from ._common import check_parsed, leaf_parsers

    prefix = getattr(args, "_command", None) or f"tnrnn {args.command}"
    leaf = dict(leaf_parsers(parser)).get(prefix)
    if leaf is not None:
        try:   # checks that need every option's value (conflicts, output paths), before any work
            check_parsed(args, leaf, argv)
        except SystemExit as exit:
            return int(exit.code) if isinstance(exit.code, int) else 2
    from ..runner import _Interrupts

    guard = _StdoutGuard(prefix)
    with guard, _Interrupts() as hits, _one_line_warnings(prefix, debug):
        code = _run(args, prefix, leaf, debug, hits)
        if hits.count and code != 130:   # a Ctrl-C that a C callback swallowed (numba compiling, FLINT)
            print(f"{prefix}: interrupted", file=sys.stderr)
            code = 130
    return 1 if guard.rescued and code == 0 else code


@contextlib.contextmanager
def _one_line_warnings(prefix: str, debug: bool):
    """Warnings as one line each (``tnrnn COMMAND: warning: ...``), each text once; numpy's floating-point
    warnings (overflow, invalid value) are left out: the commands check finiteness themselves and say so."""
    import warnings

    if debug:
        yield
        return
    seen: set[str] = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = " ".join(str(message).split())
        if text not in seen:
            seen.add(text)
            print(f"{prefix}: warning: {text}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show
        warnings.filterwarnings("ignore", category=RuntimeWarning, message=r"(overflow|invalid value|divide by zero)")
        yield


class _StdoutGuard:
    """Hold what a command prints on a non-terminal stdout, and write it at the end; if that fails (``>
    /dev/full``, a full disk), save it to a file in the temporary folder and say so in one line."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.rescued: str | None = None
        self._real = None

    def __enter__(self):
        isatty = getattr(sys.stdout, "isatty", None)
        if sys.stdout is not None and not (isatty and isatty()):
            import io

            self._real, sys.stdout = sys.stdout, io.StringIO()
        return self

    def __exit__(self, *exc):
        if self._real is None:
            return
        held, sys.stdout = sys.stdout, self._real
        text = held.getvalue()
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            pass
        except OSError as err:
            import tempfile
            import time

            fd, self.rescued = tempfile.mkstemp(
                prefix=f"tnrnn-{self.prefix.split()[-1]}-{time.strftime('%Y%m%dT%H%M%S')}-", suffix=".out")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            with contextlib.suppress(OSError, ValueError):   # what could not be written is dropped from stdout
                sys.stdout = open(os.devnull, "w")
            print(f"{self.prefix}: error: could not write the output to stdout ({err.strerror or err}); "
                  f"it was saved to {self.rescued}", file=sys.stderr)


#: The options that say what a weights file holds (``dest``), named when the file does not match them.
_WEIGHTS_OPTIONS = ("arch", "layers", "depth", "hidden", "inputs", "nonlinearity", "prefix", "embedding")


def _weights_context(text: str, args, options: dict[str, str]) -> str:
    """A weights error (a tensor key) said in the user's terms: the file, and the options to check."""
    files = getattr(args, "model", None) or getattr(args, "paths", None)
    if isinstance(files, (list, tuple)):
        files = files[0] if len(files) == 1 else "one of " + ", ".join(map(str, files))
    given = getattr(args, "_given", frozenset())
    named = [options[d] for d in _WEIGHTS_OPTIONS if d in given and d in options]
    if named:
        hint = f"the file does not hold what {', '.join(dict.fromkeys(named))} say{'s' if len(named) == 1 else ''}"
    else:
        hint = "the weights do not fit the architecture read from their keys (name --arch, --depth, --hidden " \
               "if it guessed wrong)"
    return f"{files}: {hint}: {text}" if files else text


def _run(args, prefix: str, leaf, debug: bool, hits=None) -> int:
    """Run the subcommand; every error becomes one line and an exit status."""
    try:
        try:
            return int(args.func(args) or 0)
        except Exception:
            if hits is not None and hits.count:   # the side effect of a Ctrl-C a C callback swallowed
                raise KeyboardInterrupt from None
            raise
    except BrokenPipeError:  # e.g. piped into head: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print(f"{prefix}: interrupted", file=sys.stderr)
        return 130
    except InvalidParameterError as err:
        if debug:
            raise
        text = _as_option(err, _options(leaf))
        if isinstance(err, WeightsError):
            text = _weights_context(text, args, _options(leaf))
        print(f"{prefix}: error: {text}", file=sys.stderr)
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
