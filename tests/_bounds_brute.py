"""An independent brute force for the depth-3 ideal bound and the input-degree cap.

Nothing from tnrnn is used: the RAC recursion is written out again, evaluated
on every one-hot template sequence with numpy int64 residues (a prime below
``2**25`` keeps every product below ``2**50`` and every sum of at most 8 of
them exact), and the grid matricization is ranked by FLINT's ``nmod_mat``.
"""

from __future__ import annotations

import numpy as np

#: The brute force's prime, fixed here so that the tests do not follow tnrnn's default.
PRIME = 33554393  # 2**25 - 39


def draw_weights(depth, hidden, inputs, rng, p=PRIME):
    """Uniform residues: (hidden factors, input factors, output row) as int64 arrays."""
    wh = [rng.integers(0, p, size=(hidden, hidden)) for _ in range(depth)]
    wi = [rng.integers(0, p, size=(hidden, inputs if layer == 0 else hidden)) for layer in range(depth)]
    wo = rng.integers(0, p, size=(1, hidden))
    return wh, wi, wo


def all_outputs(weights, inputs, length, p=PRIME):
    """``y`` mod ``p`` on all ``M^T`` one-hot sequences, sequence ``(d_0, ..., d_{T-1})`` at its mixed-radix index."""
    wh, wi, wo = weights
    depth, hidden = len(wh), wh[0].shape[0]
    n = inputs**length
    digits = np.indices((inputs,) * length).reshape(length, n)  # digits[t] = d_t, d_0 most significant
    states = [None] * (depth + 1)
    for t in range(length):
        below = (wi[0][:, digits[t]].T) % p  # W^{I,1} e_{d_t}
        for layer in range(1, depth + 1):
            if layer > 1:
                below = (states[layer - 1] @ wi[layer - 1].T) % p
            factor = np.ones((n, hidden), dtype=np.int64) if t == 0 else (states[layer] @ wh[layer - 1].T) % p
            states[layer] = (factor * below) % p
    return ((states[depth] @ wo.T) % p)[:, 0]


def matricization(values, inputs, length, start):
    """Rows indexed by the templates at ``start``, columns by the rest (each in increasing step order)."""
    end = [t for t in range(length) if t not in set(start)]
    tensor = values.reshape((inputs,) * length)
    return tensor.transpose(list(start) + end).reshape(inputs ** len(start), inputs ** len(end))


def rank_mod(matrix, p=PRIME):
    """FLINT's rank of an integer matrix mod ``p``."""
    import flint

    return flint.nmod_mat(np.asarray(matrix, dtype=np.int64).tolist(), p).rank()


def brute_rank(weights, inputs, length, start, p=PRIME):
    return rank_mod(matricization(all_outputs(weights, inputs, length, p), inputs, length, start), p)


def end_outputs(weights, inputs, end_steps, cut_states, ends=None, p=PRIME):
    """``y`` mod ``p`` from given cut states (any vectors, reachable or not) over end template sequences.

    ``cut_states[k]`` is a list ``[h^1, ..., h^L]`` of the states at the step before the first end
    step (which is not step 0: every end step has a real hidden factor). ``ends`` is an
    ``n x E`` array of template indices (default: all ``M^E``). Returns a
    ``len(cut_states) x n`` matrix.
    """
    wh, wi, wo = weights
    depth = len(wh)
    if ends is None:
        ends = np.indices((inputs,) * end_steps).reshape(end_steps, -1).T
    digits = np.asarray(ends).T
    n_states, n_ends = len(cut_states), digits.shape[1]
    states = [None] + [np.repeat(np.array([cs[layer] for cs in cut_states], dtype=np.int64) % p, n_ends, axis=0)
                       for layer in range(depth)]
    for e in range(end_steps):
        below = np.tile(wi[0][:, digits[e]].T, (n_states, 1)) % p
        for layer in range(1, depth + 1):
            if layer > 1:
                below = (states[layer - 1] @ wi[layer - 1].T) % p
            states[layer] = (((states[layer] @ wh[layer - 1].T) % p) * below) % p
    return ((states[depth] @ wo.T) % p)[:, 0].reshape(n_states, n_ends)
