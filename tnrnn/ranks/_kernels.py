"""Compiled loops of the GF(p) engines (numba, when installed; numpy paths otherwise).

The evaluation of a circuit over GF(p) is a long chain of tiny ``R x R``
products, each followed by a reduction mod ``p``; in numpy every one is a pass
over memory. The kernels here run the same arithmetic per (start, end) pair in
registers: float64 residues reduced as ``x - rint(x / p) * p`` (exact while
``|x| <= 2**53 - p``, see :mod:`tnrnn.elimination`), with the sums of ``R``
products split into chunks of ``chunk`` terms (the callers pass ``T1`` of
:mod:`tnrnn.elimination`) so that each partial sum stays
within that bound (``chunk = floor((2**53 - p - H) / H**2)``, ``H = (p + 3) / 2``;
32767 terms for the default prime, 32 for ``2**25 - 39``).  The compiled leaves of
the CPU elimination (:mod:`tnrnn.elimination`) live here too.  They apply to the primes of the float64
field representation (:func:`tnrnn.field.field_dtype`); the engines fall back
to their numpy paths for larger primes and when numba is absent.

The kernels are tnrnn's own; numba (a requirement) compiles them on first use
and caches the machine code on disk (``cache=True``: in ``__pycache__`` next to
the module, or numba's per-user cache directory when the install is read-only;
``NUMBA_CACHE_DIR`` overrides), so the compilation happens once per install and
a second process only loads it.  Nothing is compiled or loaded that a request
does not use: the kernels come in groups (:data:`GROUPS`: the elimination's
leaves, the flat reduction, the trie walk, the depth-2 covectors), and
:func:`kernels` warms a group up on tiny inputs the first time a caller asks
for it (a query answered by the closed forms, or by FLINT on small matrices,
does not even import numba).  The first compilation of an install is announced
with one line on stderr (:data:`COMPILE_MESSAGE`); the seconds spent warming up
are counted in :data:`warm_seconds`, which :func:`tnrnn.rank_bounds` subtracts,
so no record's ``seconds`` includes compilation.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from functools import cache, lru_cache

import numpy as np


def available() -> bool:
    """Whether numba can be imported."""
    return importlib.util.find_spec("numba") is not None


#: The line written on stderr before numba compiles the kernels (first run of an install).
COMPILE_MESSAGE = "compiling rank kernels (once per install)…"


#: The kernels each group needs; a group is warmed up (compiled, or loaded from numba's on-disk cache,
#: for the argument layouts the engines pass) the first time a caller asks for it, and only then.
GROUPS = {
    "elimination": ("leaf_lu", "reduce_block", "reduce_into", "unit_lower_inverse", "check_reduce"),
    "reduce": ("reduce_flat",),
    "trie": ("trie_outputs",),
    "covectors": ("covectors_depth2",),
}

#: Seconds spent warming kernels up in this process so far (compiling or loading them): timed
#: callers (:func:`tnrnn.rank_bounds`) subtract what they incurred, so no record's ``seconds``
#: includes compilation.
warm_seconds = 0.0

#: Whether this process has announced a compilation already (the message goes out once).
_told = False


def _cached(nk, names=None) -> bool:
    """Whether numba's on-disk cache holds the kernels ``names`` (default: all; an index file per kernel)."""
    for name in names or [n for group in GROUPS.values() for n in group]:
        cache = getattr(getattr(nk, name), "_cache", None)
        path = getattr(getattr(cache, "_cache_file", None), "_index_path", None)
        if path is None or not os.path.exists(path):
            return False
    return True


def _warm_group(nk, group: str) -> None:
    """Call the group's kernels once on tiny inputs of the layouts the engines pass, so that compiling
    (or loading the cached machine code) happens here and not inside a timed computation."""
    p, t1 = 101.0, 1  # any chunk: warming up compiles for the argument types only
    if group == "elimination":
        wf = np.asfortranarray(np.arange(12.0).reshape(4, 3))
        for w in (wf, np.asfortranarray(np.arange(30.0).reshape(5, 6))[1:, 1:4]):  # contiguous and strided
            w = w.copy(order="F") if w.flags.f_contiguous else w
            nk.leaf_lu(w, p, 0, t1, np.arange(4), np.arange(3))
            nk.reduce_block(w, p)
            nk.check_reduce(w, p)
            nk.reduce_into(wf, w, p)
            nk.unit_lower_inverse(w[:3, :3], p, t1)
        strided = np.asfortranarray(np.zeros((5, 6)))[1:, 1:4]
        for src in (np.ones((4, 3)), np.asfortranarray(np.ones((4, 3)))):
            for dst in (wf, strided):
                nk.reduce_into(src, dst, p)
        nk.unit_lower_inverse(np.eye(3), p, t1)
        nk.unit_lower_inverse(np.asfortranarray(np.eye(3)), p, t1)
    elif group == "reduce":
        nk.reduce_flat(np.ones(4), p)
    elif group == "trie":
        nk.trie_outputs(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.zeros((1, 1)),
                        np.zeros(1), np.zeros(1, np.int64), np.array([0, 1]), np.array([0, 1]),
                        np.zeros(1, np.int64), 1, p, t1)
    elif group == "covectors":
        nk.covectors_depth2(np.zeros((1, 1)), np.zeros((1, 1, 1, 1)), np.zeros((1, 1)), np.zeros(1), p, t1)


@lru_cache(maxsize=1)
def _module():
    from . import _numba_kernels as nk

    return nk


@cache
def kernels(group: str):
    """The numba kernels module with ``group``'s kernels compiled or loaded from cache and warmed
    up (once per process and group; :data:`GROUPS`).  Nothing else is compiled or loaded.

    Before a compilation (the first use of an install) one line, :data:`COMPILE_MESSAGE`, goes to
    stderr (where progress goes; stdout stays clean).
    """
    global warm_seconds, _told
    if group not in GROUPS:
        raise KeyError(group)
    t0 = time.perf_counter()
    nk = _module()
    if not _told and not _cached(nk, GROUPS[group]):
        print(COMPILE_MESSAGE, file=sys.stderr, flush=True)
        _told = True
    _warm_group(nk, group)
    warm_seconds += time.perf_counter() - t0
    return nk


def compiled():
    """The numba kernels module with every kernel compiled or loaded and warmed up.

    Kept for callers that want everything ready (benchmarks); the engines ask :func:`kernels` for the
    group they use.
    """
    nk = None
    for group in GROUPS:
        nk = kernels(group)
    return nk


def warm_up(groups=None) -> None:
    """Compile or load the kernels of ``groups`` (default: all) now, if numba is installed."""
    if available():
        for group in groups or GROUPS:
            kernels(group)




def trie_outputs(start, wh, win, feed, w_out, levels, n_leaves, p, chunk):
    """Run the compiled trie evaluation; ``levels`` as built by the grid engine's ``_trie``;
    ``chunk`` is ``T1`` of :mod:`tnrnn.elimination` (products between two reductions)."""
    kernel = kernels("trie").trie_outputs
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
                  np.array(coffs[:-1], dtype=np.int64), int(n_leaves), float(p), max(1, int(chunk)))


def covectors_depth2(pts, transfers, w_top, w_out, p, chunk):
    """Run the compiled depth-2 backward covectors: shape ``(n_cols, R, len(pts))``."""
    kernel = kernels("covectors").covectors_depth2
    f = np.ascontiguousarray
    return kernel(f(pts.T, dtype=np.float64), f(np.swapaxes(transfers, -1, -2), dtype=np.float64),
                  f(w_top, dtype=np.float64), f(w_out, dtype=np.float64), float(p), max(1, int(chunk)))
