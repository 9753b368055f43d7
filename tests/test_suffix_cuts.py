"""Cuts whose start side is a suffix are ranked as their transposed prefix cuts (same rank).

The rank claims are checked against the independent brute force of tests/_bounds_brute.py (the RAC written
out again, every one-hot sequence, FLINT's rank), never against tnrnn's own numbers.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.cuts import Cut
from tnrnn.ranks import rank_bounds
from tnrnn.ranks.bounds import closed_form_upper, theorem_lower

from ._bounds_brute import brute_rank, draw_weights

pytest.importorskip("flint")


def suffix_cut(T, s):
    """Start side ``s..T-1``, end side ``0..s-1``."""
    return Cut.from_sets(range(s, T), range(s))


def test_transposed_and_oriented():
    cut = suffix_cut(8, 4)
    assert cut.oriented() == Cut.start_end(8)
    assert suffix_cut(9, 5).oriented() == Cut.prefix(9, 5)
    assert Cut.prefix(9, 5).transposed().oriented() == Cut.prefix(9, 5)
    assert Cut.interleaved(6).oriented() is not None and not Cut.interleaved(6).oriented().is_prefix


def test_the_issue_example_is_certified_and_matches_the_brute_force():
    """L=2, R=2, M=4, T=8, S={4..7}: [10, 96] before; the rank of random weights is 10 (brute force)."""
    rec = rank_bounds(2, 2, 4, 8, cut=suffix_cut(8, 4))
    weights = draw_weights(2, 2, 4, np.random.default_rng(0))
    brute = brute_rank(weights, 4, 8, list(range(4, 8)))
    assert brute == brute_rank(weights, 4, 8, list(range(4)))  # the transpose: same rank
    assert rec.exact and rec.lower == rec.upper == brute == 10
    assert rec.cut == "4,5,6,7|0,1,2,3"


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 3), st.integers(2, 7), st.data())
def test_suffix_bounds_contain_the_brute_force_rank(L, R, M, T, data):
    if M**T > 3000:
        T = 6 if M == 2 else 5
    s = data.draw(st.integers(1, T - 1))
    cut = suffix_cut(T, s)
    upper = closed_form_upper(L, R, M, cut).value
    assert upper == closed_form_upper(L, R, M, Cut.prefix(T, s)).value
    weights = draw_weights(L, R, M, np.random.default_rng(data.draw(st.integers(0, 2**16))))
    brute = brute_rank(weights, M, T, list(range(s, T)))
    assert brute <= upper
    theorem = theorem_lower(L, R, M, cut)
    if theorem is not None:  # only the transposed Start-End cut has a paper bound
        assert 2 * s == T
