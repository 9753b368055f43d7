"""Result collections as tables: :func:`to_pandas` and :func:`load_results` (defined in :mod:`tnrnn.records`).

Kept as the documented import path of the two functions; the records layer
(:mod:`tnrnn.records`) owns them.
"""

from __future__ import annotations

from .records import load_results, to_pandas

__all__ = ["load_results", "to_pandas"]
