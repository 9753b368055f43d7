"""Exact arithmetic in the prime field GF(p), p < 2**31.

Values live in ``int64`` arrays holding residues in ``[0, p)``.  Two residues
multiply to less than ``2**62``, so an elementwise product never overflows.
Matrix products go through float64 BLAS on 16-bit limbs: a residue ``a`` is
split as ``a = a_hi * 2**16 + a_lo`` with ``a_hi < 2**15`` and
``a_lo < 2**16``; a dot product of at most 64 terms of ``a_lo * b`` is below
``64 * 2**16 * 2**31 = 2**53`` and therefore exact in float64 whatever the
summation order, and likewise for ``a_hi``.  Ranks are computed by FLINT's
``nmod_mat_rank`` (python-flint), called through its C library when it can be
loaded so that no per-entry Python objects are built.
"""

from __future__ import annotations

import ctypes
import glob
import os
from functools import lru_cache

import numpy as np

from .errors import InvalidParameterError

__all__ = [
    "DEFAULT_PRIME",
    "MAX_PRIME",
    "check_prime",
    "is_prime",
    "mul_mod",
    "matmul_mod",
    "to_field",
    "rank_mod",
]

#: The default modulus: the Mersenne prime 2**31 - 1.
DEFAULT_PRIME = 2**31 - 1
#: Moduli must be below this bound.
MAX_PRIME = 2**31

_CHUNK = 64  # terms per exact float64 partial dot product (see module docstring)


def is_prime(n: int) -> bool:
    """Whether ``n`` is prime (FLINT's deterministic test for word sizes).

    Examples
    --------
    >>> is_prime(2**31 - 1), is_prime(2**31 - 3)
    (True, False)
    """
    import flint

    return n >= 2 and bool(flint.fmpz(int(n)).is_prime())


def check_prime(p, name: str = "prime") -> int:
    """Return ``p`` as an int if it is a prime in ``3..2**31-1``, else raise.

    Raises
    ------
    InvalidParameterError
        Naming ``name`` and the allowed values.
    """
    allowed = "a prime number between 3 and 2**31 - 1"
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        raise InvalidParameterError(name, p, allowed)
    p = int(p)
    if not (3 <= p < MAX_PRIME) or not is_prime(p):
        raise InvalidParameterError(name, p, allowed)
    return p


def mul_mod(a, b, p: int) -> np.ndarray:
    """Elementwise ``a * b mod p`` for residues (products stay below 2**62)."""
    return np.multiply(a, b) % p


def matmul_mod(a, b, p: int) -> np.ndarray:
    """Exact ``a @ b mod p`` for residue arrays (``a`` may be batched).

    Parameters
    ----------
    a : array_like of int64, shape (..., n, k)
    b : array_like of int64, shape (k, m)
    p : int
        A modulus below ``2**31``.

    Returns
    -------
    numpy.ndarray of int64, shape (..., n, m)
        Residues in ``[0, p)``.

    Examples
    --------
    >>> p = 2**31 - 1
    >>> a = np.array([[p - 1, p - 2]]); b = np.array([[p - 3], [p - 4]])
    >>> int(matmul_mod(a, b, p)[0, 0]) == ((p - 1) * (p - 3) + (p - 2) * (p - 4)) % p
    True
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    k = a.shape[-1]
    if k * (p - 1) ** 2 < 2**53:
        return np.fmod(a.astype(np.float64) @ b.astype(np.float64), p).astype(np.int64)
    a_hi = (a >> 16).astype(np.float64)
    a_lo = (a & 0xFFFF).astype(np.float64)
    out = None
    for k0 in range(0, k, _CHUNK):
        bc = b[k0 : k0 + _CHUNK].astype(np.float64)
        hi = np.fmod(a_hi[..., k0 : k0 + _CHUNK] @ bc, p).astype(np.int64)
        lo = np.fmod(a_lo[..., k0 : k0 + _CHUNK] @ bc, p).astype(np.int64)
        part = ((hi << 16) + lo) % p
        out = part if out is None else (out + part) % p
    if out is None:  # k == 0
        out = np.zeros(a.shape[:-1] + b.shape[1:], dtype=np.int64)
    return out


def _dyadic_to_field(x: np.ndarray, p: int) -> np.ndarray:
    # A finite float64 is m * 2**e with an integer mantissa |m| < 2**53; its
    # residue is m * (2**e mod p), with 2 invertible since p is odd.
    mant, expo = np.frexp(x)
    m = (mant * 2.0**53).astype(np.int64)
    e = expo.astype(np.int64) - 53
    out = np.empty(x.shape, dtype=np.int64)
    for ev in np.unique(e):
        sel = e == ev
        scale = pow(2, int(ev), p)
        out[sel] = mul_mod(m[sel] % p, scale, p)
    return out


def to_field(x, p: int, name: str = "weights") -> np.ndarray:
    """Map integers or floats exactly to residues mod ``p``.

    Floats are dyadic rationals ``m / 2**k``; they map to ``m * inverse(2)**k``,
    so every rational identity among the inputs survives reduction mod ``p``.

    Raises
    ------
    InvalidParameterError
        If ``x`` holds NaN or infinity, or is not real.

    Examples
    --------
    >>> p = 7
    >>> to_field(np.array([0.5, -1.0, 3.0]), p).tolist()   # 1/2 = 4 mod 7
    [4, 6, 3]
    """
    x = np.asarray(x)
    if x.dtype.kind in "iub":
        return np.mod(x.astype(object) if x.dtype.kind == "u" else x.astype(np.int64), p).astype(np.int64)
    if x.dtype.kind == "O":
        return np.array([int(v) % p for v in x.ravel()], dtype=np.int64).reshape(x.shape)
    if x.dtype.kind != "f":
        raise InvalidParameterError(name, str(x.dtype), "a real array (integer or float)")
    x = x.astype(np.float64)
    if not np.all(np.isfinite(x)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    return _dyadic_to_field(x, p)


# -- rank --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _flint_clib():
    """FLINT's C library as loaded by python-flint, or None if not reachable."""
    import flint

    here = os.path.dirname(os.path.dirname(os.path.abspath(flint.__file__)))
    candidates = sorted(glob.glob(os.path.join(here, "python_flint.libs", "libflint*.so*")))
    if not candidates:
        return None
    try:
        lib = ctypes.CDLL(candidates[0])
        lib.nmod_mat_init.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long, ctypes.c_ulong]
        lib.nmod_mat_init.restype = None
        lib.nmod_mat_clear.argtypes = [ctypes.c_void_p]
        lib.nmod_mat_clear.restype = None
        lib.nmod_mat_entry_ptr.argtypes = [ctypes.c_void_p, ctypes.c_long, ctypes.c_long]
        lib.nmod_mat_entry_ptr.restype = ctypes.c_void_p
        lib.nmod_mat_rank.argtypes = [ctypes.c_void_p]
        lib.nmod_mat_rank.restype = ctypes.c_long
        lib.flint_set_num_threads.argtypes = [ctypes.c_int]
        lib.flint_set_num_threads.restype = None
    except (OSError, AttributeError):
        return None
    return lib


def _rank_clib(lib, z: np.ndarray, p: int) -> int:
    rows, cols = z.shape
    mat = ctypes.create_string_buffer(256)  # larger than any nmod_mat_struct
    lib.nmod_mat_init(mat, rows, cols, p)
    try:
        data = np.ascontiguousarray(z, dtype=np.uint64)
        nbytes = cols * 8
        base = data.ctypes.data
        for i in range(rows):  # rows are contiguous in FLINT whatever its stride
            ctypes.memmove(lib.nmod_mat_entry_ptr(mat, i, 0), base + i * nbytes, nbytes)
        return int(lib.nmod_mat_rank(mat))
    finally:
        lib.nmod_mat_clear(mat)


def _rank_objects(z: np.ndarray, p: int) -> int:
    import flint

    return int(flint.nmod_mat(z.tolist(), p).rank())


def rank_mod(z, p: int, threads: int | None = None, via: str = "auto") -> int:
    """The rank of a residue matrix over GF(p), by FLINT.

    Parameters
    ----------
    z : array_like of int, shape (n, m)
        Residues in ``[0, p)``.
    p : int
        A prime below ``2**31``.
    threads : int, optional
        FLINT threads (default: all cores).
    via : {"auto", "clib", "objects"}
        ``"clib"`` copies rows straight into FLINT's C matrix; ``"objects"``
        goes through python-flint's ``nmod_mat``. ``"auto"`` prefers the first.

    Examples
    --------
    >>> rank_mod(np.array([[1, 2], [2, 4]]), 7), rank_mod(np.array([[1, 2], [3, 4]]), 7)
    (1, 2)
    >>> rank_mod(np.array([[1, 2], [3, 4]]), 2)   # det = -2 = 0 mod 2
    1
    """
    z = np.asarray(z)
    if z.ndim != 2:
        raise InvalidParameterError("z", z.shape, "a 2-d matrix")
    if z.size == 0:
        return 0
    import flint

    threads = threads or os.cpu_count() or 1
    flint.ctx.threads = threads
    lib = _flint_clib() if via in ("auto", "clib") else None
    if via == "clib" and lib is None:
        raise InvalidParameterError("via", via, "'objects' (FLINT's C library was not found)")
    if lib is not None:
        lib.flint_set_num_threads(threads)
        return _rank_clib(lib, z, p)
    return _rank_objects(z, p)
