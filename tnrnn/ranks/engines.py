"""Exact ranks of grid matricizations over GF(p).

A circuit over GF(p) (:meth:`tnrnn.RAC.random_modular`, or a float circuit
mapped with :meth:`tnrnn.RAC.to_field`) is evaluated exactly on grid inputs,
and the rank of the resulting matrix mod ``p`` is taken by
:func:`tnrnn.field.rank_mod` (tnrnn's float64 elimination on BLAS,
:mod:`tnrnn.elimination`, for large matrices and primes up to
:data:`tnrnn.elimination.MAX_BLAS_PRIME`; FLINT otherwise).  Any nonzero
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
    Prefix cuts, every depth. The output is ``Phi(state at the cut) @ Psi(end)`` where
    ``Phi`` lists the monomials of the degrees of
    :func:`tnrnn.ranks.bounds.degree_exponents`.  With ``D`` such monomials, the
    engine evaluates the end part at ``D / R`` interpolation points of the
    lower layers (the top layer is linear and handled by a backward covector,
    compiled for depth 2) and certifies ``rank Z = rank Z_G`` when ``Phi`` of
    the sampled starts has full column rank ``D``.  When ``D`` times the
    numbers of starts and ends fits the memory limit, every start and end is
    evaluated and both factors are sketched to ``D + margin`` random
    combinations (``mode`` ``sketch``), so that the ranks are those of the
    whole grid except with probability at most ``2 D / p``.

Why the factored certificate takes two eliminations, not one product
    ``rank Z = D`` holds iff some ``D x D`` minor ``Z[S, C]`` is nonzero, and
    ``Z[S, C] = Phi[S] Phi_G^{-1} Z_G[:, C]``, so
    ``det Z[S, C] = det Phi[S] det Z_G[:, C] / det Phi_G``; likewise a
    projection ``A Z B`` with random ``D``-row ``A`` and ``D``-column ``B`` is
    nonsingular iff ``A Phi`` and ``Z_G B`` are (``Phi_G`` is invertible by
    construction).  One elimination of the ``D x D`` product would certify
    ``rank Z = D``, but forming ``A Phi``, ``Z_G B`` and their product costs
    three ``D x D x D`` GEMMs (``2 D^3`` flops each) before the elimination
    (``2/3 D^3``), against ``4/3 D^3`` for eliminating ``Phi`` and ``Z_G``
    directly, which is the same certificate (both factors nonsingular).  The
    engine therefore takes ``rank Phi`` and then ``rank Z_G``, and forms the
    product ``Phi Phi_G^{-1} Z_G`` only when neither factor has rank ``D``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from math import prod

import numpy as np

from ..circuits import RAC, Circuit
from ..cuts import Cut
from ..elimination import _t1, memory_estimate
from ..errors import InvalidParameterError, MemoryLimitError
from ..field import DEFAULT_PRIME, field_dtype, matmul_mod, mul_mod, rank_mod
from ..limits import DEFAULT_MEMORY_LIMIT, check_memory, parse_memory
from . import _kernels
from .bounds import closed_form_upper, degree_bound, degree_exponents, multiset
from .evaluation import _BLOCK_BYTES, _assignments, _features, _FieldCircuit, _monomials, _step, grid_matrix

__all__ = [
    "ExactRank", "exact_rank", "list_engines", "register_engine", "grid_matrix",
    "FactoredMatrices", "factored_matrices", "grid_mode", "SKETCH_MAX_ENTRIES", "engine_applies",
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


def _interpolation_points(R: int, degree: int, p: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Points whose degree-``degree`` monomial (Vandermonde) matrix is invertible mod p."""
    n = multiset(R, degree)
    for _ in range(8):
        pts = rng.integers(0, p, size=(n, R)).astype(field_dtype(p))
        V = _monomials(pts, degree, p)
        if rank_mod(V, p) == n:
            return pts, V
    raise RuntimeError(f"no invertible {n} x {n} Vandermonde matrix mod {p} in 8 draws")  # probability < 8 n^2 / p


def _end_covectors(fc: _FieldCircuit, points: list, cut: Cut, cols: np.ndarray, output: int, progress) -> np.ndarray:
    """``Z_G[(a, g), j]``: the output for end ``j`` from the cut state with
    ``h^L = e_a`` and lower layers at grid point ``g``."""
    p = fc.p
    R, L = fc.hidden, fc.depth
    s = len(cut.start)
    E = len(cut.end)
    # lower-layer states of the product grid, ordered like np.ndindex over the point sets
    sizes = [len(pts) for pts in points]  # points[k-1] belongs to layer L-k
    n_g = prod(sizes)
    grids = np.indices(sizes).reshape(len(sizes), -1) if sizes else np.zeros((0, 1), dtype=np.int64)
    lower0 = [None] * (L - 1)
    for k in range(1, L):
        lower0[L - 1 - k] = points[k - 1][grids[k - 1]][:, None, :]
    w_top_in = fc.input_weights[L - 1].T
    w_top = fc.hidden_weights[L - 1]
    dt = fc.output_weights.dtype
    out = np.empty((R, n_g, len(cols)), dtype=dt)
    block = max(1, _BLOCK_BYTES // (8 * R * (E + L + 4) * n_g))
    starts = range(0, len(cols), block)
    for c0 in (progress(starts) if progress else starts):
        cc = cols[c0 : c0 + block]
        n_b = len(cc)
        if L == 1:
            factors = [fc.feed[cc[:, i]][None, :, :] for i in range(E)]
        else:
            # Layer 1 is linear in its state at the cut: h^1_{s+i} = h^1_{s-1} @ T_i with
            # T_i = T_{i-1} @ W^{H,1}.T @ diag(W^{I,1} e_{x_{s+i}}), one T_i per column.
            T = np.broadcast_to(np.eye(R, dtype=dt), (n_b, R, R))
            transfers = []
            for i in range(E):
                T = mul_mod(matmul_mod(T, fc.hidden_weights[0].T, p), fc.feed[cc[:, i]][:, None, :], p)
                transfers.append(T)
            T_all = np.stack(transfers)  # (E, n_b, R, R)
            if L == 2:  # fold in the top layer's input weights
                T_all = matmul_mod(T_all, w_top_in, p)
            pts = points[L - 2]  # the distinct layer-1 points
            if L == 2 and _kernels.available() and dt == np.float64:  # compiled backward covectors
                c = _kernels.covectors_depth2(pts, T_all, w_top, fc.output_weights[output], p, _t1(p))
                out[:, :, c0 : c0 + n_b] = c.transpose(1, 2, 0)
                continue
            H = matmul_mod(pts, T_all.transpose(2, 0, 1, 3).reshape(R, -1), p).reshape(len(pts), E, n_b, R)
            if L == 2:
                factors = [H[:, i] for i in range(E)]
            else:
                states = list(lower0) + [None]
                factors = []
                for i in range(E):
                    h1 = H[grids[L - 2], i]  # layer-1 states over the product grid
                    below = _step(fc, states, h1, s + i, range(1, L - 1))
                    factors.append(matmul_mod(below, w_top_in, p))
        c = fc.output_weights[output][None, None, :]
        for u in reversed(factors):  # c <- (c * u) W^{H,L}: y = c . h^L at the cut
            c = matmul_mod(mul_mod(c, u, p), w_top, p)
        out[:, :, c0 : c0 + n_b] = np.broadcast_to(c, (n_g, n_b, R)).transpose(2, 0, 1)
    return out.reshape(R * n_g, len(cols))


@dataclass(frozen=True)
class FactoredMatrices:
    """The matrices whose ranks the ``factored`` engine certifies.

    For a prefix cut the grid matricization factors as ``Z = phi @ psi`` with
    ``phi`` the monomial features of the sampled starts' states at the cut
    and ``psi`` the end coefficients; ``end = Phi_G @ psi`` is evaluated at
    interpolation points whose feature matrix ``Phi_G = I_R ⊗ V_1 ⊗ ...`` is
    invertible (``vandermondes`` are the ``V_k``).

    Attributes
    ----------
    phi : numpy.ndarray, shape (rows, features)
    end : numpy.ndarray, shape (features, cols)
    vandermondes : tuple of numpy.ndarray
    features : int
        ``D``, the degree bound.
    rows, cols, grid_rows, grid_cols : int
    prime : int
    seconds : float
    """

    phi: np.ndarray
    end: np.ndarray
    vandermondes: tuple
    features: int
    rows: int
    cols: int
    grid_rows: int
    grid_cols: int
    prime: int
    seconds: float


@dataclass(frozen=True)
class _FactoredPlan:
    """What both sides of the factored engine share: the sampled starts and ends, the
    interpolation points (drawn once, so that the two sides can be built one after the other)."""

    fc: _FieldCircuit
    rows: np.ndarray
    cols: np.ndarray
    points: list
    vandermondes: tuple
    degrees: tuple
    features: int
    grid_rows: int
    grid_cols: int
    seconds: float


def factored_memory(features: int, rows: int, cols: int, parts=("phi", "end"), hidden: int = 1) -> int:
    """Bytes :func:`factored_matrices` needs for ``parts``, at most.

    The float64 matrices themselves (``rows x features`` and ``features x cols``),
    two blocks of evaluation temporaries, and on the start side the monomials of
    the lower layers and their products while the features are assembled (at
    most ``2 rows features / hidden`` more entries).  Measured (``ru_maxrss`` of a
    process, benchmarks/README.md): ``L = 2, R = M = 4`` peaked at 0.94 GiB
    (``T = 40``) and 1.94 GiB (``T = 48``) in all, the interpreter's 0.17 GiB
    included; with the elimination's, the estimates are 0.93 and 1.94 GiB.
    """
    start = rows * features + 2 * rows * (features // max(hidden, 1))
    return 8 * (start * ("phi" in parts) + features * cols * ("end" in parts)) + 2 * _BLOCK_BYTES


#: The factored engine takes a whole side (every start or every end sequence) instead of a sample of
#: ``D + margin`` when the side has at most this many times as many grid points (and it fits the memory limit).
WHOLE_SIDE_FACTOR = 4

#: Bytes of evaluation temporaries per block of a side built into compact (int32) storage.
_COMPACT_BLOCK_BYTES = 2**26


def _compact_block(features: int, hidden: int) -> int:
    """Rows (or columns) of a side evaluated at a time for the compact path: the float64 block, the lower
    layers' monomials and their products (``3 features`` entries a row at most) within
    :data:`_COMPACT_BLOCK_BYTES`."""
    return max(1, _COMPACT_BLOCK_BYTES // (8 * 3 * features))


def compact_side_memory(features: int, samples: int, hidden: int = 1, max_memory=None) -> int:
    """Bytes of one side of the factored engine built as ``int32`` and ranked by
    :func:`tnrnn.compact.rank_compact`: the side (``4 samples features``), then the larger of its
    evaluation blocks and the elimination's panels (:func:`tnrnn.compact.compact_memory` at the panel
    width the limit allows).

    Examples
    --------
    >>> compact_side_memory(26180, 26196) < 4 * 2**30      # L = 2, R = M = 4, T = 64
    True
    """
    from ..compact import compact_memory, panel_width

    side = 4 * samples * features
    block = min(samples, _compact_block(features, hidden)) * features * 8 * 3 + _BLOCK_BYTES
    m, n = max(samples, features), min(samples, features)
    return max(side + block, compact_memory(m, n, panel_width(m, n, max_memory)))


def _compact_side_rank(plan, cut, part, output, progress, max_memory) -> tuple[int, float, float]:
    """``(rank, evaluate seconds, rank seconds)`` of one side built block by block into ``int32``
    storage (tall: ``samples x D``, the end side transposed) and ranked by panels."""
    from ..compact import COMPACT_DTYPE, rank_compact, to_compact

    fc, D, p = plan.fc, plan.features, plan.fc.p
    t0 = time.perf_counter()
    n = len(plan.rows) if part == "phi" else len(plan.cols)
    A = np.empty((n, D), dtype=COMPACT_DTYPE, order="F")
    b = _compact_block(D, fc.hidden)
    if part == "phi":
        states: list = [None] * fc.depth
        for t in range(len(cut.start)):
            _step(fc, states, fc.feed[plan.rows[:, t]], t, range(fc.depth))
        blocks = range(0, n, b)
        for r0 in (progress(blocks) if progress else blocks):
            to_compact(_features([st[r0 : r0 + b] for st in states], plan.degrees, p), p, out=A[r0 : r0 + b])
        del states
    else:
        blocks = range(0, n, b)
        for c0 in (progress(blocks) if progress else blocks):
            to_compact(_end_covectors(fc, plan.points, cut, plan.cols[c0 : c0 + b], output, None).T, p,
                       out=A[c0 : c0 + b])
    t1 = time.perf_counter()
    r = rank_compact(A, p, max_memory=max_memory)
    return r, t1 - t0, time.perf_counter() - t1


def _factored_plan(rac, cut, seed, samples, margin, max_memory, parts, sequential=False,
                   compact=False) -> _FactoredPlan:
    M, R, L = rac.inputs, rac.hidden, rac.depth
    s, E = len(cut.start), len(cut.end)
    if not cut.is_prefix:
        raise InvalidParameterError("cut", str(cut), "a prefix cut (start-end or prefix:s)")
    degrees = degree_exponents(L, E)
    D = degree_bound(L, R, E)
    grid_rows, grid_cols = M**s, M**E
    want = samples if samples is not None else D + margin
    sampled = min(grid_rows, want), min(grid_cols, want)
    # a side with at most WHOLE_SIDE_FACTOR * want grid points is taken whole (by default, when it fits):
    # its rank is then that of the whole side, not of a sample of it
    whole = tuple(g if samples is None and g <= WHOLE_SIDE_FACTOR * want else n
                  for g, n in zip((grid_rows, grid_cols), sampled))
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    for n_rows, n_cols in dict.fromkeys((whole, sampled)):
        if sequential and compact:  # one side at a time, stored as int32 and ranked by panels
            need = max(compact_side_memory(D, rows_or_cols, R, max_memory)
                       for part, rows_or_cols in (("phi", n_rows), ("end", n_cols)) if part in parts)
        elif sequential:  # one side at a time, ranked in place (its elimination's extra memory included)
            need = max(factored_memory(D, n_rows, n_cols, (part,), R) + memory_estimate(*shape, overwrite=True)
                       for part, shape in (("phi", (n_rows, D)), ("end", (D, n_cols))) if part in parts)
        else:
            need = factored_memory(D, n_rows, n_cols, parts, R)
        if need <= limit:
            break
    what = (" or " if sequential else " and ").join({"phi": f"{n_rows} x {D}", "end": f"{D} x {n_cols}"}[part]
                                                     for part in parts)
    if sequential and compact:
        what = "int32 " + what
    check_memory(f"the factored engine's {what} matrix" + ("" if sequential else "es"), need, max_memory,
                 "use engine='grid' with samples= below the degree bound, or raise max_memory")
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, 1])
    rows = _assignments(M, s, n_rows, rng)
    cols = _assignments(M, E, n_cols, rng)
    points, vandermondes = [], []
    for k in range(1, L):
        pts, V = _interpolation_points(R, degrees[k], rac.modulus, rng)
        points.append(pts)
        vandermondes.append(V)
    return _FactoredPlan(_FieldCircuit.of(rac), rows, cols, points, tuple(vandermondes), degrees, D, grid_rows,
                         grid_cols, time.perf_counter() - t0)


def _factored_phi(plan: _FactoredPlan, cut: Cut) -> np.ndarray:
    """The start side: the states at the cut of the sampled starts, then their monomial features."""
    fc = plan.fc
    states: list = [None] * fc.depth
    for t in range(len(cut.start)):
        _step(fc, states, fc.feed[plan.rows[:, t]], t, range(fc.depth))
    return _features(states, plan.degrees, fc.p)


def factored_matrices(rac: RAC, cut: Cut, *, seed: int = 0, samples: int | None = None, margin: int = 16,
                      output: int = 0, max_memory=None, progress=None, parts=("phi", "end")) -> FactoredMatrices:
    """Evaluate the ``factored`` engine's matrices for a prefix cut (no ranks taken).

    Entries are residues mod ``rac.modulus`` (float64 symmetric representatives
    or int64, see :func:`tnrnn.field.field_dtype`).  ``parts`` selects the sides
    to evaluate (``"phi"``, ``"end"``; a side not asked for is ``None``): the
    engine builds, ranks and frees one side before the other.

    Examples
    --------
    >>> rac = RAC.random_modular(2, 2, 2, prime=101, seed=0)
    >>> fm = factored_matrices(rac, Cut.start_end(8))
    >>> fm.features, fm.phi.shape, fm.end.shape        # D = 2 * ((2, 4)) = 10
    (10, (16, 10), (10, 16))
    """
    plan = _factored_plan(rac, cut, seed, samples, margin, max_memory, parts)
    return _factored_build(plan, cut, output, progress, parts)


def _factored_build(plan, cut, output, progress, parts) -> FactoredMatrices:
    t0 = time.perf_counter()
    phi = _factored_phi(plan, cut) if "phi" in parts else None
    end = _end_covectors(plan.fc, plan.points, cut, plan.cols, output, progress) if "end" in parts else None
    return FactoredMatrices(phi, end, plan.vandermondes, plan.features, len(plan.rows), len(plan.cols),
                            plan.grid_rows, plan.grid_cols, plan.fc.p, plan.seconds + time.perf_counter() - t0)


def _factored_ranks(fm, phi, end, R, threads):
    """``(rank Z, rank Phi, rank Psi side, formed product)`` from the factored matrices."""
    p, D = fm.prime, fm.features
    r_start = rank_mod(phi, p, threads)
    r_end = rank_mod(end, p, threads)
    if r_start == D:  # Phi injective: rank(Phi Psi) = rank(Psi) = rank(Phi_G Psi)
        return r_end, r_start, r_end, False
    if r_end == D:  # Psi surjective: rank(Phi Psi) = rank(Phi)
        return r_start, r_start, r_end, False
    return _formed_rank(fm, phi, end, R, threads), r_start, r_end, True


def _formed_rank(fm, phi, end, R, threads) -> int:
    """``rank(Phi Phi_G^{-1} Z_G)``: the rank when neither factor has full rank ``D``."""
    p, D = fm.prime, fm.features
    import flint

    psi = np.remainder(end, p).astype(np.int64).reshape([R] + [len(V) for V in fm.vandermondes] + [-1])
    for axis, V in enumerate(fm.vandermondes, start=1):
        inv = np.array(flint.nmod_mat(np.remainder(V.astype(np.int64), p).tolist(), p).inv().tolist(), dtype=np.int64)
        psi = np.moveaxis(matmul_mod(np.moveaxis(psi, axis, -1), inv.T, p), -1, axis)
    return rank_mod(matmul_mod(np.remainder(phi, p).astype(np.int64), psi.reshape(D, -1), p), p, threads)


def _use_compact(rac, cut, samples, margin, max_memory) -> bool:
    """Whether the factored engine stores its sides as int32 (:mod:`tnrnn.compact`): when their float64
    copies and in-place eliminations do not fit ``max_memory`` but the compact ones do, for primes of
    the float64 field representation with numba installed."""
    from ..elimination import blas_prime_ok

    p, R = rac.modulus, rac.hidden
    if field_dtype(p) != np.float64 or not (p % 2 and blas_prime_ok(p)) or not _kernels.available():
        return False
    D = degree_bound(rac.depth, R, len(cut.end))
    M = rac.inputs
    want = samples if samples is not None else D + margin
    n_rows, n_cols = min(M ** len(cut.start), want), min(M ** len(cut.end), want)
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    floats = max(factored_memory(D, n_rows, n_cols, (part,), R) + memory_estimate(*shape, overwrite=True)
                 for part, shape in (("phi", (n_rows, D)), ("end", (D, n_cols))))
    if floats <= limit:
        return False
    return max(compact_side_memory(D, n, R, max_memory) for n in (n_rows, n_cols)) <= limit


def _factored_engine(rac, cut, *, rng_seed, samples, margin, upper, output, max_memory, threads, progress):
    M, p, R = rac.inputs, rac.modulus, rac.hidden
    grid_rows, grid_cols = M ** len(cut.start), M ** len(cut.end)
    D = degree_bound(rac.depth, R, len(cut.end))
    n = D + margin
    limit = DEFAULT_MEMORY_LIMIT if max_memory is None else parse_memory(max_memory)
    t0 = time.perf_counter()
    # first D + margin sampled starts and ends: when both factors have rank D, rank Z = D is certified.
    # One side at a time, built in float64 and ranked in place, then freed: the peak is one matrix.
    # When the float64 sides do not fit the limit, each side is stored as int32 (tnrnn.compact).
    compact = _use_compact(rac, cut, samples, margin, max_memory)
    plan = _factored_plan(rac, cut, rng_seed, samples, margin, max_memory, ("phi", "end"), sequential=True,
                          compact=compact)
    seconds_eval, seconds_rank, side_ranks = plan.seconds, 0.0, {}
    for part in ("phi", "end"):
        if compact:
            side_ranks[part], t_e, t_r = _compact_side_rank(plan, cut, part, output, progress, max_memory)
            seconds_eval, seconds_rank = seconds_eval + t_e, seconds_rank + t_r
            continue
        t = time.perf_counter()
        fm = _factored_build(plan, cut, output, progress, (part,))
        mat = fm.phi if part == "phi" else fm.end
        fm = dataclasses.replace(fm, phi=None, end=None)
        t1 = time.perf_counter()
        side_ranks[part] = rank_mod(mat, p, threads, overwrite=True)
        del mat
        seconds_eval, seconds_rank = seconds_eval + t1 - t, seconds_rank + time.perf_counter() - t1
    if compact:
        fm = FactoredMatrices(None, None, plan.vandermondes, D, len(plan.rows), len(plan.cols), grid_rows,
                              grid_cols, p, 0.0)
    r_start, r_end = side_ranks["phi"], side_ranks["end"]
    formed = r_start < D and r_end < D
    r = r_end if r_start == D else r_start
    details_extra = {}
    if formed and compact:  # the product only if it fits; else Sylvester: rank(Phi Psi) >= r_start + r_end - D
        try:
            factored_memory_check = factored_memory(D, len(plan.rows), len(plan.cols), ("phi", "end"), R)
            check_memory("the factored product", factored_memory_check + 8 * len(plan.rows) * len(plan.cols),
                         max_memory)
        except MemoryLimitError:
            r, formed = max(0, r_start + r_end - D), False
            details_extra = {"formed_product": "not formed (memory): Sylvester's bound r_start + r_end - D"}
    if formed:  # neither side has full rank: both again (the same draws), and their product
        t = time.perf_counter()
        both = factored_matrices(rac, cut, seed=rng_seed, samples=samples, margin=margin, output=output,
                                 max_memory=max_memory, progress=progress)
        r = _formed_rank(both, both.phi, both.end, R, threads)
        del both
        seconds_rank += time.perf_counter() - t
    details = {"features": D, "mode": "sample" if fm.rows < grid_rows or fm.cols < grid_cols else "full"}
    rows, cols = fm.rows, fm.cols
    # otherwise every start and end, sketched to n rows/columns by random combinations (docs/theory.rst)
    whole = (samples is None and r < D and (fm.rows < grid_rows or fm.cols < grid_cols)
             and 24 * D * (grid_rows + grid_cols) + 8 * n * (grid_rows + grid_cols) + 2 * _BLOCK_BYTES <= limit
             and grid_rows * D + D * grid_cols <= SKETCH_MAX_ENTRIES)
    if whole:
        fm = factored_matrices(rac, cut, seed=rng_seed, samples=max(grid_rows, grid_cols), margin=margin,
                               output=output, max_memory=max_memory, progress=progress)
        seconds_eval += fm.seconds
        rng = np.random.default_rng([rng_seed, 3])
        phi, end = fm.phi, fm.end
        if grid_rows > n:
            phi = matmul_mod(rng.integers(0, p, size=(n, grid_rows), dtype=np.int64),
                             np.remainder(phi, p).astype(np.int64), p)
        if grid_cols > n:
            end = matmul_mod(np.remainder(end, p).astype(np.int64),
                             rng.integers(0, p, size=(grid_cols, n), dtype=np.int64), p)
        r, r_start, r_end, formed = _factored_ranks(fm, phi, end, R, threads)
        rows, cols = phi.shape[0], end.shape[1]
        sketched = (grid_rows > n) + (grid_cols > n)
        details.update(mode="sketch" if sketched else "full", miss_probability=sketched * D / p)
    details.update(start_feature_rank=r_start, end_coefficient_rank=r_end, **details_extra)
    if compact:
        details["storage"] = "int32 (tnrnn.compact)"
    if formed:
        details["formed_product"] = True
    t3 = time.perf_counter()
    return ExactRank(r, "factored", p, rows, cols, grid_rows, grid_cols, 2 if whole else 1,
                     seconds_eval, t3 - t0 - seconds_eval, t3 - t0, details)


register_engine("grid", _grid_engine, lambda cut: True,
                "Z[i, j] = y(start_i, end_j): whole grid, a random sketch of it, or sampled rows/columns; any cut")
register_engine("factored", _factored_engine, lambda cut: cut.is_prefix,
                "monomial features at the cut times end coefficients by interpolation; prefix cuts; rac only",
                kinds=("rac",))


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
