"""The BLAS elimination over GF(p) against FLINT's ranks and Python integers."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tnrnn.elimination as elimination
from tnrnn.elimination import _gemm_sub, pluq, rank_blas
from tnrnn.errors import InvalidParameterError
from tnrnn.field import DEFAULT_PRIME, PREVIOUS_DEFAULT_PRIME, is_prime, rank_mod
from tnrnn.modarith import (
    MAX_BLAS_PRIME,
    _bound,
    _k1,
    _limbs,
    _Ops,
    _sub_product,
    _t1,
    blas_prime_ok,
    matmul_sym,
    reduce_sym,
)


def _prime_below(n: int) -> int:
    n -= 1 - n % 2
    while not is_prime(n):
        n -= 2
    return n


TOP = _prime_below(MAX_BLAS_PRIME + 1)  # the largest prime the elimination takes
FLOAT_TOP = 94906249  # the largest prime of tnrnn.field's float64 path
PRIMES = [TOP, _prime_below(TOP), FLOAT_TOP, PREVIOUS_DEFAULT_PRIME, DEFAULT_PRIME, 65521, 7]


def flint_rank(z, p):
    return rank_mod(np.remainder(np.asarray(z, dtype=np.int64), p), p, via="clib")


def python_matmul(a, b, p):
    return [[sum(int(x) * int(y) for x, y in zip(row, col)) % p for col in zip(*b)] for row in a]


# -- random matrices of every kind ----------------------------------------------------------------


def _product(rng, m, n, r, p):
    """An m x n matrix of rank <= r mod p, as an exact product mod p."""
    if r == 0:
        return np.zeros((m, n), dtype=np.int64)
    a = rng.integers(0, p, (m, r)).astype(object)
    b = rng.integers(0, p, (r, n)).astype(object)
    return np.array((a.dot(b)) % p, dtype=np.int64)


def make_matrix(kind: str, rng: np.random.Generator, p: int, size: int) -> np.ndarray:
    m = int(rng.integers(1, size + 1))
    n = int(rng.integers(1, size + 1))
    if kind == "full":
        return rng.integers(0, p, (m, n))
    if kind == "deficient":
        return _product(rng, m, n, int(rng.integers(0, min(m, n) + 1)), p)
    if kind == "tall":
        return _product(rng, 3 * m + 5, max(1, n // 2), int(rng.integers(0, max(1, n // 2) + 1)), p)
    if kind == "wide":
        return _product(rng, max(1, m // 2), 3 * n + 5, int(rng.integers(0, max(1, m // 2) + 1)), p)
    if kind == "vandermonde":  # repeated nodes make it rank deficient
        nodes = rng.integers(0, min(p, max(2, m // 2 + 1)) if rng.random() < 0.5 else p, m)
        return np.array([[pow(int(x), j, p) for j in range(n)] for x in nodes], dtype=np.int64)
    if kind == "rank_one_update":  # low rank plus a rank-one term, in the largest residues
        z = _product(rng, m, n, int(rng.integers(0, min(m, n) + 1)), p)
        u = rng.integers(p - 3, p, m).astype(object)
        v = rng.integers(p - 3, p, n).astype(object)
        return np.array((z.astype(object) + np.outer(u, v)) % p, dtype=np.int64)
    if kind == "zero_columns":
        z = rng.integers(0, p, (m, n))
        z[:, rng.random(n) < 0.4] = 0
        z[rng.random(m) < 0.2] = 0
        return z
    raise AssertionError(kind)


KINDS = ["full", "deficient", "tall", "wide", "vandermonde", "rank_one_update", "zero_columns"]


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("kind", KINDS)
def test_rank_equals_flint_on_random_matrices(kind, p):
    """7 kinds x 6 primes x 6 matrices = 252 matrices, with leaves small enough to recurse."""
    rng = np.random.default_rng([KINDS.index(kind), p])
    for i in range(6):
        z = make_matrix(kind, rng, p, size=40 if i < 4 else 90)
        base = [1, 2, 3, 5, 8, 16][i]
        got = pluq(z, p, base=base)
        assert got.rank == flint_rank(z, p), (kind, p, z.shape, base)
        if got.rank:  # the pivots select an invertible minor
            assert flint_rank(z[np.ix_(got.rows, got.cols)], p) == got.rank
        assert len(set(got.rows.tolist())) == got.rank == len(set(got.cols.tolist()))


@pytest.mark.parametrize("p", [DEFAULT_PRIME, TOP])
def test_two_hundred_matrices_at_the_default_and_the_largest_prime(p):
    """7 kinds x 30 = 210 matrices per prime, against FLINT's nmod_mat rank (python-flint)."""
    import flint

    rng = np.random.default_rng([p, 200])
    for i in range(210):
        kind = KINDS[i % len(KINDS)]
        z = make_matrix(kind, rng, p, size=24 if i % 5 else 70)
        want = flint.nmod_mat(np.remainder(z, p).tolist(), p).rank() if z.size else 0
        assert rank_blas(z, p, base=int(rng.integers(1, 20))) == want, (kind, z.shape)


@pytest.mark.parametrize("p", [DEFAULT_PRIME, PREVIOUS_DEFAULT_PRIME, TOP])
def test_generic_path_on_numpy_equals_flint(p, monkeypatch):
    # the code torch and cupy arrays take, run on numpy by hiding the compiled CPU leaves
    monkeypatch.setattr(elimination, "_cpu_kernels", lambda: None)
    rng = np.random.default_rng(p % 1000)
    for kind in KINDS:
        z = make_matrix(kind, rng, p, size=50)
        assert rank_blas(z, p, base=int(rng.integers(1, 9))) == flint_rank(z, p), kind


@pytest.mark.parametrize("order", ["C", "F"])
def test_overwrite_uses_the_input_as_workspace(order):
    p = DEFAULT_PRIME
    rng = np.random.default_rng(9)
    z = _product(rng, 130, 97, 61, p)
    x = np.array(z, dtype=np.float64, order=order)
    res = pluq(x, p, overwrite=True, base=8)
    assert res.rank == flint_rank(z, p) == 61
    assert flint_rank(z[np.ix_(res.rows, res.cols)], p) == 61
    assert not np.array_equal(x, z)  # the workspace was used


def test_old_prime_with_leaves_wider_than_its_exact_chunk():
    # 2**25 - 39 allows 32 products between reductions: a leaf of 64 columns reduces inside
    p = PREVIOUS_DEFAULT_PRIME
    assert _t1(p) == 32
    rng = np.random.default_rng(11)
    for kind in KINDS:
        z = make_matrix(kind, rng, p, size=120)
        assert rank_blas(z, p, base=64) == flint_rank(z, p), kind


# -- the exactness bound at its edge -------------------------------------------------------------------


def test_default_prime_allows_32767_products_and_not_one_more():
    p = DEFAULT_PRIME
    H = _bound(p)
    assert H == 2**19 and _k1(p) == _t1(p) == 2**15 - 1
    k = _k1(p)
    # k products of the largest representatives plus one unit term: an exact integer below 2**53
    a = np.full(k + 1, float(H))
    a[-1] = 1.0
    exact = k * H * H + 1
    assert exact + H <= 2**53 - p and float(a @ a) == exact
    # one more full term: 2**53 + 1 is not a float64, the product-sum is no longer exact
    b = np.concatenate([np.full(k + 1, float(H)), [1.0]])
    assert (k + 1) * H * H + 1 == 2**53 + 1 and int(b @ b) != (k + 1) * H * H + 1


@pytest.mark.parametrize("extra", [0, 1])
def test_trailing_update_at_the_edge_of_delayed_reduction(extra):
    """An entry carrying ``pending`` products absorbs a GEMM of ``k`` more while pending + k <= T1;
    one product more and the update reduces the block first. Both results equal Python's."""
    p = DEFAULT_PRIME
    H, t1 = _bound(p), _t1(p)
    k = 300
    pending = t1 - k + extra
    c = np.asfortranarray(np.array([[float(H + (t1 - k) * H * H)]]))  # the largest a pending entry can be
    a = np.full((1, k), float(H))
    b = np.asfortranarray(np.full((k, 1), float(-H)))
    want = (int(c[0, 0]) + k * H * H) % p
    K = elimination._cpu_kernels()
    got = _gemm_sub(c, a, b, p, pending, K)
    assert got == (pending + k if not extra else k)
    assert abs(c[0, 0]) <= 2**53 - p and int(c[0, 0]) % p == want


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(PRIMES), st.sampled_from(KINDS), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_rank_equals_flint_property(p, kind, base, seed):
    z = make_matrix(kind, np.random.default_rng(seed), p, size=30)
    assert rank_blas(z, p, base=base) == flint_rank(z, p)


@pytest.mark.parametrize("p", [TOP, PREVIOUS_DEFAULT_PRIME, DEFAULT_PRIME])
def test_larger_matrices_cross_the_limb_products(p):
    # inner dimensions beyond T1 = 32 (the old default) and T1 = 1 (top prime) go through two limbs
    rng = np.random.default_rng(5)
    for m, n, r in [(260, 250, 250), (300, 280, 131), (150, 420, 149)]:
        z = _product(rng, m, n, r, p)
        assert rank_blas(z, p) == flint_rank(z, p) == r


def test_negative_and_float_inputs_are_reduced():
    p = DEFAULT_PRIME
    rng = np.random.default_rng(2)
    z = _product(rng, 30, 20, 11, p)
    shifted = z - 5 * p  # other representatives
    assert rank_blas(shifted, p) == rank_blas(z.astype(np.float64), p) == 11


def test_invalid_parameters_name_the_parameter():
    with pytest.raises(InvalidParameterError, match="p"):
        pluq(np.eye(2), 2**31 - 1)
    with pytest.raises(InvalidParameterError, match="p"):
        pluq(np.eye(2), 4)
    with pytest.raises(InvalidParameterError, match="base"):
        pluq(np.eye(2), 7, base=0)
    with pytest.raises(InvalidParameterError, match="z"):
        pluq(np.zeros((2, 2, 2)), 7)
    with pytest.raises(InvalidParameterError, match="z"):
        pluq(np.array([[0.5]]), 7)
    with pytest.raises(InvalidParameterError, match="z"):
        pluq(np.array([[np.inf]]), 7)
    with pytest.raises(InvalidParameterError, match="z"):
        pluq(np.array([[np.nan, 1.0]]), 7)
    assert rank_blas(np.array([[2.0**60, 2.0**61]]), 7) == 1  # large floats are exact integers
    assert rank_blas(np.array([[7 * 2.0**60]]), 7) == 0
    assert rank_blas(np.array([[2**64 - 1, 7]], dtype=np.uint64), 7) == 1
    with pytest.raises(InvalidParameterError, match="via"):
        rank_mod(np.eye(2), 2**31 - 1, via="blas")
    assert blas_prime_ok(TOP) and not blas_prime_ok(MAX_BLAS_PRIME + 2)


def test_empty_matrices():
    assert rank_blas(np.zeros((0, 3), dtype=np.int64), 7) == 0
    assert rank_blas(np.zeros((3, 0), dtype=np.int64), 7) == 0


# -- arithmetic against Python integers -------------------------------------------------------------


@pytest.mark.parametrize("p", [TOP, FLOAT_TOP, DEFAULT_PRIME, 7])
def test_reduce_sym_at_the_extremes(p):
    xs = [2.0**53 - p, -(2.0**53 - p), 2.0**52 + 12345, float(p * 3), float(-p), 0.0, float(p // 2), float(p // 2 + 1)]
    xs += [float(k * p + (p - 1) // 2 + d) for k in (10**6, 2**20) for d in (-1, 0, 1, 2)]
    got = reduce_sym(np.array(xs), p)
    for x, g in zip(xs, got.tolist()):
        assert g == int(g) and abs(g) <= _bound(p)
        assert (int(g) - int(x)) % p == 0


@pytest.mark.parametrize("p", [TOP, DEFAULT_PRIME, 65521])
@pytest.mark.parametrize("k", [1, 31, 32, 33, 200])
def test_matmul_sym_equals_python_integers(p, k):
    rng = np.random.default_rng(k)
    H = _bound(p)
    a = rng.choice([-H, H, H - 1, -(H - 1)], size=(3, k)).astype(np.float64)  # the largest representatives
    b = rng.integers(-H, H + 1, size=(k, 4)).astype(np.float64)
    b[0] = H
    got = matmul_sym(a, b, p)
    assert np.abs(got).max() <= H
    want = python_matmul(a.astype(np.int64).tolist(), b.astype(np.int64).tolist(), p)
    assert (np.remainder(got.astype(np.int64), p)).tolist() == want


def test_products_longer_than_one_limb_chunk():
    p = TOP
    H = _bound(p)
    k = _limbs(p, fused=True)[1] + _limbs(p)[1] + 7  # more than one chunk on both paths
    rng = np.random.default_rng(0)
    a = np.full((2, k), float(H))
    a[1] = -H
    b = rng.integers(-H, H + 1, size=(k, 2)).astype(np.float64)
    b[:, 0] = H
    want = python_matmul(a.astype(np.int64).tolist(), b.astype(np.int64).tolist(), p)
    assert np.remainder(matmul_sym(a, b, p).astype(np.int64), p).tolist() == want
    c = rng.integers(-H, H + 1, size=(2, 2)).astype(np.float64)
    expect = [[(int(c[i, j]) - want[i][j]) % p for j in range(2)] for i in range(2)]
    got = _sub_product(c.copy(), a, b, p, _Ops(a))
    assert np.abs(got).max() <= H
    assert np.remainder(got.astype(np.int64), p).tolist() == expect


# -- the ranks the engines take ---------------------------------------------------------------------


@pytest.mark.parametrize("L,R,M,T", [(1, 3, 3, 8), (2, 2, 3, 10), (2, 3, 2, 12), (3, 2, 2, 10)])
def test_engine_matrices_rank_like_flint(L, R, M, T):
    from tnrnn import RAC, Cut
    from tnrnn.ranks.engines import grid_matrix
    from tnrnn.ranks.factored import factored_matrices

    for p in (DEFAULT_PRIME, TOP):
        rac = RAC.random_modular(L, R, M, prime=p, seed=L + T)
        cut = Cut.start_end(T)
        rng = np.random.default_rng(0)
        rows = rng.integers(0, M, (60, len(cut.start)))
        cols = rng.integers(0, M, (70, len(cut.end)))
        Z = grid_matrix(rac, cut, rows, cols)
        assert rank_blas(Z, p, base=4) == flint_rank(Z, p)
        fm = factored_matrices(rac, cut)
        for mat in (fm.phi, fm.end):
            assert rank_blas(mat, p, base=4) == flint_rank(np.remainder(mat.astype(np.int64), p), p)


# -- other array libraries ---------------------------------------------------------------------------


def test_torch_cpu_tensors_give_the_same_pivots():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    p = DEFAULT_PRIME
    z = _product(rng, 120, 90, 57, p)
    a, b = pluq(z, p, base=8), pluq(torch.as_tensor(z), p, base=8)
    assert a.rank == b.rank == 57
    for res in (a, b):  # both select an invertible minor
        assert flint_rank(z[np.ix_(res.rows, res.cols)], p) == 57


def _cuda_torch():
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return torch if torch.cuda.is_available() else None


@pytest.mark.skipif(_cuda_torch() is None, reason="needs torch with a CUDA device")
def test_torch_cuda_rank_equals_flint():
    torch = _cuda_torch()
    rng = np.random.default_rng(4)
    for p in (DEFAULT_PRIME, TOP):
        z = _product(rng, 300, 280, 211, p)
        assert rank_blas(torch.as_tensor(z, device="cuda"), p) == flint_rank(z, p) == 211


def _cupy():
    if importlib.util.find_spec("cupy") is None:
        return None
    try:
        import cupy

        return cupy if cupy.cuda.runtime.getDeviceCount() > 0 else None
    except Exception:  # no driver or no device
        return None


@pytest.mark.skipif(_cupy() is None, reason="needs cupy with a CUDA device")
def test_cupy_rank_equals_flint():
    cupy = _cupy()
    rng = np.random.default_rng(6)
    z = _product(rng, 200, 260, 150, DEFAULT_PRIME)
    assert rank_blas(cupy.asarray(z), DEFAULT_PRIME) == flint_rank(z, DEFAULT_PRIME) == 150


def test_memory_is_estimated_before_allocation():
    from tnrnn.errors import MemoryLimitError

    with pytest.raises(MemoryLimitError):
        pluq(np.zeros((1000, 1000), dtype=np.int64), 7, max_memory="1MB")


def test_kernel_compilation_is_announced_once_on_stderr(monkeypatch, capsys):
    from tnrnn.ranks import _kernels

    monkeypatch.setattr(_kernels, "_cached", lambda nk, names=None: False)  # as on the first run of an install
    monkeypatch.setattr(_kernels, "_told", False)
    _kernels.kernels.cache_clear()
    _kernels.compiled()
    _kernels.compiled()
    captured = capsys.readouterr()
    assert captured.err.count(_kernels.COMPILE_MESSAGE) == 1 and captured.out == ""
    monkeypatch.setattr(_kernels, "_cached", lambda nk, names=None: True)
    monkeypatch.setattr(_kernels, "_told", False)
    _kernels.kernels.cache_clear()
    _kernels.warm_up()
    assert _kernels.COMPILE_MESSAGE not in capsys.readouterr().err
