"""Helpers shared by the ``tnrnn memory`` actions."""

from __future__ import annotations

import json
import sys

from ...errors import InvalidParameterError


def float_list(text: str, name: str) -> list[float]:
    """Parse ``"1e-1,1e-2"`` into floats.

    Examples
    --------
    >>> float_list("1e-1, 0.5", "--eps")
    [0.1, 0.5]
    """
    try:
        values = [float(p) for p in text.split(",") if p.strip()]
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
