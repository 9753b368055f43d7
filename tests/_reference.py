"""Independent reference computations for the tests: plain Python, no tnrnn code."""

from __future__ import annotations

import itertools

import flint


def forward_python(hidden_weights, input_weights, output_weights, sequence, modulus=None, initial_states=None):
    """The RAC's output for one sequence of input vectors, by plain nested loops.

    Works on Python ints (exact), fractions or floats; reduces mod ``modulus``
    when given. ``initial_states`` are the h^l_{-1}; by default the first hidden
    factor is all-ones.
    """
    R = len(hidden_weights[0])
    L = len(hidden_weights)
    red = (lambda v: v % modulus) if modulus else (lambda v: v)
    states = [None] * L
    for t, x in enumerate(sequence):
        below = list(x)
        for layer in range(L):
            W_i = input_weights[layer]
            W_h = hidden_weights[layer]
            inp = [red(sum(W_i[r][c] * below[c] for c in range(len(below)))) for r in range(R)]
            if t == 0 and initial_states is None:
                hid = [1] * R
            elif t == 0:
                hid = [sum(W_h[r][c] * initial_states[layer][c] for c in range(R)) for r in range(R)]
            else:
                hid = [red(sum(W_h[r][c] * states[layer][c] for c in range(R))) for r in range(R)]
            states[layer] = [red(hid[r] * inp[r]) for r in range(R)]
            below = states[layer]
    return [red(sum(w[c] * below[c] for c in range(R))) for w in output_weights]


def grid_matrix_python(weights, M, cut, modulus=None):
    """The full grid matricization (rows: start assignments, cols: end assignments)."""
    wh, wi, wo = weights
    rows = list(itertools.product(range(M), repeat=len(cut.start)))
    cols = list(itertools.product(range(M), repeat=len(cut.end)))
    eye = [[int(i == j) for j in range(M)] for i in range(M)]
    Z = []
    for r in rows:
        row = []
        for c in cols:
            seq = [None] * cut.length
            for pos, d in zip(cut.start, r):
                seq[pos] = eye[d]
            for pos, d in zip(cut.end, c):
                seq[pos] = eye[d]
            row.append(forward_python(wh, wi, wo, seq, modulus)[0])
        Z.append(row)
    return Z


def rational_rank(Z) -> int:
    """Exact rank over Q of an integer matrix (FLINT fmpz_mat)."""
    return flint.fmpz_mat(Z).rank()


def modular_rank(Z, p: int) -> int:
    """Rank over GF(p) of an integer matrix (FLINT nmod_mat)."""
    return flint.nmod_mat([[int(v) % p for v in row] for row in Z], p).rank()
