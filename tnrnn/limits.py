"""Limits checked before work: memory sizes (parsing, formatting, refusing above a limit), counts, output paths.

Every function that allocates in proportion to its inputs estimates the bytes
from the shapes first and calls :func:`check_memory`, which raises
:class:`~tnrnn.errors.MemoryLimitError` with the estimate, the limit and the
way around in one line.  :func:`check_count` refuses lists and ranges that
would expand to too many values (counted, not built), and
:func:`check_writable` refuses an output path that cannot be written, so that
commands fail before their work rather than after it.
"""

from __future__ import annotations

import math
import re

from .errors import InvalidParameterError, MemoryLimitError

__all__ = ["DEFAULT_MEMORY_LIMIT", "parse_memory", "resolve_memory", "format_bytes", "check_memory", "check_count",
           "check_writable"]

#: Default cap on a single computation's working memory: 4 GiB.
DEFAULT_MEMORY_LIMIT = 4 * 2**30

_UNITS = {
    "": 1, "b": 1,
    "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6,
    "g": 10**9, "gb": 10**9, "t": 10**12, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}


def parse_memory(value: int | float | str, name: str = "max_memory") -> int:
    """Parse a memory size such as ``"4GiB"``, ``"512 MB"`` or ``1e9``.

    Parameters
    ----------
    value : int, float or str
        A number of bytes, or a number followed by a unit (B, kB, MB, GB,
        TB, KiB, MiB, GiB, TiB; case-insensitive).
    name : str
        The parameter's name, used in the error message.

    Returns
    -------
    int
        The size in bytes.

    Examples
    --------
    >>> parse_memory("4GiB")
    4294967296
    >>> parse_memory("1.5 kB")
    1500
    """
    allowed = "a positive size such as 4GiB, 512MB or a number of bytes"
    if isinstance(value, bool):
        raise InvalidParameterError(name, value, allowed)
    if isinstance(value, (int, float)):
        nbytes = value
    elif isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:[eE][0-9]+)?)\s*([a-zA-Z]*)\s*", value)
        if m is None or m.group(2).lower() not in _UNITS:
            raise InvalidParameterError(name, value, allowed)
        nbytes = float(m.group(1)) * _UNITS[m.group(2).lower()]
    else:
        raise InvalidParameterError(name, value, allowed)
    if not nbytes > 0 or nbytes == float("inf"):
        raise InvalidParameterError(name, value, allowed)
    return int(nbytes)


def resolve_memory(value: int | float | str | None, name: str = "max_memory") -> int:
    """A limit in bytes: ``None`` is :data:`DEFAULT_MEMORY_LIMIT`, anything else goes through :func:`parse_memory`.

    Examples
    --------
    >>> resolve_memory(None) == DEFAULT_MEMORY_LIMIT, resolve_memory("1KiB")
    (True, 1024)
    """
    return DEFAULT_MEMORY_LIMIT if value is None else parse_memory(value, name)


def format_bytes(nbytes: float) -> str:
    """Format a byte count with a binary unit.

    Examples
    --------
    >>> format_bytes(3 * 2**30)
    '3.00 GiB'
    >>> format_bytes(512)
    '512 B'
    >>> format_bytes(10**30), format_bytes(2**2000)
    ('9.09e+17 TiB', '2^2000.0 B')
    """
    if isinstance(nbytes, int) and nbytes.bit_length() > 1000:   # beyond float range: show the power of two
        return f"2^{nbytes.bit_length() - 1 + math.log2(nbytes >> (nbytes.bit_length() - 53)) - 52:.1f} B"
    nbytes = float(nbytes)
    if nbytes >= 2**50:
        return f"{nbytes / 2**40:.3g} TiB"
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{int(nbytes)} B"


def check_memory(what: str, estimate: float, limit: int | float | str | None = None, hint: str = "") -> None:
    """Raise :class:`~tnrnn.errors.MemoryLimitError` if ``estimate > limit``.

    Parameters
    ----------
    what : str
        What would be allocated, for the message.
    estimate : float
        Estimated bytes.
    limit : int, str or None
        The limit; ``None`` means :data:`DEFAULT_MEMORY_LIMIT`.
    hint : str
        How to get under the limit.

    Examples
    --------
    >>> check_memory("a small matrix", 1024, "1MiB")
    >>> check_memory("a big matrix", 2**31, "1GiB")
    Traceback (most recent call last):
    ...
    tnrnn.errors.MemoryLimitError: a big matrix needs an estimated 2.00 GiB, above the memory limit of 1.00 GiB
    """
    limit = resolve_memory(limit)
    if estimate > limit:
        msg = f"{what} needs an estimated {format_bytes(estimate)}, above the memory limit of {format_bytes(limit)}"
        raise MemoryLimitError(f"{msg}; {hint}" if hint else msg, what=what, estimate=int(estimate), limit=limit)


def check_count(name: str, text: object, count: int, limit: int) -> int:
    """Refuse ``count`` values of the option ``name`` above ``limit`` (counted before anything is built).

    Examples
    --------
    >>> check_count("--length", "2:10", 9, 100)
    9
    >>> check_count("--length", "2:1000000000", 10**9, 10**4)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --length='2:1000000000': expected at most 10000 values (got 1000000000)
    """
    if count > limit:
        raise InvalidParameterError(name, text, f"at most {limit} values (got {count})")
    return count


def check_writable(path: object, name: str = "path") -> str:
    """Return ``path`` as a string if a file can be written there, else raise naming ``name``.

    Checks, without creating anything, that the path is not a directory,
    that its folder exists and is a writable folder, and that an existing
    file there is writable.  Commands call it when parsing their arguments,
    so that a bad output path fails before any work.

    Raises
    ------
    InvalidParameterError
        Naming ``name`` (``"--plot"``) and the reason.

    Examples
    --------
    >>> check_writable("results.jsonl", "--out")
    'results.jsonl'
    >>> check_writable("/nonexistent/x.png", "--plot")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --plot='/nonexistent/x.png': expected a path in an existing folder (/nonexistent does not exist)
    """
    import os

    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise InvalidParameterError(name, path, "a file path")
    text = os.fspath(path)
    if not isinstance(text, str):
        text = os.fsdecode(text)
    folder = os.path.dirname(os.path.abspath(text)) or "."
    shown = os.path.dirname(text) or "."
    if os.path.isdir(text):
        raise InvalidParameterError(name, text, "a file path, not a folder")
    if not os.path.exists(folder):
        parent = folder
        while parent and not os.path.exists(parent):
            parent = os.path.dirname(parent)
        if parent and not os.path.isdir(parent):
            raise InvalidParameterError(name, text, f"a path in a folder ({parent} is a file)")
        raise InvalidParameterError(name, text, f"a path in an existing folder ({shown} does not exist)")
    if not os.path.isdir(folder):
        raise InvalidParameterError(name, text, f"a path in a folder ({shown} is a file)")
    if os.path.exists(text):
        if not os.access(text, os.W_OK):
            raise InvalidParameterError(name, text, "a writable file (permission denied)")
    elif not os.access(folder, os.W_OK | os.X_OK):
        raise InvalidParameterError(name, text, f"a path in a writable folder ({shown} is not writable)")
    return text
