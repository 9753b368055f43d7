"""Rank bounds across a cut: the closed forms and the exact GF(p) engine, combined.

:func:`rank_bounds` answers for an architecture (generic weights),
:func:`cut_rank` for one concrete circuit. Both return a :class:`RankBounds`
record saying what is proven and where each number came from.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field

from .bounds import degree_bound, grid_caps, theorem_lower
from .circuits import RAC, check_positive_int
from .cuts import Cut, as_cut
from .errors import InvalidParameterError
from .exact import exact_rank
from .finite_field import DEFAULT_PRIME, check_prime

__all__ = ["RankBounds", "rank_bounds", "cut_rank", "format_table", "METHODS"]

#: The methods of :func:`rank_bounds`.
METHODS = ("exact", "closed-form")


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
        The weight-independent caps of :func:`tnrnn.bounds.grid_caps`.
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

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field."""
        d = asdict(self)
        d["samples"] = list(self.samples) if self.samples is not None else None
        return d

    def to_json(self, **kwargs) -> str:
        """The record as a JSON object."""
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, d: dict) -> RankBounds:
        """Inverse of :meth:`to_dict`."""
        d = dict(d)
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


def format_table(records) -> str:
    """Records as an aligned text table, one row each.

    The ``mincut`` column appears when some record has a min-cut bound.

    Examples
    --------
    >>> r = rank_bounds(depth=1, hidden=3, inputs=2, length=4, method="closed-form", mincut=False)
    >>> print(format_table([r]))
    L  R  M  T  cut        lower  upper  certified  paper  degree  seconds
    1  3  2  4  start-end  3      3      exact      3      3       0.00
    """
    records = list(records)
    cols = [c for c in _COLUMNS if c[0] != "mincut" or any(r.mincut_upper is not None for r in records)]
    cells = [[name for name, _ in cols]] + [[str(get(r)) for _, get in cols] for r in records]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cols))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells)


def _upper(depth, hidden, inputs, cut):
    caps = grid_caps(cut, inputs, hidden, depth)
    degree = degree_bound(depth, hidden, len(cut.end)) if cut.is_prefix else None
    named = [(v, f"cap:{k}") for k, v in caps.items()]
    if degree is not None:
        named.append((degree, "degree bound"))
    upper, source = min(named, key=lambda vs: vs[0])
    return caps, degree, upper, source


#: ``mincut="auto"`` computes the min-cut bound for networks of at most this many tensors
#: (about a second of networkx max-flow).
MINCUT_AUTO_TENSORS = 10_000


def _mincut(depth, hidden, inputs, cut, mincut):
    """The min-cut bound, or None when not asked for (or too large for ``"auto"``)."""
    if mincut not in (True, False, "auto"):
        raise InvalidParameterError("mincut", mincut, "True, False or 'auto'")
    if mincut is False:
        return None
    from .network import num_tensors_closed_form

    if mincut == "auto" and num_tensors_closed_form(depth, cut.length) > MINCUT_AUTO_TENSORS:
        return None
    from .mincut import mincut_bound_for

    return mincut_bound_for(depth, hidden, inputs, cut.length, cut).bound


def _record(rac_shape, cut, *, lower, lower_source, upper, upper_source, theorem, degree, caps,
            mincut, method, weights, result, seed, seconds):
    L, R, M = rac_shape
    return RankBounds(
        depth=L, hidden=R, inputs=M, length=cut.length, cut=str(cut),
        lower=lower, upper=upper, exact=lower == upper,
        theorem_lower=None if theorem is None else theorem.value,
        degree_upper=degree, caps=caps, mincut_upper=mincut,
        method=method, weights=weights,
        engine=None if result is None else result.engine,
        prime=None if result is None else result.prime,
        seed=seed if result is not None else None,
        samples=None if result is None else (result.rows, result.cols),
        seconds=seconds, lower_source=lower_source, upper_source=upper_source,
        details={} if result is None else {
            "evaluate_seconds": round(result.evaluate_seconds, 4),
            "rank_seconds": round(result.rank_seconds, 4),
            "gf_rank": result.rank, "rounds": result.rounds, **result.details,
        },
    )


def rank_bounds(depth: int, hidden: int, inputs: int, length: int, cut="start-end", method: str = "exact", *,
                seed: int = 0, prime: int = DEFAULT_PRIME, engine: str = "auto", samples: int | None = None,
                margin: int = 16, mincut="auto", max_memory=None, threads: int | None = None,
                progress=None) -> RankBounds:
    """Certified bounds on the generic separation rank of a RAC architecture.

    The generic rank is the rank for all weights outside a set of measure
    zero (and the maximum over all weights). ``method="exact"`` draws integer
    weights mod ``prime`` from ``seed`` and computes a GF(p) rank, a certified
    lower bound; the upper bound is the least of the closed forms. When they
    meet, the rank is certified exact.

    Parameters
    ----------
    depth, hidden, inputs, length : int
        ``L``, ``R``, ``M`` and ``T``.
    cut : str or Cut
        ``"start-end"`` (``T`` even), ``"interleaved"``, ``"prefix:s"``,
        explicit positions ``"0,2|1,3"``, or a :class:`~tnrnn.Cut`.
    method : {"exact", "closed-form"}
    seed : int
        Seed of the weights and of the sampling; with ``prime`` it replays
        the result.
    prime : int
        A prime below ``2**31``.
    engine : str
        ``"auto"``, ``"grid"`` or ``"factored"`` (see
        :func:`tnrnn.exact.list_engines`).
    samples, margin : int
        Sampled rows/columns per side (default: upper bound + margin).
    mincut : bool or "auto"
        Compute the min-cut bound of the compiled tensor network; ``"auto"``
        (default) does so for networks of at most
        :data:`MINCUT_AUTO_TENSORS` tensors.
    max_memory : int or str
        Refuse above this estimate (default 4 GiB).
    threads : int, optional
        FLINT threads (default: all cores).
    progress : callable, optional
        A ``tqdm``-like wrapper for progress bars.

    Returns
    -------
    RankBounds

    Examples
    --------
    >>> r = rank_bounds(depth=2, hidden=3, inputs=3, length=6)
    >>> r.lower, r.upper, r.exact, r.theorem_lower
    (27, 27, True, 10)
    >>> rank_bounds(depth=2, hidden=4, inputs=4, length=32, method="closed-form").upper
    3876
    """
    L = check_positive_int(depth, "depth")
    R = check_positive_int(hidden, "hidden")
    M = check_positive_int(inputs, "inputs")
    T = check_positive_int(length, "length", 2)
    the_cut = as_cut(cut, T)
    if method not in METHODS:
        raise InvalidParameterError("method", method, "'exact' or 'closed-form'")
    p = check_prime(prime, "prime")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidParameterError("seed", seed, "an integer >= 0")
    t0 = time.perf_counter()
    caps, degree, upper, upper_source = _upper(L, R, M, the_cut)
    mc = _mincut(L, R, M, the_cut, mincut)
    if mc is not None and mc < upper:
        upper, upper_source = mc, "min-cut"
    theorem = theorem_lower(L, R, M, the_cut)
    lower, lower_source, result = 1, "nonzero function", None
    if theorem is not None:
        lower, lower_source = theorem.value, theorem.source
    if method == "exact" and lower < upper:
        rac = RAC.random_modular(L, R, M, prime=p, seed=seed)
        result = exact_rank(rac, the_cut, engine=engine, seed=seed, samples=samples, margin=margin, upper=upper,
                            max_memory=max_memory, threads=threads, progress=progress)
        if result.rank >= lower:
            lower = result.rank
            lower_source = f"GF({p}) rank, {result.engine} engine, seed {seed}"
    return _record((L, R, M), the_cut, lower=lower, lower_source=lower_source, upper=upper,
                   upper_source=upper_source, theorem=theorem, degree=degree, caps=caps, mincut=mc,
                   method=method, weights="generic", result=result, seed=seed,
                   seconds=time.perf_counter() - t0)


def cut_rank(rac: RAC, cut="start-end", length: int | None = None, *, prime: int = DEFAULT_PRIME,
             engine: str = "auto", seed: int = 0, samples: int | None = None, margin: int = 16,
             output: int = 0, mincut="auto", max_memory=None, threads: int | None = None,
             progress=None) -> RankBounds:
    """Certified bounds on the rank of one concrete circuit's grid matricization.

    Float weights are dyadic rationals and map exactly into GF(p), so the
    GF(p) rank is a certified lower bound on the rank of *these* weights over
    the rationals (the algebraic rank, free of floating-point tolerance). The
    upper bounds hold for all weights.

    Parameters
    ----------
    rac : RAC
        Float weights or weights over GF(p).
    cut : str or Cut
    length : int, optional
        ``T``; needed when ``cut`` is a name.
    prime : int
        The modulus for float weights (a modular circuit keeps its own).
    engine, seed, samples, margin, output, mincut, max_memory, threads, progress
        As for :func:`rank_bounds` (``seed`` seeds the sampling).

    Examples
    --------
    >>> rac = RAC.random(depth=2, hidden=2, inputs=2, seed=0)
    >>> r = cut_rank(rac, "start-end", length=6)
    >>> r.lower, r.upper, r.exact
    (8, 8, True)
    """
    if not isinstance(rac, RAC):
        raise InvalidParameterError("rac", rac, "a tnrnn.RAC")
    if length is None:
        if not isinstance(cut, Cut):
            raise InvalidParameterError("length", length, "an integer >= 2 when cut is given by name")
        length = cut.length
    T = check_positive_int(length, "length", 2)
    the_cut = as_cut(cut, T)
    field_rac = rac if rac.modulus is not None else rac.to_field(prime)
    t0 = time.perf_counter()
    L, R, M = rac.depth, rac.hidden, rac.inputs
    caps, degree, upper, upper_source = _upper(L, R, M, the_cut)
    mc = _mincut(L, R, M, the_cut, mincut)
    if mc is not None and mc < upper:
        upper, upper_source = mc, "min-cut"
    result = exact_rank(field_rac, the_cut, engine=engine, seed=seed, samples=samples, margin=margin,
                        upper=upper, output=output, max_memory=max_memory, threads=threads, progress=progress)
    return _record((L, R, M), the_cut, lower=result.rank,
                   lower_source=f"GF({field_rac.modulus}) rank, {result.engine} engine, seed {seed}",
                   upper=upper, upper_source=upper_source, theorem=None, degree=degree, caps=caps,
                   mincut=mc, method="exact", weights="given", result=result, seed=seed,
                   seconds=time.perf_counter() - t0)
