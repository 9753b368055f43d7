"""Reading small files that tnrnn did not necessarily write: caches and sidecars (a leaf module).

Anything found under a cache or sidecar name may be hostile: a FIFO (``open``
would block), a symlink to ``/dev/zero`` (a read never ends), a huge file, JSON
nested deeper than the parser's recursion limit, values of the wrong type.
:func:`read_json_file` opens without blocking, accepts regular files only,
reads at most ``max_bytes`` and returns ``None`` (or raises, if asked) for
anything else; callers then validate the contents they use.
"""

from __future__ import annotations

import json
import os
import stat

from .errors import InvalidParameterError

__all__ = ["read_json_file", "MAX_SIDE_FILE_BYTES"]

#: The largest cache or sidecar file read (bytes).
MAX_SIDE_FILE_BYTES = 1 << 20


def read_json_file(path, max_bytes: int = MAX_SIDE_FILE_BYTES, *, name: str | None = None):
    """The JSON value in ``path`` if it is a regular file of at most ``max_bytes``, else ``None``.

    With ``name`` (the option or parameter that named the file), a file that
    exists but cannot be used raises
    :class:`~tnrnn.errors.InvalidParameterError` naming it instead; a missing
    file is ``None`` either way.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = os.path.join(d, "a.json")
    >>> _ = open(p, "w").write('{"arch": "lstm"}')
    >>> read_json_file(p)
    {'arch': 'lstm'}
    >>> _ = open(p, "w").write("[" * 100000)
    >>> read_json_file(p) is None
    True
    >>> os.mkfifo(os.path.join(d, "fifo.json"))
    >>> read_json_file(os.path.join(d, "fifo.json")) is None     # returns at once, never blocks
    True
    """
    def refuse(why):
        if name is None:
            return None
        raise InvalidParameterError(name, os.fspath(path), f"a regular JSON file of at most {max_bytes} bytes ({why})")

    try:
        fd = os.open(os.fspath(path), os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    except OSError as err:
        return refuse(err.strerror or "unreadable")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return refuse("not a regular file")
        if st.st_size > max_bytes:
            return refuse(f"{st.st_size} bytes")
        chunks, size = [], 0
        while True:
            chunk = os.read(fd, max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                return refuse("larger than the limit")
    except OSError as err:
        return refuse(err.strerror or "unreadable")
    finally:
        os.close(fd)
    try:
        return json.loads(b"".join(chunks).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return refuse("not valid JSON")
