"""Result collections as tables: :func:`to_pandas`, :func:`read_records` (defined in :mod:`tnrnn.records`).

Kept as the documented import path; the records layer (:mod:`tnrnn.records`)
owns them.  ``load_results`` is a deprecated alias of ``read_records``.
"""

from __future__ import annotations

from .records import load_results, read_records, to_pandas

__all__ = ["read_records", "load_results", "to_pandas"]
