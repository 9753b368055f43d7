"""Compiled loops of the GF(p) engines (numba, when installed; numpy paths otherwise).

The evaluation of a circuit over GF(p) is a long chain of tiny ``R x R``
products, each followed by a reduction mod ``p``; in numpy every one is a pass
over memory. The kernels here run the same arithmetic per (start, end) pair in
registers: float64 residues reduced as ``x - rint(x / p) * p`` (exact while
``|x| <= 2**53 - p``, see :mod:`tnrnn.elimination`), with the sums of ``R``
products split into chunks of ``chunk`` terms so that each partial sum stays
within that bound (``chunk = floor((2**53 - p - H) / H**2)``, ``H = (p + 3) / 2``;
32 terms for the default prime).  They apply to the primes of the float64
field representation (:func:`tnrnn.field.field_dtype`); the engines fall back
to their numpy paths for larger primes and when numba is absent.

The kernels are tnrnn's own; numba (a dependency of quimb, hence present with
tnrnn's requirements) compiles them on first use and caches the machine code.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from ..elimination import _t1


def available() -> bool:
    """Whether numba can be imported."""
    return importlib.util.find_spec("numba") is not None


def chunk(p: int) -> int:
    """Products added to a reduced partial sum before it is reduced again (``T1`` of
    :mod:`tnrnn.elimination`: ``H + chunk * H**2 <= 2**53 - p``)."""
    return max(1, _t1(p))


def _compiled():
    from . import _numba_kernels as nk

    return nk.trie_outputs, nk.covectors_depth2


def trie_outputs(start, wh, win, feed, w_out, levels, n_leaves, p):
    """Run the compiled trie evaluation; ``levels`` as built by the grid engine's ``_trie``."""
    kernel = _compiled()[0]
    syms = np.concatenate([sym for _, sym in levels]).astype(np.int64)
    offs = np.cumsum([0] + [len(sym) for _, sym in levels]).astype(np.int64)
    starts, coffs, n_parent = [], [0], 1
    for par, _ in levels:  # children of each parent are contiguous: nodes are sorted by parent
        starts.append(np.searchsorted(par, np.arange(n_parent + 1)).astype(np.int64))
        coffs.append(coffs[-1] + n_parent + 1)
        n_parent = len(par)
    cstart = np.concatenate(starts)
    f = np.ascontiguousarray
    return kernel(f(start, dtype=np.float64), f(wh, dtype=np.float64), f(win, dtype=np.float64),
                  f(feed, dtype=np.float64), f(w_out, dtype=np.float64), syms, offs, cstart,
                  np.array(coffs[:-1], dtype=np.int64), int(n_leaves), float(p), int(chunk(p)))


def covectors_depth2(pts, transfers, w_top, w_out, p):
    """Run the compiled depth-2 backward covectors: shape ``(len(pts), n_cols, R)``."""
    kernel = _compiled()[1]
    f = np.ascontiguousarray
    return kernel(f(pts, dtype=np.float64), f(np.swapaxes(transfers, -1, -2), dtype=np.float64), f(w_top, dtype=np.float64),
                  f(w_out, dtype=np.float64), float(p), int(chunk(p)))
