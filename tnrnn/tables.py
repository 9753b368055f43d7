"""Text and Markdown tables: the one formatter of every table tnrnn prints (one cell rule, one layout).

``n/a`` for missing and non-finite values, huge integers shown approximately (their exact value stays in
the records), constant columns optionally pulled above the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import InvalidParameterError

__all__ = ["TABLE_MAX_BITS", "format_value", "format_table"]


#: Integers with more bits than this are shown in tables as ``~d.ddde+N`` (their exact value is in ``to_dict``).
TABLE_MAX_BITS = 200


def format_value(value: Any, spec: str | None = None) -> str:
    """One table cell: ``None`` and non-finite floats ``n/a``, huge integers approximately, floats by ``spec``.

    ``spec`` is a format spec for numbers (default ``.4g`` for floats, exact
    for integers); strings are shown as they are.

    Examples
    --------
    >>> format_value(None), format_value(float("nan")), format_value(0.123456), format_value(2 ** 700)[:6]
    ('n/a', 'n/a', '0.1235', '~5.260')
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        if value.bit_length() > TABLE_MAX_BITS:
            shift = value.bit_length() - 64
            log10 = math.log10(abs(value) >> shift) + shift * math.log10(2)
            exponent = math.floor(log10)
            return f"{'-' if value < 0 else ''}~{10 ** (log10 - exponent):.3f}e+{exponent}"
        return format(value, spec) if spec else str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "n/a"
        return format(value, spec or ".4g")
    return str(value)


def format_table(rows: Iterable[Mapping[str, Any]] | Iterable[Sequence[Any]], columns: Sequence[str] | None = None,
                 *, formats: Mapping[str, str] | None = None, drop_constant: bool = False,
                 right: Iterable[str] = (), markdown: bool = False) -> str:
    """Rows as an aligned text table (or Markdown), one line each, no trailing whitespace.

    Parameters
    ----------
    rows : iterable of dict or of sequences
        ``column -> value`` dicts (columns in first-seen order; a missing
        value is ``n/a``), or sequences in the order of ``columns``.
    columns : sequence of str, optional
        Which columns, in which order (required for sequence rows).
    formats : dict, optional
        ``column -> format spec`` for numbers (e.g. ``{"seconds": ".2f"}``);
        see :func:`format_value`.
    drop_constant : bool
        With more than one row, columns whose value is the same on every row
        are shown once, above the table, as ``name: value`` (columns empty on
        every row are left out).
    markdown : bool
        A Markdown (pipe) table instead of aligned text.

    Examples
    --------
    >>> print(format_table([{"T": 4, "rank": 3, "p": 7}, {"T": 8, "rank": 5, "p": 7}], drop_constant=True))
    p: 7
    T  rank
    4  3
    8  5
    >>> print(format_table([[1, None]], ["a", "b"], markdown=True))
    | a | b |
    |---|---|
    | 1 | n/a |
    """
    rows = list(rows)
    if rows and isinstance(rows[0], Mapping):
        if columns is None:
            seen: dict[str, None] = {}
            for r in rows:
                seen.update(dict.fromkeys(r))
            columns = list(seen)
        table = [[r.get(c) for c in columns] for r in rows]
    else:
        if columns is None:
            raise InvalidParameterError("columns", None, "column names for rows given as sequences")
        table = [list(r) for r in rows]
    columns = list(columns)
    formats = formats or {}
    cells = [[format_value(v, formats.get(c)) for c, v in zip(columns, r)] for r in table]
    head = []
    keep = list(range(len(columns)))
    if drop_constant and len(cells) > 1:
        const = [i for i in keep if len({row[i] for row in cells}) == 1]
        if len(const) < len(columns):
            head = [f"{columns[i]}: {cells[0][i]}" for i in const if cells[0][i].strip()]  # empty ones dropped
            keep = [i for i in keep if i not in const]
    header = [str(columns[i]) for i in keep]
    body = [[row[i] for i in keep] for row in cells]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(b) + " |" for b in body]
    else:
        widths = [max(len(x) for x in col) for col in zip(header, *body)]
        right = set(right)
        just = [str.rjust if h in right else str.ljust for h in header]
        lines = ["  ".join(j(c, w) for j, c, w in zip(just, row, widths)).rstrip() for row in [header, *body]]
    return "\n".join(head + lines)
