"""GF(p) arithmetic against Python integers: no silent overflow in either representation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.field import (
    DEFAULT_PRIME,
    check_prime,
    field_dtype,
    is_prime,
    matmul_mod,
    mul_mod,
    rank_mod,
    to_field,
)

from ._reference import rational_rank

BIG = 2**31 - 1  # int64 limb path
PRIMES = [DEFAULT_PRIME, 94906249, BIG, 65521]  # 94906249: largest float64-path prime


def python_matmul(a, b, p):
    return [[sum(int(x) * int(y) for x, y in zip(row, col)) % p for col in zip(*b)] for row in a]


def as_field(x, p):
    return np.asarray(x).astype(field_dtype(p))


def test_path_boundaries():
    assert field_dtype(94906249) == np.float64 and is_prime(94906249)
    assert (94906249 - 1) ** 2 < 2**53
    assert field_dtype(94906267) == np.int64


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("k", [1, 3, 8, 9, 33, 64, 65, 200])
def test_matmul_mod_equals_python_integers_at_the_extremes(p, k):
    rng = np.random.default_rng(k)
    a = rng.integers(p - 5, p, size=(4, k))  # the largest residues: worst case for overflow
    b = rng.integers(0, p, size=(k, 3))
    b[0] = p - 1
    got = np.remainder(matmul_mod(as_field(a, p), as_field(b, p), p).astype(np.int64), p)
    assert got.tolist() == python_matmul(a.tolist(), b.tolist(), p)


@pytest.mark.parametrize("p", [DEFAULT_PRIME, 94906249])
def test_float_path_accepts_symmetric_representatives(p):
    rng = np.random.default_rng(1)
    half = (p + 1) // 2
    a = rng.integers(-half, half + 1, size=(5, 40))
    b = rng.integers(-half, half + 1, size=(40, 2))
    got = np.remainder(matmul_mod(a.astype(float), b.astype(float), p).astype(np.int64), p)
    assert got.tolist() == python_matmul(a.tolist(), b.tolist(), p)
    prod = mul_mod(a.astype(float), a[::-1].astype(float), p)
    assert np.all(np.abs(prod) <= half)
    ref = [[(int(x) * int(y)) % p for x, y in zip(r1, r2)] for r1, r2 in zip(a.tolist(), a[::-1].tolist())]
    assert np.remainder(prod.astype(np.int64), p).tolist() == ref


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(PRIMES), st.lists(st.integers(0, 2**31 - 2), min_size=2, max_size=12))
def test_mul_mod_equals_python_integers(p, values):
    x = np.array([v % p for v in values])
    y = x[::-1].copy()
    got = np.remainder(mul_mod(as_field(x, p), as_field(y, p), p).astype(np.int64), p).tolist()
    assert got == [(int(u) * int(v)) % p for u, v in zip(x, y)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=10))
def test_float_to_field_is_the_exact_rational_residue(values):
    p = DEFAULT_PRIME
    got = to_field(np.array(values), p).tolist()
    ref = []
    for v in values:
        f = Fraction(v)
        ref.append(f.numerator * pow(f.denominator, -1, p) % p)
    assert got == ref


def test_to_field_refuses_non_finite():
    with pytest.raises(InvalidParameterError, match="finite"):
        to_field(np.array([1.0, np.nan]), DEFAULT_PRIME)


@pytest.mark.parametrize("p", [DEFAULT_PRIME, BIG])
def test_rank_mod_agrees_with_rational_rank_and_both_flint_routes(p):
    rng = np.random.default_rng(0)
    for rank in (1, 5, 12):
        A = rng.integers(-9, 10, size=(15, rank)) @ rng.integers(-9, 10, size=(rank, 17))
        truth = rational_rank(A.tolist())
        residues = np.remainder(A, p)
        assert rank_mod(residues, p, via="clib") == truth
        assert rank_mod(residues, p, via="objects") == truth
        assert rank_mod(A, p) == truth  # unreduced entries are reduced first


def test_rank_mod_sees_characteristic():
    A = np.array([[1, 2], [3, 4]])  # det -2
    assert rank_mod(A, 3) == 2
    assert rank_mod(A, 2) == 1


@pytest.mark.parametrize("bad", [1, 2, 4, 2**31 + 11, 2**31 - 3, 9.0, "7", True, -7])
def test_check_prime_rejects(bad):
    with pytest.raises(InvalidParameterError, match="prime"):
        check_prime(bad)


def _prime_by_trial_division(n: int) -> bool:
    return n >= 2 and all(n % d for d in range(2, int(n**0.5) + 1))


def test_default_and_retry_primes_are_the_two_largest_below_2_to_the_20():
    from tnrnn.field import PREVIOUS_DEFAULT_PRIME, RETRY_PRIME

    below = [q for q in range(2**20 - 1, 2**20 - 60, -1) if _prime_by_trial_division(q)]
    assert (DEFAULT_PRIME, RETRY_PRIME) == tuple(below[:2])
    assert _prime_by_trial_division(PREVIOUS_DEFAULT_PRIME) and PREVIOUS_DEFAULT_PRIME == 2**25 - 39
    assert field_dtype(DEFAULT_PRIME) == np.float64
