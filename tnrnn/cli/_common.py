"""Arguments and parsing shared by the subcommands."""

from __future__ import annotations

import argparse

from ..errors import InvalidParameterError

#: Help text of every ``--cut`` option.
CUT_HELP = "start-end (default), interleaved, prefix:S, or positions like 0,2|1,3"


def int_list(text: str, name: str) -> list[int]:
    """Parse ``"4,8,16"`` or ranges ``"4:16:4"`` (inclusive stop) into integers.

    Examples
    --------
    >>> int_list("2,4:8:2", "--length")
    [2, 4, 6, 8]
    """
    values: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            if ":" in part:
                bits = [int(b) for b in part.split(":")]
                if len(bits) not in (2, 3) or (len(bits) == 3 and bits[2] < 1):
                    raise ValueError
                step = bits[2] if len(bits) == 3 else 1
                values.extend(range(bits[0], bits[1] + 1, step))
            elif part:
                values.append(int(part))
        except ValueError:
            raise InvalidParameterError(name, text, "integers like 4,8,16 or a range 4:16:4") from None
    if not values:
        raise InvalidParameterError(name, text, "at least one integer")
    return values


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
