"""Result collections as tables: :func:`to_pandas` and :func:`load_results`.

Every result of tnrnn (:class:`~tnrnn.ranks.records.RankBounds`,
:class:`~tnrnn.bench.records.BenchRecord`, spectra, the JSON objects the CLI
prints) converts to a JSON-safe dict; :func:`to_pandas` turns a collection of
them into a ``pandas.DataFrame`` (pandas is optional and imported only
here), and :func:`load_results` reads back what the CLI wrote (a JSON
document or JSON lines).
"""

from __future__ import annotations

import importlib.util
import json
import os

from .errors import InvalidParameterError, MissingDependencyError

__all__ = ["load_results", "to_pandas"]


def _as_dict(record) -> dict:
    if isinstance(record, dict):
        return record
    to_dict = getattr(record, "to_dict", None)
    if to_dict is None:
        raise InvalidParameterError("records", type(record).__name__, "records with to_dict() or dicts")
    return to_dict()


def to_pandas(records):
    """A ``pandas.DataFrame`` with one row per record; nested dicts become dotted columns.

    Parameters
    ----------
    records : iterable of records or dicts
        Anything with ``to_dict()`` (``RankBounds``, ``BenchRecord``,
        ``EmpiricalSpectrum``, ...), or the dicts themselves.

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
    if importlib.util.find_spec("pandas") is None:
        raise MissingDependencyError("pandas", "result tables (to_pandas)", extra="pandas")
    import pandas as pd

    rows = [_as_dict(r) for r in records]
    return pd.json_normalize(rows, max_level=1) if rows else pd.DataFrame()


def load_results(path) -> list[dict]:
    """The records in a file the CLI wrote: a JSON list, a JSON object, or JSON lines.

    Returns
    -------
    list of dict
        One dict per record (a single object gives a one-element list).

    Raises
    ------
    InvalidParameterError
        For a missing file or one that is neither JSON nor JSON lines.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.jsonl")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write('{"a": 1}\\n{"a": 2}\\n')
    >>> load_results(path)
    [{'a': 1}, {'a': 2}]
    """
    if not isinstance(path, (str, os.PathLike)) or not os.path.isfile(path):
        raise InvalidParameterError("path", path, "an existing results file (.json or .jsonl)")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    try:
        data = json.loads(text)
    except ValueError:
        try:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError:
            raise InvalidParameterError("path", os.fspath(path), "a JSON document or JSON lines") from None
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
        raise InvalidParameterError("path", os.fspath(path), "JSON objects (records), one or a list")
    return _unwrap_sweeps(data)


def _unwrap_sweeps(data: list[dict]) -> list[dict]:
    """Sweep records (``--out`` files of :mod:`tnrnn.runner`) replaced by the records they hold.

    A sweep record is ``{"task", "config", "status", "result", ...}``; its ``result`` is one record
    (``bounds``) or a list of them (``bench``: one per strategy); failed configurations hold none.
    """
    out: list[dict] = []
    for d in data:
        if {"task", "config", "status"} <= d.keys() and "result" in d:
            result = d.get("result")
            items = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
            out.extend(r for r in items if isinstance(r, dict))
        else:
            out.append(d)
    return out
