"""The ``factored`` engine: prefix-cut ranks of RACs from monomial features and interpolation.

Registered with :func:`tnrnn.ranks.engines.register_engine` when :mod:`tnrnn.ranks` is imported.

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
from dataclasses import dataclass
from math import prod

import numpy as np

from ..circuits import RAC
from ..cuts import Cut
from ..elimination import _t1, memory_estimate
from ..errors import InvalidParameterError, MemoryLimitError
from ..field import field_dtype, matmul_mod, mul_mod, rank_mod
from ..limits import DEFAULT_MEMORY_LIMIT, check_memory, parse_memory
from . import _kernels
from .bounds import degree_bound, degree_exponents, multiset
from .engines import SKETCH_MAX_ENTRIES, ExactRank, register_engine
from .evaluation import _BLOCK_BYTES, _assignments, _features, _FieldCircuit, _monomials, _step

__all__ = ["FactoredMatrices", "factored_matrices", "factored_memory", "compact_side_memory", "WHOLE_SIDE_FACTOR"]


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


register_engine("factored", _factored_engine, lambda cut: cut.is_prefix,
                "monomial features at the cut times end coefficients by interpolation; prefix cuts; rac only",
                kinds=("rac",))


