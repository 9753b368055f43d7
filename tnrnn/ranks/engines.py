"""Exact ranks of grid matricizations over GF(p).

A circuit over GF(p) (:meth:`tnrnn.RAC.random_modular`, or a float circuit
mapped with :meth:`tnrnn.RAC.to_field`) is evaluated exactly on grid inputs,
and the rank of the resulting matrix mod ``p`` is taken by
:func:`tnrnn.field.rank_mod` (tnrnn's float64 elimination on BLAS,
:mod:`tnrnn.elimination`, for large matrices and primes up to
:data:`tnrnn.modarith.MAX_BLAS_PRIME`; FLINT otherwise).  Any nonzero
minor mod ``p`` is nonzero over the rationals, so the rank mod ``p`` of a
submatrix of the grid matricization is a certified lower bound on the rank of
the full matricization over the rationals (and, for random weights, on the
generic rank).

Two engines are registered (see :func:`list_engines`; :func:`register_engine`
adds more, e.g. for deeper certificates):

``grid``
    Any cut. Builds ``Z[i, j] = y(start_i, end_j)`` and takes its rank, in
    one of three modes (:func:`grid_mode`): the whole grid when it fits the
    memory limit (``full``: independent of the sampling seed); otherwise every
    grid entry streamed into a random sketch ``A Z B`` with ``upper + margin``
    rows and columns (``sketch``: rank of the whole grid except with
    probability at most ``2 upper / p``, proof in docs/theory.rst, "Sketched
    grid ranks"); only for grids too large to evaluate, sampled distinct
    one-hot rows and columns (``sample``: a lower bound without a tightness
    guarantee).
    For prefix cuts :func:`grid_matrix` evaluates by a *trie*: the states at
    the cut are computed once per start, then advanced along the trie of the
    sampled end sequences, so that ends sharing a prefix share its steps;
    the last step is linear in the last input factor and is folded into one
    covector per parent (a leaf costs ``R`` products).  The walk is compiled
    (:mod:`tnrnn.ranks._kernels`, numba) for primes of the float64 field
    representation; the numpy fallback walks the trie level by level.
    Other cuts run the whole recurrence per (start, end) pair, batched.
``factored``
    Prefix cuts of RACs, every depth: monomial features at the cut times end
    coefficients by interpolation (:mod:`tnrnn.ranks.factored`, which
    registers it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product

import numpy as np

from ..circuits import Circuit
from ..cuts import Cut
from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, field_dtype, matmul_mod, rank_mod
from ..limits import DEFAULT_MEMORY_LIMIT, check_memory, parse_memory
from . import _kernels
from .bounds import closed_form_upper
from .evaluation import _BLOCK_BYTES, _assignments, grid_matrix

__all__ = [
    "ExactRank", "exact_rank", "list_engines", "register_engine", "grid_matrix",
    "grid_mode", "SKETCH_MAX_ENTRIES", "engine_applies",
]



@dataclass(frozen=True)
class ExactRank:
    """The rank mod ``p`` of an evaluation matrix, and how it was obtained.

    Attributes
    ----------
    rank : int
        The rank over GF(prime); a certified lower bound on the rank over Q.
    engine : str
        The engine that computed it.
    prime : int
    rows, cols : int
        Sampled grid rows (start assignments) and columns (end assignments).
    grid_rows, grid_cols : int
        The grid's full numbers of rows and columns, ``M^|S|`` and ``M^|E|``.
    rounds : int
        Sampling rounds (samples double while the rank fills them).
    evaluate_seconds, rank_seconds, seconds : float
        Time spent evaluating, in FLINT ranks, and in total.
    details : dict
        Engine-specific facts (e.g. the factored engine's feature ranks).
    """

    rank: int
    engine: str
    prime: int
    rows: int
    cols: int
    grid_rows: int
    grid_cols: int
    rounds: int
    evaluate_seconds: float
    rank_seconds: float
    seconds: float
    details: dict = field(default_factory=dict)

    @property
    def full_grid(self) -> bool:
        """Whether every grid row and column was evaluated."""
        return self.rows == self.grid_rows and self.cols == self.grid_cols


@dataclass(frozen=True)
class _Engine:
    func: Callable
    applies: Callable[[Cut], bool]
    description: str
    kinds: tuple | None = None   # the layer kinds it evaluates (None: every registered kind)

    def takes(self, cut: Cut, kind: str = "rac") -> bool:
        """Whether the engine handles ``cut`` for circuits of ``kind``."""
        return (self.kinds is None or kind in self.kinds) and self.applies(cut)


_ENGINES: dict[str, _Engine] = {}


def register_engine(name: str, func: Callable, applies: Callable[[Cut], bool], description: str,
                    kinds: tuple | None = None) -> None:
    """Register an exact-rank engine under ``name``.

    ``func(circuit, cut, *, rng_seed, samples, margin, upper, output, max_memory,
    threads, progress)`` returns an :class:`ExactRank`; ``applies(cut)`` says
    whether it handles ``cut``; ``kinds`` names the layer kinds it evaluates
    (``None``: every kind).
    """
    _ENGINES[name] = _Engine(func, applies, description, None if kinds is None else tuple(kinds))


def engine_applies(name: str, cut: Cut, kind: str = "rac") -> bool:
    """Whether the registered engine ``name`` handles ``cut`` for circuits of layer ``kind``.

    Examples
    --------
    >>> engine_applies("factored", Cut.start_end(8)), engine_applies("factored", Cut.start_end(8), "ssm")
    (True, False)
    """
    return _ENGINES[name].takes(cut, kind)


def list_engines() -> dict[str, str]:
    """The registered engines and what they do.

    Examples
    --------
    >>> sorted(list_engines())
    ['factored', 'grid']
    """
    return {name: e.description for name, e in _ENGINES.items()}


# -- engines ---------------------------------------------------------------------------


def _all_assignments(M: int, positions: int) -> np.ndarray:
    """Every input assignment in ``[0, M)^positions``, in lexicographic order."""
    return np.array(list(product(range(M), repeat=positions)), dtype=np.int64).reshape(M**positions, positions)


#: Evaluations (grid entries) the sketched full-grid mode computes at most; above it the grid engine samples.
SKETCH_MAX_ENTRIES = 2**31


def _grid_bytes(n_rows: int, n_cols: int, limit: int, compact: bool = False) -> int:
    """Bytes of an ``n_rows x n_cols`` grid matrix and its elimination: float64 (``48`` bytes an entry with
    the evaluation's temporaries), or, ``compact``, stored as int32 and eliminated by panels
    (:mod:`tnrnn.compact`, about 4 bytes an entry)."""
    floats = 48 * n_rows * n_cols + _BLOCK_BYTES
    if not compact or floats <= limit:
        return floats
    from ..compact import compact_memory, panel_width

    m, n = max(n_rows, n_cols), min(n_rows, n_cols)
    return max(4 * n_rows * n_cols + 3 * _BLOCK_BYTES, compact_memory(m, n, panel_width(m, n, limit)))


def _grid_compact(p: int) -> bool:
    """Whether grid matrices mod ``p`` can be stored as int32 and ranked by :mod:`tnrnn.compact`."""
    from ..elimination import blas_prime_ok

    return bool(p % 2) and blas_prime_ok(p) and field_dtype(p) == np.float64 and _kernels.available()


def _compact_grid_rank(rac, cut, rows, cols, output, progress, max_memory) -> tuple[int, float, float]:
    """``(rank, evaluate seconds, rank seconds)`` of the grid matrix on ``rows x cols``, evaluated a block
    of rows at a time into int32 storage and ranked by panels (:func:`tnrnn.compact.rank_compact`)."""
    from ..compact import COMPACT_DTYPE, rank_compact, to_compact

    p = rac.modulus
    t0 = time.perf_counter()
    A = np.empty((len(rows), len(cols)), dtype=COMPACT_DTYPE, order="F")
    block = max(1, _BLOCK_BYTES // (8 * len(cols)))
    starts = range(0, len(rows), block)
    for r0 in (progress(starts) if progress else starts):
        to_compact(grid_matrix(rac, cut, rows[r0 : r0 + block], cols, output), p, out=A[r0 : r0 + block])
    t1 = time.perf_counter()
    r = rank_compact(A, p, max_memory=max_memory)
    return r, t1 - t0, time.perf_counter() - t1


def _grid_plan(grid_rows: int, grid_cols: int, want: int, limit: int, compact: bool = False) -> str:
    """How the grid engine computes the rank; see :func:`grid_mode`."""
    full_bytes = _grid_bytes(grid_rows, grid_cols, limit, compact)  # the matrix and its elimination
    if full_bytes <= limit and min(grid_rows, grid_cols) <= max(2 * want, 4096):
        return "full"
    sketch_bytes = 48 * want * want + 16 * want * (grid_rows + grid_cols) + 2 * _BLOCK_BYTES
    if grid_rows * grid_cols <= SKETCH_MAX_ENTRIES and sketch_bytes <= limit:
        return "sketch"
    return "sample"


def grid_mode(rac: Circuit, cut: Cut, *, samples: int | None = None, margin: int = 16, upper: int | None = None,
              max_memory=None) -> str:
    """Which of its three modes the ``grid`` engine uses for ``cut``.

    ``"full"``
        The whole ``M^|S| x M^|E|`` grid matricization is evaluated and its
        rank taken: deterministic, the same for every sampling seed.  Chosen
        when the matrix fits ``max_memory`` and its smaller side is at most
        ``max(2 (upper + margin), 4096)`` (so that the elimination costs at
        most a few times the sketch's products).
    ``"sketch"``
        Every grid entry is evaluated, streamed by blocks of rows, and the
        matrix is compressed on the fly to ``A Z B`` with random ``A``
        (``n x M^|S|``) and ``B`` (``M^|E| x n``) over GF(p),
        ``n = upper + margin`` (a side with at most ``n`` grid points is kept
        whole).  ``rank(A Z B) <= rank Z`` always, with equality except with
        probability at most ``2 rank(Z) / p`` (docs/theory.rst, "Sketched
        grid ranks").  Chosen when the full matrix does not fit (or would be
        slower to eliminate) but at most :data:`SKETCH_MAX_ENTRIES` entries
        are to be evaluated.
    ``"sample"``
        Distinct grid rows and columns at random, doubled while the rank
        fills the sample: a certified lower bound without a guarantee of
        reaching the rank of the whole grid.  Chosen for grids too large to
        evaluate, or when ``samples`` is given.

    Examples
    --------
    >>> from tnrnn.circuits import RAC
    >>> rac = RAC.random_modular(3, 2, 3, prime=101, seed=0)
    >>> grid_mode(rac, Cut.start_end(8)), grid_mode(rac, Cut.start_end(16))
    ('full', 'sketch')
    >>> grid_mode(rac, Cut.start_end(8), samples=20)
    'sample'
    """
    if upper is None:
        upper = _default_upper(rac, cut)
    if samples is not None:
        return "sample"
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    M = rac.inputs
    p = getattr(rac, "modulus", None) or DEFAULT_PRIME  # a bare shape (cost estimates): the default prime
    return _grid_plan(M ** len(cut.start), M ** len(cut.end), upper + margin, limit, _grid_compact(p))


def _sketch_rank(rac, cut, n, rng, output, max_memory, threads, progress):
    """``rank(A Z B)`` with random ``A``, ``B`` (identity on a side with at most ``n`` grid points)."""
    p, M = rac.modulus, rac.inputs
    grid_rows, grid_cols = M ** len(cut.start), M ** len(cut.end)
    n_r, n_c = min(n, grid_rows), min(n, grid_cols)
    A = None if grid_rows <= n else rng.integers(0, p, size=(n, grid_rows), dtype=np.int64)
    B = None if grid_cols <= n else rng.integers(0, p, size=(grid_cols, n), dtype=np.int64)
    cols = _all_assignments(M, len(cut.end))
    block = max(1, _BLOCK_BYTES // (8 * grid_cols))
    check_memory(f"the sketched {n_r} x {n_c} matrix and a {min(block, grid_rows)} x {grid_cols} block of the grid",
                 8 * (n_r * n_c + n * (grid_rows + grid_cols) + 3 * min(block, grid_rows) * max(grid_cols, n))
                 + _BLOCK_BYTES, max_memory, "pass samples= (sampled rows and columns) or raise max_memory")
    Y = np.zeros((n_r, n_c), dtype=np.int64)
    t_eval = 0.0
    all_rows = _all_assignments(M, len(cut.start))
    starts = range(0, grid_rows, block)
    for r0 in (progress(starts) if progress else starts):
        r1 = min(grid_rows, r0 + block)
        rows = all_rows[r0:r1]
        t1 = time.perf_counter()
        Zb = grid_matrix(rac, cut, rows, cols, output)
        t_eval += time.perf_counter() - t1
        ZB = Zb if B is None else matmul_mod(Zb, B, p)
        if A is None:
            Y[r0:r1] = ZB
        else:
            Y = (Y + matmul_mod(A[:, r0:r1], ZB, p)) % p
    t2 = time.perf_counter()
    r = rank_mod(Y, p, threads)
    return r, n_r, n_c, t_eval, time.perf_counter() - t2


def _grid_engine(rac, cut, *, rng_seed, samples, margin, upper, output, max_memory, threads, progress):
    M = rac.inputs
    grid_rows, grid_cols = M ** len(cut.start), M ** len(cut.end)
    want = samples if samples is not None else upper + margin
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    compact = _grid_compact(rac.modulus)  # int32 storage where float64 does not fit (tnrnn.compact)
    mode = "sample" if samples is not None else _grid_plan(grid_rows, grid_cols, want, limit, compact)
    t0 = time.perf_counter()
    if mode == "full":
        check_memory(f"the full {grid_rows} x {grid_cols} grid matricization",
                     _grid_bytes(grid_rows, grid_cols, limit, compact), max_memory, "raise max_memory")
        rows, cols = _all_assignments(M, len(cut.start)), _all_assignments(M, len(cut.end))
        if 48 * grid_rows * grid_cols + _BLOCK_BYTES > limit:
            r, t_e, t_r = _compact_grid_rank(rac, cut, rows, cols, output, progress, max_memory)
            return ExactRank(r, "grid", rac.modulus, grid_rows, grid_cols, grid_rows, grid_cols, 1, t_e, t_r,
                             time.perf_counter() - t0, {"mode": "full", "storage": "int32 (tnrnn.compact)"})
        t1 = time.perf_counter()
        Z = grid_matrix(rac, cut, rows, cols, output, progress)
        t2 = time.perf_counter()
        r = rank_mod(Z, rac.modulus, threads)
        return ExactRank(r, "grid", rac.modulus, grid_rows, grid_cols, grid_rows, grid_cols, 1, t2 - t1,
                         time.perf_counter() - t2, time.perf_counter() - t0, {"mode": "full"})
    if mode == "sketch":
        rng = np.random.default_rng([rng_seed, 2])
        r, n_r, n_c, t_eval, t_rank = _sketch_rank(rac, cut, want, rng, output, max_memory, threads, progress)
        failure = ((grid_rows > want) + (grid_cols > want)) * r / rac.modulus
        return ExactRank(r, "grid", rac.modulus, n_r, n_c, grid_rows, grid_cols, 1, t_eval, t_rank,
                         time.perf_counter() - t0, {"mode": "sketch", "miss_probability": failure})
    n_rows, n_cols = min(grid_rows, want), min(grid_cols, want)
    if samples is None:  # refuse nothing: shrink the sample to what fits (the rank is still a lower bound)
        while _grid_bytes(n_rows, n_cols, limit, compact) > limit and max(n_rows, n_cols) > 1:  # with the elimination
            n_rows, n_cols = max(1, (n_rows * 7) // 8), max(1, (n_cols * 7) // 8)
    t_eval = t_rank = 0.0
    rounds = 0
    while True:
        rounds += 1
        in_int32 = compact and 16 * n_rows * n_cols + _BLOCK_BYTES > limit
        check_memory(
            f"the {n_rows} x {n_cols} evaluation matrix",
            _grid_bytes(n_rows, n_cols, limit, True) if in_int32 else 16 * n_rows * n_cols + _BLOCK_BYTES,
            max_memory,
            "pass a smaller samples= (the rank is then a lower bound) or raise max_memory",
        )
        rng = np.random.default_rng([rng_seed, rounds])
        rows = _assignments(M, len(cut.start), n_rows, rng)
        cols = _assignments(M, len(cut.end), n_cols, rng)
        if in_int32:
            r, t_e, t_r = _compact_grid_rank(rac, cut, rows, cols, output, progress, max_memory)
            t_eval, t_rank = t_eval + t_e, t_rank + t_r
        else:
            t1 = time.perf_counter()
            Z = grid_matrix(rac, cut, rows, cols, output, progress)
            t2 = time.perf_counter()
            r = rank_mod(Z, rac.modulus, threads)
            t3 = time.perf_counter()
            t_eval += t2 - t1
            t_rank += t3 - t2
            del Z
        saturated = r == min(n_rows, n_cols) and r < upper
        if not saturated or (n_rows == grid_rows and n_cols == grid_cols):
            break
        bigger = min(grid_rows, 2 * n_rows), min(grid_cols, 2 * n_cols)
        limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
        if min(16 * bigger[0] * bigger[1] + _BLOCK_BYTES, _grid_bytes(*bigger, limit, compact)) > limit:
            break  # certified as it stands; a larger sample would not fit
        n_rows, n_cols = bigger
    return ExactRank(r, "grid", rac.modulus, n_rows, n_cols, grid_rows, grid_cols, rounds,
                     t_eval, t_rank, time.perf_counter() - t0, {"mode": "sample"})


register_engine("grid", _grid_engine, lambda cut: True,
                "Z[i, j] = y(start_i, end_j): whole grid, a random sketch of it, or sampled rows/columns; any cut")


def _default_upper(circuit, cut: Cut) -> int:
    """The proven upper bound of ``circuit``'s kind (:func:`tnrnn.ranks.kinds.certified_upper`)."""
    from ..circuits import CircuitSpec
    from .kinds import certified_upper

    spec = CircuitSpec(getattr(circuit, "kind", "rac"), circuit.depth, circuit.hidden, circuit.inputs)
    return certified_upper(spec, cut).value


def _auto_engine(rac, cut: Cut, max_memory=None, margin: int = 16) -> str:
    kind = getattr(rac, "kind", "rac")
    if not cut.is_prefix or not _ENGINES["factored"].takes(cut, kind):
        return "grid"
    upper = closed_form_upper(rac.depth, rac.hidden, rac.inputs, cut)
    # the factored certificate needs D sampled starts and ends, and pays off when the degree bound is
    # the binding upper bound and either large or the grid too large to rank whole
    if upper.degree is not None and upper.degree <= min(upper.caps.values()) and (
            upper.degree >= 64 or grid_mode(rac, cut, margin=margin, upper=upper.value, max_memory=max_memory)
            != "full"):
        return "factored"
    return "grid"


def exact_rank(rac: Circuit, cut: Cut, *, engine: str = "auto", seed: int = 0, samples: int | None = None,
               margin: int = 16, upper: int | None = None, output: int = 0, max_memory=None,
               threads: int | None = None, progress=None) -> ExactRank:
    """The rank mod ``p`` of a circuit's grid matricization across ``cut``.

    Parameters
    ----------
    rac : Circuit
        A circuit over GF(p) (``rac.modulus`` set) of any layer kind (the
        ``factored`` engine takes ``rac`` only; ``auto`` never picks it for others).
    cut : Cut
    engine : str
        A name from :func:`list_engines`, or ``"auto"``.
    seed : int
        Seed of the row/column sampling.
    samples : int, optional
        Rows and columns to sample per side (default: ``upper + margin``,
        capped by the grid).
    margin : int
        Extra rows/columns beyond the upper bound.
    upper : int, optional
        A proven upper bound (default: the minimum of the closed forms).
    output : int
        The output channel.
    max_memory : int or str, optional
        Refuse above this estimate (default 4 GiB).
    threads : int, optional
        FLINT threads.
    progress : callable, optional
        Wraps iterables for a progress bar (e.g. ``tqdm.tqdm``).

    Examples
    --------
    >>> from tnrnn.circuits import RAC
    >>> rac = RAC.random_modular(2, 3, 3, prime=2**31 - 1, seed=0)
    >>> exact_rank(rac, Cut.start_end(4)).rank     # ((3, 2)) * 3 = 18 > grid cap 9
    9
    """
    if not isinstance(rac, Circuit) or rac.modulus is None:
        raise InvalidParameterError("rac", rac, "a circuit over GF(p) (RAC.random_modular, random_modular_circuit "
                                    "or .to_field(p))")
    if not isinstance(cut, Cut):
        raise InvalidParameterError("cut", cut, "a tnrnn.Cut")
    if not (isinstance(output, int) and 0 <= output < rac.outputs):
        raise InvalidParameterError("output", output, f"an integer in 0..{rac.outputs - 1}")
    if samples is not None and (not isinstance(samples, int) or samples < 1):
        raise InvalidParameterError("samples", samples, "an integer >= 1")
    if not isinstance(margin, int) or margin < 0:
        raise InvalidParameterError("margin", margin, "an integer >= 0")
    given, cut = cut, cut.oriented()  # a suffix start side: rank the transposed prefix cut (same rank)
    if upper is None:
        upper = _default_upper(rac, cut)
    name = _auto_engine(rac, cut, max_memory, margin) if engine == "auto" else engine
    if name not in _ENGINES:
        raise InvalidParameterError("engine", engine, "'auto' or one of " + ", ".join(map(repr, _ENGINES)))
    if not _ENGINES[name].takes(cut, rac.kind):
        takers = ", ".join(repr(n) for n, e in _ENGINES.items() if e.takes(cut, rac.kind))
        raise InvalidParameterError("engine", engine,
                                    f"an engine that handles the {cut.name} cut of a {rac.kind} circuit ({takers})")
    result = _ENGINES[name].func(rac, cut, rng_seed=seed, samples=samples, margin=margin, upper=upper,
                                 output=output, max_memory=max_memory, threads=threads, progress=progress)
    if cut is not given:
        result.details["ranked_as"] = f"{cut} (the transposed cut: same rank)"
    return result
