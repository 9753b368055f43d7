"""Arguments and parsing shared by the subcommands, and the conventions every subcommand follows.

Conventions (every subcommand, including new ones)
--------------------------------------------------
Memory
    Call :func:`add_max_memory_argument` (``--max-memory``, default 4GiB,
    parsed when the arguments are parsed, so ``args.max_memory`` is a number
    of bytes) and pass ``args.max_memory`` to every function that allocates in
    proportion to its inputs.  Those functions estimate their memory from the
    shapes *before* allocating and call :func:`tnrnn.limits.check_memory`,
    which raises :class:`~tnrnn.errors.MemoryLimitError` with the estimate and
    the way around (a flag that exists) in one line.
Output paths
    Every option naming a file to write (``--plot``, ``-o``, ``--out``) uses
    ``type=output_path("--out")`` (any file) or ``type=figure_path("--plot")``
    (``.png``, ``.svg``, ``.pdf``): the path is checked for writability when
    the arguments are parsed, before any work.  Figures are written
    atomically by :func:`tnrnn.plotting.figure.save_figure`.  When a write
    fails after the work (disk full, folder removed), call
    :func:`write_or_rescue`: it saves the records as JSON in the temporary
    folder and the error says where.
Lists and ranges
    Options taking several integers go through :func:`int_list`, which
    counts a range before expanding it (at most :data:`MAX_LIST_VALUES`) and
    checks a ``minimum`` naming the option.
Errors and exit codes
    Raise :class:`~tnrnn.errors.InvalidParameterError` (or another
    :class:`~tnrnn.errors.TnrnnError`) naming the option (``"--length"``); a
    Python API error naming a keyword (``cut``) is renamed to the option
    (``--cut``) by :func:`tnrnn.cli.main` when the subcommand has it.
    :func:`tnrnn.cli.main` prints every error as one line
    ``tnrnn COMMAND: error: ...`` on stderr.  Exit status: 0 success; 2 bad
    input (argparse errors, :class:`~tnrnn.errors.TnrnnError`, refused memory,
    unreadable input files); 1 a write that failed after the work
    (:class:`~tnrnn.errors.OutputError`, the line says where the results
    went) or an internal error (any other exception: the line says ``rerun
    with --debug``, which shows the traceback); 130 interrupted (what finished
    stays valid).  Never print a traceback without ``--debug``.  ``main()``
    returns the status (argparse errors included); only ``--help`` and
    ``--version`` raise ``SystemExit(0)``.
"""

from __future__ import annotations

import argparse
import json
import os

from ..errors import InvalidParameterError

#: The most values one list or range option may expand to.
MAX_LIST_VALUES = 10_000

#: Help text of every ``--cut`` option.
CUT_HELP = "start-end (default), interleaved, prefix:S, or positions like 0,2|1,3"


def int_list(text: str, name: str, *, minimum: int | None = None, max_values: int = MAX_LIST_VALUES) -> list[int]:
    """Parse ``"4,8,16"`` or ranges ``"4:16:4"`` (inclusive stop) into integers.

    Examples
    --------
    >>> int_list("2,4:8:2", "--length")
    [2, 4, 6, 8]

    Ranges are counted before they are expanded, so a huge range is refused
    at once (at most ``max_values`` values), and with ``minimum`` every value
    is checked, naming the option:

    >>> int_list("0,1", "--depth", minimum=1)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --depth=0: expected an integer >= 1
    """
    from ..limits import check_count

    ranges: list[range] = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ":" in part:
                bits = [int(b) for b in part.split(":")]
                if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] < 1):
                    raise ValueError
                step = bits[2] if len(bits) == 3 else 1
                ranges.append(range(bits[0], bits[1] + 1, step))
            elif part:
                value = int(part)
                ranges.append(range(value, value + 1))
        except ValueError:
            raise InvalidParameterError(name, text, "integers like 4,8,16 or a range 4:16:4") from None
    check_count(name, text, sum(len(r) for r in ranges), max_values)
    if minimum is not None:
        for r in ranges:
            if len(r) and min(r[0], r[-1]) < minimum:
                raise InvalidParameterError(name, min(r[0], r[-1]), f"an integer >= {minimum}")
    values = [v for r in ranges for v in r]
    if not values:
        raise InvalidParameterError(name, text, "at least one integer")
    return values


def _argparse_type(check, name: str):
    """An argparse ``type=`` that runs ``check(text, name)``; errors become argparse's one line (exit 2)."""

    def parse(text):
        try:
            return check(text, name)
        except InvalidParameterError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = name
    return parse


def output_path(name: str):
    """An argparse ``type=`` for a file to write: checked by :func:`tnrnn.limits.check_writable`.

    Examples
    --------
    >>> output_path("--out")("results.jsonl")
    'results.jsonl'
    """
    from ..limits import check_writable

    return _argparse_type(check_writable, name)


def figure_path(name: str):
    """An argparse ``type=`` for a figure file: a ``.png``, ``.svg`` or ``.pdf`` path that can be written."""

    def check(text, name):
        from ..plotting.figure import figure_format

        figure_format(text, name)
        return text

    return _argparse_type(check, name)


def add_max_memory_argument(p: argparse.ArgumentParser, what: str = "computations") -> None:
    """``--max-memory SIZE`` (default 4GiB), parsed to a number of bytes when the arguments are parsed."""
    from ..limits import parse_memory

    p.add_argument("--max-memory", default="4GiB", type=_argparse_type(parse_memory, "--max-memory"),
                   metavar="SIZE",
                   help=f"refuse {what} whose estimated memory is above SIZE, e.g. 512MiB (default 4GiB)")


def write_or_rescue(write, records, option: str, path: str, command: str) -> None:
    """Call ``write()``; if it fails with ``OSError``, save ``records`` (JSON) in the temporary folder and raise.

    The error names ``option`` and ``path``, the reason, and where the
    records were saved, so that a failure to write after a long run loses
    nothing.
    """
    from ..errors import OutputError

    try:
        write()
    except OSError as err:
        import tempfile
        import time

        fd, rescue = tempfile.mkstemp(prefix=f"tnrnn-{command}-{time.strftime('%Y%m%dT%H%M%S')}-", suffix=".json")
        with os.fdopen(fd, "w") as fh:
            json.dump(records, fh, indent=1)
        reason = err.strerror or str(err)
        raise OutputError(f"could not write {option} {path} ({reason}); the results were saved to {rescue}") from None


def add_circuit_arguments(p: argparse.ArgumentParser, *, lists: bool = False) -> None:
    """``--depth/-L``, ``--hidden/-R``, ``--inputs/-M``, ``--length/-T``.

    With ``lists``, each takes a list or range (parse with :func:`int_list`).
    """
    kind = {} if lists else {"type": int}
    more = " (list or range allowed)" if lists else ""
    p.add_argument("--depth", "-L", required=True, help="depth L" + more, **kind)
    p.add_argument("--hidden", "-R", required=True, help="width R" + more, **kind)
    p.add_argument("--inputs", "-M", required=True, help="input dimension M" + more, **kind)
    p.add_argument("--length", "-T", required=True,
                   help="lengths T, e.g. 4,8,16 or 4:16:4" if lists else "number of time steps T", **kind)


def add_cut_argument(p: argparse.ArgumentParser) -> None:
    """``--cut``, defaulting to ``start-end``."""
    p.add_argument("--cut", default="start-end", help=CUT_HELP)
