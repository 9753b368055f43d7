"""Records, JSON lines and text tables: the one way every track stores and shows results.

Conventions (every result type, every command)
----------------------------------------------
Records
    A result is a frozen dataclass that mixes in :class:`Record`: it has :meth:`Record.to_dict`
    (JSON-safe: numpy scalars and arrays become Python numbers and lists, tuples become lists),
    :meth:`Record.to_json`, and prints as a one-row table (:meth:`Record.table_row` chooses the
    columns).  :func:`to_pandas` turns records (or their dicts) into a ``pandas.DataFrame``.
JSON lines
    Long runs append one record per line with :class:`JsonlWriter` (flushed and
    fsynced after every record, so a kill loses at most the record being
    written) and read back with :func:`read_records`, the one JSON-lines
    reader.  **The truncated-last-line rule**: a last line without its
    newline is a write cut short by a kill or a full disk; every reader skips
    it with a warning, and a writer opened with ``resume=True`` cuts it off
    before appending.  Any other line that is not a JSON object is an error
    naming the file and the line.
Tables
    :func:`tnrnn.tables.format_table` is the one text-table formatter
    (re-exported here, where every record prints through it).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .errors import InvalidParameterError, MissingDependencyError
from .tables import format_table, format_value

__all__ = ["Record", "JsonlWriter", "content_kind", "exact_integers", "jsonable", "format_table", "format_value", "read_records", "load_results",
           "to_pandas", "valid_length"]


@contextlib.contextmanager
def exact_integers() -> Iterator[None]:
    """Let JSON write and read integers of any length (exact ranks and closed forms can have thousands of
    digits; Python refuses more than 4300 by default)."""
    digits = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(digits)


# -- values ---------------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """``value`` with numpy scalars/arrays, tuples, records and mappings turned into JSON types (recursively).

    Examples
    --------
    >>> import numpy as np
    >>> jsonable({"a": np.float64(0.5), "b": (1, np.int64(2)), "c": np.arange(2)})
    {'a': 0.5, 'b': [1, 2], 'c': [0, 1]}
    """
    if value is None or type(value) in (bool, int, float, str):
        return value
    for kind in (bool, int, float, str):  # subclasses: numpy.float64, IntEnum, ...
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and not isinstance(value, type):
        return jsonable(to_dict())
    tolist = getattr(value, "tolist", None)  # numpy scalars and arrays, torch tensors
    if callable(tolist):
        return jsonable(tolist())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise InvalidParameterError("record", type(value).__name__, "JSON-safe values (numbers, strings, lists, dicts)")


#: The most characters of a record's ``repr``.
REPR_WIDTH = 120


class Record:
    """Mixin of every result dataclass: ``to_dict``, ``to_json``, and ``str`` as a one-row table.

    Subclasses are frozen dataclasses; they override :meth:`table_row` to
    choose and format the columns of their table (default: every scalar
    field), and may override :meth:`to_dict` when a field needs more than
    :func:`jsonable`.

    Examples
    --------
    >>> from dataclasses import dataclass
    >>> @dataclass(frozen=True)
    ... class Point(Record):
    ...     x: int
    ...     y: float
    >>> p = Point(1, 2.5)
    >>> p.to_json()
    '{"kind": "point", "x": 1, "y": 2.5}'
    >>> print(p)
    x  y
    1  2.5
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every record carries ``kind``: a subclass's own to_dict is wrapped to put it first when missing
        super().__init_subclass__(**kwargs)
        if "__repr__" not in cls.__dict__:   # before @dataclass, which then keeps it: one line, no arrays
            cls.__repr__ = Record._short_repr
        own = cls.__dict__.get("to_dict")
        if own is not None and not getattr(own, "_adds_kind", False):
            def to_dict(self, *args: Any, **kw: Any) -> dict:
                d = own(self, *args, **kw)
                kind = self.record_kind()
                return {"kind": kind, **d} if kind and isinstance(d, dict) and "kind" not in d else d

            to_dict.__doc__, to_dict.__name__, to_dict._adds_kind = own.__doc__, "to_dict", True
            cls.to_dict = to_dict

    @classmethod
    def record_kind(cls) -> str | None:
        """The ``kind`` of this type's records: a class attribute ``KIND``, else the class name in kebab case.

        ``KIND = None`` marks metadata merged into other records (:class:`tnrnn.runinfo.RunInfo`): no kind.
        """
        if "KIND" in cls.__dict__:
            return cls.__dict__["KIND"]
        name = cls.__name__.lstrip("_")
        return "".join("-" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field, after the record's ``kind``."""
        d = jsonable({f.name: getattr(self, f.name) for f in dataclasses.fields(self)})
        kind = self.record_kind()
        return d if "kind" in d or not kind else {"kind": kind, **d}

    def _short_repr(self) -> str:
        """``Name(field=value, ...)`` on one line (quimb style): scalars shown, arrays and lists as their
        length, mappings left out, at most :data:`REPR_WIDTH` characters."""
        parts, shapes = [], []
        for f in dataclasses.fields(self):
            if not f.repr:
                continue
            v = getattr(self, f.name)
            if v is None or isinstance(v, (Mapping, Record)):
                continue
            if isinstance(v, bool) or isinstance(v, int):
                text = str(v)
            elif isinstance(v, float):
                text = f"{v:.4g}"
            elif isinstance(v, str):
                text = repr(v if len(v) <= 24 else v[:21] + "...")
            elif hasattr(v, "shape") and getattr(v, "ndim", 1) > 0:
                shapes.append(f"{f.name}=<{'x'.join(map(str, v.shape))}>")
                continue
            elif isinstance(v, (list, tuple)) and len(v) > 4:
                shapes.append(f"{f.name}=<{len(v)}>")
                continue
            else:
                text = repr(v)
            parts.append(f"{f.name}={text}")
        out = f"{type(self).__name__}(" + ", ".join(parts + shapes) + ")"   # the arrays last
        return out if len(out) <= REPR_WIDTH else out[:REPR_WIDTH - 4] + "...)"

    def to_json(self, **kwargs: Any) -> str:
        """The record as one JSON object (``kwargs`` go to :func:`json.dumps`)."""
        return json.dumps(self.to_dict(), **kwargs)

    def table_row(self) -> dict:
        """The columns of this record's table row, ``name -> value`` (default: the scalar fields)."""
        return {k: v for k, v in self.to_dict().items()
                if k != "kind" and (v is None or isinstance(v, (bool, int, float, str)))}

    def __str__(self) -> str:
        return format_table([self.table_row()])


def to_pandas(records):
    """A ``pandas.DataFrame`` with one row per record; nested dicts become dotted columns.

    Parameters
    ----------
    records : iterable of records or dicts
        Anything with ``to_dict()``, or the dicts themselves.

    Returns
    -------
    pandas.DataFrame
        Columns in the records' order; ``times`` becomes ``times.numpy``,
        ``versions`` ``versions.tnrnn``, ...

    Raises
    ------
    MissingDependencyError
        When pandas is not installed (``pip install tnrnn[pandas]``).

    Examples
    --------
    >>> from tnrnn import rank_bounds
    >>> df = to_pandas([rank_bounds(1, 2, 2, T, method="closed-form") for T in (2, 4)])
    >>> list(df["length"]), list(df["upper"])
    ([2, 4], [2, 2])
    """
    import importlib.util

    if importlib.util.find_spec("pandas") is None:
        raise MissingDependencyError("pandas", "result tables (to_pandas)", extra="pandas")
    import pandas as pd

    rows = []
    for r in records:
        if isinstance(r, Mapping):
            rows.append(dict(r))
        elif callable(getattr(r, "to_dict", None)):
            rows.append(r.to_dict())
        else:
            raise InvalidParameterError("records", type(r).__name__, "records with to_dict() or dicts")
    return pd.json_normalize(rows, max_level=1) if rows else pd.DataFrame()


# -- JSON lines -----------------------------------------------------------------------------------
def valid_length(path) -> int:
    """Bytes of ``path`` up to and including its last newline (what an interrupted write leaves valid)."""
    with open(path, "rb") as fh:
        data = fh.read()
    return data.rfind(b"\n") + 1


def _check_path(path, name: str) -> str:
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise InvalidParameterError(name, path, "a file path")
    return os.fspath(path)


def _read_jsonl(path, *, missing_ok: bool = True, name: str = "path", warn: bool = True) -> list[dict]:
    """The lines (JSON objects) of a JSON-lines file as written, under the truncated-last-line rule.

    The writer's reader (resume, sweep envelopes kept); users read files with :func:`read_records`.

    Parameters
    ----------
    path : str or os.PathLike
    missing_ok : bool
        A missing file gives ``[]`` (resuming a run that has not started);
        otherwise it is an error.
    name : str
        The parameter or option named in errors (``"--out"``, ``"FILE"``).
    warn : bool
        Warn when a truncated last line is skipped.

    Raises
    ------
    InvalidParameterError
        A line that is not a JSON object (other than a truncated last one),
        a file that is not UTF-8, a folder.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write('{"a": 1}\\n{"a": 2}\\n{"a": 3')     # the last write was cut short
    >>> _read_jsonl(path, warn=False)
    [{'a': 1}, {'a': 2}]
    """
    fspath = _check_path(path, name)
    if not os.path.exists(fspath):
        if missing_ok:
            return []
        raise InvalidParameterError(name, fspath, "an existing JSON-lines file")
    if not os.path.isfile(fspath):
        raise InvalidParameterError(name, fspath, "a JSON-lines file (this is not a regular file)")
    with open(fspath, "rb") as fh:
        data = fh.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidParameterError(name, fspath, "a UTF-8 JSON-lines file") from None
    lines = text.split("\n")
    complete, tail = lines[:-1], lines[-1]
    if tail.strip() and warn:
        warnings.warn(f"{fspath}: skipping a truncated last line (an interrupted write)", stacklevel=2)
    out = []
    with exact_integers():
        for number, line in enumerate(complete, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                raise InvalidParameterError(name, f"{fspath}, line {number}", "a JSON-lines file") from None
            if not isinstance(record, dict):
                raise InvalidParameterError(name, f"{fspath}, line {number}", "one JSON object per line")
            out.append(record)
    return out


def read_records(path, *, missing_ok: bool = True, name: str = "path", warn: bool = True) -> list[dict]:
    """The records of a file tnrnn wrote, one dict each: JSON lines, a JSON list or one JSON object.

    The one reader: every ``--out`` file and every ``--json`` output reads
    back as the same rows, each with its ``kind``.  Sweep lines of
    :mod:`tnrnn.runner` (``kind: "sweep"``) are replaced by the records they
    hold, so ``to_pandas(read_records(path))`` has the results' columns.
    JSON lines follow the truncated-last-line rule (module docstring).

    Parameters
    ----------
    path : str or os.PathLike
    missing_ok : bool
        A missing file gives ``[]`` (resuming a run that has not started);
        otherwise it is an error.
    name : str
        The parameter or option named in errors (``"--out"``, ``"FILE"``).
    warn : bool
        Warn when a truncated last line is skipped.

    Raises
    ------
    InvalidParameterError
        A line that is not a JSON object (other than a truncated last one),
        a file that is not UTF-8, a folder, a file that is neither JSON nor
        JSON lines.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write('{"a": 1}\\n{"a": 2}\\n{"a": 3')     # the last write was cut short
    >>> read_records(path, warn=False)
    [{'a': 1}, {'a': 2}]
    """
    fspath = _check_path(path, name)
    if not os.path.exists(fspath):
        if missing_ok:
            return []
        raise InvalidParameterError(name, fspath, "an existing results file (.json or .jsonl)")
    if not os.path.isfile(fspath):
        raise InvalidParameterError(name, fspath, "a JSON-lines file (this is not a regular file)")
    with open(fspath, "rb") as fh:
        head = fh.read(1 << 16).lstrip()
    data = None
    if b"\n" not in head.rstrip():
        # one line without its newline: a JSON document (``--json > file``), not a truncated JSON-lines write
        with contextlib.suppress(ValueError, UnicodeDecodeError, RecursionError), open(fspath, encoding="utf-8") as fh, \
                exact_integers():
            data = json.load(fh)
    if data is not None:
        pass
    elif head.startswith(b"["):  # one JSON document; JSON lines start with "{" on every line
        try:
            with open(fspath, encoding="utf-8") as fh, exact_integers():
                data = json.load(fh)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise InvalidParameterError(name, fspath, "a JSON document or JSON lines") from None
    else:
        try:
            data = _read_jsonl(fspath, missing_ok=False, name=name, warn=warn)
        except InvalidParameterError as err:
            try:  # a single pretty-printed JSON object
                with open(fspath, encoding="utf-8") as fh, exact_integers():
                    data = json.load(fh)
            except (ValueError, UnicodeDecodeError, RecursionError):
                raise err from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise InvalidParameterError(name, fspath, "JSON objects (records), one or a list")
    return _unwrap_sweeps(data)


def load_results(path, *, name: str = "path") -> list[dict]:
    """Deprecated (goes in the next release): :func:`read_records` with ``missing_ok=False``."""
    warnings.warn("tnrnn.load_results is deprecated: use tnrnn.read_records (the same rows)", DeprecationWarning,
                  stacklevel=2)
    return read_records(path, missing_ok=False, name=name)


def _unwrap_sweeps(data: list[dict]) -> list[dict]:
    """Sweep records (``--out`` files of :mod:`tnrnn.runner`) replaced by the records they hold."""
    out: list[dict] = []
    for d in data:
        if d.get("kind") == "sweep" or ({"task", "config", "status"} <= d.keys() and "result" in d):
            result = d.get("result")
            items = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
            out.extend(r for r in items if isinstance(r, dict))
        else:
            out.append(d)
    return out


def content_kind(record: Mapping) -> str | None:
    """What a record holds: its ``kind``, or for a sweep line of :mod:`tnrnn.runner` the task it ran.

    ``None`` for a record without a kind (not one tnrnn wrote).

    Examples
    --------
    >>> content_kind({"kind": "bounds", "lower": 2}), content_kind({"kind": "sweep", "task": "bench"})
    ('bounds', 'bench')
    >>> content_kind({"a": 1}) is None
    True
    """
    if record.get("kind") == "sweep" or ({"task", "config", "status"} <= record.keys() and "result" in record):
        task = record.get("task")
        return task if isinstance(task, str) else None
    kind = record.get("kind")
    return kind if isinstance(kind, str) else None


def check_kinds(records: Iterable[Mapping], kinds: Iterable[str], path, name: str) -> None:
    """Refuse (:class:`~tnrnn.errors.InvalidParameterError` naming ``name``) records not of ``kinds``.

    The one records-kind check: resuming onto another command's records (or
    onto records of no kind tnrnn knows) would mix two runs in one file.

    Examples
    --------
    >>> check_kinds([{"kind": "bounds"}], ("bounds",), "r.jsonl", "--out")
    >>> check_kinds([{"kind": "bench"}], ("bounds",), "r.jsonl", "--out")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid --out='r.jsonl': expected a file of bounds records to resume (it holds bench records)
    """
    kinds = tuple(dict.fromkeys(kinds))
    found = dict.fromkeys(content_kind(r) for r in records)
    other = [k for k in found if k not in kinds]
    if other:
        shown = ", ".join("no-kind" if k is None else k for k in other)
        raise InvalidParameterError(name, os.fspath(path), f"a file of {' or '.join(kinds)} records to resume "
                                                           f"(it holds {shown} records)")


def _append_lock(path):
    """The inter-process lock of appends to ``path`` (:mod:`filelock`, portable: Windows has no ``flock``).

    The lock file lives in the temporary folder, named by a hash of the file's
    real path, so output folders hold only their results (and a lock never
    truncates the records, as locking the records file itself would).
    """
    import hashlib
    import tempfile

    from filelock import FileLock

    real = os.path.realpath(os.fspath(path))
    folder = os.path.join(tempfile.gettempdir(), "tnrnn-locks")
    os.makedirs(folder, exist_ok=True)
    return FileLock(os.path.join(folder, hashlib.sha256(real.encode()).hexdigest()[:32] + ".lock"))


class JsonlWriter:
    """Append records to a JSON-lines file, one whole line per record, flushed and fsynced, under a lock.

    Parameters
    ----------
    path : str or os.PathLike
    resume : bool
        Keep what the file holds (a truncated last line is cut off first);
        without it, an existing non-empty file is refused
        (:class:`~tnrnn.errors.InvalidParameterError` naming ``name``), so
        that two runs are never mixed by accident.
    name : str
        The option named in errors (``"--out"``).
    fsync : bool
        ``os.fsync`` after every record (default): a power cut loses at most
        the record being written.
    key : callable, optional
        ``key(record_dict)`` -> a hashable or ``None``.  With it, a record
        whose key is already in the file (written by this writer or by
        another process appending to the same file) is not written again:
        :meth:`write` returns ``None``.  Records whose key is ``None`` are
        always written.
    rescue : bool
        When a write fails (``OSError``: a full disk, a removed folder), keep
        going in a new file in the temporary folder instead of raising:
        :attr:`rescued` names it and :attr:`write_error` says why.
    kinds : iterable of str, optional
        The record kinds this file may hold (:func:`content_kind`): resuming
        a file that holds records of any other kind, or of none, is refused
        (:func:`check_kinds`) before anything is written.

    Attributes
    ----------
    existing : list of dict
        The records the file held when opened (``resume=True``).

    Notes
    -----
    **Concurrent writers** (the append protocol): every write takes an
    exclusive lock of the file (:mod:`filelock`, on every platform), reads what other writers appended
    since its last look, and appends its whole line only if the key is new,
    then fsyncs and releases the lock.  Two processes appending to one file
    (two ``tnrnn bounds --out same.jsonl``, two ``--resume`` runs) therefore
    leave every key exactly once, and no line interleaved.  A truncated last
    line can only be a crash: a live writer never leaves one between locks.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with JsonlWriter(path) as out:
    ...     _ = out.write({"a": 1})
    >>> with JsonlWriter(path, resume=True, key=lambda r: r["a"]) as out:
    ...     print(out.existing, out.write({"a": 1}), out.write({"a": 2}))
    [{'a': 1}] None {'a': 2}
    >>> read_records(path)
    [{'a': 1}, {'a': 2}]
    """

    def __init__(self, path, *, resume: bool = False, name: str = "path", fsync: bool = True, key=None,
                 rescue: bool = False, kinds: Iterable[str] | None = None):
        self.path = _check_path(path, name)
        self.name = name
        self._fsync = fsync
        self._key = key
        self._rescue = rescue
        self.existing: list[dict] = []
        self.keys: set = set()
        self.rescued: str | None = None
        self.write_error: str | None = None
        self._rescue_fh = None
        folder = os.path.dirname(self.path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        self._fh = open(self.path, "ab")
        try:
            with self._locked():
                size = self._size()
                if size > 0 and self._regular():
                    if not resume:
                        raise InvalidParameterError(name, self.path, "a new or empty file (or --resume, resume=True, to add to it)")
                    self.existing = _read_jsonl(self.path, name=name, warn=False)
                    if kinds is not None:
                        check_kinds(self.existing, kinds, self.path, name)
                    valid = valid_length(self.path)
                    if size > valid:
                        os.ftruncate(self._fh.fileno(), valid)
                self._offset = self._size()
        except BaseException:
            self._fh.close()
            raise
        self._remember(self.existing)

    # -- the lock and what others appended
    def _regular(self) -> bool:
        import stat

        return stat.S_ISREG(os.fstat(self._fh.fileno()).st_mode)

    def _size(self) -> int:
        return os.fstat(self._fh.fileno()).st_size if self._regular() else 0

    @contextlib.contextmanager
    def _locked(self):
        if not self._regular():   # a pipe or a device: nothing to share
            yield
            return
        try:
            lock = _append_lock(self.path)
            lock.acquire()
        except OSError:  # no writable temporary folder: one writer per file
            yield
            return
        try:
            yield
        finally:
            lock.release()

    def _remember(self, records) -> None:
        if self._key is not None:
            for r in records:
                k = self._key(r)
                if k is not None:
                    self.keys.add(k)

    def _read_new(self) -> list[dict]:
        """Records appended (by others) since this writer last looked; call with the lock held."""
        if not self._regular():
            return []
        size = self._size()
        if size <= self._offset:
            return []
        with open(self.path, "rb") as fh:
            fh.seek(self._offset)
            data = fh.read(size - self._offset)
        end = data.rfind(b"\n") + 1
        self._offset += end
        out = []
        with exact_integers():
            for line in data[:end].split(b"\n"):
                try:
                    record = json.loads(line) if line.strip() else None
                except (ValueError, RecursionError):
                    record = None
                if isinstance(record, dict):
                    out.append(record)
        self._remember(out)
        return out

    def poll(self) -> list[dict]:
        """The records other writers appended to the file since this writer last looked."""
        if self._rescue_fh is not None or self._fh.closed:
            return []
        try:
            with self._locked():
                return self._read_new()
        except OSError:   # unreadable now: the next write finds out, and rescues
            return []

    def write(self, record) -> dict | None:
        """Append one record (a dict or anything with ``to_dict``); returns the dict written.

        ``None`` when a ``key`` was given and the file already holds a record
        with this key (this writer's or another process's).
        """
        d = jsonable(record)
        if not isinstance(d, dict):
            raise InvalidParameterError("record", type(record).__name__, "a record (a JSON object)")
        with exact_integers():
            line = (json.dumps(d) + "\n").encode("utf-8")
        k = self._key(d) if self._key is not None else None
        if self._rescue_fh is not None:
            return self._write_rescue(d, line, k)
        try:
            with self._locked():
                self._read_new()
                if k is not None and k in self.keys:
                    return None
                self._fh.write(line)
                self._fh.flush()
                if self._fsync:
                    with contextlib.suppress(OSError):  # pipes and character devices cannot be synced
                        os.fsync(self._fh.fileno())
                self._offset = self._size() if self._regular() else self._offset
        except OSError as err:
            if not self._rescue:
                raise
            self._start_rescue(err)
            return self._write_rescue(d, line, k)
        if k is not None:
            self.keys.add(k)
        return d

    def _start_rescue(self, err: OSError) -> None:
        import tempfile
        import time

        self.write_error = err.strerror or str(err)
        with contextlib.suppress(OSError, ValueError):   # drop a partial line, keep every whole one
            self._fh.close()
        with contextlib.suppress(OSError):
            if os.path.isfile(self.path) and os.path.getsize(self.path) > self._offset:
                os.truncate(self.path, self._offset)
        fd, self.rescued = tempfile.mkstemp(prefix=f"tnrnn-records-{time.strftime('%Y%m%dT%H%M%S')}-",
                                            suffix=".jsonl")
        self._rescue_fh = os.fdopen(fd, "ab")

    def _write_rescue(self, d: dict, line: bytes, k) -> dict | None:
        if k is not None and k in self.keys:
            return None
        self._rescue_fh.write(line)
        self._rescue_fh.flush()
        if k is not None:
            self.keys.add(k)
        return d

    def raise_if_rescued(self) -> None:
        """After :meth:`close`: a write that failed (``rescue=True``) raises :class:`~tnrnn.errors.OutputError`
        naming the option, the file, the reason and the rescue file (the command exits 1, nothing lost)."""
        if self.rescued is not None or self.write_error is not None:
            from .errors import OutputError

            where = f"the records were saved to {self.rescued}" if self.rescued else "the last records may be lost"
            raise OutputError(f"could not write {self.name} {self.path} ({self.write_error}); {where}")

    def close(self) -> None:
        """Close the file (idempotent)."""
        for fh in (self._fh, self._rescue_fh):
            if fh is not None and not fh.closed:
                try:
                    fh.close()
                except OSError as err:   # the last flush failed: say so through write_error
                    self.write_error = self.write_error or err.strerror or str(err)

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
