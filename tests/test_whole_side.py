"""The factored engine ranks a whole side when it is small (L=3, R=2, M=4, T=16, prefix:12 has 256 ends).

Independent check: the brute force of tests/_bounds_brute.py (its own RAC recursion and FLINT) on random
weights, start states reached by random start sequences, and every end sequence.
"""

import numpy as np
import pytest

from tnrnn.ranks import rank_bounds

from ._bounds_brute import PRIME, draw_weights, end_outputs, rank_mod

pytest.importorskip("flint")


def start_states(weights, inputs, starts, p=PRIME):
    """``[h^1, ..., h^L]`` after each start sequence (the recursion of _bounds_brute.all_outputs)."""
    wh, wi, _ = weights
    depth, hidden = len(wh), wh[0].shape[0]
    starts = np.asarray(starts)
    n = len(starts)
    states = [None] * (depth + 1)
    for t in range(starts.shape[1]):
        below = (wi[0][:, starts[:, t]].T) % p
        for layer in range(1, depth + 1):
            if layer > 1:
                below = (states[layer - 1] @ wi[layer - 1].T) % p
            factor = np.ones((n, hidden), dtype=np.int64) if t == 0 else (states[layer] @ wh[layer - 1].T) % p
            states[layer] = (factor * below) % p
    return [[states[layer][i] for layer in range(1, depth + 1)] for i in range(n)]


def test_prefix12_of_t16_is_certified_with_the_whole_end_side():
    rec = rank_bounds(3, 2, 4, 16, cut="prefix:12")
    assert rec.samples[1] == 4**4                   # every end sequence, not 126 of them
    assert rec.exact and rec.lower == rec.upper
    rng = np.random.default_rng(1)
    weights = draw_weights(3, 2, 4, rng)
    starts = rng.integers(0, 4, size=(160, 12))
    z = end_outputs(weights, 4, 4, start_states(weights, 4, starts))   # 160 starts x all 256 ends
    assert rank_mod(z) == rec.upper                  # random weights reach the proven upper bound too
