"""The default prime's consequences for certified ranks: the retry with a second prime and seed."""

from __future__ import annotations

import itertools

import flint
import numpy as np

from tnrnn import RAC, rank_bounds
from tnrnn.ranks.certify import retry_prime
from tnrnn.ranks.records import RankBounds


def _grid_rank_by_brute_force(L, R, M, T, prime, seed):
    """FLINT's rank of the whole Start-End grid matricization, from the circuit's own forward pass."""
    rac = RAC.random_modular(L, R, M, prime=prime, seed=seed)
    half = T // 2
    seqs = list(itertools.product(range(M), repeat=T))
    X = np.eye(M, dtype=np.int64)[np.array(seqs)]
    y = np.remainder(np.asarray(rac(X))[:, 0], prime)
    Z = y.reshape(M**half, M**half)  # row: the first half of the sequence, column: the second
    return flint.nmod_mat(Z.astype(np.int64).tolist(), prime).rank()


def test_retry_prime_is_the_next_prime_down():
    assert retry_prime(11) == 7 and retry_prime(13) == 11 and retry_prime(3) == 5


def test_a_short_first_attempt_is_retried_with_a_second_prime_and_seed():
    # mod 11 with seed 0 the weights are unlucky: the GF(11) rank of L=2, R=M=2, T=6 falls short of 8
    r = rank_bounds(2, 2, 2, 6, prime=11, seed=0, mincut=False)
    first, second = r.attempts
    assert (first["prime"], first["seed"], second["prime"], second["seed"]) == (11, 0, 7, 1)
    for a in (first, second):
        assert a["lower"] == _grid_rank_by_brute_force(2, 2, 2, 6, a["prime"], a["seed"])
    assert first["lower"] < second["lower"] == r.lower
    assert (r.prime, r.seed) == (7, 1) and "GF(7)" in r.lower_source and "seed 1" in r.lower_source
    assert RankBounds.from_dict(r.to_dict()).attempts == r.attempts


def test_no_retry_when_certified_or_disabled():
    r = rank_bounds(2, 3, 3, 6)
    assert r.exact and len(r.attempts) == 1 and r.attempts[0]["prime"] == r.prime
    r = rank_bounds(2, 2, 2, 6, prime=11, seed=0, mincut=False, retry=False)
    assert len(r.attempts) == 1 and r.prime == 11


def test_replaying_the_recorded_prime_and_seed_gives_the_recorded_lower():
    r = rank_bounds(2, 2, 2, 6, prime=11, seed=0, mincut=False)
    again = rank_bounds(2, 2, 2, 6, prime=r.prime, seed=r.seed, mincut=False, retry=False)
    assert again.lower == r.lower and again.attempts[0]["lower"] == r.attempts[-1]["lower"]


def test_old_records_without_attempts_still_load():
    d = rank_bounds(1, 2, 2, 4, method="closed-form").to_dict()
    d.pop("attempts")
    assert RankBounds.from_dict(d).attempts is None


def test_rank_device_variable(monkeypatch):
    import pytest

    from tnrnn.errors import InvalidParameterError
    from tnrnn.field import DEFAULT_PRIME, rank_mod

    z = np.random.default_rng(0).integers(0, DEFAULT_PRIME, size=(40, 30))
    want = flint.nmod_mat(z.tolist(), DEFAULT_PRIME).rank()
    monkeypatch.setenv("TNRNN_RANK_DEVICE", "cpu")
    assert rank_mod(z, DEFAULT_PRIME, via="blas") == want == 30
    monkeypatch.setenv("TNRNN_RANK_DEVICE", "tpu")
    with pytest.raises(InvalidParameterError, match="TNRNN_RANK_DEVICE"):
        rank_mod(z, DEFAULT_PRIME, via="blas")
