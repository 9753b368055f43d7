"""Exact arithmetic in the prime field GF(p), p < 2**31.

Residues in ``[0, p)`` live in one of two array types (:func:`field_dtype`):

* ``float64`` when ``(p - 1)**2 < 2**53`` (``p`` below about ``2**26.5``, the
  default prime among them): a product of two residues is an integer below
  ``2**53`` and exact in float64; it is reduced to a symmetric representative
  ``x - rint(x / p) * p`` of absolute value at most ``(p + 1) / 2`` (the
  quotient is the correct nearest integer because ``x / p`` is below ``2**28``
  and float64 errs there by less than ``2**-24``; ``q * p`` and the difference
  are integers below ``2**53``, hence exact). A dot product of
  ``c = (2**53 - p) // (p - 1)**2`` terms is exact whatever BLAS's summation
  order (every partial sum is an integer below ``2**53 - p``, which leaves the
  reduction's ``q * p`` exact, see :mod:`tnrnn.elimination`); longer dot products
  are split into chunks of ``c`` terms reduced one by one.
* ``int64`` otherwise: two residues multiply to less than ``2**62``, so an
  elementwise product never overflows; matrix products go through float64
  BLAS on 16-bit limbs, ``a = a_hi * 2**16 + a_lo`` with ``a_hi < 2**15`` and
  ``a_lo < 2**16``, and a dot product of ``c = (2**53 - 1) // ((2**16 - 1)(p - 1))``
  terms of ``a_lo * b`` (at least 64 for any ``p < 2**31``) is below ``2**53``,
  exact in float64 (likewise ``a_hi``). Float64 residues with dot products
  longer than their exact chunk go through this limb path too.

Ranks (:func:`rank_mod`) are computed by tnrnn's exact float64 elimination on
BLAS (:mod:`tnrnn.elimination`) for primes up to
:data:`tnrnn.modarith.MAX_BLAS_PRIME` and matrices of at least
:data:`BLAS_MIN_SIZE` rows and columns, and otherwise by FLINT's
``nmod_mat_rank`` (python-flint), called through its C library when it can be
loaded so that no per-entry Python objects are built. FLINT is the reference
the elimination is tested against.
"""

from __future__ import annotations

import ctypes
import glob
import os
from functools import lru_cache

import numpy as np

from .elimination import blas_prime_ok, rank_blas
from .errors import InvalidParameterError

__all__ = [
    "DEFAULT_PRIME",
    "RETRY_PRIME",
    "PREVIOUS_DEFAULT_PRIME",
    "MAX_PRIME",
    "check_prime",
    "is_prime",
    "field_dtype",
    "mul_mod",
    "matmul_mod",
    "to_field",
    "rank_mod",
    "BLAS_MIN_SIZE",
]

#: ``rank_mod(via="auto")`` uses the BLAS elimination when both sides of the matrix have at
#: least this many entries (with the default prime it took 0.54x FLINT's time at 1000 x 1000
#: and 0.36x at 2000 in benchmarks/bench_rank.py).
BLAS_MIN_SIZE = 1000

#: The default modulus, 1048573 = 2**20 - 3: the largest prime below 2**20.  With it every
#: trailing update of the elimination is one float64 GEMM (inner dimension up to 32767,
#: proof in :mod:`tnrnn.elimination`), and a GF(p) rank is as sound a lower bound as
#: with any prime; only the chance that it falls short of the generic rank grows (at most
#: ``2 D / p`` for the engines' random sketches), which :func:`tnrnn.rank_bounds` detects
#: and answers with a second prime (:data:`RETRY_PRIME`).
DEFAULT_PRIME = 2**20 - 3
#: The second prime of a retry: the largest prime below ``DEFAULT_PRIME``.
RETRY_PRIME = 2**20 - 5
#: The default before tnrnn 0.2 (records made with it replay with ``prime=PREVIOUS_DEFAULT_PRIME``).
PREVIOUS_DEFAULT_PRIME = 2**25 - 39
#: Moduli must be below this bound.
MAX_PRIME = 2**31



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


def field_dtype(p: int) -> np.dtype:
    """``float64`` if residues mod ``p`` multiply exactly in float64, else ``int64``.

    Examples
    --------
    >>> field_dtype(DEFAULT_PRIME), field_dtype(2**31 - 1)
    (dtype('float64'), dtype('int64'))
    """
    return np.dtype(np.float64) if (p - 1) ** 2 < 2**53 else np.dtype(np.int64)


#: Arrays with at least this many entries are reduced by one compiled pass (numba) instead of four numpy passes.
_COMPILED_REDUCE_SIZE = 2**16


@lru_cache(maxsize=1)
def _compiled_reduce():
    import importlib.util

    if importlib.util.find_spec("numba") is None:
        return None
    from .ranks import _kernels

    return _kernels.kernels("reduce").reduce_flat


def _reduce_float(x: np.ndarray, p: int) -> np.ndarray:
    """In place: the representative of ``x`` mod ``p`` in ``[-(p+1)/2, (p+1)/2]``."""
    if x.size >= _COMPILED_REDUCE_SIZE and x.dtype == np.float64 and x.flags.c_contiguous:
        kernel = _compiled_reduce()
        if kernel is not None:
            kernel(x.reshape(-1), float(p))
            return x
    q = np.multiply(x, 1.0 / p)
    np.rint(q, out=q)
    q *= p
    x -= q
    return x


def mul_mod(a, b, p: int) -> np.ndarray:
    """Elementwise ``a * b mod p`` for residue arrays of one :func:`field_dtype`.

    Integer results lie in ``[0, p)``; float64 results are symmetric
    representatives (see the module docstring).
    """
    prod_ = np.multiply(a, b)
    if prod_.dtype.kind == "f":
        return _reduce_float(prod_, p)
    return np.remainder(prod_, p, out=prod_)


def matmul_mod(a, b, p: int) -> np.ndarray:
    """Exact ``a @ b mod p`` for residue arrays (``a`` may be batched).

    Parameters
    ----------
    a : array_like, shape (..., n, k)
    b : array_like, shape (k, m)
        Residues, both float64 (only for :func:`field_dtype` float64) or
        integers.
    p : int
        A modulus below ``2**31``.

    Returns
    -------
    numpy.ndarray, shape (..., n, m)
        Residues: int64 in ``[0, p)``, or float64 symmetric representatives
        for float64 input.

    Examples
    --------
    >>> p = 2**31 - 1
    >>> a = np.array([[p - 1, p - 2]]); b = np.array([[p - 3], [p - 4]])
    >>> int(matmul_mod(a, b, p)[0, 0]) == ((p - 1) * (p - 3) + (p - 2) * (p - 4)) % p
    True
    """
    a = np.asarray(a)
    b = np.asarray(b)
    if a.ndim > 2:  # one BLAS call for the whole batch rather than one per matrix
        return matmul_mod(a.reshape(-1, a.shape[-1]), b, p).reshape(a.shape[:-1] + b.shape[1:])
    k = a.shape[-1]
    if a.dtype.kind == "f" and b.dtype.kind == "f":
        if (p - 1) ** 2 >= 2**53:
            raise InvalidParameterError("p", p, "a prime with (p - 1)**2 < 2**53 for float64 residues")
        if k <= max(1, (2**53 - p) // max((p - 1) ** 2, 1)):  # room of p: see tnrnn.elimination
            return _reduce_float(_dot(a, b), p)
        # long dot products: 16-bit limbs allow far longer exact chunks than whole residues
        ints = matmul_mod(np.remainder(a, p).astype(np.int64), np.remainder(b, p).astype(np.int64), p)
        return ints.astype(np.float64)
    a = a.astype(np.int64, copy=False)
    b = b.astype(np.int64, copy=False)
    if k * (p - 1) ** 2 < 2**53:
        return np.fmod(_dot(a.astype(np.float64), b.astype(np.float64)), p).astype(np.int64)
    # a limb below 2**16 times a residue below p, summed over `chunk` terms, stays below 2**53
    chunk = max(1, (2**53 - 1) // ((2**16 - 1) * (p - 1)))
    a_hi = (a >> 16).astype(np.float64)
    a_lo = (a & 0xFFFF).astype(np.float64)
    out = None
    for k0 in range(0, k, chunk):
        bc = b[k0 : k0 + chunk].astype(np.float64)
        hi = np.fmod(_dot(a_hi[..., k0 : k0 + chunk], bc), p).astype(np.int64)
        lo = np.fmod(_dot(a_lo[..., k0 : k0 + chunk], bc), p).astype(np.int64)
        part = ((hi << 16) + lo) % p
        out = part if out is None else (out + part) % p
    if out is None:  # k == 0
        out = np.zeros(a.shape[:-1] + b.shape[1:], dtype=np.int64)
    return out


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` for a tall ``a`` and a small ``b``.

    OpenBLAS is an order of magnitude slower on ``(N, k) @ (k, m)`` with small
    ``k, m`` than on the same product transposed, ``(m, k) @ (k, N)``; the
    result is the transpose of a C-contiguous array.
    """
    if a.shape[0] > 4 * max(b.shape[1], 1):
        return (b.T @ a.T).T
    return a @ b


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


def _on_rank_device(z):
    """``z`` on the device named by ``TNRNN_RANK_DEVICE`` (see :func:`rank_mod`)."""
    device = os.environ.get("TNRNN_RANK_DEVICE", "cpu").strip().lower()
    if device in ("", "cpu", "numpy"):
        return z
    if device in ("cuda", "torch-cuda"):
        import torch

        return torch.as_tensor(np.asarray(z, dtype=np.float64), device="cuda")
    if device == "cupy":
        import cupy

        return cupy.asarray(np.asarray(z, dtype=np.float64))
    raise InvalidParameterError("TNRNN_RANK_DEVICE", device, "cpu, cuda or cupy")


def _device_free_bytes(zd) -> int:
    if type(zd).__module__.split(".")[0] == "torch":
        import torch

        return int(torch.cuda.mem_get_info(zd.device)[0])
    import cupy

    return int(cupy.cuda.runtime.memGetInfo()[0])


def rank_mod(z, p: int, threads: int | None = None, via: str = "auto", overwrite: bool = False) -> int:
    """The rank of a residue matrix over GF(p).

    Parameters
    ----------
    z : array_like of int, shape (n, m)
        Residues (any integer representatives, or integer-valued floats).
    p : int
        A prime below ``2**31``.
    threads : int, optional
        FLINT threads (default: all cores).
    via : {"auto", "blas", "clib", "objects"}
        ``"blas"`` is tnrnn's float64 elimination (:func:`tnrnn.elimination.pluq`,
        primes up to :data:`tnrnn.modarith.MAX_BLAS_PRIME`); ``"clib"``
        copies rows straight into FLINT's C matrix; ``"objects"`` goes through
        python-flint's ``nmod_mat``. ``"auto"`` takes ``"blas"`` for primes it
        supports on matrices with both sides ``>=`` :data:`BLAS_MIN_SIZE`, else
        FLINT (``"clib"`` when its C library loads).
    overwrite : bool
        Let the BLAS elimination use a contiguous float64 ``z`` as its
        workspace (``z`` is destroyed; no copy of the matrix is made).

    Notes
    -----
    The environment variable ``TNRNN_RANK_DEVICE`` (read at each call, for the
    BLAS elimination only) moves the matrix to a GPU first: ``cuda`` (torch)
    or ``cupy``.  Unset or ``cpu``: numpy on the CPU.  It is how whole
    pipelines (``tnrnn bounds``) run their eliminations on a GPU
    (benchmarks/device_check.sh).

    Examples
    --------
    >>> rank_mod(np.array([[1, 2], [2, 4]]), 7), rank_mod(np.array([[1, 2], [3, 4]]), 7)
    (1, 2)
    >>> rank_mod(np.array([[1, 2], [3, 4]]), 2)   # det = -2 = 0 mod 2
    1
    >>> rank_mod(np.array([[1, 2], [3, 4]]), 5, via="blas")
    2
    """
    if via not in ("auto", "blas", "clib", "objects"):
        raise InvalidParameterError("via", via, "'auto', 'blas', 'clib' or 'objects'")
    z = np.asarray(z)
    if z.ndim != 2 or z.dtype.kind not in "iuf":
        raise InvalidParameterError("z", f"{z.dtype} array of shape {z.shape}", "a 2-d integer matrix")
    if via == "blas" and not (p % 2 and blas_prime_ok(p)):
        raise InvalidParameterError("via", via, "'clib' or 'objects' for p = 2 or p > MAX_BLAS_PRIME")
    if z.size == 0:
        return 0
    if via == "blas" or (via == "auto" and p % 2 and blas_prime_ok(p) and min(z.shape) >= BLAS_MIN_SIZE):
        zd = _on_rank_device(z)
        if zd is z:
            return rank_blas(z, p, overwrite=overwrite)
        return rank_blas(zd, p, max_memory=_device_free_bytes(zd))  # the device's memory is the limit there
    if z.dtype.kind == "f":  # float64 residues (see field_dtype) are exact integers
        z = z.astype(np.int64)
    if z.min() < 0 or z.max() >= p:  # FLINT requires reduced residues
        z = to_field(z, p, "z")
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
