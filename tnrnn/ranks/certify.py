"""Rank bounds across a cut: the closed forms and the exact GF(p) engine, combined.

:func:`rank_bounds` answers for an architecture (generic weights),
:func:`cut_rank` for one concrete circuit. Both return a :class:`RankBounds`
record saying what is proven and where each number came from.
"""

from __future__ import annotations

import dataclasses
import time

from ..circuits import RAC, Circuit, CircuitSpec
from ..cuts import Cut, as_cut
from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, RETRY_PRIME, check_prime, is_prime
from ..typing import CutLike, MemoryLike, ProgressLike
from ..validation import check_positive_int
from .bounds import closed_form_upper, theorem_lower, weight_degree
from .cost import check_rank_request
from .engines import exact_rank, list_engines
from .records import RankBounds

__all__ = ["METHODS", "MINCUT_AUTO_TENSORS", "rank_bounds", "cut_rank", "retry_prime", "certified_rank",
           "float_vs_certified"]

#: The methods of :func:`rank_bounds`.
METHODS = ("exact", "closed-form")


#: ``mincut="auto"`` computes the min-cut bound for networks of at most this many tensors
#: (about a second of networkx max-flow).
MINCUT_AUTO_TENSORS = 10_000


def _check_options(engine, samples, margin, threads, progress):
    """Check the options of the exact engine up front, even where it will not run (depth 1, closed forms)."""
    engines = ("auto", *list_engines())
    if not isinstance(engine, str) or engine not in engines:
        raise InvalidParameterError("engine", engine, "one of " + ", ".join(map(repr, engines)))
    for name, value, low in (("samples", samples, 1), ("margin", margin, 0), ("threads", threads, 1)):
        if value is None and name != "margin":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise InvalidParameterError(name, value, f"an integer >= {low}" + ("" if name == "margin" else " or None"))
    if progress is not None and not callable(progress):
        raise InvalidParameterError("progress", progress, "None or a tqdm-like callable wrapping an iterable")


def _mincut(depth, hidden, inputs, cut, mincut, max_memory=None, kind="rac"):
    """The min-cut bound of the compiled network of ``kind``, or None when not asked for (or too large for
    ``"auto"``)."""
    if mincut not in (True, False, "auto"):
        raise InvalidParameterError("mincut", mincut, "True, False or 'auto'")
    if mincut is False:
        return None
    from ..network.core import num_tensors_closed_form
    if mincut == "auto" and num_tensors_closed_form(depth, cut.length, kind) > MINCUT_AUTO_TENSORS:
        return None
    from ..network.mincut import mincut_bound_for

    return mincut_bound_for(depth, hidden, inputs, cut.length, cut, kind=kind, max_memory=max_memory).bound


#: What each entry of :attr:`RankBounds.miss_bounds` bounds.
SKETCH_MISS = ("Pr[lower < the GF(p) rank of the whole grid matricization for the drawn weights], "
               "over the sketch's random combinations")
WEIGHTS_MISS = ("Pr[the GF(p) rank for weights drawn uniformly from GF(p) < the generic rank mod p], "
                "over the weight draw")


def _ratio(numerator: int, p: int) -> float | None:
    """``numerator / p`` when it is below 1 (a bound worth stating), else ``None``."""
    return numerator / p if numerator < p else None


def _sketch_miss(result, upper: int) -> dict:
    """Claim of docs/theory.rst "Sketched grid ranks": ``k * rank(Z) / p <= k * upper / p``, ``k`` random sides."""
    if result is None:
        return {"value": None, "bounds": SKETCH_MISS, "reason": "no GF(p) rank was computed"}
    mode = result.details.get("mode")
    if mode == "full":
        return {"value": 0.0, "bounds": SKETCH_MISS,
                "reason": "the whole grid matricization (or both whole factors) was ranked: no sketch"}
    if mode == "sketch":
        sides = int(result.grid_rows > result.rows) + int(result.grid_cols > result.cols)
        value = _ratio(sides * upper, result.prime)
        if value is None:
            return {"value": None, "bounds": SKETCH_MISS,
                    "reason": f"vacuous: {sides} * upper / p >= 1 for p = {result.prime}"}
        return {"value": value, "bounds": SKETCH_MISS,
                "reason": f"{sides} random side(s) of n >= upper rows/columns: {sides} * upper / p, p = {result.prime}"}
    if mode == "sample":
        return {"value": None, "bounds": SKETCH_MISS,
                "reason": "sampled one-hot rows/columns: no guarantee of reaching the whole grid's rank"}
    return {"value": None, "bounds": SKETCH_MISS, "reason": f"engine mode {mode!r}: no bound proven"}


def _weights_miss(depth, length, lower, upper, weights, result, degree=None) -> dict:
    """Schwartz-Zippel on a maximal minor: degree <= upper * weight_degree, prime ``result.prime``
    (``degree``: the entry's degree in the weights, when not a RAC's :func:`weight_degree`)."""
    if weights != "generic":
        return {"value": None, "bounds": WEIGHTS_MISS, "reason": "given weights: the record bounds their rank"}
    if result is None:
        return {"value": None, "bounds": WEIGHTS_MISS, "reason": "no weights were drawn"}
    if lower == upper:
        return {"value": 0.0, "bounds": WEIGHTS_MISS,
                "reason": "certified exact: the drawn weights reach the proven upper bound"}
    degree = weight_degree(depth, length) if degree is None else degree
    value = _ratio(upper * degree, result.prime)
    if value is None:
        return {"value": None, "bounds": WEIGHTS_MISS,
                "reason": f"vacuous: upper * {degree} (degree of an entry in the weights) / p >= 1 "
                          f"for p = {result.prime}"}
    return {"value": value, "bounds": WEIGHTS_MISS,
            "reason": f"Schwartz-Zippel: a maximal minor mod p has degree <= upper * {degree}; "
                      f"p = {result.prime}; the generic rank mod p is the real one unless p divides "
                      "every maximal minor (not checked)"}


def _record(rac_shape, cut, *, lower, lower_source, upper, upper_source, theorem, degree, caps,
            mincut, method, weights, result, seed, seconds, attempts=None, circuit="rac", upper_details=None):
    L, R, M = rac_shape
    sketch = _sketch_miss(result, upper)
    details = {} if result is None else {
        "evaluate_seconds": round(result.evaluate_seconds, 4),
        "rank_seconds": round(result.rank_seconds, 4),
        "gf_rank": result.rank, "rounds": result.rounds, **result.details,
    }
    if "miss_probability" in details:  # the engine's figure used the observed rank; the proof needs upper
        details["miss_probability"] = sketch["value"]
    entry_degree = None
    if circuit != "rac":   # a RAC record keeps exactly its keys
        from .support import weight_degree_of

        entry_degree = weight_degree_of(circuit, L, R, cut.length)
        details["upper_bounds"] = upper_details or {}
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
        miss_bounds={"sketch": sketch,
                     "weights": _weights_miss(L, cut.length, lower, upper, weights, result, entry_degree)},
        details=details,
        attempts=attempts,
        circuit=circuit,
    )


def retry_prime(p: int) -> int:
    """The prime of a retry after modulus ``p``: :data:`tnrnn.field.RETRY_PRIME` after the
    default, else the largest prime below ``p`` (the smallest above it for ``p = 3``).

    Examples
    --------
    >>> retry_prime(DEFAULT_PRIME), retry_prime(101), retry_prime(3)
    (1048571, 97, 5)
    """
    if p == DEFAULT_PRIME:
        return RETRY_PRIME
    q = p - 2 if p > 3 else 5
    while not is_prime(q):
        q -= 2
    return q


def _attempt(prime: int, seed: int, result) -> dict:
    """One attempt of the exact engine, as recorded in ``RankBounds.attempts`` (untimed, so that a
    rerun reproduces it; the record's ``seconds`` covers both)."""
    return {"prime": prime, "seed": seed, "lower": result.rank, "engine": result.engine}


def rank_bounds(depth: int, hidden: int, inputs: int, length: int, cut: CutLike = "start-end",
                method: str = "exact", *, seed: int = 0, prime: int = DEFAULT_PRIME, engine: str = "auto",
                samples: int | None = None, margin: int = 16, mincut: bool | str = "auto",
                max_memory: MemoryLike = None, threads: int | None = None,
                progress: ProgressLike = None, retry: bool = True,
                max_seconds: float | None = None, circuit: str = "rac") -> RankBounds:
    """Certified bounds on the generic separation rank of a circuit architecture (a RAC by default).

    The generic rank is the rank for all weights outside a set of measure
    zero (and the maximum over all weights). ``method="exact"`` draws integer
    weights mod ``prime`` from ``seed`` and computes a GF(p) rank, a certified
    lower bound; the upper bound is the least of the closed forms (and the
    min-cut bound). When they meet, the rank is certified exact. The record's
    ``miss_bounds`` states, separately, how likely the sketch fell short of the
    whole grid's GF(p) rank for the drawn weights, and how likely the drawn
    weights fell short of the generic rank mod ``prime`` (``None`` where no
    bound is proven or it would be vacuous). A lower bound above the upper
    bound raises :class:`tnrnn.errors.ConsistencyError`.

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
        :func:`tnrnn.ranks.engines.list_engines`).
    samples, margin : int
        Sampled rows/columns per side; by default the engine ranks the whole grid
        (or a random sketch of it to upper bound + margin) when it fits, see
        :func:`tnrnn.ranks.engines.grid_mode`.
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
    max_seconds : float, optional
        Refuse an exact computation estimated to take longer (default
        ``$TNRNN_MAX_SECONDS``, else 600 s; see :mod:`tnrnn.ranks.cost`).
    retry : bool
        When the GF(p) rank falls below the upper bound, try once more with a
        second prime (:func:`retry_prime`) and seed ``seed + 1``: a GF(p) rank
        is a lower bound for every prime and seed, and an unlucky draw (weights
        or sketch) is the one failure the engine can detect.  The record keeps
        the better attempt in ``lower``, ``prime`` and ``seed`` and lists both
        in ``attempts``.
    circuit : str
        The layer kind (:func:`tnrnn.circuits.list_kinds`): ``"rac"`` (default;
        its records and numbers are those of the RAC closed forms), ``"ssm"``,
        ``"gla"``.  Other kinds take prefix cuts only; their upper bound is the
        least of the grid cap, the automaton bound (depth 1) and the monomial
        bound (:func:`tnrnn.ranks.kinds.kind_upper`, docs/gated.rst), no
        min-cut, and their records carry a ``circuit`` key.

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
    >>> r = rank_bounds(circuit="ssm", depth=2, hidden=2, inputs=3, length=6)
    >>> r.lower, r.upper, r.upper_source, r.circuit     # 27 = 3^3, the grid
    (27, 27, 'cap:grid', 'ssm')
    """
    from ..circuits import layer_kind

    kind = layer_kind(circuit).name
    if kind != "rac":
        return _kind_rank_bounds(kind, depth, hidden, inputs, length, cut, method, seed=seed, prime=prime,
                                 engine=engine, samples=samples, margin=margin, mincut=mincut,
                                 max_memory=max_memory, threads=threads, progress=progress, retry=retry,
                                 max_seconds=max_seconds)
    check_rank_request(depth, hidden, inputs, length, cut, method, engine=engine, samples=samples, margin=margin,
                       max_memory=max_memory, max_seconds=max_seconds)   # sizes and work bounded first (ranks/cost.py)
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
    _check_options(engine, samples, margin, threads, progress)
    from . import _kernels

    warm0 = _kernels.warm_seconds  # kernels are warmed up when first used; that time is not the work's
    t0 = time.perf_counter()
    closed = closed_form_upper(L, R, M, the_cut)
    caps, degree, upper, upper_source = closed.caps, closed.degree, closed.value, closed.source
    mc = _mincut(L, R, M, the_cut.oriented(), mincut, max_memory)
    if mc is not None and mc < upper:
        upper, upper_source = mc, "min-cut"
    theorem = theorem_lower(L, R, M, the_cut)
    lower, lower_source, result = 1, "nonzero function", None
    if theorem is not None:
        lower, lower_source = theorem.value, theorem.source
    if method == "exact" and lower < upper:
        rac = RAC.random_modular(L, R, M, prime=p, seed=seed, max_memory=max_memory)
        result = exact_rank(rac, the_cut, engine=engine, seed=seed, samples=samples, margin=margin, upper=upper,
                            max_memory=max_memory, threads=threads, progress=progress)
        attempts = [_attempt(p, seed, result)]
        if retry and result.rank < upper:  # a second prime and seed: the one detectable failure
            p2, seed2 = retry_prime(p), seed + 1
            rac2 = RAC.random_modular(L, R, M, prime=p2, seed=seed2, max_memory=max_memory)
            second = exact_rank(rac2, the_cut, engine=engine, seed=seed2, samples=samples, margin=margin,
                                upper=upper, max_memory=max_memory, threads=threads, progress=progress)
            attempts.append(_attempt(p2, seed2, second))
            if second.rank > result.rank:
                result, p, seed = second, p2, seed2
        if result.rank >= lower:
            lower = result.rank
            lower_source = f"GF({p}) rank, {result.engine} engine, seed {seed}"
    return _record((L, R, M), the_cut, lower=lower, lower_source=lower_source, upper=upper,
                   upper_source=upper_source, theorem=theorem, degree=degree, caps=caps, mincut=mc,
                   method=method, weights="generic", result=result, seed=seed,
                   seconds=time.perf_counter() - t0 - (_kernels.warm_seconds - warm0),
                   attempts=attempts if result is not None else None)


def _exact_attempts(make, the_cut, *, prime, seed, engine, samples, margin, upper, max_memory, threads, progress,
                    retry, output=0):
    """The exact engine on ``make(prime, seed)``'s circuit, and once more with a second prime and seed when it
    falls short of ``upper``; returns ``(best result, its prime, its seed, attempts)``."""
    result = exact_rank(make(prime, seed), the_cut, engine=engine, seed=seed, samples=samples, margin=margin,
                        upper=upper, output=output, max_memory=max_memory, threads=threads, progress=progress)
    attempts = [_attempt(prime, seed, result)]
    if retry and result.rank < upper:
        p2, seed2 = retry_prime(prime), seed + 1
        second = exact_rank(make(p2, seed2), the_cut, engine=engine, seed=seed2, samples=samples, margin=margin,
                            upper=upper, output=output, max_memory=max_memory, threads=threads, progress=progress)
        attempts.append(_attempt(p2, seed2, second))
        if second.rank > result.rank:
            result, prime, seed = second, p2, seed2
    return result, prime, seed, attempts


def _check_kind_mincut(kind: str, mincut) -> None:
    if mincut not in (True, False, "auto"):
        raise InvalidParameterError("mincut", mincut, "True, False or 'auto'")


def _check_kind_engine(kind: str, engine, the_cut) -> None:
    from .engines import engine_applies

    if engine != "auto" and not engine_applies(engine, the_cut, kind):
        takers = [n for n in list_engines() if engine_applies(n, the_cut, kind)]
        raise InvalidParameterError("engine", engine, f"'auto' or {', '.join(map(repr, takers))} for {kind} circuits")


def _kind_rank_bounds(kind, depth, hidden, inputs, length, cut, method, *, seed, prime, engine, samples, margin,
                      mincut, max_memory, threads, progress, retry, max_seconds) -> RankBounds:
    """:func:`rank_bounds` for a layer kind other than ``rac``: the spec validated once, here."""
    from ..circuits import random_modular_circuit
    from .kinds import check_kind_cut, kind_upper

    spec = CircuitSpec(kind, depth, hidden, inputs)
    T = check_positive_int(length, "length", 2)
    the_cut = as_cut(cut, T)
    check_kind_cut(spec, the_cut)
    check_rank_request(depth, hidden, inputs, length, the_cut, method, engine=engine, samples=samples, margin=margin,
                       max_memory=max_memory, max_seconds=max_seconds, kind=kind)
    if method not in METHODS:
        raise InvalidParameterError("method", method, "'exact' or 'closed-form'")
    p = check_prime(prime, "prime")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InvalidParameterError("seed", seed, "an integer >= 0")
    _check_options(engine, samples, margin, threads, progress)
    _check_kind_mincut(kind, mincut)
    _check_kind_engine(kind, engine, the_cut)
    t0 = time.perf_counter()
    up = kind_upper(spec, the_cut)   # once per call
    L, R, M = spec.depth, spec.hidden, spec.inputs
    # the min-cut of the kind's compiled network is a proven upper bound too (docs/networks_kinds.rst)
    mc = _mincut(L, R, M, the_cut, mincut, max_memory, kind=kind)
    if mc is not None and mc < up.value:
        up = dataclasses.replace(up, value=mc, source="min-cut")
    lower, lower_source, result, attempts = 1, "nonzero function", None, None
    if method == "exact" and lower < up.value:
        def make(prime_, seed_):
            return random_modular_circuit(kind, L, R, M, prime=prime_, seed=seed_, max_memory=max_memory)

        result = None
        want, side = up.value + margin, min(M ** len(the_cut.start), M ** len(the_cut.end))
        if samples is None and engine == "auto" and 2 * want <= side:
            # the upper bound is far below the grid: a sample of upper + margin rows and columns certifies
            # it when its rank reaches it (a GF(p) rank of a submatrix is a lower bound); else the whole grid
            first = exact_rank(make(p, seed), the_cut, seed=seed, samples=want, margin=margin, upper=up.value,
                               max_memory=max_memory, threads=threads, progress=progress)
            if first.rank == up.value:
                result, attempts = first, [_attempt(p, seed, first)]
        if result is None:
            result, p, seed, attempts = _exact_attempts(make, the_cut, prime=p, seed=seed, engine=engine,
                                                        samples=samples, margin=margin, upper=up.value,
                                                        max_memory=max_memory, threads=threads,
                                                        progress=progress, retry=retry)
        if result.rank >= lower:
            lower = result.rank
            lower_source = f"GF({p}) rank, {result.engine} engine, seed {seed}"
    return _record((L, R, M), the_cut, lower=lower, lower_source=lower_source, upper=up.value,
                   upper_source=up.source, theorem=None, degree=up.degree, caps=up.caps, mincut=mc,
                   method=method, weights="generic", result=result, seed=seed,
                   seconds=time.perf_counter() - t0, attempts=attempts, circuit=kind, upper_details=up.details)


def cut_rank(rac: Circuit, cut: CutLike = "start-end", length: int | None = None, *, prime: int = DEFAULT_PRIME,
             engine: str = "auto", seed: int = 0, samples: int | None = None, margin: int = 16,
             output: int = 0, mincut: bool | str = "auto", max_memory: MemoryLike = None,
             threads: int | None = None, progress: ProgressLike = None) -> RankBounds:
    """Certified bounds on the rank of one concrete circuit's grid matricization.

    Float weights are dyadic rationals and map exactly into GF(p), so the
    GF(p) rank is a certified lower bound on the rank of *these* weights over
    the rationals (the algebraic rank, free of floating-point tolerance). The
    upper bounds hold for all weights.

    Parameters
    ----------
    rac : Circuit
        A :class:`~tnrnn.RAC` or any other circuit (:class:`~tnrnn.circuits.GatedCircuit`:
        ``ssm``, ``gla``, ...), with float weights or weights over GF(p).  Kinds
        other than ``rac`` take prefix cuts only (:func:`rank_bounds`).
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
    >>> from tnrnn.circuits import random_circuit
    >>> r = cut_rank(random_circuit("gla", 1, 3, 2, seed=0), "start-end", length=8)
    >>> r.lower, r.upper, r.upper_source          # R + 1
    (4, 4, 'automaton bound')
    """
    if not isinstance(rac, Circuit):
        raise InvalidParameterError("rac", rac, "a tnrnn.RAC or another tnrnn.circuits.Circuit")
    if length is None:
        if not isinstance(cut, Cut):
            raise InvalidParameterError("length", length, "an integer >= 2 when cut is given by name")
        length = cut.length
    T = check_positive_int(length, "length", 2)
    the_cut = as_cut(cut, T)
    _check_options(engine, samples, margin, threads, progress)
    field_rac = rac if rac.modulus is not None else rac.to_field(prime)
    if rac.kind != "rac":
        return _kind_cut_rank(rac, field_rac, the_cut, engine=engine, seed=seed, samples=samples, margin=margin,
                              output=output, mincut=mincut, max_memory=max_memory, threads=threads,
                              progress=progress)
    t0 = time.perf_counter()
    L, R, M = rac.depth, rac.hidden, rac.inputs
    closed = closed_form_upper(L, R, M, the_cut)
    caps, degree, upper, upper_source = closed.caps, closed.degree, closed.value, closed.source
    mc = _mincut(L, R, M, the_cut.oriented(), mincut, max_memory)
    if mc is not None and mc < upper:
        upper, upper_source = mc, "min-cut"
    result = exact_rank(field_rac, the_cut, engine=engine, seed=seed, samples=samples, margin=margin,
                        upper=upper, output=output, max_memory=max_memory, threads=threads, progress=progress)
    return _record((L, R, M), the_cut, lower=result.rank,
                   lower_source=f"GF({field_rac.modulus}) rank, {result.engine} engine, seed {seed}",
                   upper=upper, upper_source=upper_source, theorem=None, degree=degree, caps=caps,
                   mincut=mc, method="exact", weights="given", result=result, seed=seed,
                   seconds=time.perf_counter() - t0)


def _kind_cut_rank(circuit, field_circuit, the_cut, *, engine, seed, samples, margin, output, mincut, max_memory,
                   threads, progress) -> RankBounds:
    """:func:`cut_rank` for a circuit of a kind other than ``rac``."""
    from .kinds import check_kind_cut, kind_upper

    spec = circuit.spec
    check_kind_cut(spec, the_cut)
    _check_kind_mincut(spec.kind, mincut)
    _check_kind_engine(spec.kind, engine, the_cut)
    t0 = time.perf_counter()
    up = kind_upper(spec, the_cut)
    result = exact_rank(field_circuit, the_cut, engine=engine, seed=seed, samples=samples, margin=margin,
                        upper=up.value, output=output, max_memory=max_memory, threads=threads, progress=progress)
    return _record((spec.depth, spec.hidden, spec.inputs), the_cut, lower=result.rank,
                   lower_source=f"GF({field_circuit.modulus}) rank, {result.engine} engine, seed {seed}",
                   upper=up.value, upper_source=up.source, theorem=None, degree=up.degree, caps=up.caps,
                   mincut=None, method="exact", weights="given", result=result, seed=seed,
                   seconds=time.perf_counter() - t0, circuit=spec.kind, upper_details=up.details)


#: The exact work (estimated seconds) a float result spends by default on the certified rank shown beside it.
CERTIFY_SECONDS = 30.0


def certified_rank(rac: RAC, cut: CutLike = "start-end", length: int | None = None, *, output: int = 0,
                   max_memory: MemoryLike = None, max_seconds: float = CERTIFY_SECONDS) -> dict:
    """The certified rank of ``rac``'s grid matricization as a small dict, for showing beside a float rank.

    ``{"lower", "upper", "exact", "source"}`` from :func:`cut_rank`, or
    ``{"reason"}`` when the exact work is refused (memory, or estimated
    above ``max_seconds``): the float result then says no certified rank was
    computed, and why.

    Examples
    --------
    >>> rac = RAC.random(depth=2, hidden=2, inputs=2, seed=0)
    >>> certified_rank(rac, "start-end", length=6)["lower"]
    8
    """
    from ..errors import MemoryLimitError, TnrnnError

    T = length if length is not None else getattr(cut, "length", None)
    try:
        check_rank_request(rac.depth, rac.hidden, rac.inputs, T, cut, "exact", max_memory=max_memory,
                           max_seconds=max_seconds, kind=getattr(rac, "kind", "rac"))
        r = cut_rank(rac, cut, length=T, output=output, max_memory=max_memory)
    except (TnrnnError, MemoryLimitError) as err:
        return {"reason": " ".join(str(err).split())}
    return {"lower": int(r.lower), "upper": int(r.upper), "exact": bool(r.exact),
            "source": r.lower_source + ("" if r.exact else f"; upper {r.upper_source}")}


def float_vs_certified(float_rank: int, certified: dict | None) -> str | None:
    """One line setting a float (numerical) rank beside the certified one; ``None`` when none is known.

    Examples
    --------
    >>> float_vs_certified(24, {"lower": 27, "upper": 27, "exact": True, "source": "GF(p) rank"})
    'certified rank 27 (GF(p) rank); the float rank 24 disagrees: 3 singular values are below the float tolerance but not zero'
    >>> float_vs_certified(27, {"lower": 27, "upper": 27, "exact": True, "source": "GF(p) rank"})
    'certified rank 27 (GF(p) rank); the float rank agrees'
    """
    if not certified:
        return None
    if "reason" in certified:
        return f"certified rank not computed ({certified['reason']})"
    lo, hi = certified["lower"], certified["upper"]
    text = f"certified rank {lo}" if lo == hi else f"certified rank between {lo} and {hi}"
    text += f" ({certified['source']})"
    if lo <= float_rank <= hi:
        return text + "; the float rank agrees" if lo == hi else text + f"; the float rank {float_rank} is inside"
    if float_rank < lo:
        return (text + f"; the float rank {float_rank} disagrees: {lo - float_rank} singular values are below the "
                "float tolerance but not zero")
    return text + f"; the float rank {float_rank} disagrees: rounding noise above the tolerance counts as rank"
