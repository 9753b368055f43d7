"""The energy and gap ranks of a float spectrum, against their definitions and planted structure."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.bridge.empirical import spectral_ranks
from tnrnn.errors import InvalidParameterError


@settings(max_examples=60, deadline=None)
@given(k=st.integers(1, 8), n=st.integers(9, 30), drop=st.floats(1e-8, 1e-4), seed=st.integers(0, 10**6))
def test_a_planted_rank_is_found_by_both(k, n, drop, seed):
    """k values in [1, 2], then a tail at most ``drop`` times smaller: the rank is k by either rule."""
    rng = np.random.default_rng(seed)
    head = np.sort(rng.uniform(1.0, 2.0, k))[::-1]
    tail = np.sort(rng.uniform(0.1, 1.0, n - k))[::-1] * drop
    s = np.concatenate([head, tail])
    energy_rank, gap_rank, gap, numerical, tol = spectral_ranks(s)
    assert energy_rank == k           # the tail holds < (n * drop^2) / k of the energy, far below 1e-4
    assert gap_rank == k and gap == pytest.approx(s[k] / s[k - 1])
    assert numerical == n             # every value is far above machine precision: the eps rank says nothing


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.floats(1e-6, 1e3), min_size=1, max_size=40), energy=st.floats(0.5, 1.0))
def test_energy_rank_is_the_smallest_that_keeps_the_share(values, energy):
    s = np.sort(np.array(values))[::-1]
    k = spectral_ranks(s, energy)[0]
    total = np.sum(s**2)
    assert np.sum(s[:k] ** 2) >= energy * total * (1 - 1e-9)
    assert k == 1 or np.sum(s[:k - 1] ** 2) < energy * total


def test_edge_cases_and_errors():
    assert spectral_ranks([2.0])[:2] == (1, 1)
    assert spectral_ranks([0.0, 0.0])[0] == 0
    assert spectral_ranks([1.0, 0.0])[1:4] == (1, 0.0, 1)     # the cliff to an exact zero is the gap
    with pytest.raises(InvalidParameterError, match="energy"):
        spectral_ranks([1.0], energy=0)
    with pytest.raises(InvalidParameterError, match="singular_values"):
        spectral_ranks([])
