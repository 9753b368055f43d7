"""What a call of :func:`tnrnn.ranks.rank_bounds` costs, estimated before anything runs, and the sizes it accepts.

Two checks, both from the shapes alone (floats and logarithms, no big
integers, no weights), so that a request that would hang is refused in
milliseconds:

* **the closed forms**: the degree bound ``prod_k ((R, C(E + k - 1, k)))`` is
  an exact integer whose bit length grows like ``L R log E``; above
  :data:`MAX_CLOSED_FORM_BITS` bits (or for sizes above :data:`MAX_SIZES`)
  it is refused rather than computed for minutes;
* **the exact engine's work**: the grid entries it evaluates (each costing
  about ``E L R^2`` multiply-adds, ``E`` the end steps) and the elimination
  it runs (``n^2 min(n)`` for an ``n``-sided matrix), for the mode the engine
  would choose (:func:`tnrnn.ranks.engines.grid_mode`, the factored engine
  when ``auto`` picks it), in seconds at the rates :data:`EVAL_RATE` and
  :data:`RANK_RATE` measured on the development machine (an Intel Xeon, 2
  cores).  Measured against real runs there: ``(L, R, M, T) = (4, 4, 4, 12)``
  estimated 6.9 s, ran 6.6 s; ``(3, 3, 3, 16)`` estimated 22 s, ran 31 s.  The
  estimate is an order of magnitude, not a promise; what it must catch is
  the request that would run for many minutes (``(4, 4, 4, 24)``:
  estimated 60 s; ``(2, 1000, 1000, 8)``: 1.8e5 s).

The limit is the ``max_seconds`` argument (``tnrnn bounds --max-seconds``),
else ``$TNRNN_MAX_SECONDS``, else :data:`MAX_EXACT_SECONDS` (10 minutes: the
certified T = 48 pipeline of ``benchmarks/README.md`` runs in about 2.3
minutes on 2 cores); the refusal says the estimate and the ways around
(``--method closed-form``, a smaller ``--max-memory``, which bounds the
sampled matrix, or a higher ``--max-seconds``).
"""

from __future__ import annotations

import math
import os
from types import SimpleNamespace

from ..errors import InvalidParameterError, TnrnnError

__all__ = ["MAX_SIZES", "MAX_CLOSED_FORM_BITS", "MAX_EXACT_SECONDS", "closed_form_bits", "exact_seconds",
           "check_rank_request", "lu_multiply_adds"]

#: The largest accepted ``depth`` and ``length`` (closed forms loop over the depth, and build integers with
#: ``length`` digits in the grid caps); ``hidden`` and ``inputs`` are bounded by the memory of the weights and
#: the size of the closed forms.
MAX_SIZES = {"depth": 100_000, "length": 1_000_000}

#: The closed-form degree bound is refused above this many bits (computing it takes about a second per 2^23).
MAX_CLOSED_FORM_BITS = 2**24

#: Exact-engine requests estimated above this many seconds are refused by default (``max_seconds=``,
#: ``--max-seconds`` or ``$TNRNN_MAX_SECONDS`` override).
MAX_EXACT_SECONDS = 600.0

#: Multiply-adds per second of grid evaluation (measured 1e9 to 2.7e9 on 2 cores).
EVAL_RATE = 2e9
#: Multiply-adds per second of GF(p) elimination (measured 4.5e9 at n = 2000, 1.6e10 at n = 4096).
RANK_RATE = 1.6e10

#: Multiply-adds per second of a large elimination counted as LU multiply-adds (:func:`lu_multiply_adds`),
#: the float floor: ``scipy.linalg.lu_factor`` of 26180 x 26180 float64 took about 4 minutes on the
#: development machine (AMD EPYC, 2 cores, quiet; issue 29), i.e. 2.5e10; the exact elimination runs within a
#: few percent of it at that size (benchmarks/README.md).
LU_RATE = 2.5e10

#: Seconds every run of the exact engine costs whatever its size (loading the compiled kernels, the
#: engine's planning and Python overhead): small requests are dominated by it.
FIXED_SECONDS = 0.5

_BLOCK_BYTES = 2**27


def _per(ops: int, rate: float) -> float:
    """``ops / rate`` seconds for an exact (possibly huge) count of operations."""
    return math.inf if ops.bit_length() > 1000 else ops / rate


def _max_seconds(value=None) -> float:
    if value is not None:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or value != value:
            raise InvalidParameterError("max_seconds", value, "a positive number of seconds")
        return float(value)
    text = os.environ.get("TNRNN_MAX_SECONDS")
    if not text:
        return MAX_EXACT_SECONDS
    try:
        value = float(text)
    except ValueError:
        raise InvalidParameterError("TNRNN_MAX_SECONDS", text, "a number of seconds") from None
    if not value > 0:
        raise InvalidParameterError("TNRNN_MAX_SECONDS", text, "a positive number of seconds")
    return value


def _log_multiset(n: float, log_k: float) -> float:
    """``ln ((n, k))`` = ``ln C(n + k - 1, k)`` for ``k = exp(log_k)`` (``k`` may be beyond float range)."""
    if n <= 1:
        return 0.0
    if log_k > 30:   # k >> n: C(k + n - 1, n - 1) ~ k^(n-1) / (n-1)!
        return (n - 1) * log_k - math.lgamma(n)
    k = math.exp(log_k)
    return math.lgamma(n + k) - math.lgamma(k + 1) - math.lgamma(n)


def closed_form_bits(depth: int, hidden: int, end_steps: int) -> float:
    """Bits of the degree bound ``prod_k ((R, C(E + k - 1, k)))``, from logarithms (no big integers).

    Examples
    --------
    >>> from tnrnn.ranks.bounds import degree_bound
    >>> math.ceil(closed_form_bits(3, 4, 10)), degree_bound(3, 4, 10).bit_length()
    (26, 26)
    """
    total = 0.0
    E = end_steps
    for k in range(depth):
        log_d = math.lgamma(E + k) - math.lgamma(k + 1) - math.lgamma(E)   # ln C(E + k - 1, k)
        total += _log_multiset(hidden, log_d)
    return total / math.log(2)


#: The slowdown of the numpy evaluation (every kind but ``rac``, each step a few passes over memory with a
#: reduction mod p) against the compiled RAC walk, per multiply-add.  An order of magnitude, checked on one
#: run: ``ssm`` at L = 2, R = 4, M = 3, T = 16 was estimated at 183 s and ran 398 s wall-clock on 2 AMD EPYC
#: cores shared with other jobs (load average about 15).
NUMPY_SLOWDOWN = 8.0


def _step_work(kind: str, R: int) -> float:
    """Multiply-adds of one layer step of ``kind`` in units of a RAC step (``R^2``), numpy slowdown included."""
    if kind == "rac":
        return 1.0
    from ..circuits import layer_kind

    k = layer_kind(kind)
    return NUMPY_SLOWDOWN * (len(k.params) * R * R + 3 * k.state_size(R)) / (R * R)


def _grid_seconds(L, R, M, s, E, want, limit, samples, work: float = 1.0):
    """Seconds of the grid engine in the mode it would choose (see :func:`tnrnn.ranks.engines.grid_mode`)."""
    from . import _kernels
    from .engines import SKETCH_MAX_ENTRIES, _grid_bytes, _grid_plan

    compact = _kernels.available()  # the default prime's matrices go to int32 storage when float64 does not fit
    rows, cols = M**s, M**E
    per_entry = math.ceil(max(1, E) * L * R * R * work)
    mode = "sample" if samples is not None else _grid_plan(rows, cols, want, limit, compact)
    if mode == "full":
        return _per(rows * cols * per_entry + rows * s * L * R * R, EVAL_RATE) + _per(
            lu_multiply_adds(rows, cols), LU_RATE)
    if mode == "sketch":
        n = want
        entries = min(rows * cols, SKETCH_MAX_ENTRIES)
        return _per(entries * per_entry, EVAL_RATE) + _per(2 * n * entries + min(n, rows) * min(n, cols) * n, RANK_RATE)
    n_r, n_c = min(rows, want), min(cols, want)
    if samples is None:
        while _grid_bytes(n_r, n_c, limit, compact) > limit and max(n_r, n_c) > 1:
            n_r, n_c = max(1, (n_r * 7) // 8), max(1, (n_c * 7) // 8)
    seconds = 0.0
    while True:   # the sample doubles while the rank fills it (assumed: the upper bound is not reached)
        seconds += _per(n_r * n_c * per_entry, EVAL_RATE) + _per(lu_multiply_adds(n_r, n_c), LU_RATE)
        if seconds == math.inf:
            return seconds
        bigger = min(rows, 2 * n_r), min(cols, 2 * n_c)
        if min(n_r, n_c) >= want or (n_r, n_c) == (rows, cols) or min(
                16 * bigger[0] * bigger[1] + _BLOCK_BYTES, _grid_bytes(*bigger, limit, compact)) > limit:
            return seconds
        n_r, n_c = bigger


def lu_multiply_adds(m: int, n: int, r: int | None = None) -> int:
    """Multiply-adds of an elimination of an ``m x n`` matrix of rank ``r`` (default ``min(m, n)``):
    ``m n r - (m + n) r^2 / 2 + r^3 / 3`` (``n^3 / 3`` for a square matrix of full rank, like LAPACK's
    ``getrf``), to leading order.

    Examples
    --------
    >>> lu_multiply_adds(3000, 3000) == 3000**3 // 3
    True
    """
    r = min(m, n) if r is None else r
    return m * n * r - (m + n) * r * r // 2 + r**3 // 3


def _factored_seconds(L, R, M, s, E, D, n, limit, samples):
    """Seconds of the factored engine: ``n x D`` features, ``D x n`` end coefficients, their ranks
    (two eliminations at :data:`LU_RATE`, the float floor; int32 storage when the float64 sides do not
    fit the limit changes the memory, not the multiply-adds)."""
    rows, cols = M**s, M**E
    n_r, n_c = min(rows, samples or n), min(cols, samples or n)
    return (_per(n_r * s * L * R * R + n_r * D + n_c * D * max(1, E) * L * R, EVAL_RATE)
            + _per(lu_multiply_adds(n_r, D) + lu_multiply_adds(D, n_c), LU_RATE))


def exact_seconds(depth: int, hidden: int, inputs: int, cut, *, engine: str = "auto", samples: int | None = None,
                  margin: int = 16, max_memory=None, kind: str = "rac") -> float:
    """Estimated seconds of the exact engine for ``rank_bounds(depth, hidden, inputs, cut.length, cut)``.

    ``kind`` (default ``rac``) scales the work of a step by the layer kind's
    parameters and state size (:func:`_step_work`) and takes that kind's upper bound.

    Examples
    --------
    >>> from tnrnn.cuts import Cut
    >>> exact_seconds(2, 3, 3, Cut.start_end(6)) < 1
    True
    >>> exact_seconds(2, 1000, 1000, Cut.start_end(8)) > MAX_EXACT_SECONDS
    True
    """
    from ..circuits import CircuitSpec
    from ..limits import DEFAULT_MEMORY_LIMIT, parse_memory
    from .bounds import degree_bound, theorem_lower
    from .engines import _auto_engine
    from .kinds import certified_upper

    L, R, M = depth, hidden, inputs
    cut = cut.oriented()
    s, E = len(cut.start), len(cut.end)
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    upper = certified_upper(CircuitSpec(kind, L, R, M), cut).value
    if kind != "rac":   # the grid engine stepping the kind's registered step (no closed forms, no factored engine)
        want = samples if samples is not None else upper + margin
        return _grid_seconds(L, R, M, s, E, want, limit, samples, _step_work(kind, R))
    theorem = theorem_lower(L, R, M, cut)
    if theorem is not None and theorem.value >= upper:
        return 0.0   # certified by the closed forms: the engine does not run
    name = engine
    if engine == "auto":
        name = _auto_engine(SimpleNamespace(depth=L, hidden=R, inputs=M), cut, max_memory, margin)
    if name == "factored" and cut.is_prefix:
        D = degree_bound(L, R, E)
        return FIXED_SECONDS + _factored_seconds(L, R, M, s, E, D, D + margin, limit, samples)
    want = samples if samples is not None else upper + margin
    return FIXED_SECONDS + _grid_seconds(L, R, M, s, E, want, limit, samples)


def check_rank_request(depth, hidden, inputs, length, cut="start-end", method: str = "exact", *,
                       engine: str = "auto", samples=None, margin: int = 16, max_memory=None,
                       max_seconds: float | None = None, kind: str = "rac") -> None:
    """Refuse a :func:`~tnrnn.ranks.rank_bounds` request whose sizes or estimated work are beyond the limits.

    Checks the sizes against :data:`MAX_SIZES`, the closed forms against
    :data:`MAX_CLOSED_FORM_BITS` and (``method="exact"``) the engine's
    estimated seconds against ``max_seconds`` (default: ``$TNRNN_MAX_SECONDS``,
    else :data:`MAX_EXACT_SECONDS`); arguments of the
    wrong type are left to the caller's own checks.

    Raises
    ------
    InvalidParameterError
        A size above :data:`MAX_SIZES` (naming it).
    TnrnnError
        Work estimated beyond the limits, with the estimate and the ways around.

    Examples
    --------
    >>> check_rank_request(2, 3, 3, 6)
    >>> check_rank_request(10**30, 2, 2, 4)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid depth=1000000000000000000000000000000: expected an integer in 1..100000
    """
    values = {"depth": depth, "hidden": hidden, "inputs": inputs, "length": length}
    for name, value in values.items():
        if name in MAX_SIZES and isinstance(value, int) and not isinstance(value, bool) and value > MAX_SIZES[name]:
            raise InvalidParameterError(name, value, f"an integer in {2 if name == 'length' else 1}..{MAX_SIZES[name]}")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in values.values()) or length < 2:
        return
    from ..cuts import Cut, as_cut

    try:
        the_cut = (cut if isinstance(cut, Cut) else as_cut(cut, length)).oriented()
    except (TnrnnError, ValueError, TypeError):
        return   # the caller names the bad cut
    L, R, M = depth, hidden, inputs
    if the_cut.is_prefix and kind == "rac":
        bits = closed_form_bits(L, R, len(the_cut.end))
        if bits > MAX_CLOSED_FORM_BITS:
            raise TnrnnError(f"the closed-form degree bound of L={L}, R={R}, T={length} has about "
                             f"{bits * math.log10(2):.3g} digits (more than {MAX_CLOSED_FORM_BITS} bits, minutes of "
                             "big-integer arithmetic); use a smaller --depth, --hidden or --length")
    if method != "exact" or not isinstance(engine, str) or not (samples is None or isinstance(samples, int)):
        return
    if samples is not None and samples < 1:
        return
    from ..circuits import check_weights_memory

    check_weights_memory(L, R, M, 1, max_memory, kind=kind)   # the engine draws them first: that refusal comes first
    try:
        seconds = exact_seconds(L, R, M, the_cut, engine=engine, samples=samples, margin=margin,
                                max_memory=max_memory, kind=kind)
    except (TnrnnError, ValueError, TypeError):
        return   # a bad option: the caller's checks name it
    limit = _max_seconds(max_seconds)
    if seconds > limit:
        from ..circuits import kind_label

        raise TnrnnError(kind_label(kind, "{kind} circuit: ") + f"the exact rank of L={L}, R={R}, M={M}, T={length} ({the_cut} cut) would take an "
                         f"estimated {_duration(seconds)} (above {_duration(limit)}); use --method closed-form "
                         "(the proven bounds only), a smaller --max-memory (a smaller sampled matrix, still a "
                         "certified lower bound), or a higher --max-seconds to allow it")


def _duration(seconds: float) -> str:
    """``"3.2e+05 s"``, ``"12 min"``, ``"45 s"``."""
    if seconds >= 1e6:
        return f"{seconds:.2g} s"
    if seconds >= 7200:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:.0f} s"
