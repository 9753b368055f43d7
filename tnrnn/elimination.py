"""Exact Gaussian elimination over GF(p) on BLAS (float64 with delayed reduction).

This module computes ranks (and pivot rows and columns) of matrices mod a
prime ``p`` with the floating-point matrix products of BLAS, the technique of
FFLAS-FFPACK; the code is tnrnn's own (a recursive LU), with FLINT
(:func:`tnrnn.field.rank_mod` with ``via="clib"``) as the reference it is
tested against.

Representation and exactness
----------------------------
A residue is stored as an integer-valued float64 *near-symmetric
representative* ``a`` with ``|a| <= H = (p + 3) / 2`` (``p`` odd).
:func:`reduce_sym` maps any integer-valued float64 ``x``
to one: ``x - q * p`` with ``q = rint(x * fl(1/p))``, provided
``|x| <= B = 2**53 - p``.  The computed product ``y = x * fl(1/p)`` equals
``(x / p)(1 + d)`` with ``|d| <= 2**-52`` (two roundings of at most
``2**-53``), so ``|y - x / p| <= 2**53 / p * 2**-52 = 2 / p``.  Writing
``x / p = k + f`` with ``|f| <= 1/2``, ``q`` is ``k`` or (only when
``|f| > 1/2 - 2/p``) ``k +- 1``; so ``|q * p| <= |x| + p/2 + 2 < 2**53`` (the
room of ``p`` below ``2**53`` in ``B`` is needed: a quotient rounded up past
``2**53 / p`` would make ``q * p`` inexact), ``q * p`` and ``x - q * p`` are
exact integers, and ``|x - q * p| <= p/2 + 2``, i.e. at most ``H`` as an
integer.  A multiple of ``p`` reduces to exactly ``0``
(``|y - k| <= |k| 2**-52 < 1/2``), so zero tests on reduced entries are exact.

**The bound that makes every product exact.** A sum of ``k`` products of
representatives is an integer of absolute value at most ``k * H**2``; every
partial sum that BLAS forms, in whatever order and with or without fused
multiply-adds, is such a sum over a subset of the terms, hence an integer of
absolute value at most ``k * H**2`` (for an update ``C - A B`` by ``dgemm`` with
``alpha = -1, beta = 1``, ``c`` plus or minus such a sum).  If ``k * H**2 <= B < 2**53`` every
partial sum is exactly representable, the float64 result is the exact
integer, and it can be reduced.
Hence:

* ``A @ B`` with inner dimension ``k <= K1 = floor(B / H**2)`` is one
  GEMM followed by one reduction (``K1 >= 1`` for every ``p <=`` :data:`MAX_BLAS_PRIME`).
* The trailing updates ``C <- C - A @ B`` of the elimination need no reduction
  in between (delayed reduction): an entry that was reduced (``|c| <= H``) and
  has since absorbed updates of ``t`` products in all is at most
  ``H + t * H**2``, exact and reducible while
  ``t <= T1 = floor((B - H) / H**2)``.  The elimination counts ``t`` per block
  (``pending``) and reduces a block only before it would exceed ``T1``, and
  wherever an entry is read as a factor of a product or tested for zero.
* Longer products (only for primes above ``2**20``, or inner dimensions above
  ``T1``) split ``B = B_hi * beta + B_lo`` with the power of two
  ``beta = 2**ceil(bits(p) / 2)``, ``B_hi = rint(B / beta)`` (exact: division
  by a power of two) and ``B_lo = B - B_hi * beta``, so ``|B_lo| <= beta / 2``
  and ``|B_hi| <= H / beta + 1/2``; each of ``A @ B_hi`` and ``A @ B_lo`` is
  exact for inner dimension ``k <= K2 = floor(B / (H * m))`` with
  ``m = max(beta / 2, ceil(H / beta) + 1)`` (``K2 >= 2**13`` for every
  admissible prime), and
  ``A @ B = reduce(reduce(A @ B_hi) * beta + reduce(A @ B_lo))`` (the
  intermediate is at most ``H * beta + H <= B``).  Inner dimensions beyond
  ``K2`` are cut into chunks of ``K2`` whose reduced results are summed and
  reduced after each addition (``2 H <= B``); a fused trailing update takes
  chunks of ``K3 = floor((B - H - H * beta) / (H * m))`` terms, with
  ``C -= reduce(A @ B_hi) * beta`` and then ``C -= A @ B_lo`` keeping
  ``|C| <= H + H * beta + k * H * m <= B`` before one reduction.
* A rank-one update ``W -= l u^T`` adds at most ``H**2`` to an entry and
  counts as one product in ``pending``.

**The default prime: every trailing update is one GEMM.**
:data:`tnrnn.field.DEFAULT_PRIME` is ``p = 1048573 = 2**20 - 3``, the largest
prime below ``2**20``.  Then ``H = (p + 3) / 2 = 2**19`` exactly, ``H**2 = 2**38``
and ``B = 2**53 - p``, so

    ``k * H**2 <= B  <=>  k <= (2**53 - p) / 2**38 = 2**15 - p / 2**38``,

i.e. ``K1 = T1 = 32767 = 2**15 - 1`` (``H + 32767 * 2**38 = 2**53 - 2**38 + 2**19
<= 2**53 - p``, and one more term, ``32768 * 2**38 = 2**53``, is beyond ``B``;
``tests/test_elimination.py`` checks this edge).  This is the classical
criterion ``k * ((p - 1) / 2)**2 < 2**53`` of FFLAS-FFPACK for symmetric
residues, with the representative bound ``H = (p - 1) / 2 + 2`` of the
inexact quotient above.  The elimination's blocks never have a larger inner
dimension: a trailing update of an ``m x n`` matrix has inner dimension at most
``min(m, n)``, and the products an entry absorbs between two reductions number
at most the rank found to its left, again at most ``min(m, n)``.  So for
every matrix with ``min(m, n) <= 32767`` (a ``32767 x 32767`` float64 matrix
is 8.6 GB) and the default prime, every product-sum that BLAS forms in a
trailing-update GEMM, the triangular solves' GEMMs and the leaves' rank-one
updates is an exact integer, each update is a single GEMM, and entries are
reduced only once before they are read (``O(m n)`` reductions in all, none
after a GEMM).  The old default ``2**25 - 39``
(:data:`tnrnn.field.PREVIOUS_DEFAULT_PRIME`, still accepted everywhere) has
``K1 = T1 = 32``, which forces the two-limb products of the previous bullet:
twice the flops, and the reductions after every product.

:data:`MAX_BLAS_PRIME` is the largest odd bound on ``p`` with
``H**2 + H <= B`` (so that ``T1 >= 1`` and ``K1 >= 1``), about ``2**27.5``
(``189812525``); larger primes go to FLINT (:func:`tnrnn.field.rank_mod`).

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
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .errors import InvalidParameterError
from .limits import check_memory
from .records import Record

__all__ = ["MAX_BLAS_PRIME", "blas_prime_ok", "reduce_sym", "matmul_sym", "Pluq", "pluq", "rank_blas",
           "memory_estimate"]


def _bound(p: int) -> int:
    """``H = (p + 3) // 2``, the bound on reduced representatives (module docstring)."""
    return (p + 3) // 2


def _max_blas_prime() -> int:
    # the largest odd p with H^2 + H <= 2^53 - p, H = (p + 3) / 2
    p = 2 * int((2**53) ** 0.5) + 1
    while _bound(p) ** 2 + _bound(p) > 2**53 - p:
        p -= 2
    return p


#: Primes below or equal to this bound are handled by the BLAS elimination (about ``2**27.5``).
MAX_BLAS_PRIME = _max_blas_prime()

_TWO53 = 2**53


def blas_prime_ok(p: int) -> bool:
    """Whether odd ``p`` is small enough for exact float64 elimination (:data:`MAX_BLAS_PRIME`).

    Examples
    --------
    >>> blas_prime_ok(2**20 - 3), blas_prime_ok(2**31 - 1)
    (True, False)
    """
    return 3 <= p <= MAX_BLAS_PRIME


# -- array operations shared by numpy, cupy and torch -------------------------------------------------


class _Ops:
    """The handful of array operations the elimination uses, for one array library."""

    def __init__(self, like):
        mod = type(like).__module__.split(".")[0]
        self.torch = mod == "torch"
        if self.torch:
            import torch

            self.xp = torch
            self.device = like.device
        elif mod == "cupy":
            import cupy

            self.xp = cupy
            self.device = None
        else:
            self.xp = np
            self.device = None

    def rint(self, x, out=None):
        if self.torch:
            return self.xp.round(x, out=out) if out is not None else self.xp.round(x)
        return self.xp.rint(x, out=out) if out is not None else self.xp.rint(x)

    def zeros(self, shape):
        if self.torch:
            return self.xp.zeros(shape, dtype=self.xp.float64, device=self.device)
        return self.xp.zeros(shape, dtype=self.xp.float64)

    def idx(self, ints: np.ndarray):
        """Host integer indices in the form this library indexes with."""
        if self.torch:
            return self.xp.as_tensor(ints, dtype=self.xp.int64, device=self.device)
        if self.xp is not np:
            return self.xp.asarray(ints)
        return ints

    def cat(self, parts, axis):
        if self.torch:
            return self.xp.cat(parts, dim=axis)
        return self.xp.concatenate(parts, axis=axis)

    def copy(self, x):
        return x.clone() if self.torch else x.copy()

    def outer(self, a, b):
        return a[:, None] * b[None, :]

    def first_nonzero(self, col) -> int:
        """Index of the first nonzero entry, or -1."""
        nz = col != 0
        i = int(nz.argmax()) if not self.torch else int(self.xp.argmax(nz.to(self.xp.uint8)))
        return i if bool(nz[i]) else -1

    def amax_abs(self, x) -> float:
        if x.numel() == 0 if self.torch else x.size == 0:
            return 0.0
        return float(abs(x).max())


def reduce_sym(x, p: int, ops: _Ops | None = None):
    """In place: representatives of absolute value ``<= (p + 3) / 2`` of integer-valued ``x``.

    ``|x|`` must be at most ``2**53 - p`` (see the module docstring for the error analysis).

    Examples
    --------
    >>> reduce_sym(np.array([10.0, -10.0, 3.0, 2.0**52]), 7).tolist()
    [3.0, -3.0, 3.0, 2.0]
    """
    ops = ops or _Ops(x)
    q = x * (1.0 / p)
    ops.rint(q, out=q)
    q *= p
    x -= q
    return x


def _exact(p: int) -> int:
    """``B = 2**53 - p``: integers up to ``B`` in absolute value are exact and reducible."""
    return _TWO53 - p


def _k1(p: int) -> int:
    H = _bound(p)
    return _exact(p) // (H * H)


def _t1(p: int) -> int:
    H = _bound(p)
    return (_exact(p) - H) // (H * H)


def _limbs(p: int, fused: bool = False) -> tuple[int, int]:
    """``(beta, K2)`` of the two-limb split, or ``(beta, K3)`` for the fused update (module docstring)."""
    H = _bound(p)
    beta = 2 ** ((p.bit_length() + 1) // 2)
    m = max(beta // 2, -(-H // beta) + 1)
    if fused:
        return beta, (_exact(p) - H - H * beta) // (H * m)
    return beta, _exact(p) // (H * m)


@lru_cache(maxsize=1)
def _blas_controllers() -> tuple:
    """threadpoolctl's controllers of the loaded BLAS libraries (empty without threadpoolctl)."""
    if importlib.util.find_spec("threadpoolctl") is None:
        return ()
    from threadpoolctl import ThreadpoolController

    return tuple(ThreadpoolController().select(user_api="blas").lib_controllers)


#: Products with fewer multiply-adds than this run on one BLAS thread: threaded OpenBLAS
#: pays a wake-up latency on small products that dominates on a shared machine.
_SMALL_PRODUCT = 2**26


@contextmanager
def _one_thread(small: bool):
    ctls = _blas_controllers() if small else ()
    before = [c.num_threads for c in ctls]
    for c in ctls:
        c.set_num_threads(1)
    try:
        yield
    finally:
        for c, n in zip(ctls, before):
            c.set_num_threads(n)


def _dot(a, b, ops: _Ops):
    if ops.xp is np and a.shape[0] * a.shape[1] * b.shape[1] < _SMALL_PRODUCT:
        with _one_thread(True):
            return a @ b
    return a @ b


def _sub_product(c, a, b, p: int, ops: _Ops):
    """In place: ``c <- reduce(c - a @ b)`` for reduced ``c``, ``a``, ``b`` (module docstring, last bullet)."""
    k = a.shape[1]
    if k <= _t1(p):
        c -= _dot(a, b, ops)
        return reduce_sym(c, p, ops)
    beta, k3 = _limbs(p, fused=True)
    for k0 in range(0, k, k3):
        ac, bc = a[:, k0 : k0 + k3], b[k0 : k0 + k3]
        if ac.shape[0] * ac.shape[1] < bc.shape[0] * bc.shape[1]:  # split the smaller operand
            hi = ops.rint(ac * (1.0 / beta))
            lo = ac - hi * beta
            part = reduce_sym(_dot(hi, bc, ops), p, ops)
            part *= beta
            c -= part
            del part
            c -= _dot(lo, bc, ops)
        else:
            hi = ops.rint(bc * (1.0 / beta))
            lo = bc - hi * beta
            part = reduce_sym(_dot(ac, hi, ops), p, ops)
            part *= beta
            c -= part
            del part
            c -= _dot(ac, lo, ops)
        reduce_sym(c, p, ops)
    return c


def matmul_sym(a, b, p: int, ops: _Ops | None = None):
    """Exact ``a @ b mod p`` for symmetric representatives (float64), as representatives.

    Parameters
    ----------
    a : array, shape (n, k)
    b : array, shape (k, m)
        Integer-valued float64 with ``|entries| <= (p + 3) / 2``.
    p : int
        An odd prime ``<=`` :data:`MAX_BLAS_PRIME`.

    Examples
    --------
    >>> p = 2**25 - 39; h = (p + 3) // 2
    >>> a = np.full((1, 100), float(h)); b = np.full((100, 1), float(-h))
    >>> int(matmul_sym(a, b, p)[0, 0]) % p == (-100 * h * h) % p
    True
    """
    ops = ops or _Ops(a)
    k = a.shape[1]
    if k <= _k1(p):
        return reduce_sym(_dot(a, b, ops), p, ops)
    beta, k2 = _limbs(p)
    out = None
    for k0 in range(0, k, k2):
        ac, bc = a[:, k0 : k0 + k2], b[k0 : k0 + k2]
        if ac.shape[0] < bc.shape[1]:  # split the smaller operand into limbs
            hi = ops.rint(ac * (1.0 / beta))
            lo = ac - hi * beta
            part = reduce_sym(_dot(hi, bc, ops), p, ops)
            part *= beta
            part += reduce_sym(_dot(lo, bc, ops), p, ops)
        else:
            hi = ops.rint(bc * (1.0 / beta))
            lo = bc - hi * beta
            part = reduce_sym(_dot(ac, hi, ops), p, ops)
            part *= beta
            part += reduce_sym(_dot(ac, lo, ops), p, ops)
        reduce_sym(part, p, ops)
        if out is None:
            out = part
        else:
            out += part
            reduce_sym(out, p, ops)
    return out


# -- the elimination ---------------------------------------------------------------------------------


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
