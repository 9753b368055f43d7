"""Run identity: an id and a start time that every record of a run carries.

Long runs append records to files (JSON lines); two runs appending to one
file are told apart by the ``run_id`` and ``timestamp`` fields of their
records.  Every command that writes records calls :func:`new_run` once per
run and copies both fields into each record.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from .records import Record

__all__ = ["RunInfo", "new_run"]


@dataclass(frozen=True)
class RunInfo(Record):
    """A run's id (12 hex digits, random) and its start time (ISO 8601, UTC, to the second)."""

    KIND = None   # merged into the records of the run, which carry their own kind

    run_id: str
    timestamp: str

    def to_dict(self) -> dict:
        """``{"run_id": ..., "timestamp": ...}``."""
        return {"run_id": self.run_id, "timestamp": self.timestamp}

    def __str__(self) -> str:
        return f"run {self.run_id} started {self.timestamp}"


def new_run() -> RunInfo:
    """A new :class:`RunInfo`: a random id and the current UTC time.

    Examples
    --------
    >>> a, b = new_run(), new_run()
    >>> a.run_id != b.run_id, len(a.run_id), a.timestamp.endswith("Z")
    (True, 12, True)
    """
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return RunInfo(uuid.uuid4().hex[:12], now)
