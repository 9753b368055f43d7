"""Exact Gaussian elimination over GF(p) on BLAS (float64 with delayed reduction).

This module computes ranks (and pivot rows and columns) of matrices mod a
prime ``p`` with the floating-point matrix products of BLAS, the technique of
FFLAS-FFPACK; the code is tnrnn's own (a recursive LU), with FLINT
(:func:`tnrnn.field.rank_mod` with ``via="clib"``) as the reference it is
tested against.

Representation and exactness
----------------------------
Residues are integer-valued float64 near-symmetric representatives, and every
product is exact by the bounds proven in :mod:`tnrnn.modarith` (which holds
the arithmetic: :func:`~tnrnn.modarith.reduce_sym`,
:func:`~tnrnn.modarith.matmul_sym`, :data:`~tnrnn.modarith.MAX_BLAS_PRIME`);
this module counts the products each block has absorbed (``pending``) and
reduces before the count would pass ``T1``.

The elimination
---------------
:func:`pluq` factors an ``m x n`` matrix ``A`` recursively on its columns
(Toledo's recursive LU, adapted to rank deficiency): with ``A = [A1 | A2]``,

1. factor ``A1``: pivot rows ``R1``, pivot columns ``Q1`` and an ``m x r1``
   matrix ``L1`` whose rows ``R1`` form a unit lower triangular matrix, such
   that ``A1[R1, Q1]`` is invertible and the Schur complement
   ``A1 - L1 L1[R1]^{-1} A1[R1]`` is zero;
2. ``X = L1[R1]^{-1} A2[R1]`` by a recursive triangular solve (GEMMs), and the
   Schur complement of the other rows ``S = A2[rest] - L1[rest] X`` by one GEMM
   (rows ``R1`` of the complement are zero);
3. factor ``S``: pivot rows ``R2`` (among ``rest``), columns ``Q2``, ``L2``;
4. ``R = R1 + R2``, ``Q = Q1 + (n1 + Q2)``, ``L = [L1 | L2 on rows rest]``
   (rows ``R`` of ``L`` are again unit lower triangular).

Correctness: ``rank A = rank A1[R1, Q1] + rank(Schur complement)`` because
elimination by the invertible block leaves the rank unchanged, and the
complement of ``A1`` is zero, so ``rank A = r1 + rank S``.  Leaves (at most
``base`` columns) are eliminated column by column: the first nonzero entry of
the (reduced) column is the pivot, ``l = column / pivot`` becomes a column of
``L`` and the rank-one update ``W -= l W[pivot]`` clears the pivot row; a zero
column is skipped, which is how rank deficiency is handled.  The result does
not depend on floating-point rounding: every operation is exact by the bounds
above.  The flop count is that of an LU (``~ m n r`` multiply-adds); primes above
``2**20`` double it (the limb split of long products).

On CPU (numpy arrays, numba installed) the same recursion runs *in place*
on one Fortran-order float64 array, like LAPACK's recursive ``getrf``: the
pivot rows are swapped to the top of the block and the pivot columns to its
left, so ``L`` sits below the diagonal of the leading columns and ``U`` above
it; the triangular solve overwrites ``A2[R1]`` (blocks of at most 64 rows are
inverted outright and applied by one GEMM); the Schur complement is one
in-place BLAS ``dgemm`` (``C <- C - A B``, no temporary); the leaves (at most
32 columns) are compiled (:mod:`tnrnn.ranks._numba_kernels`), and the pivot
is the first nonzero entry of the reduced column, so that on a matrix with
nonzero leading minors no row moves at all.  Row and column permutations are
applied only to the rows and columns that move.  With the default prime no
reduction follows any GEMM (previous section).  The generic code below
serves torch (CPU or CUDA) and cupy arrays: it only uses matrix products,
elementwise arithmetic, ``rint`` and indexing.

Examples
--------
>>> import numpy as np
>>> a = np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]])
>>> rank_blas(a, 101)
2
>>> sorted(pluq(a, 101).cols.tolist())
[0, 1]
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import InvalidParameterError
from .limits import check_memory
from .modarith import (
    _SMALL_PRODUCT,
    MAX_BLAS_PRIME,
    _dot,
    _exact,
    _k1,
    _one_thread,
    _Ops,
    _sub_product,
    _t1,
    blas_prime_ok,
    matmul_sym,
    reduce_sym,
)
from .records import Record

__all__ = ["Pluq", "pluq", "rank_blas", "memory_estimate"]


@dataclass(frozen=True)
class Pluq(Record):
    """Pivots of an exact elimination over GF(p).

    Attributes
    ----------
    rank : int
    rows, cols : numpy.ndarray of int64
        Pivot rows and pivot columns in elimination order: ``A[rows][:, cols]``
        is invertible mod ``p`` and has the rank of ``A``.
    prime : int
    """

    rank: int
    rows: np.ndarray
    cols: np.ndarray
    prime: int

    def to_dict(self) -> dict:
        """JSON-safe fields."""
        return {"rank": self.rank, "rows": self.rows.tolist(), "cols": self.cols.tolist(), "prime": self.prime}

    def __str__(self) -> str:
        return f"rank {self.rank} mod {self.prime} (pivot rows {self.rows[:8].tolist()}...)"


_EMPTY = np.zeros(0, dtype=np.int64)


def _leaf(W, p: int, ops: _Ops):
    """Column-by-column elimination of a reduced panel (modified in place)."""
    m, nb = W.shape
    rows, cols, ls = [], [], []
    t1, pending = _t1(p), 0
    for j in range(nb):
        col = W[:, j]
        if pending:
            reduce_sym(col, p, ops)
        i = ops.first_nonzero(col)
        if i < 0:
            continue
        inv = pow(int(col[i]) % p, -1, p)
        inv = inv - p if inv > (p - 1) // 2 else inv
        l_col = reduce_sym(col * float(inv), p, ops)
        rows.append(i)
        cols.append(j)
        ls.append(l_col)
        if len(rows) == m:
            break
        if j + 1 < nb:
            u = W[i, j + 1 :]
            if pending:
                u = reduce_sym(ops.copy(u), p, ops)
            else:
                u = ops.copy(u)
            if pending >= t1:
                reduce_sym(W[:, j + 1 :], p, ops)
                pending = 0
            W[:, j + 1 :] -= ops.outer(l_col, u)
            pending += 1
    if ls:
        L = ls[0][:, None] if len(ls) == 1 else ops.cat([v[:, None] for v in ls], axis=1)
    else:
        L = ops.zeros((m, 0))
    return np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64), L


def _unit_lower_inverse(T, p: int, ops: _Ops):
    """``T^{-1}`` for a small unit lower triangular ``T`` (reduced), by forward substitution on ``I``."""
    r = T.shape[0]
    X = ops.zeros((r, r))
    diag = ops.idx(np.arange(r))
    X[diag, diag] = 1.0
    t1, pending = _t1(p), 0
    for i in range(r - 1):
        if pending:
            reduce_sym(X[i], p, ops)
        if pending >= t1:
            reduce_sym(X[i + 1 :], p, ops)
            pending = 0
        X[i + 1 :] -= ops.outer(T[i + 1 :, i], X[i])
        pending += 1
    return reduce_sym(X, p, ops)


def _trsm(T, B, p: int, ops: _Ops, base: int, out=None):
    """``T^{-1} B`` for unit lower triangular ``T`` (reduced); returns reduced representatives.

    Recursive on halves of ``T``; blocks of at most ``base`` rows are inverted
    and applied by one product. ``out`` (same shape as ``B``) receives the result.
    """
    r = T.shape[0]
    if out is None:
        out = ops.xp.empty(tuple(B.shape), dtype=B.dtype, device=ops.device) if ops.torch else ops.xp.empty(B.shape)
    if r <= base:
        out[...] = matmul_sym(_unit_lower_inverse(T, p, ops), B, p, ops)
        return out
    h = r // 2
    X1 = _trsm(T[:h, :h], B[:h], p, ops, base, out[:h])
    B2 = _sub_product(ops.copy(B[h:]), T[h:, :h], X1, p, ops)
    _trsm(T[h:, h:], B2, p, ops, base, out[h:])
    return out


def _lu(A, p: int, ops: _Ops, base: int):
    m, n = A.shape
    if m == 0 or n == 0:
        return _EMPTY, _EMPTY, ops.zeros((m, 0))
    if n <= base:
        W = ops.copy(A)
        if not ops.torch:
            W = ops.xp.asfortranarray(W)
        return _leaf(W, p, ops)
    n1 = n // 2
    R1, Q1, L1 = _lu(A[:, :n1], p, ops, base)
    r1 = len(R1)
    if r1 == m:
        return R1, Q1, L1
    A2 = A[:, n1:]
    rest = np.setdiff1d(np.arange(m), R1, assume_unique=True)
    rest_i = ops.idx(rest)
    if r1:
        R1_i = ops.idx(R1)
        X = _trsm(L1[R1_i], A2[R1_i], p, ops, base)
        S = _sub_product(A2[rest_i], L1[rest_i], X, p, ops)
        del X
    else:
        S = A2
    R2, Q2, L2 = _lu(S, p, ops, base)
    del S
    r2 = len(R2)
    if r2 == 0:
        return R1, Q1, L1
    L = ops.xp.empty((m, r1 + r2), dtype=L1.dtype, device=ops.device) if ops.torch else ops.xp.empty((m, r1 + r2))
    L[:, :r1] = L1
    if r1:
        L[ops.idx(R1), r1:] = 0.0
    L[rest_i, r1:] = L2
    return np.concatenate([R1, rest[R2]]), np.concatenate([Q1, n1 + Q2]), L


# -- the CPU elimination: in place, compiled leaves, delayed reduction ------------------------------

_NP = _Ops(np.zeros(0))

#: Rows of the triangular blocks inverted outright in the CPU elimination's triangular solves.
_TRSM_BASE = 64


@lru_cache(maxsize=1)
def _blas_dgemm():
    """BLAS ``dgemm`` from scipy's Cython table as a ctypes function, or None.

    It updates a strided block in place (``C <- C - A B``), which numpy's ``matmul``
    cannot: numpy would write the product to a temporary and subtract it in a
    single-threaded pass.
    """
    if importlib.util.find_spec("scipy") is None:
        return None
    import ctypes

    from scipy.linalg import cython_blas

    capsule = cython_blas.__pyx_capi__.get("dgemm")
    if capsule is None:
        return None
    api = ctypes.pythonapi
    api.PyCapsule_GetName.restype = ctypes.c_char_p
    api.PyCapsule_GetName.argtypes = [ctypes.py_object]
    api.PyCapsule_GetPointer.restype = ctypes.c_void_p
    api.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
    ptr = api.PyCapsule_GetPointer(capsule, api.PyCapsule_GetName(capsule))
    if not ptr:
        return None
    ip, dp, vp, cp = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_double), ctypes.c_void_p, ctypes.c_char_p
    func = ctypes.CFUNCTYPE(None, cp, cp, ip, ip, ip, dp, vp, ip, vp, ip, dp, vp, ip)(ptr)
    one, minus = ctypes.c_double(1.0), ctypes.c_double(-1.0)
    byref, c_int = ctypes.byref, ctypes.c_int

    def lead(x):
        """(trans, leading dimension) of a 2-d float64 view for column-major BLAS, or None."""
        rows, cols = x.shape
        s0, s1 = x.strides
        if s0 == 8 or rows == 1:
            return b"N", max(s1 // 8 if cols > 1 else rows, rows, 1)
        if s1 == 8 or cols == 1:
            return b"T", max(s0 // 8 if rows > 1 else cols, cols, 1)
        return None

    def sub_gemm(c, a, b) -> bool:
        """``c -= a @ b`` in place; False (nothing done) if a layout does not suit BLAS."""
        if c.strides[0] != 8 and c.shape[0] > 1:
            return False
        la, lb = lead(a), lead(b)
        if la is None or lb is None or max(c.shape + a.shape) >= 2**31:
            return False
        m, n = c.shape
        k = a.shape[1]
        ldc = max(c.strides[1] // 8 if n > 1 else m, m, 1)
        func(la[0], lb[0], byref(c_int(m)), byref(c_int(n)), byref(c_int(k)), byref(minus),
             a.ctypes.data, byref(c_int(la[1])), b.ctypes.data, byref(c_int(lb[1])), byref(one),
             c.ctypes.data, byref(c_int(ldc)))
        return True

    return sub_gemm


def _sub_dot(c, a, b) -> None:
    """``c -= a @ b`` (in place through BLAS when possible)."""
    if c.size == 0 or a.shape[1] == 0:
        return
    gemm = _blas_dgemm()
    small = a.shape[0] * a.shape[1] * b.shape[1] < _SMALL_PRODUCT
    with _one_thread(small):
        if gemm is not None and gemm(c, a, b):
            return
        c -= a @ b


def _gemm_sub(c, a, b, p, pend, K):
    """``c -= a @ b`` keeping the exactness bound; returns the new pending count of ``c``."""
    k = a.shape[1]
    t1 = _t1(p)
    if k == 0:
        return pend
    if pend + k <= t1:
        _sub_dot(c, a, b)
        return pend + k
    if pend:
        K.reduce_block(c, float(p))
    if k <= t1:
        _sub_dot(c, a, b)
        return k
    _sub_product(c, a, b, p, _NP)  # long products of large primes: limbs, result reduced
    return 0


def _trsm_cpu(T, B, p, pend, tb, K):
    """In place: ``B <- T^{-1} B`` for the unit lower triangle of ``T`` (r x r); ``B`` carries
    ``pend`` products on entry and is reduced on exit."""
    r = T.shape[0]
    if r <= tb:
        if pend:
            K.reduce_block(B, float(p))
        inv = K.unit_lower_inverse(T, float(p), _t1(p))
        if r <= _k1(p):  # one GEMM, reduced into B
            K.reduce_into(_dot(inv, B, _NP), B, float(p))
        else:
            B[...] = matmul_sym(inv, B, p, _NP)
        return
    h = r // 2
    _trsm_cpu(T[:h, :h], B[:h], p, pend, tb, K)
    pend2 = _gemm_sub(B[h:], T[h:, :h], B[:h], p, pend, K)
    _trsm_cpu(T[h:, h:], B[h:], p, pend2, tb, K)


#: Columns moved at a time by the CPU elimination's row and column permutations (bounds their temporaries).
_MOVE_CHUNK = 1024


def _apply_rows(X, perm):
    """In place: ``X <- X[perm]``, moving only the rows that move, a chunk of columns at a time."""
    moved = np.flatnonzero(perm != np.arange(len(perm)))
    if len(moved):
        src = perm[moved]
        for c0 in range(0, X.shape[1], _MOVE_CHUNK):
            X[moved, c0 : c0 + _MOVE_CHUNK] = X[src, c0 : c0 + _MOVE_CHUNK]


def _move_columns(A, dst: int, src: int, count: int):
    """In place: columns ``src .. src + count`` to ``dst .. dst + count`` (``dst < src``; what the
    destination held, non-pivot columns, is never read again), left to right in chunks that do not
    overlap their sources."""
    step = min(src - dst, _MOVE_CHUNK)
    for c0 in range(0, count, step):
        c1 = min(count, c0 + step)
        A[:, dst + c0 : dst + c1] = A[:, src + c0 : src + c1]


def _lu_cpu(A, p, pend, nb, tb, K):
    """In-place rank-revealing LU of the Fortran-order block ``A`` (m x n) whose entries carry
    ``pend`` unreduced products. Returns ``(rank, row permutation, column permutation)``."""
    m, n = A.shape
    if n <= nb:
        rperm = np.arange(m)
        cperm = np.arange(n)
        r = K.leaf_lu(A, float(p), pend, _t1(p), rperm, cperm)
        return r, rperm, cperm
    n1 = n // 2
    r1, rperm, cperm1 = _lu_cpu(A[:, :n1], p, pend, nb, tb, K)
    if r1 == m:
        return r1, rperm, np.concatenate([cperm1, n1 + np.arange(n - n1)])
    A2 = A[:, n1:]
    _apply_rows(A2, rperm)
    pend2 = pend
    if r1:
        _trsm_cpu(A[:r1, :r1], A2[:r1], p, pend, tb, K)
        pend2 = _gemm_sub(A2[r1:], A[r1:, :r1], A2[:r1], p, pend, K)
    r2, rperm2, cperm2 = _lu_cpu(A2[r1:], p, pend2, nb, tb, K)
    cperm = np.concatenate([cperm1, n1 + cperm2])
    if r2:
        _apply_rows(A[r1:, :r1], rperm2)  # the rows of L1; the left block's other columns are not read again
        rperm[r1:] = rperm[r1:][rperm2]
        if r1 < n1:  # bring the right block's pivot columns next to the left block's
            _move_columns(A, r1, n1, r2)
            cperm[r1 : r1 + r2] = cperm[n1 : n1 + r2]  # only the first r1 + r2 entries are read
    return r1 + r2, rperm, cperm


def _as_residues(z, p: int):
    """``z`` as float64 representatives (``|x| <= H``) on its own library and device.

    Integers are reduced by ``remainder``; floats must be finite integers (any size: a
    float64 at or above ``2**53`` is an integer, and ``fmod`` is exact in IEEE arithmetic).
    """
    mod = type(z).__module__.split(".")[0]
    if mod == "torch":
        import torch

        floating = z.dtype.is_floating_point
        x = z.to(torch.float64, copy=True) if floating else torch.remainder(z.to(torch.int64), p).to(torch.float64)
    elif mod == "cupy":
        import cupy

        floating = z.dtype.kind == "f"
        x = z.astype(cupy.float64) if floating else cupy.remainder(z.astype(cupy.int64), p).astype(cupy.float64)
    else:
        z = np.asarray(z)
        if z.dtype.kind not in "iuf":
            raise InvalidParameterError("z", f"{z.dtype} array", "an integer or integer-valued float matrix")
        floating = z.dtype.kind == "f"
        if floating:
            x = z.astype(np.float64)
        elif z.size and z.dtype != np.uint64 and -_exact(p) <= int(z.min()) and int(z.max()) <= _exact(p):
            x = z.astype(np.float64)  # exact, and within the reach of reduce_sym
        else:
            x = np.remainder(z.astype(object) if z.dtype == np.uint64 else z.astype(np.int64), p).astype(np.float64)
    if x.ndim != 2:
        raise InvalidParameterError("z", f"an array of shape {tuple(x.shape)}", "a 2-d matrix")
    ops = _Ops(x)
    if floating and (x.numel() if ops.torch else x.size):
        if ops.torch:
            integral = bool(torch.isfinite(x).all()) and bool((x == torch.round(x)).all())
        else:
            integral = bool(ops.xp.isfinite(x).all()) and bool((x == ops.rint(x)).all())
        if not integral:
            raise InvalidParameterError("z", "non-integer or non-finite floats", "finite integer-valued entries")
        x = ops.xp.fmod(x, p)  # |x| < p afterwards
    reduce_sym(x, p, ops)
    return x, ops


def _cpu_kernels():
    """The compiled leaves of the CPU elimination, or None without numba."""
    if importlib.util.find_spec("numba") is None:
        return None
    from .ranks import _kernels

    return _kernels.kernels("elimination")


def _cpu_residues(z, p: int, overwrite: bool, K):
    """``(X, transposed)``: Fortran-order float64 representatives of ``z`` (or of ``z.T`` when
    ``transposed``; the rank is the same), ``z``'s own memory when ``overwrite`` allows."""
    z = np.asarray(z)
    if z.ndim != 2:
        raise InvalidParameterError("z", f"an array of shape {z.shape}", "a 2-d matrix")
    if z.dtype.kind not in "iuf":
        raise InvalidParameterError("z", f"{z.dtype} array", "an integer or integer-valued float matrix")
    transposed = False
    if overwrite and z.dtype == np.float64 and z.flags.writeable and (z.flags.f_contiguous or z.flags.c_contiguous):
        x = z if z.flags.f_contiguous else z.T
        transposed = not z.flags.f_contiguous
    elif z.dtype.kind == "f":  # a copy in the order it has (transposing while copying is slow)
        x = np.array(z, dtype=np.float64, order="K", copy=True)
        x, transposed = (x, False) if x.flags.f_contiguous else (np.ascontiguousarray(x).T, True)
    elif z.size and z.dtype != np.uint64 and -_exact(p) <= int(z.min()) and int(z.max()) <= _exact(p):
        x = np.asfortranarray(z, dtype=np.float64)  # exact, and within the reach of the reduction
    else:
        x = np.asfortranarray(np.remainder(z.astype(object) if z.dtype == np.uint64 else z.astype(np.int64), p)
                              .astype(np.float64))
    if x.size and K.check_reduce(x, float(p)):
        raise InvalidParameterError("z", "non-integer or non-finite floats", "finite integer-valued entries")
    return x, transposed


#: Bytes of BLAS workspace (OpenBLAS's GEMM buffers) counted by :func:`memory_estimate`.
_BLAS_WORKSPACE = 2**26


def memory_estimate(m: int, n: int, overwrite: bool = False) -> int:
    """Bytes :func:`pluq` allocates for an ``m x n`` matrix on CPU, at most.

    The Fortran-order float64 copy ``8 m n`` (none with ``overwrite``), and
    temporaries that do not grow with the matrix: a leaf's panel (32 columns),
    a triangular block's product (64 rows) and the rows moved by a permutation,
    a chunk of :data:`_MOVE_CHUNK` columns at a time (``8 m 1024``), plus BLAS's
    workspace.  Measured in a fresh process (``ru_maxrss``, benchmarks/README.md):
    a 6000 x 6016 rank took 289 MB more than the matrix itself without
    ``overwrite`` (the copy) and 11.5 MB with it; the estimate is 410 MB and 121 MB.
    (The generic path for torch and cupy keeps ``L`` factors and Schur complements:
    ``40 m n``.)

    Examples
    --------
    >>> memory_estimate(11716, 11700, overwrite=True) < 2**28
    True
    """
    big = max(m, n)
    return (0 if overwrite else 8 * m * n) + 8 * (_TRSM_BASE + 32) * big + 8 * m * _MOVE_CHUNK + _BLAS_WORKSPACE


def pluq(z, p: int, *, base: int | None = None, max_memory=None, overwrite: bool = False) -> Pluq:
    """Rank and pivots of a matrix over GF(p) by recursive elimination on BLAS.

    Parameters
    ----------
    z : array_like, shape (m, n)
        Integers (any representatives) or integer-valued floats; numpy, torch
        (CPU or CUDA) or cupy arrays (computed where they live).
    p : int
        An odd prime ``<=`` :data:`MAX_BLAS_PRIME`.
    base : int, optional
        Columns of the leaves eliminated one by one (``>= 1``; default 32 on
        CPU, 16 for torch and cupy).
    max_memory : int or str, optional
        Refuse (:class:`tnrnn.errors.MemoryLimitError`) when
        :func:`memory_estimate` exceeds it (default 4 GiB).
    overwrite : bool
        Use a contiguous float64 numpy ``z`` as the workspace (its contents are
        destroyed) instead of copying it.

    Returns
    -------
    Pluq

    Examples
    --------
    >>> z = np.array([[0, 0, 0], [0, 2, 4], [1, 1, 1]])
    >>> res = pluq(z, 7)
    >>> res.rank, sorted(res.rows.tolist()), sorted(res.cols.tolist())
    (2, [1, 2], [0, 1])
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or not blas_prime_ok(int(p)) or p % 2 == 0:
        raise InvalidParameterError("p", p, f"an odd prime between 3 and {MAX_BLAS_PRIME} (MAX_BLAS_PRIME)")
    if base is not None and (isinstance(base, bool) or not isinstance(base, int) or base < 1):
        raise InvalidParameterError("base", base, "an integer >= 1")
    p = int(p)
    shape = tuple(getattr(z, "shape", np.shape(z)))
    on_cpu = type(z).__module__.split(".")[0] not in ("torch", "cupy")
    K = _cpu_kernels() if on_cpu else None
    if len(shape) == 2:
        estimate = memory_estimate(*shape, overwrite=overwrite) if K is not None else 40 * shape[0] * shape[1]
        check_memory(f"the elimination of a {shape[0]} x {shape[1]} matrix", estimate, max_memory,
                     "raise max_memory or rank a smaller sample")
    if K is not None:
        x, transposed = _cpu_residues(z, p, overwrite, K)
        m, n = x.shape
        if x.size == 0:
            return Pluq(0, _EMPTY, _EMPTY, p)
        r, rperm, cperm = _lu_cpu(x, p, 0, base or 32, _TRSM_BASE, K)
        rows, cols = rperm[:r].astype(np.int64), cperm[:r].astype(np.int64)
        return Pluq(r, cols, rows, p) if transposed else Pluq(r, rows, cols, p)
    x, ops = _as_residues(z, p)
    rows, cols, _ = _lu(x, p, ops, base or 16)
    return Pluq(len(rows), rows, cols, p)


def rank_blas(z, p: int, *, base: int | None = None, max_memory=None, overwrite: bool = False) -> int:
    """The rank of ``z`` over GF(p) by :func:`pluq`.

    Examples
    --------
    >>> rank_blas(np.array([[1, 2], [2, 4]]), 7), rank_blas(np.eye(3), 7)
    (1, 3)
    """
    return pluq(z, p, base=base, max_memory=max_memory, overwrite=overwrite).rank
