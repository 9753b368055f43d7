"""numba kernels of :mod:`tnrnn.ranks._kernels` (imported only when numba is installed)."""

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def red(x, p, pinv):
    return x - np.rint(x * pinv) * p


@numba.njit(cache=True, inline="always")
def matvec(w, v, out, p, pinv, chunk):
    # out[r] = sum_k w[r, k] v[k] mod p, reduced every `chunk` terms to stay exact
    R = w.shape[0]
    K = w.shape[1]
    if K <= chunk:  # the common case (R <= 32 for the default prime): one reduction per entry
        for r in range(R):
            acc = 0.0
            for k in range(K):
                acc += w[r, k] * v[k]
            out[r] = red(acc, p, pinv)
        return
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


@numba.njit(cache=True)
def last_step_covector(state, wh, win, w_out, v, a, c, tmp, p, pinv, chunk):
    """``v`` with ``y = v . feed[x]`` for the output after one more step on symbol ``x``.

    The last step is linear in the first layer's input factor: with
    ``a_l = W^{H,l} h^l`` (the hidden factors, independent of ``x``),
    ``h^l = a_l * (W^{I,l} h^{l-1})`` and ``h^1 = a_1 * feed[x]``, so
    ``y = w . h^L = v . feed[x]`` for ``c_L = w``,
    ``c_{l-1} = (W^{I,l})^T (c_l * a_l)`` and ``v = c_1 * a_1``.
    """
    L, R = state.shape
    for r in range(R):
        c[r] = w_out[r]
    for layer in range(L - 1, -1, -1):
        matvec(wh[layer], state[layer], a, p, pinv, chunk)
        for r in range(R):
            tmp[r] = red(c[r] * a[r], p, pinv)
        if layer == 0:
            for r in range(R):
                v[r] = tmp[r]
        else:
            matvec(win[layer].T, tmp, c, p, pinv, chunk)


@numba.njit(cache=True, parallel=True)
def trie_outputs(start, wh, win, feed, w_out, syms, offs, cstart, coffs, n_leaves, p, chunk):
    """Outputs at every leaf of the end trie, for every start state.

    start: (b, L, R) states at the cut; wh: (L, R, R); win: (L, R, R) (layer 0 unused);
    feed: (M, R) first-layer input factors; w_out: (R,); level d's nodes are
    syms[offs[d]:offs[d+1]], and the children of node q of level d - 1 (the root for d = 0)
    are the level-d nodes cstart[coffs[d] + q] .. cstart[coffs[d] + q + 1] - 1.
    The trie is walked depth first; the leaves of a parent share one covector
    (:func:`last_step_covector`), so a leaf costs ``R`` products.
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
        v = np.empty(R)
        a = np.empty(R)
        c = np.empty(R)
        tmp = np.empty(R)
        if E == 1:  # the root's children are the leaves
            last_step_covector(st[0], wh, win, w_out, v, a, c, tmp, p, pinv, chunk)
            for leaf in range(cstart[coffs[0]], cstart[coffs[0] + 1]):
                x = syms[offs[0] + leaf]
                acc = 0.0
                for r in range(R):
                    acc = red(acc + v[r] * feed[x, r], p, pinv)
                y[row, leaf] = acc
            continue
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
            base = coffs[d + 1] + node
            if d + 1 == E - 1:  # the children are leaves: one covector for all of them
                last_step_covector(st[d + 1], wh, win, w_out, v, a, c, tmp, p, pinv, chunk)
                for leaf in range(cstart[base], cstart[base + 1]):
                    xl = syms[offs[E - 1] + leaf]
                    acc = 0.0
                    for r in range(R):
                        acc = red(acc + v[r] * feed[xl, r], p, pinv)
                    y[row, leaf] = acc
                cur[d] += 1
            else:
                cur[d + 1] = cstart[base]
                hi[d + 1] = cstart[base + 1]
                d += 1
    return y


@numba.njit(cache=True, parallel=True)
def covectors_depth2(pts, transfers_t, w_top, w_out, p, chunk):
    """Depth 2: ``out[g, j] = c`` with ``c <- (c * u_i) W`` backwards from ``w_out``, where
    ``u_i = transfers_t[i, j] @ pts[g]`` (``transfers_t`` holds the transposed transfer
    matrices) is the top layer's input factor at end step ``i``."""
    n_g, R = pts.shape
    E, n_b = transfers_t.shape[0], transfers_t.shape[1]
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
                matvec(transfers_t[i, j], pts[g], u, p, pinv, chunk)  # u = pts[g] @ T
                for r in range(R):
                    v[r] = red(c[r] * u[r], p, pinv)
                matvec(wt, v, c, p, pinv, chunk)  # c = v @ W
            for r in range(R):
                out[g, j, r] = c[r]
    return out
