"""Certified-rank records: :class:`RankBounds` and their table.

A record says what is proven about a separation rank and where each number
came from; it converts to a dict (and JSON) and back without loss.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from ..records import Record

__all__ = ["RankBounds", "format_table"]


def _versions() -> dict:
    from ..versions import versions

    return versions()


@dataclass(frozen=True)
class RankBounds(Record):
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
    miss_bounds : dict
        The two probability statements, kept apart (docs/theory.rst, "The
        certificate"): ``"sketch"``, the probability that ``lower`` is below
        the GF(p) rank of the whole grid matricization *for the drawn
        weights* (over the sketch's random combinations; proved), and
        ``"weights"``, the probability that the drawn weights' GF(p) rank is
        below the generic rank mod ``p`` (Schwartz-Zippel on a maximal minor
        of degree at most ``upper`` times :func:`tnrnn.ranks.bounds.weight_degree`).
        Each is ``{"value": float or None, "bounds": what it bounds,
        "reason": why this value}``; ``value`` is ``None`` ("n/a") where no
        bound is proven or the bound would be vacuous (``>= 1``).
    details : dict
        Engine timings and facts.
    attempts : list of dict or None
        Every run of the exact engine, in order: ``prime``, ``seed``, ``lower``
        (its GF(p) rank) and ``engine``; two when the first fell short of
        ``upper`` and :func:`tnrnn.rank_bounds` retried with a second prime and seed.
    versions : dict
        tnrnn's and its dependencies' versions when the record was made
        (:func:`tnrnn.versions.versions`); not compared.
    circuit : str
        The layer kind (``"rac"``, ``"ssm"``, ``"gla"``, ...).  Written to
        dicts and JSON only for kinds other than ``rac``, so that RAC records
        keep their keys; a record without the key is a ``rac`` record.
    """

    KIND = "bounds"

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
    miss_bounds: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)
    attempts: list | None = None
    versions: dict = field(default_factory=_versions, compare=False)
    circuit: str = "rac"

    def __post_init__(self):
        if self.lower > self.upper:
            from ..errors import ConsistencyError

            raise ConsistencyError(
                ("" if self.circuit == "rac" else f"{self.circuit} ") + f"L={self.depth} R={self.hidden} M={self.inputs} T={self.length} cut {self.cut}: lower bound "
                f"{self.lower} ({self.lower_source}) exceeds the proven upper bound {self.upper} "
                f"({self.upper_source}); this is a bug in tnrnn (prime {self.prime}, seed {self.seed})")

    def describe(self) -> str:
        """Both ends of the interval with their sources, and the two probability statements.

        Examples
        --------
        >>> from tnrnn import rank_bounds
        >>> print(rank_bounds(depth=1, hidden=3, inputs=2, length=4, method="closed-form", mincut=False).describe())
        lower 3: Levine et al. 2020, Theorem 1: min(R, M^(T/2))
        upper 3: degree bound
        sketch miss: n/a (no GF(p) rank was computed)
        weight draw miss: n/a (no weights were drawn)
        """
        lines = [f"lower {self.lower}: {self.lower_source}", f"upper {self.upper}: {self.upper_source}"]
        for key, name in (("sketch", "sketch miss"), ("weights", "weight draw miss")):
            entry = self.miss_bounds.get(key)
            if entry is None:
                continue
            value = ("n/a" if entry["value"] is None else "0" if entry["value"] == 0
                     else f"<= {entry['value']:.2g}")
            lines.append(f"{name}: {value} ({entry['reason']})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field."""
        d = asdict(self)
        d["samples"] = list(self.samples) if self.samples is not None else None
        if self.circuit == "rac":
            del d["circuit"]
        return d

    def __repr__(self) -> str:
        return (f"RankBounds(L={self.depth}, R={self.hidden}, M={self.inputs}, T={self.length}, cut={self.cut!r}, "
                f"lower={self.lower}, upper={self.upper}, exact={self.exact}, method={self.method!r})")

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
    ("circuit", lambda r: r.circuit),
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

    The ``mincut`` column appears when some record has a min-cut bound, the
    ``circuit`` column when some record is of a kind other than ``rac``.
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
    cols = [c for c in _COLUMNS if (c[0] != "mincut" or any(r.mincut_upper is not None for r in records))
            and (c[0] != "circuit" or any(r.circuit != "rac" for r in records))]
    return table([[get(r) for _, get in cols] for r in records], [name for name, _ in cols])
