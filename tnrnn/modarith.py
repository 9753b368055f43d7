"""Exact arithmetic mod a prime on float64 BLAS: representatives, reductions and products.

The arithmetic of :mod:`tnrnn.elimination` (and of the GF(p) engines that use its bounds): residues
as integer-valued float64 representatives, their reduction, and matrix products whose every partial
sum is an exact integer, on numpy, cupy or torch arrays.

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
"""

from __future__ import annotations

import importlib.util
from contextlib import contextmanager
from functools import lru_cache

import numpy as np

__all__ = ["MAX_BLAS_PRIME", "blas_prime_ok", "reduce_sym", "matmul_sym"]


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
