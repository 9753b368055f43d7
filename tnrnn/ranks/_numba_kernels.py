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


@numba.njit(cache=True)
def _rows_mod(a, src, dst, p, pinv, chunk):
    """``dst[r] = sum_k a[r, k] src[k] mod p`` for every row ``r``, reduced every ``chunk`` terms."""
    rows, inner = a.shape
    n_g = src.shape[1]
    for r in range(rows):
        dr = dst[r]
        for g in range(n_g):
            dr[g] = 0.0
        n = 0
        for k in range(inner):
            w = a[r, k]
            sk = src[k]
            for g in range(n_g):
                dr[g] += w * sk[g]
            n += 1
            if n == chunk or k == inner - 1:
                for g in range(n_g):
                    dr[g] = red(dr[g], p, pinv)
                n = 0

@numba.njit(cache=True, parallel=True)
def covectors_depth2(pts_t, transfers_t, w_top, w_out, p, chunk):
    """Depth 2: ``out[j, :, g] = c`` with ``c <- (c * u_i) W`` backwards from ``w_out``, where
    ``u_i = transfers_t[i, j] @ pts[g]`` (``transfers_t`` holds the transposed transfer
    matrices, ``pts_t`` the points as columns) is the top layer's input factor at end step ``i``.

    Columns ``j`` run in parallel; for one column all points ``g`` advance together, so that
    every inner loop runs over ``g``, contiguous (vectorised), with ``R x R`` weights as scalars.
    """
    R, n_g = pts_t.shape
    E, n_b = transfers_t.shape[0], transfers_t.shape[1]
    pinv = 1.0 / p
    out = np.empty((n_b, R, n_g))
    for j in numba.prange(n_b):
        c = np.empty((R, n_g))
        u = np.empty((R, n_g))
        v = np.empty((R, n_g))
        for r in range(R):
            for g in range(n_g):
                c[r, g] = w_out[r]
        for i in range(E - 1, -1, -1):
            t = transfers_t[i, j]
            _rows_mod(t, pts_t, u, p, pinv, chunk)  # u = T^T pts
            for r in range(R):
                vr = v[r]
                cr = c[r]
                ur = u[r]
                for g in range(n_g):
                    vr[g] = red(cr[g] * ur[g], p, pinv)
            _rows_mod(w_top.T, v, c, p, pinv, chunk)  # c = v W
        out[j] = c
    return out


# -- the BLAS elimination's leaves (tnrnn.elimination) --------------------------------------------
#
# Arrays are float64 residues in Fortran order (columns contiguous); ``red`` is exact for
# |x| <= 2**53 - p (tnrnn.elimination), and every caller keeps its entries within that bound by
# counting the products added since the last reduction (``pending``, at most ``t1``).


@numba.njit(cache=True)
def inv_mod(a, p):
    """The inverse of ``a`` mod ``p`` (``a`` an integer-valued float not divisible by ``p``)."""
    x = np.int64(a) % np.int64(p)
    m = np.int64(p)
    u0, u1 = np.int64(1), np.int64(0)
    while m:
        q = x // m
        x, m = m, x - q * m
        u0, u1 = u1, u0 - q * u1
    u0 %= np.int64(p)
    if u0 > p // 2:
        u0 -= np.int64(p)
    return float(u0)


@numba.njit(cache=True)
def reduce_block(x, p):
    """In place: ``x - rint(x / p) * p`` for every entry (one pass)."""
    pinv = 1.0 / p
    m, n = x.shape
    for c in range(n):
        for i in range(m):
            x[i, c] = red(x[i, c], p, pinv)


@numba.njit(cache=True)
def reduce_into(src, dst, p):
    """``dst = src - rint(src / p) * p`` (one pass)."""
    pinv = 1.0 / p
    m, n = src.shape
    for c in range(n):
        for i in range(m):
            dst[i, c] = red(src[i, c], p, pinv)


@numba.njit(cache=True)
def _swap_rows(w, a, b):
    for c in range(w.shape[1]):
        t = w[a, c]
        w[a, c] = w[b, c]
        w[b, c] = t


@numba.njit(cache=True)
def _swap_cols(w, a, b):
    for i in range(w.shape[0]):
        t = w[i, a]
        w[i, a] = w[i, b]
        w[i, b] = t


@numba.njit(cache=True)
def leaf_lu(w, p, pending, t1, rperm, cperm):
    """In-place elimination of a panel ``w`` (m x nb) whose entries carry ``pending`` unreduced products.

    Column by column: the column is reduced, its first nonzero entry at or below the current rank
    ``k`` is the pivot (exact: reduced multiples of ``p`` are exactly 0), its row is swapped to ``k``
    and the column to position ``k``, ``l = column / pivot`` is stored below the diagonal and the
    rank-one update ``w[k+1:, j+1:] -= l u`` is applied; a column without a pivot is skipped.
    ``rperm`` / ``cperm`` (identity on entry) receive the row and column permutations; returns the
    rank.  ``w[:k, :k]`` then holds ``L`` (unit lower, strictly below the diagonal) and ``U``.
    The panel is worked on in a contiguous transposed copy (``buf[c]`` is column ``c``), so that
    the updates run over contiguous memory whatever the strides of ``w``.
    """
    m, nb = w.shape
    pinv = 1.0 / p
    buf = np.empty((nb, m))
    for c in range(nb):
        for i in range(m):
            buf[c, i] = w[i, c]
    k = 0
    for j in range(nb):
        if k == m:
            break
        col = buf[j]
        piv = -1
        for i in range(k, m):
            v = red(col[i], p, pinv)
            col[i] = v
            if v != 0.0 and piv < 0:
                piv = i
        if piv < 0:
            continue
        if piv != k:
            for c in range(nb):
                t = buf[c, piv]
                buf[c, piv] = buf[c, k]
                buf[c, k] = t
            t = rperm[piv]
            rperm[piv] = rperm[k]
            rperm[k] = t
        if j != k:
            for i in range(m):
                t = buf[j, i]
                buf[j, i] = buf[k, i]
                buf[k, i] = t
            t = cperm[j]
            cperm[j] = cperm[k]
            cperm[k] = t
        lcol = buf[k]
        inv = inv_mod(lcol[k], p)
        for i in range(k + 1, m):
            lcol[i] = red(lcol[i] * inv, p, pinv)
        if j + 1 < nb and k + 1 < m:
            if pending >= t1:  # one more product would leave the exact range: reduce first
                for c in range(j + 1, nb):
                    for i in range(k + 1, m):
                        buf[c, i] = red(buf[c, i], p, pinv)
                pending = 0
            for c in range(j + 1, nb):
                dst = buf[c]
                u = red(dst[k], p, pinv)
                dst[k] = u
                if u != 0.0:
                    for i in range(k + 1, m):
                        dst[i] -= lcol[i] * u
            pending += 1
        k += 1
    for c in range(nb):
        for i in range(m):
            w[i, c] = buf[c, i]
    return k


@numba.njit(cache=True)
def unit_lower_inverse(t, p, t1):
    """``t^{-1}`` (reduced) of the unit lower triangular part of a small square ``t`` (its strict
    lower triangle is read; diagonal and upper part are ignored), by forward substitution."""
    r = t.shape[0]
    pinv = 1.0 / p
    tc = np.empty((r, r))
    for i in range(r):
        for j in range(r):
            tc[i, j] = t[i, j]
    xt = np.zeros((r, r))  # xt[c] is column c of the inverse
    for c in range(r):
        xc = xt[c]
        xc[c] = 1.0
        for i in range(c + 1, r):
            acc = 0.0
            n = 0
            ti = tc[i]
            for j in range(c, i):
                acc -= ti[j] * xc[j]
                n += 1
                if n == t1:
                    acc = red(acc, p, pinv)
                    n = 0
            xc[i] = red(acc, p, pinv)
    return xt.T.copy()


@numba.njit(cache=True)
def check_reduce(x, p):
    """In place: reduce integer-valued ``x`` (any size: ``fmod`` is exact) to representatives;
    returns the number of columns holding a non-finite or non-integer entry (0 if none)."""
    pinv = 1.0 / p
    room = 2.0**53 - p
    m, n = x.shape
    bad = np.zeros(n, np.int64)
    for c in range(n):
        for i in range(m):
            v = x[i, c]
            if not np.isfinite(v) or v != np.rint(v):
                bad[c] = 1
                break
            if abs(v) > room:
                v = np.fmod(v, p)
            x[i, c] = red(v, p, pinv)
    return bad.sum()


@numba.njit(cache=True)
def reduce_flat(x, p):
    """In place: ``x - rint(x / p) * p`` for a contiguous 1-d array (one pass)."""
    pinv = 1.0 / p
    for i in range(x.shape[0]):
        x[i] = red(x[i], p, pinv)
