"""The two probability statements of a record, kept apart, and the lower <= upper check (issue 25)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from tnrnn import RAC, Cut, RankBounds, cut_rank, rank_bounds
from tnrnn.errors import ConsistencyError
from tnrnn.ranks import certify, engines
from tnrnn.ranks.bounds import weight_degree

from ._bounds_brute import PRIME, all_outputs, draw_weights


def test_weight_degree_is_the_homogeneity_degree_of_the_output():
    """Every state is homogeneous in the weights, so y(c w) = c^deg y(w): checked by the brute force."""
    rng = np.random.default_rng(4)
    for L, R, M, T in [(1, 2, 2, 5), (2, 3, 2, 4), (3, 2, 3, 4), (4, 2, 2, 5)]:
        wh, wi, wo = draw_weights(L, R, M, rng)
        c = 12345
        scaled = ([w * c % PRIME for w in wh], [w * c % PRIME for w in wi], wo * c % PRIME)
        base, big = all_outputs((wh, wi, wo), M, T), all_outputs(scaled, M, T)
        factor = pow(c, weight_degree(L, T), PRIME)
        assert np.array_equal(big, base * factor % PRIME)
        assert not np.array_equal(big, base * pow(c, weight_degree(L, T) - 1, PRIME) % PRIME)


def test_sketch_bound_uses_the_proven_upper_bound_not_the_observed_rank(monkeypatch):
    # a circuit of rank 1 (every hidden weight zero but the first column), ranked by a forced sketch
    R, M, T = 3, 3, 8
    wh = tuple(np.zeros((R, R), dtype=np.int64) for _ in range(2))
    wi = (np.ones((R, M), dtype=np.int64), np.eye(R, dtype=np.int64))
    rac = RAC(wh, wi, np.ones((1, R), dtype=np.int64), modulus=PRIME)
    monkeypatch.setattr(engines, "_grid_plan", lambda *args: "sketch")
    r = cut_rank(rac, Cut.start_end(T), mincut=False, engine="grid", margin=0)
    assert r.details["mode"] == "sketch" and r.lower < r.upper
    sketch = r.miss_bounds["sketch"]
    sides = int(r.samples[0] < M ** 4) + int(r.samples[1] < M ** 4)
    assert sides == 2 and sketch["value"] == 2 * r.upper / PRIME == r.details["miss_probability"]
    assert "whole grid" in sketch["bounds"]
    assert r.miss_bounds["weights"]["value"] is None and "given weights" in r.miss_bounds["weights"]["reason"]


def test_full_grid_and_sampled_grid():
    full = rank_bounds(3, 2, 3, 8)
    assert full.details["mode"] == "full" and full.miss_bounds["sketch"]["value"] == 0.0
    assert full.exact and full.miss_bounds["weights"]["value"] == 0.0
    sampled = rank_bounds(3, 2, 3, 8, samples=10, engine="grid")
    assert sampled.details["mode"] == "sample" and sampled.miss_bounds["sketch"]["value"] is None
    assert "no guarantee" in sampled.miss_bounds["sketch"]["reason"]


def test_weight_draw_bound_is_schwartz_zippel_with_the_records_prime_or_none_when_vacuous():
    r = rank_bounds(3, 2, 3, 8, samples=10, engine="grid")  # an interval [<= 10, 54]
    assert not r.exact and r.upper == 54
    w = r.miss_bounds["weights"]
    assert w["value"] == 54 * weight_degree(3, 8) / r.prime
    assert "generic rank mod p" in w["bounds"] and str(r.prime) in w["reason"]
    small = rank_bounds(3, 2, 3, 8, samples=10, engine="grid", prime=10007)
    assert 54 * weight_degree(3, 8) >= 10007
    assert small.miss_bounds["weights"]["value"] is None and "vacuous" in small.miss_bounds["weights"]["reason"]
    assert "n/a (vacuous" in small.describe()


def test_closed_forms_alone_bound_nothing():
    r = rank_bounds(2, 3, 3, 8, method="closed-form")
    assert r.miss_bounds["sketch"]["value"] is None and r.miss_bounds["weights"]["value"] is None
    assert "sketch miss: n/a" in r.describe()


def test_miss_bounds_round_trip_and_old_records_load():
    r = rank_bounds(3, 2, 4, 8)
    assert RankBounds.from_dict(json.loads(r.to_json())) == r
    old = {k: v for k, v in r.to_dict().items() if k != "miss_bounds"}
    assert RankBounds.from_dict(old).miss_bounds == {}


def test_lower_above_upper_is_an_internal_consistency_error(monkeypatch):
    r = rank_bounds(2, 3, 3, 6)
    with pytest.raises(ConsistencyError, match="exceeds the proven upper bound"):
        dataclasses.replace(r, lower=r.upper + 1)
    real = certify.exact_rank

    def too_high(*args, **kwargs):
        res = real(*args, **kwargs)
        return dataclasses.replace(res, rank=res.rank + 1)

    monkeypatch.setattr(certify, "exact_rank", too_high)
    with pytest.raises(ConsistencyError, match="bug in tnrnn"):
        rank_bounds(3, 2, 4, 8)
    with pytest.raises(RuntimeError):
        cut_rank(RAC.random_modular(2, 2, 2, prime=PRIME, seed=0), "start-end", length=6)
