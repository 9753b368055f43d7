"""Evaluating a circuit (any layer kind) over GF(p) on templates: grid matrices, cut-state features, sampled assignments.

The engines of :mod:`tnrnn.ranks.engines` rank what this module evaluates.  A
*template* is a one-hot input sequence; a grid matrix holds the circuit's
output for every (start assignment, end assignment) pair of a cut, computed
exactly over GF(p).  For prefix cuts the end sequences are walked as a trie
(shared prefixes are computed once; the walk is compiled with numba when it is
installed, see :mod:`tnrnn.ranks._kernels`), otherwise pair by pair in
batches.  Cut-state *features* are the monomials of the hidden states at the
cut, the factored engine's start side.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement, product

import numpy as np

from ..circuits import RAC, Circuit, CircuitShape, FieldOps
from ..cuts import Cut
from ..elimination import _t1
from ..errors import InvalidParameterError
from ..field import field_dtype, matmul_mod, mul_mod
from . import _kernels

__all__ = ["grid_matrix"]

#: Bytes of working memory per block of evaluated rows or columns (the engines size their blocks by it too).
_BLOCK_BYTES = 2**27


# -- sampling ---------------------------------------------------------------------


def _assignments(M: int, positions: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct input assignments in ``[0, M)^positions`` (all if fewer exist)."""
    total = M**positions
    if total <= n:
        return np.array(list(product(range(M), repeat=positions)), dtype=np.int64).reshape(total, positions)
    rows = np.unique(rng.integers(0, M, size=(n, positions)), axis=0)
    while len(rows) < n:
        extra = rng.integers(0, M, size=(n - len(rows) + 8, positions))
        rows = np.unique(np.concatenate([rows, extra]), axis=0)
    return rows[rng.permutation(len(rows))[:n]]


# -- evaluation ---------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldCircuit(CircuitShape):
    """A circuit's weights as residues in the array type of :func:`field_dtype`."""

    p: int
    hidden_weights: tuple
    input_weights: tuple
    output_weights: np.ndarray
    factors: tuple

    @classmethod
    def of(cls, rac: RAC) -> _FieldCircuit:
        dt = field_dtype(rac.modulus)
        return cls(rac.modulus, tuple(w.astype(dt) for w in rac.hidden_weights),
                   tuple(w.astype(dt) for w in rac.input_weights), rac.output_weights.astype(dt),
                   tuple(f.astype(dt) for f in rac.initial_factors()))

    @property
    def feed(self) -> np.ndarray:
        """Row ``d`` is ``W^{I,1} e_d``, the first layer's input factor for template ``d``."""
        return self.input_weights[0].T


def _step(fc: _FieldCircuit, states: list, below, t: int, layers: range):
    """Advance ``layers`` of the circuit by one step, in place; return the top output."""
    p = fc.p
    for layer in layers:
        inp = below if layer == 0 else matmul_mod(below, fc.input_weights[layer].T, p)
        hid = fc.factors[layer] if t == 0 else matmul_mod(states[layer], fc.hidden_weights[layer].T, p)
        states[layer] = mul_mod(hid, inp, p)
        below = states[layer]
    return below


def _check_field_circuit(circuit, name: str = "circuit") -> Circuit:
    if not isinstance(circuit, Circuit) or circuit.modulus is None:
        raise InvalidParameterError(name, circuit, "a circuit over GF(p) (random_modular_circuit, or .to_field(p))")
    return circuit


def grid_matrix(circuit: Circuit, cut: Cut, rows: np.ndarray, cols: np.ndarray, output: int = 0, progress=None,
                method: str = "auto") -> np.ndarray:
    """Exact values ``Z[i, j] = y(start_i, end_j) mod p`` of a circuit over GF(p), of any layer kind.

    Parameters
    ----------
    circuit : Circuit
        A circuit over GF(p) (``circuit.modulus`` set): a :class:`~tnrnn.RAC`
        or a :class:`~tnrnn.circuits.GatedCircuit` (``ssm``, ``gla``, ...).
    cut : Cut
    rows : int array, shape (n_rows, len(cut.start))
        Template indices ``d_t`` for the start positions (one-hot inputs).
    cols : int array, shape (n_cols, len(cut.end))
        Template indices for the end positions.
    output : int
        The output channel.
    method : {"auto", "trie", "pairs"}
        ``"trie"`` (prefix cuts): the states at the cut are computed once per
        start and advanced along the trie of the end sequences, so that
        columns sharing a prefix share its steps; ``"pairs"`` runs the whole
        recurrence for every (start, end) pair, batched (any cut).
        ``"auto"`` takes ``"trie"`` for prefix cuts.

    Returns
    -------
    numpy.ndarray of int64, shape (n_rows, n_cols)

    Notes
    -----
    Every kind is stepped by its registered step over :class:`~tnrnn.circuits.FieldOps`
    (:meth:`~tnrnn.circuits.Circuit.advance`), one code path; a ``rac`` trie
    walk over the float64 field representation runs compiled (numba) instead.
    For a prefix cut the pair method costs ``T`` circuit steps per entry; the
    trie costs ``s`` steps per start plus one step per node of the trie of the
    sampled end sequences per start. On the full grid of ``M**E`` ends the trie
    has ``M + M**2 + ... + M**E < M**E * M / (M - 1)`` nodes, so the cost per
    entry drops from ``T`` steps to at most ``M / (M - 1)`` steps.

    Examples
    --------
    >>> rac = RAC.random_modular(2, 2, 2, prime=101, seed=0)
    >>> cut = Cut.start_end(2)
    >>> Z = grid_matrix(rac, cut, np.array([[0], [1]]), np.array([[0], [1]]))
    >>> X = np.eye(2, dtype=np.int64)[[[0, 0], [0, 1], [1, 0], [1, 1]]]
    >>> bool((Z.ravel() == rac(X)[:, 0]).all())
    True
    >>> bool((grid_matrix(rac, cut, np.array([[0], [1]]), np.array([[0], [1]]), method="pairs") == Z).all())
    True
    >>> from tnrnn.circuits import random_modular_circuit
    >>> gla = random_modular_circuit("gla", 2, 2, 2, prime=101, seed=0)
    >>> Z = grid_matrix(gla, cut, np.array([[0], [1]]), np.array([[0], [1]]))
    >>> bool((Z.ravel() == gla(X)[:, 0]).all())
    True
    """
    _check_field_circuit(circuit)
    if method not in ("auto", "trie", "pairs"):
        raise InvalidParameterError("method", method, "'auto', 'trie' or 'pairs'")
    if method == "trie" and not cut.is_prefix:
        raise InvalidParameterError("method", method, "'pairs' for a cut that is not a prefix cut")
    if method == "pairs" or not cut.is_prefix or len(cut.end) == 0 or len(cut.start) == 0:
        return _grid_matrix_pairs(circuit, cut, rows, cols, output, progress)
    return _grid_matrix_trie(circuit, cut, rows, cols, output, progress)


def _trie(cols: np.ndarray) -> tuple[list, np.ndarray]:
    """Levels of the trie of the rows of ``cols``: per level ``(parent index, symbol)`` of its
    distinct prefixes (in lexicographic order), and the leaf of every row."""
    levels = []
    parent = np.zeros(len(cols), dtype=np.int64)  # node of each row at the previous level (the root)
    for i in range(cols.shape[1]):
        width = int(cols[:, i].max()) + 1 if len(cols) else 1
        uniq, inv = np.unique(parent * width + cols[:, i], return_inverse=True)
        levels.append((uniq // width, uniq % width))
        parent = inv.reshape(-1)
    return levels, parent


def _numbers_per_sequence(circuit: Circuit) -> int:
    """Residues held per sequence while stepping: every layer's state, and a few step temporaries
    (a ``gla`` step holds an ``R x R`` outer product besides its state)."""
    k, R = circuit.layer_kind, circuit.hidden
    return circuit.depth * k.state_size(R) + 3 * k.state_size(R) + 4 * max(R, circuit.inputs)


def _grid_matrix_trie(circuit, cut, rows, cols, output, progress):
    n_rows, n_cols = len(rows), len(cols)
    if n_rows == 0 or n_cols == 0:
        return np.zeros((n_rows, n_cols), dtype=np.int64)
    if isinstance(circuit, RAC) and _kernels.available() and field_dtype(circuit.modulus) == np.float64:
        return _rac_trie_compiled(circuit, cut, rows, cols, output, progress)
    p, M = circuit.modulus, circuit.inputs
    layers, w_out = circuit.field_params()
    ops = FieldOps(p)
    eye = np.eye(M, dtype=w_out.dtype)
    w = w_out[output : output + 1]
    levels, leaf = _trie(np.asarray(cols, dtype=np.int64))
    widest = max(len(par) for par, _ in levels)
    start = circuit.start_states()   # the states at the cut, once per start
    for t in range(len(cut.start)):
        circuit.advance(start, eye[rows[:, t]], layers, ops)
    Z = np.empty((n_rows, n_cols), dtype=np.int64)
    block = max(1, (4 * _BLOCK_BYTES) // (8 * _numbers_per_sequence(circuit) * widest))
    starts = range(0, n_rows, block)
    for r0 in (progress(starts) if progress else starts):
        states = [h[r0 : r0 + block][:, None] for h in start]  # (b, 1, *state): the root
        b = len(states[0])
        for par, sym in levels:
            n = len(par)
            flat = [h[:, par].reshape((b * n,) + h.shape[2:]) for h in states]
            u = np.broadcast_to(eye[sym][None], (b, n, M)).reshape(b * n, M)
            top = circuit.advance(flat, u, layers, ops)
            states = [h.reshape((b, n) + h.shape[1:]) for h in flat]
        y = ops.lin(top, w)[:, 0].reshape(b, -1)  # (b, leaves)
        Z[r0 : r0 + b] = np.remainder(y[:, leaf], p)
    return Z


def _rac_trie_compiled(rac, cut, rows, cols, output, progress):
    """The ``rac`` trie walk, compiled: depth first per start, the last step folded into covectors."""
    fc = _FieldCircuit.of(rac)
    p = fc.p
    R, L = fc.hidden, fc.depth
    s = len(cut.start)
    n_rows, n_cols = len(rows), len(cols)
    levels, leaf = _trie(np.asarray(cols, dtype=np.int64))
    start: list = [None] * L
    for t in range(s):
        _step(fc, start, fc.feed[rows[:, t]], t, range(L))
    Z = np.empty((n_rows, n_cols), dtype=np.int64)
    wh = np.stack(fc.hidden_weights)
    win = np.stack([np.zeros((R, R))] + [w for w in fc.input_weights[1:]])
    n_leaves = len(levels[-1][0])
    block = max(1, _BLOCK_BYTES // (8 * n_leaves))
    starts = range(0, n_rows, block)
    start_all = np.stack(start, axis=1)  # (n_rows, L, R)
    for r0 in (progress(starts) if progress else starts):
        y = _kernels.trie_outputs(start_all[r0 : r0 + block], wh, win, fc.feed, fc.output_weights[output],
                                  levels, n_leaves, p, _t1(p))
        Z[r0 : r0 + block] = np.remainder(y[:, leaf], p)
    return Z


def _grid_matrix_pairs(circuit, cut, rows, cols, output, progress):
    p, M = circuit.modulus, circuit.inputs
    layers, w_out = circuit.field_params()
    ops = FieldOps(p)
    eye = np.eye(M, dtype=w_out.dtype)
    w = w_out[output : output + 1]
    pos_start = {t: i for i, t in enumerate(cut.start)}
    pos_end = {t: i for i, t in enumerate(cut.end)}
    n_rows, n_cols = len(rows), len(cols)
    block = max(1, _BLOCK_BYTES // (8 * _numbers_per_sequence(circuit) * max(n_rows, 1)))
    Z = np.empty((n_rows, n_cols), dtype=np.int64)
    starts = range(0, n_cols, block)
    for c0 in (progress(starts) if progress else starts):
        cc = cols[c0 : c0 + block]
        states = circuit.start_states()
        top = None
        for t in range(cut.length):
            if t in pos_start:
                tokens = np.broadcast_to(rows[:, pos_start[t]][:, None], (n_rows, len(cc)))
            else:
                tokens = np.broadcast_to(cc[:, pos_end[t]][None, :], (n_rows, len(cc)))
            top = circuit.advance(states, eye[tokens.reshape(-1)], layers, ops)
        Z[:, c0 : c0 + len(cc)] = ops.lin(top, w)[:, 0].reshape(n_rows, len(cc))
    return np.remainder(Z, p, out=Z)


def _monomials(h: np.ndarray, degree: int, p: int) -> np.ndarray:
    """All monomials of ``degree`` in the columns of ``h``, in
    ``combinations_with_replacement`` order; shape ``(n, multiset(R, degree))``."""
    n, R = h.shape
    cur = np.ones((n, 1), dtype=h.dtype)
    index = {(): 0}
    for d in range(1, degree + 1):
        combos = list(combinations_with_replacement(range(R), d))
        parent = np.fromiter((index[c[:-1]] for c in combos), dtype=np.int64, count=len(combos))
        var = np.fromiter((c[-1] for c in combos), dtype=np.int64, count=len(combos))
        cur = mul_mod(cur[:, parent], h[:, var], p)
        index = {c: i for i, c in enumerate(combos)}
    return cur


def _row_kron(a: np.ndarray, b: np.ndarray, p: int) -> np.ndarray:
    """Row-wise Kronecker products mod ``p``, written block by block into one array, so that the
    temporaries of the reduction stay within :data:`_BLOCK_BYTES` whatever the number of rows."""
    n, width = len(a), a.shape[1] * b.shape[1]
    out = np.empty((n, width), dtype=np.result_type(a, b))
    block = max(1, _BLOCK_BYTES // (16 * max(width, 1)))
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        out[r0:r1] = mul_mod(a[r0:r1, :, None], b[r0:r1, None, :], p).reshape(r1 - r0, -1)
    return out


def _features(states: list, degrees: tuple, p: int) -> np.ndarray:
    """``h^L ⊗ mono(h^{L-1}, d_1) ⊗ ... ⊗ mono(h^1, d_{L-1})`` row by row."""
    L = len(states)
    phi = states[L - 1]
    for k in range(1, L):
        phi = _row_kron(phi, _monomials(states[L - 1 - k], degrees[k], p), p)
    return phi
