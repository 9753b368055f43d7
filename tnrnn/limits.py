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
           "check_writable", "check_output", "filesystem_type"]

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


#: Filesystems that hold no files of ours (kernel interfaces): an output path there is refused.
SPECIAL_FILESYSTEMS = frozenset({
    "proc", "sysfs", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "pstore", "bpf", "configfs",
    "devpts", "mqueue", "fusectl", "binfmt_misc", "efivarfs", "autofs", "rpc_pipefs", "nsfs", "hugetlbfs",
})

#: What an existing file must start with to be overwritten, by suffix (figures are redrawn, archives resaved).
_MAGIC = {".png": (b"\x89PNG",), ".pdf": (b"%PDF",), ".svg": (b"<?xml", b"<svg"), ".npz": (b"PK",),
          ".zip": (b"PK",), ".safetensors": (), ".pt": (b"PK", b"\x80"), ".pth": (b"PK", b"\x80"),
          ".npy": (b"\x93NUMPY",), ".json": (b"{", b"["), ".jsonl": (b"{",)}


def filesystem_type(path) -> str | None:
    """The type of the filesystem holding ``path`` (``"ext4"``, ``"proc"``, ...), from ``/proc/self/mounts``.

    ``None`` where the mount table cannot be read (not Linux).

    Examples
    --------
    >>> filesystem_type("/proc/self") in ("proc", None)
    True
    """
    import os

    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as fh:
            mounts = [line.split()[1:3] for line in fh if len(line.split()) >= 3]
    except OSError:
        return None
    real = os.path.realpath(os.fspath(path))
    best, kind = "", None
    for point, fstype in mounts:
        point = point.replace("\\040", " ")
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, kind = point, fstype
    return kind


def _is_records_file(path: str) -> bool:
    """Whether the first line of ``path`` is a JSON object (a JSON-lines records file)."""
    import json

    with open(path, "rb") as fh:
        head = fh.read(1 << 20)
    line = head.split(b"\n", 1)[0].strip()
    if not line:
        return True
    try:
        return isinstance(json.loads(line.decode("utf-8")), dict)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False


def check_output(path: object, name: str = "path", kind: str = "file", *, resume: bool | None = False) -> str:
    """Return ``path`` if the result of a command can be written there, else raise naming ``name``.

    Beyond :func:`check_writable`: the path must not be on a kernel
    filesystem (``/proc``, ``/sys``), nor a device other than ``/dev/null``
    (``/dev/full`` cannot hold anything), and an existing file is only
    overwritten or extended when it is of the kind being written:

    ``kind="records"``
        A JSON-lines file (``--out``): an existing non-empty file must be one
        (its first line a JSON object), and with ``resume=False`` it is
        refused (``None``: the command decides, e.g. one that always resumes).
    ``kind="figure"``, ``kind="file"``
        An existing non-empty file must start like its suffix says
        (``.png``, ``.pdf``, ``.svg``, ``.npz`` ...); any other is kept.
    ``kind="folder"``
        A folder that exists (and is writable) or can be created in a
        writable folder.

    Examples
    --------
    >>> check_output("/dev/full", "--out")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --out='/dev/full': expected a regular file (/dev/full is a device)
    """
    import os
    import stat

    if kind not in ("file", "records", "figure", "folder"):
        raise InvalidParameterError("kind", kind, "file, records, figure or folder")
    if isinstance(path, str) and (not path.strip() or "\x00" in path):
        raise InvalidParameterError(name, path, "a file path" if kind != "folder" else "a folder path")
    if kind == "folder":
        text = os.fspath(path) if isinstance(path, (str, os.PathLike)) else None
        if not text:
            raise InvalidParameterError(name, path, "a folder path")
        if os.path.exists(text) and not os.path.isdir(text):
            raise InvalidParameterError(name, text, "a folder (this is a file)")
        parent = os.path.abspath(text)
        while not os.path.exists(parent):   # created with its missing parents (results/repro from an empty folder)
            parent = os.path.dirname(parent)
        if not os.path.isdir(parent):
            raise InvalidParameterError(name, text, f"a folder path ({parent} is a file)")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InvalidParameterError(name, text, f"a writable folder ({parent} is not writable)")
        fstype = filesystem_type(parent)
        if fstype in SPECIAL_FILESYSTEMS:
            raise InvalidParameterError(name, text, f"a folder on a filesystem that holds files ({fstype} does not)")
        return text
    text = check_writable(path, name)
    folder = os.path.dirname(os.path.abspath(text)) or "."
    fstype = filesystem_type(folder)
    if fstype in SPECIAL_FILESYSTEMS:
        raise InvalidParameterError(name, text, f"a path on a filesystem that holds files ({folder} is {fstype})")
    try:
        st = os.stat(text)
    except OSError:
        return text
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        if os.path.realpath(text) == os.devnull:
            return text
        raise InvalidParameterError(name, text, f"a regular file ({text} is a device)")
    if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
        return text   # a pipe, or an empty file
    if kind == "records":
        if not _is_records_file(text):
            raise InvalidParameterError(name, text, "a new file or a JSON-lines records file (this file is neither, "
                                        "and would be mixed with records)")
        if resume is False:
            raise InvalidParameterError(name, text, "a new or empty file, or --resume to continue this one")
        return text
    suffix = os.path.splitext(text)[1].lower()
    magic = _MAGIC.get(suffix)
    if magic is None or magic == ():
        return text if magic == () else _refuse_clobber(name, text)
    with open(text, "rb") as fh:
        head = fh.read(64).lstrip()
    if not any(head.startswith(m) for m in magic):
        _refuse_clobber(name, text)
    return text


def _refuse_clobber(name: str, text: str):
    raise InvalidParameterError(name, text, "a new file, or one of the kind its suffix names (an existing file of "
                                "another kind would be overwritten; remove it first)")
