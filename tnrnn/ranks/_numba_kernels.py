"""numba kernels of :mod:`tnrnn.ranks._kernels` (imported only when numba is installed)."""

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def red(x, p, pinv):
    return x - np.rint(x * pinv) * p


@numba.njit(cache=True, inline="always")
def matvec(w, v, out, p, pinv, chunk):
    # out[r] = sum_k w[r, k] v[k] mod p, chunked to stay exact
    R = w.shape[0]
    K = w.shape[1]
    for r in range(R):
        acc = 0.0
        n = 0
        for k in range(K):
            acc += w[r, k] * v[k]
            n += 1
            if n == chunk:
                acc = red(acc, p, pinv)
                n = 0
        out[r] = red(acc, p, pinv)


@numba.njit(cache=True, parallel=True)
def trie_outputs(start, wh, win, feed, w_out, syms, offs, cstart, coffs, n_leaves, p, chunk):
    """Outputs at every leaf of the end trie, for every start state.

    start: (b, L, R) states at the cut; wh: (L, R, R); win: (L, R, R) (layer 0 unused);
    feed: (M, R) first-layer input factors; w_out: (R,); level d's nodes are
    syms[offs[d]:offs[d+1]], and the children of node q of level d - 1 (the root for d = 0)
    are the level-d nodes cstart[coffs[d] + q] .. cstart[coffs[d] + q + 1] - 1.
    """
    b, L, R = start.shape
    E = offs.shape[0] - 1
    pinv = 1.0 / p
    y = np.empty((b, n_leaves))
    for row in numba.prange(b):
        st = np.empty((E + 1, L, R))
        st[0] = start[row]
        cur = np.empty(E, np.int64)
        hi = np.empty(E, np.int64)
        hid = np.empty(R)
        inp = np.empty(R)
        cur[0] = cstart[coffs[0]]
        hi[0] = cstart[coffs[0] + 1]
        d = 0
        while d >= 0:
            if cur[d] == hi[d]:
                d -= 1
                if d >= 0:
                    cur[d] += 1
                continue
            node = cur[d]
            x = syms[offs[d] + node]
            for layer in range(L):
                matvec(wh[layer], st[d, layer], hid, p, pinv, chunk)
                if layer == 0:
                    for r in range(R):
                        st[d + 1, 0, r] = red(hid[r] * feed[x, r], p, pinv)
                else:
                    matvec(win[layer], st[d + 1, layer - 1], inp, p, pinv, chunk)
                    for r in range(R):
                        st[d + 1, layer, r] = red(hid[r] * inp[r], p, pinv)
            if d == E - 1:
                acc = 0.0
                n = 0
                for r in range(R):
                    acc += w_out[r] * st[E, L - 1, r]
                    n += 1
                    if n == chunk:
                        acc = red(acc, p, pinv)
                        n = 0
                y[row, node] = red(acc, p, pinv)
                cur[d] += 1
            else:
                base = coffs[d + 1] + node
                cur[d + 1] = cstart[base]
                hi[d + 1] = cstart[base + 1]
                d += 1
    return y


@numba.njit(cache=True, parallel=True)
def covectors_depth2(pts, transfers, w_top, w_out, p, chunk):
    """Depth 2: ``out[g, j] = c`` with ``c <- (c * u_i) W`` backwards from ``w_out``, where
    ``u_i = pts[g] @ transfers[i, j]`` is the top layer's input factor at end step ``i``."""
    n_g, R = pts.shape
    E, n_b = transfers.shape[0], transfers.shape[1]
    pinv = 1.0 / p
    out = np.empty((n_g, n_b, R))
    for g in numba.prange(n_g):
        c = np.empty(R)
        v = np.empty(R)
        u = np.empty(R)
        wt = w_top.T.copy()
        for j in range(n_b):
            for r in range(R):
                c[r] = w_out[r]
            for i in range(E - 1, -1, -1):
                matvec(transfers[i, j].T, pts[g], u, p, pinv, chunk)  # u = pts[g] @ T
                for r in range(R):
                    v[r] = red(c[r] * u[r], p, pinv)
                matvec(wt, v, c, p, pinv, chunk)  # c = v @ W
            for r in range(R):
                out[g, j, r] = c[r]
    return out
