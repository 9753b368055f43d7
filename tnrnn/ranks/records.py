"""Certified-rank records: :class:`RankBounds` and their table.

A record says what is proven about a separation rank and where each number
came from; it converts to a dict (and JSON) and back without loss.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["RankBounds", "format_table"]


def _versions() -> dict:
    from ..versions import versions

    return versions()


@dataclass(frozen=True)
class RankBounds:
    """Proven lower and upper bounds on a separation rank, with their sources.

    Attributes
    ----------
    depth, hidden, inputs, length : int
        ``L``, ``R``, ``M``, ``T``.
    cut : str
        The cut's name (``start-end``, ``prefix:s``, ``interleaved``, or
        explicit positions ``0,1|2,3``).
    lower, upper : int
        The certified interval.
    exact : bool
        ``lower == upper``: the rank is known exactly.
    theorem_lower : int or None
        The paper's lower bound, where one applies.
    degree_upper : int or None
        The degree bound (prefix cuts).
    caps : dict
        The weight-independent caps of :func:`tnrnn.ranks.bounds.grid_caps`.
    mincut_upper : int or None
        The min-cut bound of the compiled network, when computed.
    method : str
        ``"exact"`` (GF(p) rank) or ``"closed-form"``.
    weights : str
        ``"generic"`` (the rank for almost every weight) or ``"given"``.
    engine, prime, seed : str, int, int or None
        How the GF(p) rank was computed; ``seed`` replays it.
    samples : tuple or None
        ``(rows, cols)`` of the evaluated matrix.
    seconds : float
    lower_source, upper_source : str
        Where ``lower`` and ``upper`` come from.
    details : dict
        Engine timings and facts.
    attempts : list of dict or None
        Every run of the exact engine, in order: ``prime``, ``seed``, ``lower``
        (its GF(p) rank) and ``engine``; two when the first fell short of
        ``upper`` and :func:`tnrnn.rank_bounds` retried with a second prime and seed.
    versions : dict
        tnrnn's and its dependencies' versions when the record was made
        (:func:`tnrnn.versions.versions`); not compared.
    """

    depth: int
    hidden: int
    inputs: int
    length: int
    cut: str
    lower: int
    upper: int
    exact: bool
    theorem_lower: int | None
    degree_upper: int | None
    caps: dict
    mincut_upper: int | None
    method: str
    weights: str
    engine: str | None
    prime: int | None
    seed: int | None
    samples: tuple | None
    seconds: float
    lower_source: str
    upper_source: str
    details: dict = field(default_factory=dict)
    attempts: list | None = None
    versions: dict = field(default_factory=_versions, compare=False)

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field."""
        d = asdict(self)
        d["samples"] = list(self.samples) if self.samples is not None else None
        return d

    def to_json(self, **kwargs: Any) -> str:
        """The record as a JSON object."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: dict) -> RankBounds:
        """Inverse of :meth:`to_dict` (keys it does not know, from newer files, are skipped)."""
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if d.get("samples") is not None:
            d["samples"] = tuple(d["samples"])
        return cls(**d)

    def __str__(self) -> str:
        return format_table([self])


_COLUMNS = (
    ("L", lambda r: r.depth),
    ("R", lambda r: r.hidden),
    ("M", lambda r: r.inputs),
    ("T", lambda r: r.length),
    ("cut", lambda r: r.cut),
    ("lower", lambda r: r.lower),
    ("upper", lambda r: r.upper),
    ("certified", lambda r: "exact" if r.exact else "interval"),
    ("paper", lambda r: "-" if r.theorem_lower is None else r.theorem_lower),
    ("degree", lambda r: "-" if r.degree_upper is None else r.degree_upper),
    ("mincut", lambda r: "-" if r.mincut_upper is None else r.mincut_upper),
    ("seconds", lambda r: f"{r.seconds:.2f}"),
)


def format_table(records: Iterable[RankBounds]) -> str:
    """Records as an aligned text table, one row each.

    The ``mincut`` column appears when some record has a min-cut bound.
    Integers above ``2^200`` are shown rounded, as ``~1.234e+5678``.

    Examples
    --------
    >>> from tnrnn import rank_bounds
    >>> r = rank_bounds(depth=1, hidden=3, inputs=2, length=4, method="closed-form", mincut=False)
    >>> print(format_table([r]))
    L  R  M  T  cut        lower  upper  certified  paper  degree  seconds
    1  3  2  4  start-end  3      3      exact      3      3       0.00
    """
    from ..records import format_table as table

    records = list(records)
    cols = [c for c in _COLUMNS if c[0] != "mincut" or any(r.mincut_upper is not None for r in records)]
    return table([[get(r) for _, get in cols] for r in records], [name for name, _ in cols])
