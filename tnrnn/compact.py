"""Exact elimination over GF(p) of a matrix stored compactly: 32-bit residues, float64 panels.

:func:`tnrnn.elimination.pluq` works in place on a float64 copy of the
matrix (8 bytes an entry).  The residues themselves need far fewer bits: a
reduced representative satisfies ``|a| <= H = (p + 3) / 2``, i.e. 20 bits
for the default prime ``2**20 - 3`` and at most 28 bits for every prime the
BLAS elimination accepts (:data:`tnrnn.modarith.MAX_BLAS_PRIME` is about
``2**27.5``).  Storing them as ``int32`` halves the memory, which is what lets
the ``26196 x 26180`` matrices of the certified ``L = 2, R = M = 4, T = 64``
rank fit the default 4 GiB (2.7 GB in ``int32``, 5.5 GB in float64).

The elimination (:func:`rank_compact`)
--------------------------------------
A *left-looking* blocked LU: the ``m x n`` ``int32`` matrix ``A``
(Fortran order) is taken in column *panels* of ``w`` columns, as wide as the
memory limit allows.  With ``k`` pivots found so far, rows ``0 .. k-1`` are
the pivot rows in elimination order and each earlier panel ``i`` has left in
its own leading columns, rows ``k_i ..``, its ``L`` factor (``r_i`` columns:
a unit lower triangle on its pivot rows ``k_i .. k_i + r_i - 1`` and the
multipliers below), as reduced residues.  Panel ``j`` is

1. loaded as a float64 copy ``F`` (``m x w``) of its columns;
2. updated by every earlier panel ``i``, in chunks of at most ``g`` of its
   ``L`` columns (converted to float64 one chunk at a time): the chunk's
   pivot rows of ``F`` are solved by the chunk's unit lower triangle
   (:func:`tnrnn.elimination._trsm_cpu`, the rows of ``U``), and the rows
   below lose ``L_chunk @ U_chunk`` (one BLAS ``dgemm``);
3. eliminated below row ``k`` by the in-place recursive elimination of
   :mod:`tnrnn.elimination` (:func:`~tnrnn.elimination._lu_cpu`), which
   finds ``r_j`` pivots, swaps their rows to the top of ``F[k:]`` and their
   columns to the left of the panel;
4. the same row swaps are applied to rows ``k ..`` of every other column of
   ``A`` (only the rows that move are copied), and the panel's ``r_j`` pivot
   columns, reduced, are written back to ``A``; ``k <- k + r_j``.

This is the column-by-column order of the right-looking elimination
(``A = P^T L U Q^T``): after step 2, ``F`` holds exactly the panel's columns of
the Schur complement of the first ``k`` pivots (rows ``k ..``) and of ``U``
(rows ``0 .. k-1``), so the panel's pivots and its rank are those the
in-place elimination would find on the whole matrix, and ``rank A`` is the
sum of the ``r_j``.  A panel whose columns are dependent on the earlier ones
contributes no pivot and no ``L`` column (rank deficiency costs nothing).

Exactness
---------
Every product is a float64 ``dgemm`` of reduced representatives
(``|a| <= H``) and falls under the bounds proven in :mod:`tnrnn.elimination`:
the rows of ``F`` below the current chunk carry a count of unreduced products
(``pending``), at most the rank found so far, which never exceeds
``min(m, n)``; with the default prime the bound is ``T1 = 32767`` products,
so for ``min(m, n) <= 32767`` no reduction follows any GEMM, and for other
primes :func:`~tnrnn.elimination._gemm_sub` reduces before the bound would be
passed (the same delayed-reduction rule as the in-place elimination).  The
triangular solve reduces its right-hand side first, and the written-back
``L`` columns are reduced (``|a| <= H < 2**31``: they fit ``int32`` exactly).
Conversions between ``int32`` and float64 are exact (integers below
``2**31``).  The result is the exact rank mod ``p``; ``tests/test_compact.py``
checks it against FLINT on hostile matrices (rank deficient panels, zero
columns, repeated rows, several panels and chunks, primes with ``T1 = 32``).

Memory
------
``4 m n`` bytes for ``A`` plus ``8 m (w + g)`` for the panel and the converted
chunk, plus the in-place elimination's temporaries on the panel
(:func:`tnrnn.elimination.memory_estimate` with ``overwrite``):
:func:`compact_memory` states it, :func:`panel_width` chooses ``w`` from the
memory limit.  The conversions cost ``m n^2 / (2 w)`` entry copies in all
(about ``n / (3 w)`` of the elimination's multiply-adds, a few percent at the
widths the default limit allows).

Examples
--------
>>> import numpy as np
>>> a = np.asfortranarray([[1, 2, 3], [2, 4, 6], [1, 0, 1]], dtype=np.int32)
>>> rank_compact(a, 101, panel=1)
2
"""

from __future__ import annotations

import numpy as np

from .elimination import (
    _TRSM_BASE,
    _apply_rows,
    _cpu_kernels,
    _gemm_sub,
    _lu_cpu,
    _trsm_cpu,
    blas_prime_ok,
    memory_estimate,
)
from .errors import InvalidParameterError
from .limits import check_memory, resolve_memory

__all__ = ["COMPACT_DTYPE", "PROCESS_RESERVE", "compact_memory", "panel_width", "rank_compact", "to_compact"]

#: The storage type of compact residues (``|a| <= (p + 3) / 2 < 2**31`` for every BLAS prime).
COMPACT_DTYPE = np.int32

#: ``L`` columns converted to float64 at a time (the inner dimension of the update GEMMs).
CHUNK = 512

#: Panels are at least this wide (narrower panels would spend their time converting).
MIN_PANEL = 256


def compact_memory(m: int, n: int, panel: int, chunk: int = CHUNK) -> int:
    """Bytes :func:`rank_compact` needs for an ``m x n`` matrix with panels of ``panel`` columns.

    Examples
    --------
    >>> compact_memory(26196, 26180, 4096) < 4 * 2**30
    True
    """
    w = min(panel, n)
    return 4 * m * n + 8 * m * (w + min(chunk, n)) + memory_estimate(m, w, overwrite=True)


#: Bytes left to the process itself when panels are sized: the interpreter with numpy, scipy and numba
#: loaded, and the caller's small arrays.  The T = 64 run of benchmarks/README.md peaked 0.18 GiB above
#: :func:`compact_memory` with panels sized without it.
PROCESS_RESERVE = 3 * 2**27


def panel_width(m: int, n: int, max_memory=None, chunk: int = CHUNK) -> int:
    """The widest panel (a multiple of 256, at least :data:`MIN_PANEL`, at most ``n``) that keeps
    :func:`compact_memory` plus :data:`PROCESS_RESERVE` within ``max_memory`` (default 4 GiB);
    ``MIN_PANEL`` when none does (the caller's memory check then refuses).

    Examples
    --------
    >>> panel_width(1000, 800)
    800
    >>> 2048 <= panel_width(26196, 26180) <= 8192
    True
    """
    limit = resolve_memory(max_memory) - PROCESS_RESERVE
    if compact_memory(m, n, n, chunk) <= limit:
        return n
    lo, hi = MIN_PANEL, n
    while hi - lo > 256:
        mid = (lo + hi) // 2 // 256 * 256
        if mid <= lo:
            break
        if compact_memory(m, n, mid, chunk) <= limit:
            lo = mid
        else:
            hi = mid
    return lo


def to_compact(x, p: int, out=None):
    """``int32`` representatives (``|a| <= (p + 3) / 2``) of integer-valued ``x``, into ``out`` if given.

    Examples
    --------
    >>> to_compact(np.array([[10.0, -10.0], [3.0, 7.0]]), 7).tolist()
    [[3, -3], [3, 0]]
    """
    x = np.asarray(x)
    if x.dtype.kind == "f":
        r = x - np.rint(x * (1.0 / p)) * p  # |x| <= 2**53 - p (module docstring of tnrnn.elimination)
    else:
        r = np.remainder(x.astype(np.int64), p)
        r = np.where(r > p // 2, r - p, r)
    if out is None:
        return np.asarray(r, dtype=COMPACT_DTYPE)
    out[...] = r
    return out


def rank_compact(A, p: int, *, max_memory=None, panel: int | None = None, chunk: int = CHUNK) -> int:
    """The rank over GF(p) of the ``int32`` matrix ``A`` (Fortran order; destroyed), by panels.

    Parameters
    ----------
    A : numpy.ndarray of int32, shape (m, n), Fortran order
        Representatives of absolute value at most ``(p + 3) / 2`` (:func:`to_compact`); used as the
        workspace (its contents are destroyed).
    p : int
        An odd prime ``<=`` :data:`tnrnn.modarith.MAX_BLAS_PRIME`.
    max_memory : int or str, optional
        Refuse (:class:`tnrnn.errors.MemoryLimitError`) above it; also sizes the panels.
    panel, chunk : int, optional
        Columns per panel (default: :func:`panel_width`) and ``L`` columns converted at a time.

    Returns
    -------
    int

    Examples
    --------
    >>> a = np.asfortranarray(np.arange(12).reshape(4, 3) % 5, dtype=np.int32)
    >>> rank_compact(a, 7, panel=2, chunk=1)
    3
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p % 2 == 0 or not blas_prime_ok(int(p)):
        raise InvalidParameterError("p", p, "an odd prime <= MAX_BLAS_PRIME")
    if not isinstance(A, np.ndarray) or A.dtype != COMPACT_DTYPE or A.ndim != 2 or not (
            A.flags.f_contiguous and A.flags.writeable):
        raise InvalidParameterError("A", type(A).__name__, "a writeable Fortran-order int32 matrix (to_compact)")
    for name, value in (("panel", panel), ("chunk", chunk)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise InvalidParameterError(name, value, "an integer >= 1")
    p = int(p)
    m, n = A.shape
    if A.size == 0:
        return 0
    w = panel or panel_width(m, n, max_memory, chunk)
    check_memory(f"the compact elimination of a {m} x {n} matrix", compact_memory(m, n, w, chunk), max_memory,
                 "raise max_memory")
    K = _cpu_kernels()
    if K is None:  # no numba: FLINT
        from .field import rank_mod

        return rank_mod(A, p, via="clib")
    fp = float(p)
    k = 0
    panels: list[tuple[int, int, int]] = []  # (first pivot row, first column, rank) of each panel
    for c0 in range(0, n, w):
        if k == m:
            break
        c1 = min(n, c0 + w)
        F = np.asfortranarray(A[:, c0:c1], dtype=np.float64)
        pend = 0  # products absorbed by the rows of F below the current frontier
        for k_i, s_i, r_i in panels:
            for q0 in range(0, r_i, chunk):
                q1 = min(r_i, q0 + chunk)
                f = k_i + q0
                G = np.asfortranarray(A[f:, s_i + q0 : s_i + q1], dtype=np.float64)
                g = q1 - q0
                _trsm_cpu(G[:g, :g], F[f : f + g], p, pend, _TRSM_BASE, K)  # rows of U, reduced
                pend = _gemm_sub(F[f + g :], G[g:], F[f : f + g], p, pend, K)
                del G
        r, rperm, cperm = _lu_cpu(F[k:], p, pend, 32, _TRSM_BASE, K)
        if r:
            _apply_rows(A[k:, :c0], rperm)
            _apply_rows(A[k:, c1:], rperm)
            piv = F[k:, :r]
            K.reduce_block(piv, fp)
            A[k:, c0 : c0 + r] = piv
            del piv  # a view: it would keep this panel alive while the next one is allocated
            panels.append((k, c0, r))
            k += r
        del F
    return k

