"""Independent references for the network tests: the forward pass over all one-hot
inputs (``RAC.__call__``, not the tensor network) and a brute-force hypergraph cut."""

from __future__ import annotations

import itertools
import math

import numpy as np


def dense_grid(rac, length, channel=0):
    """``A[d_0..d_{T-1}] = y(e_{d_0}, ..., e_{d_{T-1}})`` from the forward pass."""
    M = rac.inputs
    seqs = np.array(list(itertools.product(range(M), repeat=length)))
    X = np.eye(M)[seqs]                      # (M^T, T, M), row-major over (d_0, ..., d_{T-1})
    y = rac(X)
    if channel is None:
        return y.reshape((M,) * length + (rac.outputs,))
    return y[:, channel].reshape((M,) * length)


def dense_matricization(rac, length, cut):
    """The grid matricization: rows over the start positions, columns over the end positions."""
    A = dense_grid(rac, length)
    M = rac.inputs
    return A.transpose(cut.start + cut.end).reshape(M ** len(cut.start), M ** len(cut.end))


def brute_force_cut(tensor_inds, sizes, start_inputs, end_inputs):
    """Minimum over all 2^n side assignments of the product of crossing index dimensions.

    An index crosses when the tensors (and the terminal of an open input)
    carrying it are not all on one side; it then counts once.
    """
    n = len(tensor_inds)
    members = {}
    for k, inds in enumerate(tensor_inds):
        for ind in set(inds):
            members.setdefault(ind, set()).add(k)
    assign = (np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1      # 1 = start side
    total = np.zeros(2 ** n)
    for ind, ks in members.items():
        sides = assign[:, sorted(ks)]
        on_start = sides.any(axis=1) | (ind in start_inputs)
        on_end = (~sides.astype(bool)).any(axis=1) | (ind in end_inputs)
        total += np.where(on_start & on_end, math.log2(sizes[ind]), 0.0)
    best = total.min()
    return round(2 ** best)
