r"""Lag retention and semantic recoverability: what a linear probe of the hidden state recovers, per lag.

These are **tnrnn's own** definitions, written to measure what Zhang, Li, Hua,
Song ("Assessing the Memory Ability of Recurrent Neural Networks", ECAI 2020)
ask about (how much of a sequence's meaning, represented as a point of a
Euclidean semantic space, the hidden state keeps); that paper's exact
indicator formulas are not available to us, so nothing here claims to
reproduce its numbers.  The probes follow the linear "decoding" methodology
of the probing literature (Alain and Bengio, "Understanding intermediate
layers using linear classifier probes", 2016) and the lagged-recall targets
of the memory capacity (Jaeger 2001).

Data: ``sequences`` independent sequences of length :math:`T` from the zero
state, tokens :math:`s_t` i.i.d. uniform over :math:`V` symbols with inputs
:math:`x_t = e(s_t)` (one-hot rows of the identity by default, or given
``templates``), or Gaussian inputs :math:`x_t \sim N(0, I_M)`.  Rows are the
last ``rows`` steps :math:`t` of every sequence (after a washout, so every
target exists); the sequences are split into training and held-out sets
(``test_size``), so every score is measured on sequences the probe never saw.

Probe: ridge regression of the target on the observed state :math:`h_t`
(the top layer), each state feature standardised on the training rows
(constant ones dropped), penalty :math:`\lambda n_\text{train}` with
``ridge`` :math:`=\lambda`, unpenalised bias.

* **Lag retention** :math:`r(k)`, :math:`k = 0..K-1`: for symbols, the
  held-out accuracy of the argmax of the ridge regression onto the one-hot
  target :math:`s_{t-k}` (a linear classifier), reported raw and normalised
  to chance, :math:`\tilde r(k) = (a(k) - c_k) / (1 - c_k)` with :math:`c_k`
  the held-out accuracy of always guessing the most frequent training
  symbol at that lag (:math:`\approx 1/V` for i.i.d. symbols; the padding
  symbol's share for task sequences; :math:`\tilde r(k) = 0` when the
  symbol at lag :math:`k` is constant); for Gaussian
  inputs the held-out :math:`R^2` of :math:`x_{t-k}`.
* **Semantic recoverability** :math:`q(k)`: the held-out :math:`R^2` of the
  semantic vector of the window of :math:`w` tokens ending :math:`k` steps
  back, :math:`m_{t,k} = \frac1w \sum_{j=0}^{w-1} E[s_{t-k-j}]`, the mean of
  its token embeddings (rows of ``embeddings``, seeded Gaussian
  :math:`N(0, 1/d)` of dimension :math:`d` by default; the inputs themselves
  for Gaussian inputs).
* :math:`R^2 = 1 - \sum \lVert y - \hat y \rVert^2 / \sum \lVert y - \bar y \rVert^2`
  summed over the target's coordinates (variance-weighted), :math:`\bar y`
  the held-out mean.
* **Nonlinear probe** (``kernel=True``, default): the same targets decoded by
  kernel ridge regression with a Gaussian (RBF) kernel, approximated on
  ``landmarks`` training rows (Nyström; Williams and Seeger, NIPS 2001),
  its bandwidth (0.25, 1, 4 times the inverse median squared distance) and
  penalty (8 values, relative to the top singular value) chosen per lag by
  the exact leave-one-out error of ridge regression on the training rows,
  then scored on the held-out sequences like the linear probe.  A
  multiplicative unit (RAC, MIRNN) holds its inputs in products that no
  linear readout recovers; the kernel probe is there so that such a unit is
  not scored 0 by construction.
* **Areas** (threshold-free): :math:`A = \sum_k \min(\max(\text{score}(k), 0), 1)`,
  in lags, for each curve and probe; a curve that is 1 up to lag
  :math:`\ell` and 0 beyond has area :math:`\ell`, its memory length.
* **Probe inputs**: i.i.d. symbols by default, or given token sequences
  (``tokens``): :mod:`tnrnn.measures.compare` passes sequences of the task
  the network was trained on, so that the probes see the inputs' own
  distribution.
* **Degenerate states** (not finite, collapsed to 0, constant:
  :func:`tnrnn.measures.quality.state_degeneracy`) give n/a with the reason.
* **Memory length** at threshold :math:`\theta`: the number of leading lags
  whose score (normalised accuracy or :math:`R^2`) is at least :math:`\theta`,
  :math:`\ell_\theta = \min\{k : \text{score}(k) < \theta\}` (``K`` when none
  falls below); the same for :math:`q` gives the semantic memory length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record, format_table
from .capacity import ridge_fit
from .drive import hidden_states, model_label, stepper
from .quality import single_threaded, state_degeneracy
from .registry import register

__all__ = ["Retention", "lag_retention", "memory_length", "curve_area", "kernel_probe"]


def curve_area(scores) -> float:
    """The area under a score curve, each score clipped to [0, 1]: a threshold-free memory length (in lags).

    NaN when any score is NaN.

    Examples
    --------
    >>> curve_area([1.0, 1.0, 0.5, -0.1, 0.0])
    2.5
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    if s.size == 0 or not np.all(np.isfinite(s)):
        return float("nan")
    return float(np.clip(s, 0.0, 1.0).sum())


def _sq_dist(A, B):
    d = np.sum(A * A, axis=1)[:, None] + np.sum(B * B, axis=1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d, 0.0)


#: Bandwidth multipliers (of 1 / median squared distance) and relative penalties the kernel probe tries.
KERNEL_BANDWIDTHS = (0.25, 1.0, 4.0)
KERNEL_PENALTIES = tuple(float(a) for a in np.logspace(-7, 0, 8))


def kernel_probe(Z_train, Y_train, Z_test, groups, *, landmarks: int = 256, rng=None) -> np.ndarray:
    """Kernel ridge (RBF, Nyström) predictions of ``Y`` on ``Z_test``, hyperparameters by leave-one-out.

    ``groups`` (one label per column of ``Y``) are selected together: the
    one-hot columns of one lag, or the coordinates of one semantic vector.

    Examples
    --------
    A target that is the product of two features, which no linear readout recovers:

    >>> rng = np.random.default_rng(0)
    >>> Z = rng.uniform(-1, 1, (600, 2)); y = (Z[:, 0] * Z[:, 1])[:, None]
    >>> pred = kernel_probe(Z[:400], y[:400], Z[400:], [0], rng=0)
    >>> r2 = 1 - np.sum((y[400:] - pred) ** 2) / np.sum((y[400:] - y[400:].mean()) ** 2)
    >>> bool(r2 > 0.95)
    True
    """
    rng = np.random.default_rng(rng)
    Z_train = np.asarray(Z_train, dtype=np.float64)
    Y = np.asarray(Y_train, dtype=np.float64)
    n = Z_train.shape[0]
    m = min(int(landmarks), n)
    L = Z_train[rng.choice(n, m, replace=False)]
    d_tr, d_te, d_ll = _sq_dist(Z_train, L), _sq_dist(np.asarray(Z_test, dtype=np.float64), L), _sq_dist(L, L)
    med = float(np.median(d_tr[d_tr > 0])) if np.any(d_tr > 0) else 1.0
    groups = np.asarray(groups)
    labels, inverse = np.unique(groups, return_inverse=True)
    ym = Y.mean(axis=0)
    Yc = Y - ym
    best_err = np.full(len(labels), np.inf)
    best_pred = np.zeros((d_te.shape[0], Y.shape[1]))
    for g in KERNEL_BANDWIDTHS:
        gam = g / med
        lam, Q = np.linalg.eigh(np.exp(-gam * d_ll))
        keep = lam > lam[-1] * 1e-10
        root = Q[:, keep] / np.sqrt(lam[keep])  # Kmm^(-1/2) on its numerical range
        Phi, Phi_te = np.exp(-gam * d_tr) @ root, np.exp(-gam * d_te) @ root
        pm = Phi.mean(axis=0)
        U, sv, Vt = np.linalg.svd(Phi - pm, full_matrices=False)
        UtY = U.T @ Yc
        U2 = U * U
        for a in KERNEL_PENALTIES:
            alpha = a * sv[0] ** 2
            f = sv ** 2 / (sv ** 2 + alpha)
            fitted = U @ (f[:, None] * UtY)
            h = U2 @ f + 1.0 / n  # leverages, the intercept included
            loo = (Yc - fitted) / np.maximum(1.0 - h, 1e-12)[:, None]
            err = np.bincount(inverse, weights=np.mean(loo * loo, axis=0), minlength=len(labels))
            better = err < best_err
            if better.any():
                coef = Vt.T @ ((sv / (sv ** 2 + alpha))[:, None] * UtY)
                pred = (Phi_te - pm) @ coef + ym
                cols = better[inverse]
                best_pred[:, cols] = pred[:, cols]
                best_err[better] = err[better]
    return best_pred


def memory_length(scores, threshold: float) -> int:
    """The number of leading entries of ``scores`` that are ``>= threshold``.

    Examples
    --------
    >>> memory_length([0.9, 0.8, 0.4, 0.7], 0.5), memory_length([0.9, 0.8], 0.5), memory_length([0.1], 0.5)
    (2, 2, 0)
    """
    s = np.asarray(scores, dtype=np.float64).ravel()
    below = np.flatnonzero(~(s >= threshold))
    return int(below[0]) if below.size else int(s.size)


def _r2(y, pred) -> float:
    sst = float(np.sum((y - y.mean(axis=0)) ** 2))
    return 1.0 - float(np.sum((y - pred) ** 2)) / sst if sst > 0 else float("nan")


@dataclass(frozen=True, eq=False)
class Retention(Record):
    """Per-lag retention and semantic recoverability of a model, by a linear and a kernel probe.

    Attributes
    ----------
    lags : ndarray (K,)
    retention : ndarray (K,)
        Held-out accuracy (symbols) or ``R^2`` (Gaussian inputs) of decoding ``x_{t-k}`` (linear probe).
    score : ndarray (K,)
        ``retention`` normalised to chance (symbols), or ``R^2``.
    semantic : ndarray (K,)
        Held-out ``R^2`` of the window's mean embedding (linear probe).
    kind : str
        ``"symbols"`` or ``"gaussian"``.
    symbols, window, threshold, train, test : int / float
    label : str
    kernel_retention, kernel_score, kernel_semantic : ndarray (K,)
        The same by the kernel probe (NaN when it was not run).
    reason : str or None
        Why there are no scores (a degenerate state); ``None`` when measured.
    source : str
        Where the probe inputs came from (``"iid"`` or ``"given"`` token sequences, e.g. the task's).
    """

    lags: np.ndarray
    retention: np.ndarray
    score: np.ndarray
    semantic: np.ndarray
    kind: str
    symbols: int
    window: int
    threshold: float
    train: int
    test: int
    label: str = ""
    kernel_retention: np.ndarray | None = None
    kernel_score: np.ndarray | None = None
    kernel_semantic: np.ndarray | None = None
    reason: str | None = None
    source: str = "iid"

    def _nan(self):
        return np.full(len(self.lags), np.nan)

    @property
    def length(self) -> int | None:
        """Memory length of the linear lag retention at :attr:`threshold` (``None`` when n/a)."""
        return None if self.reason else memory_length(self.score, self.threshold)

    @property
    def semantic_length(self) -> int | None:
        """Memory length of the semantic recoverability at :attr:`threshold` (``None`` when n/a)."""
        return None if self.reason else memory_length(self.semantic, self.threshold)

    @property
    def kernel_length(self) -> int | None:
        """Memory length of the kernel probe's retention (``None`` when n/a or not run)."""
        ks = self.kernel_score
        return None if self.reason or ks is None or not np.all(np.isfinite(ks)) else memory_length(ks, self.threshold)

    @property
    def area(self) -> float:
        """Area under the linear retention score (threshold-free memory length, lags)."""
        return curve_area(self.score)

    @property
    def semantic_area(self) -> float:
        """Area under the linear semantic recoverability."""
        return curve_area(self.semantic)

    @property
    def kernel_area(self) -> float:
        """Area under the kernel probe's retention score."""
        return curve_area(self._nan() if self.kernel_score is None else self.kernel_score)

    @property
    def kernel_semantic_area(self) -> float:
        """Area under the kernel probe's semantic recoverability."""
        return curve_area(self._nan() if self.kernel_semantic is None else self.kernel_semantic)

    def to_dict(self) -> dict:
        """JSON-safe (``None`` for n/a)."""
        def clean(a):
            return [None] * len(self.lags) if a is None else [None if not np.isfinite(v) else float(v) for v in a]

        def num(v):
            return None if v is None or not np.isfinite(v) else float(v)

        return {"kind": "retention", "measure": "retention", "model": self.label, "input_dist": self.kind, "symbols": self.symbols,
                "window": self.window, "threshold": self.threshold, "lags": self.lags.tolist(),
                "retention": clean(self.retention), "score": clean(self.score), "semantic": clean(self.semantic),
                "kernel_retention": clean(self.kernel_retention), "kernel_score": clean(self.kernel_score),
                "kernel_semantic": clean(self.kernel_semantic),
                "memory_length": self.length, "semantic_memory_length": self.semantic_length,
                "kernel_memory_length": self.kernel_length, "area": num(self.area),
                "semantic_area": num(self.semantic_area), "kernel_area": num(self.kernel_area),
                "kernel_semantic_area": num(self.kernel_semantic_area),
                "train_rows": self.train, "test_rows": self.test, "source": self.source, "reason": self.reason}

    def __str__(self) -> str:
        what = "accuracy" if self.kind == "symbols" else "R^2"
        rows = [self.label] if self.label else []
        if self.reason:
            rows.append(f"lag retention n/a: {self.reason}")
            return "\n".join(rows)
        rows.append(f"lag retention ({self.kind}, {self.symbols} symbols, {self.source} inputs; held-out {what}) "
                    f"and semantic recoverability (R^2 of the mean embedding of {self.window} tokens); "
                    "linear and kernel probes")
        kr = self._nan() if self.kernel_retention is None else self.kernel_retention
        ks = self._nan() if self.kernel_score is None else self.kernel_score
        kq = self._nan() if self.kernel_semantic is None else self.kernel_semantic
        table = [{"k": int(k), what: a, "score": sc, "semantic": q, f"kernel {what}": b, "kernel score": c,
                  "kernel semantic": d}
                 for k, a, sc, q, b, c, d in zip(self.lags, self.retention, self.score, self.semantic, kr, ks, kq)]
        rows.append(format_table(table, formats=dict.fromkeys(
            [what, "score", "semantic", f"kernel {what}", "kernel score", "kernel semantic"], ".4f"), right=("k",)))
        kl = self.kernel_length
        rows.append(f"areas (threshold-free, lags): retention {self.area:.3g}, semantic {self.semantic_area:.3g}; "
                    f"kernel: retention {self.kernel_area:.3g}, semantic {self.kernel_semantic_area:.3g}")
        rows.append(f"memory length at {self.threshold:g}: {self.length}; semantic: {self.semantic_length}; "
                    f"kernel: {'n/a' if kl is None else kl} (of {len(self.lags)} lags)")
        return "\n".join(rows)


@register("retention", "lag retention and semantic recoverability of linear and kernel probes of h_t (tnrnn's own)")
def lag_retention(model, lags: int = 16, *, inputs: str = "onehot", templates=None, embeddings=None,
                  window: int = 4, sequences: int = 256, rows: int = 8, washout: int = 0, test_size: float = 0.25,
                  ridge: float = 1e-3, threshold: float = 0.5, embedding_dim: int = 8, tokens=None,
                  kernel: bool = True, landmarks: int = 256, seed=0, max_memory=None) -> Retention:
    """Lag retention and semantic recoverability of ``model`` (see the module docstring).

    Parameters
    ----------
    model
        Anything :func:`tnrnn.measures.drive.stepper` reads.
    lags : int
        ``K``: lags ``0..K-1``.
    inputs : {"onehot", "gaussian"}
        Symbols (inputs ``templates[s]``) or Gaussian vectors.
    templates : array (V, M), optional
        The input vector of each symbol (default the identity, ``V = M``).
    embeddings : array (V, d), optional
        The semantic embedding of each symbol (default seeded Gaussian ``N(0, 1/d)``, ``d = embedding_dim``).
    window : int
        ``w``, the tokens a semantic vector averages.
    sequences : int
        Independent sequences (split into training and held-out ones).
    rows : int
        Steps read per sequence (the last ``rows``).
    washout : int
        Extra leading steps before the first target.
    test_size : float
        Fraction of held-out sequences.
    ridge : float
        ``lambda`` (times the number of training rows) of the linear probe.
    threshold : float
        ``theta`` of the memory lengths, in [0, 1].
    tokens : int array (sequences, T), optional
        The symbol sequences to probe with (e.g. drawn from a task), instead of i.i.d. ones; ``T`` must be at
        least ``washout + lags + window + rows - 2`` (their last steps are read).
    kernel : bool
        Also run the kernel probe (default).
    landmarks : int
        Nyström landmarks of the kernel probe.
    seed : int or None
    max_memory : int or str, optional

    Examples
    --------
    A delay line (shift register) keeps exactly its 3 last symbols:

    >>> from tnrnn.memory import LinearRNN
    >>> V, d = 3, 3
    >>> W = np.kron(np.eye(d, k=-1), np.eye(V))      # block shift
    >>> U = np.vstack([np.eye(V)] + [np.zeros((V, V))] * (d - 1))
    >>> ret = lag_retention(LinearRNN(W, U, np.ones((1, V * d))), lags=5, window=2, seed=0)
    >>> np.round(ret.retention[:3], 6).tolist(), bool(ret.retention[3] < 0.5), ret.length, round(ret.area)
    ([1.0, 1.0, 1.0], True, 3, 3)
    >>> np.round(ret.semantic[:2], 6).tolist()          # windows (t-k, t-k-1) inside the register
    [1.0, 1.0]
    """
    from ..limits import check_memory
    from ..validation import check_finite, check_positive_int, check_seed

    st = stepper(model)
    K = check_positive_int(lags, "lags")
    w = check_positive_int(window, "window")
    n_seq = check_positive_int(sequences, "sequences", 4)
    r = check_positive_int(rows, "rows")
    check_seed(seed)
    if isinstance(washout, bool) or not isinstance(washout, (int, np.integer)) or washout < 0:
        raise InvalidParameterError("washout", washout, "an integer >= 0")
    if not (isinstance(test_size, float) and 0 < test_size < 1):
        raise InvalidParameterError("test_size", test_size, "a fraction in (0, 1)")
    if isinstance(ridge, bool) or not (isinstance(ridge, (int, float)) and np.isfinite(ridge) and ridge >= 0):
        raise InvalidParameterError("ridge", ridge, "a number >= 0")
    threshold = check_finite(threshold, "threshold", low=0, high=1)
    if inputs not in ("onehot", "gaussian"):
        raise InvalidParameterError("inputs", inputs, "'onehot' or 'gaussian'")
    m_landmarks = check_positive_int(landmarks, "landmarks", 2)
    rng = np.random.default_rng(seed)
    M = st.inputs
    T = washout + (K - 1) + (w - 1) + r
    given = None
    if tokens is not None:
        given = np.asarray(tokens)
        if given.ndim != 2 or given.shape[1] < T or not np.issubdtype(given.dtype, np.integer) or given.min() < 0:
            raise InvalidParameterError("tokens", given.shape, f"non-negative integer symbols (sequences, T >= {T})")
        n_seq = given.shape[0]
        if n_seq < 4:
            raise InvalidParameterError("tokens", given.shape, "at least 4 sequences")
        given = given[:, given.shape[1] - T:]
    H = st.observed.stop - st.observed.start
    n_test = max(1, round(n_seq * test_size))
    n_train = n_seq - n_test
    n_rows = n_train * r
    check_memory("the states and probes", 8.0 * (n_seq * T * (H + M) * 2 + (n_rows + n_seq * r) * m_landmarks * 3),
                 max_memory, "use fewer --sequences or --lags")
    if n_train < 1:
        raise InvalidParameterError("test_size", test_size, f"a fraction leaving training sequences of {n_seq}")
    if inputs == "onehot":
        if templates is None and M < 2:
            raise InvalidParameterError("inputs", inputs, "'gaussian' for a model with one input (one-hot symbols "
                                        "need at least 2 inputs, or templates)")
        E_in = np.eye(M) if templates is None else np.asarray(templates, dtype=np.float64)
        if E_in.ndim != 2 or E_in.shape[1] != M or E_in.shape[0] < 2:
            raise InvalidParameterError("templates", E_in.shape, f"an array (V, {M}) with V >= 2")
        V = E_in.shape[0]
        if embeddings is None:
            d = check_positive_int(embedding_dim, "embedding_dim")
            emb = rng.standard_normal((V, d)) / np.sqrt(d)
        else:
            emb = np.asarray(embeddings, dtype=np.float64)
            if emb.ndim != 2 or emb.shape[0] != V:
                raise InvalidParameterError("embeddings", emb.shape, f"an array ({V}, d)")
        if given is not None and given.max() >= V:
            raise InvalidParameterError("tokens", int(given.max()), f"symbols below {V} (the templates' rows)")
        toks = rng.integers(0, V, size=(n_seq, T)) if given is None else given
        X = E_in[toks]
        sem_src = emb[toks]
    else:
        if given is not None:
            raise InvalidParameterError("tokens", "given", "no tokens with inputs='gaussian'")
        V = 0
        X = rng.standard_normal((n_seq, T, M))
        sem_src = X
    with np.errstate(all="ignore"):
        S = hidden_states(st, X)  # (n, T, H)
    t_rows = np.arange(T - r, T)
    feats = S[:, t_rows].reshape(n_seq * r, H)
    train = np.arange(n_seq * r) < n_train * r
    nan = np.full(K, np.nan)
    kind = "symbols" if V else "gaussian"
    source = "iid" if given is None else "given"
    reason = state_degeneracy(feats, "the state")
    if reason is not None:
        return Retention(np.arange(K), nan, nan.copy(), nan.copy(), kind, V, w, float(threshold), int(train.sum()),
                         int((~train).sum()), model_label(st), nan.copy(), nan.copy(), nan.copy(), reason, source)
    mu, sd = feats[train].mean(axis=0), feats[train].std(axis=0)
    keep = sd > 1e-12 * max(1.0, float(np.max(np.abs(mu))) if mu.size else 1.0)
    if not keep.any():
        reason = "the state does not depend on the input on the training sequences (every feature constant)"
        return Retention(np.arange(K), nan, nan.copy(), nan.copy(), kind, V, w, float(threshold), int(train.sum()),
                         int((~train).sum()), model_label(st), nan.copy(), nan.copy(), nan.copy(), reason, source)
    Z = (feats[:, keep] - mu[keep]) / sd[keep]
    lam = float(ridge) * int(train.sum())
    # every lag's targets side by side: one-hot codes (or inputs), then the semantic vectors
    targets, sems = [], []
    for k in range(K):
        lagged = t_rows - k
        if V:
            target = toks[:, lagged].reshape(-1)
            targets.append(np.eye(V)[target])
        else:
            targets.append(X[:, lagged].reshape(-1, M))
        sems.append(np.mean([sem_src[:, lagged - j] for j in range(w)], axis=0).reshape(n_seq * r, -1))
    Yr, Ys = np.concatenate(targets, axis=1), np.concatenate(sems, axis=1)
    cr, cs = targets[0].shape[1], sems[0].shape[1]
    Y = np.concatenate([Yr, Ys], axis=1)
    groups = np.concatenate([np.repeat(np.arange(K), cr), K + np.repeat(np.arange(K), cs)])
    W_, b_ = ridge_fit(Z[train], Y[train], lam)
    lin = Z[~train] @ W_ + b_
    if kernel:
        with single_threaded():
            ker = kernel_probe(Z[train], Y[train], Z[~train], groups, landmarks=m_landmarks, rng=rng)

    def scores(pred):
        ret, score, sem = np.empty(K), np.empty(K), np.empty(K)
        for k in range(K):
            pr = pred[:, k * cr:(k + 1) * cr]
            ps = pred[:, K * cr + k * cs:K * cr + (k + 1) * cs]
            yr, ys = Yr[~train][:, k * cr:(k + 1) * cr], Ys[~train][:, k * cs:(k + 1) * cs]
            if V:
                truth = np.argmax(yr, axis=1)
                ret[k] = float(np.mean(np.argmax(pr, axis=1) == truth))
                # chance: the accuracy of always guessing the training rows' most frequent symbol
                base = float(np.mean(truth == np.argmax(Yr[train][:, k * cr:(k + 1) * cr].sum(axis=0))))
                score[k] = (ret[k] - base) / (1.0 - base) if base < 1 else 0.0
            else:
                ret[k] = score[k] = _r2(yr, pr)
            sem[k] = _r2(ys, ps)
        return ret, score, sem

    ret, score, sem = scores(lin)
    kret, kscore, ksem = scores(ker) if kernel else (nan.copy(), nan.copy(), nan.copy())
    return Retention(np.arange(K), ret, score, sem, kind, V, w, float(threshold), int(train.sum()),
                     int((~train).sum()), model_label(st), kret, kscore, ksem, None, source)
