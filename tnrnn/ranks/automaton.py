"""Weighted automata over tokens with block-structured states, and their Start-End ranks over GF(p).

The construction, the proof that ``rank(F B^T) = rank(P Q^T)`` and what the rank is the rank of are in
:mod:`tnrnn.bridge.automaton`, which builds these automata from trained layers (``ssm``, ``gla``, Mamba,
LRU/S4D) and computes :func:`~tnrnn.bridge.automaton.automaton_rank`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import check_prime, matmul_mod, to_field

__all__ = ["TokenAutomaton", "row_basis_mod"]


@dataclass(frozen=True, eq=False)
class TokenAutomaton:
    """A weighted automaton over tokens ``0..M-1`` with block-structured states (see the module docstring).

    Attributes
    ----------
    initial : array (blocks, k)
    next_block : int array (M, blocks)
    steps : array (M, blocks, k, k)
        Row convention: block ``b`` of ``s A_v`` is ``s[b] @ steps[v, b]``, moved to ``next_block[v, b]``.
    final : array (M, blocks, k)
        ``Omega_v``, read from the state *before* the last token ``v``.
    modulus : int or None
        ``p`` when the entries are residues in ``[0, p)`` (int64), else float64.
    window : int
        A number of tokens after which the block is a function of those tokens alone, whatever the block
        before (0 for one block; ``d_conv - 1`` for Mamba, whose blocks are the last ``d_conv - 1`` tokens).
    """

    initial: np.ndarray
    next_block: np.ndarray
    steps: np.ndarray
    final: np.ndarray
    modulus: int | None = None
    window: int = 0

    @property
    def tokens(self) -> int:
        """``M``."""
        return self.steps.shape[0]

    @property
    def states(self) -> int:
        """``blocks * k``: the number of states."""
        return int(self.initial.size)

    def _rows(self, S, v):
        """``S A_v`` for rows ``S`` (n, blocks, k)."""
        out = np.zeros_like(S)
        for b in range(S.shape[1]):
            nb = self.next_block[v, b]
            if self.modulus is None:
                out[:, nb] += S[:, b] @ self.steps[v, b]
            else:
                out[:, nb] = (out[:, nb] + matmul_mod(S[:, b], self.steps[v, b], self.modulus)) % self.modulus
        return out

    def _cols(self, Bv, v):
        """``A_v beta`` for column vectors given as rows ``Bv`` (n, blocks, k)."""
        out = np.empty_like(Bv)
        for b in range(Bv.shape[1]):
            nb = self.next_block[v, b]
            if self.modulus is None:
                out[:, b] = Bv[:, nb] @ self.steps[v, b].T
            else:
                out[:, b] = matmul_mod(Bv[:, nb], np.ascontiguousarray(self.steps[v, b].T), self.modulus)
        return out

    def __call__(self, tokens) -> np.ndarray:
        """``f`` on token sequences (N, T) (T >= 1): floats, or residues over GF(p)."""
        tokens = np.asarray(tokens)
        if tokens.ndim == 1:
            tokens = tokens[None]
        n = tokens.shape[0]
        S = np.broadcast_to(self.initial, (n, *self.initial.shape)).copy()
        for t in range(tokens.shape[1] - 1):
            nxt = np.zeros_like(S)
            for v in np.unique(tokens[:, t]):
                rows = tokens[:, t] == v
                nxt[rows] = self._rows(S[rows], v)
            S = nxt
        out = np.empty(n, dtype=S.dtype)
        for v in np.unique(tokens[:, -1]):
            rows = tokens[:, -1] == v
            prod = S[rows].reshape(int(rows.sum()), -1) * self.final[v].reshape(-1)
            out[rows] = prod.sum(1) if self.modulus is None else np.remainder(
                (prod % self.modulus).sum(1), self.modulus)
        return out

    def start_spans(self, steps: int) -> list:
        """Per block, a basis (rows, reduced echelon form, over GF(p)) of the states after ``steps`` tokens.

        A state after a start word lies in one block (its window), so the reachable span is the direct sum of
        these: ``V'_c = sum over (b, v) with next[v, b] = c of V_b steps[v, b]``.
        """
        p = self._field()
        nb, k = self.initial.shape
        spans = [row_basis_mod(self.initial[b][None], p) for b in range(nb)]
        for _ in range(steps):
            cand = [[] for _ in range(nb)]
            for v in range(self.tokens):
                for b in range(nb):
                    if len(spans[b]):
                        cand[self.next_block[v, b]].append(matmul_mod(spans[b], self.steps[v, b], p))
            new = [row_basis_mod(np.concatenate(c), p) if c else np.zeros((0, k), dtype=np.int64) for c in cand]
            if all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(new, spans)):
                break   # a fixed point: every later span is this one
            spans = new
        return spans

    def end_spans(self, steps: int) -> list:
        """Per block ``b``, a basis of the restrictions to block ``b`` of the vectors
        ``A_{e_0} ... A_{e_{steps-2}} Omega_{e_{steps-1}}`` of every end word of ``steps`` tokens:
        ``U'_b = sum_v steps[v, b] U_{next[v, b]}``."""
        p = self._field()
        nb, k = self.initial.shape
        spans = [row_basis_mod(self.final[:, b], p) for b in range(nb)]
        for _ in range(steps - 1):
            new = []
            for b in range(nb):
                c = [matmul_mod(spans[self.next_block[v, b]], np.ascontiguousarray(self.steps[v, b].T), p)
                     for v in range(self.tokens) if len(spans[self.next_block[v, b]])]
                new.append(row_basis_mod(np.concatenate(c), p) if c else np.zeros((0, k), dtype=np.int64))
            if all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(new, spans)):
                break
            spans = new
        return spans

    def cut_matrix(self, start: int, end: int) -> np.ndarray:
        """A matrix over GF(p) whose rank is that of the Start-End matrix (start tokens, end tokens).

        Rows: the reachable basis of each start block ``b``; columns: for each word ``pi`` of the first
        ``j = min(window, end - 1)`` end tokens, the observable basis of the block the word leads to
        (``j = window``: a block fixed by ``pi`` alone), entries ``V_b H(b, pi) U^T`` with ``H`` the product of the
        steps along ``pi``.  When ``end - 1 < window`` the columns are the end words themselves.
        """
        p = self._field()
        d = self.window
        V = self.start_spans(start)
        j = min(d, end - 1)
        if j == d:
            U = self.end_spans(end - j)
            cols = []
            for pi in np.ndindex(*([self.tokens] * j)):
                target = None
                blocks = []
                for b in range(len(V)):
                    R = V[b]
                    c = b
                    for v in pi:
                        if len(R):
                            R = matmul_mod(R, self.steps[v, c], p)
                        c = self.next_block[v, c]
                    target = c
                    blocks.append(R)
                if len(U[target]) == 0:
                    continue
                Ut = np.ascontiguousarray(U[target].T)
                cols.append(np.concatenate([matmul_mod(R, Ut, p) if len(R) else np.zeros((0, Ut.shape[1]), np.int64)
                                            for R in blocks]))
            rows = sum(len(x) for x in V)
            return np.concatenate(cols, axis=1) if cols else np.zeros((rows, 0), dtype=np.int64)
        # a short end side: one column per end word
        cols = []
        for word in np.ndindex(*([self.tokens] * end)):
            parts = []
            for b in range(len(V)):
                R, c = V[b], b
                for v in word[:-1]:
                    if len(R):
                        R = matmul_mod(R, self.steps[v, c], p)
                    c = self.next_block[v, c]
                parts.append(matmul_mod(R, self.final[word[-1], c][:, None], p)[:, 0] if len(R)
                             else np.zeros(0, dtype=np.int64))
            cols.append(np.concatenate(parts))
        return np.stack(cols, axis=1)

    def _field(self) -> int:
        if self.modulus is None:
            raise InvalidParameterError("automaton", "a float automaton", "an automaton over GF(p) (.to_field(p))")
        return self.modulus

    def to_field(self, p: int) -> TokenAutomaton:
        """The same automaton with its float entries mapped exactly (dyadic rationals) to residues mod ``p``."""
        p = check_prime(p, "prime")
        if self.modulus is not None:
            return self

        def f(a, name):
            return np.remainder(to_field(a, p, name).astype(np.int64), p)

        return TokenAutomaton(f(self.initial, "initial"), self.next_block, f(self.steps, "steps"),
                              f(self.final, "final"), p, self.window)


def row_basis_mod(Z, p: int) -> np.ndarray:
    """The nonzero rows of the reduced row echelon form of ``Z`` over GF(p) (int64 residues, ``p < 2**31``).

    Examples
    --------
    >>> row_basis_mod(np.array([[1, 2], [2, 4], [0, 1]]), 7).tolist()
    [[1, 0], [0, 1]]
    """
    Z = np.remainder(np.asarray(Z, dtype=np.int64), p)
    rows, cols = Z.shape
    r = 0
    for c in range(cols):
        if r == rows:
            break
        nz = np.flatnonzero(Z[r:, c])
        if nz.size == 0:
            continue
        i = r + int(nz[0])
        if i != r:
            Z[[r, i]] = Z[[i, r]]
        Z[r] = Z[r] * pow(int(Z[r, c]), p - 2, p) % p
        others = np.flatnonzero(Z[:, c])
        others = others[others != r]
        if others.size:
            Z[others] = (Z[others] - Z[others, c:c + 1] * Z[r]) % p   # each product < p**2 < 2**62
        r += 1
    return Z[:r]
