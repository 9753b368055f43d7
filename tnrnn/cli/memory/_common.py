"""Helpers shared by the ``tnrnn memory`` actions."""

from __future__ import annotations

import json
import sys

from ...errors import InvalidParameterError
from ...validation import parse_float


def float_list(text: str, name: str) -> list[float]:
    """Parse ``"1e-1,1e-2"`` into floats.

    Examples
    --------
    >>> float_list("1e-1, 0.5", "--eps")
    [0.1, 0.5]
    """
    try:
        values = [parse_float(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise InvalidParameterError(name, text, "numbers separated by commas") from None
    if not values:
        raise InvalidParameterError(name, text, "at least one number")
    return values


def name_list(text: str, name: str) -> list[str]:
    """Parse ``"exp,pol"`` into names."""
    values = [p.strip() for p in text.split(",") if p.strip()]
    if not values:
        raise InvalidParameterError(name, text, "at least one name")
    return values


def check_plot(path) -> None:
    """Refuse a bad ``--plot`` file name before computing."""
    if path is not None:
        from ...plotting.figure import figure_format

        figure_format(path, "--plot")


def emit(args, payload, text: str, *, written: bool = False) -> None:
    """Print ``payload`` as JSON with ``--json``, else ``text``; with ``--out``, append its records there.

    ``written``: the action streamed its records to ``--out`` itself (curse, plateau).
    """
    if not written:
        from .._common import write_records

        write_records(args, payload if isinstance(payload, list) else [payload], command=f"memory {args.action}")
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2))
    else:
        print(text)


def note(message: str) -> None:
    """A line on stderr (keeps --json stdout clean)."""
    print(message, file=sys.stderr)


# -- parse-time checks of numeric options (argparse ``type=``; the error names the option) ---------------
def positive_float(name: str, *, allow_zero: bool = False):
    """An argparse ``type=`` for a finite number ``> 0`` (``>= 0`` with ``allow_zero``), naming ``name``.

    Examples
    --------
    >>> positive_float("--dt")("0.5")
    0.5
    """
    from ...validation import check_finite
    from .._common import _argparse_type

    return _argparse_type(lambda text, n: check_finite(text, n, low=0, open_low=not allow_zero), name)


def float_in(name: str, low: float, high: float, *, open_low: bool = False):
    """An argparse ``type=`` for a finite number in ``[low, high]`` (``(low, high]`` with ``open_low``)."""
    from ...validation import check_finite
    from .._common import _argparse_type

    return _argparse_type(lambda text, n: check_finite(text, n, low=low, high=high, open_low=open_low), name)


def nonzero_float(name: str):
    """An argparse ``type=`` for a finite nonzero number."""
    from ...validation import check_finite
    from .._common import _argparse_type

    def check(text, n):
        v = check_finite(text, n)
        if v == 0:
            raise InvalidParameterError(n, text, "a finite nonzero number")
        return v

    return _argparse_type(check, name)


def int_at_least(name: str, minimum: int = 1):
    """An argparse ``type=`` for an integer ``>= minimum``.

    Examples
    --------
    >>> int_at_least("--lags")("12")
    12
    """
    from ...validation import parse_int
    from .._common import _argparse_type

    def check(text, n):
        try:
            v = parse_int(str(text))
        except ValueError:
            raise InvalidParameterError(n, text, f"an integer >= {minimum}") from None
        if v < minimum:
            raise InvalidParameterError(n, text, f"an integer >= {minimum}")
        return v

    return _argparse_type(check, name)


def int_list_type(name: str, minimum: int = 1):
    """An argparse ``type=`` for a list or range of integers ``>= minimum`` (:func:`tnrnn.cli._common.int_list`)."""
    from .._common import _argparse_type, int_list

    return _argparse_type(lambda text, n: int_list(text, n, minimum=minimum), name)


def float_list_type(name: str, *, low: float | None = None, open_low: bool = False):
    """An argparse ``type=`` for a comma list of finite numbers (each ``>= low``, ``> low`` with ``open_low``)."""
    from ...validation import check_finite
    from .._common import _argparse_type

    def check(text, n):
        return [check_finite(v, n, low=low, open_low=open_low) for v in float_list(text, n)]

    return _argparse_type(check, name)


def reporter(args, command: str):
    """A function printing one progress line on stderr, or ``None`` when progress is off.

    Lines, never ``\\r`` bars: on a terminal by default, with ``--progress`` always, never with ``--quiet``.
    """
    from .._progress import Progress

    if not Progress.from_args(args).enabled:
        return None
    import time

    start = time.perf_counter()

    def report(message: str) -> None:
        print(f"tnrnn {command} [{time.perf_counter() - start:6.1f}s] {message}", file=sys.stderr, flush=True)

    return report
