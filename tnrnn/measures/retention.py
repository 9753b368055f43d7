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
  to chance, :math:`\tilde r(k) = (a(k) - 1/V) / (1 - 1/V)`; for Gaussian
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
* **Memory length** at threshold :math:`\theta`: the number of leading lags
  whose score (normalised accuracy or :math:`R^2`) is at least :math:`\theta`,
  :math:`\ell_\theta = \min\{k : \text{score}(k) < \theta\}` (``K`` when none
  falls below); the same for :math:`q` gives the semantic memory length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record
from .capacity import ridge_fit
from .drive import hidden_states, model_label, stepper
from .registry import register

__all__ = ["Retention", "lag_retention", "memory_length"]


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
    """Per-lag retention and semantic recoverability of a model.

    Attributes
    ----------
    lags : ndarray (K,)
    retention : ndarray (K,)
        Held-out accuracy (symbols) or ``R^2`` (Gaussian inputs) of decoding ``x_{t-k}``.
    score : ndarray (K,)
        ``retention`` normalised to chance (symbols), or ``R^2``.
    semantic : ndarray (K,)
        Held-out ``R^2`` of the window's mean embedding.
    kind : str
        ``"symbols"`` or ``"gaussian"``.
    symbols, window, threshold, train, test : int / float
    label : str
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

    @property
    def length(self) -> int:
        """Memory length of the lag retention at :attr:`threshold`."""
        return memory_length(self.score, self.threshold)

    @property
    def semantic_length(self) -> int:
        """Memory length of the semantic recoverability at :attr:`threshold`."""
        return memory_length(self.semantic, self.threshold)

    def to_dict(self) -> dict:
        """JSON-safe."""
        def clean(a):
            return [None if not np.isfinite(v) else float(v) for v in a]

        return {"measure": "retention", "model": self.label, "kind": self.kind, "symbols": self.symbols,
                "window": self.window, "threshold": self.threshold, "lags": self.lags.tolist(),
                "retention": clean(self.retention), "score": clean(self.score), "semantic": clean(self.semantic),
                "memory_length": self.length, "semantic_memory_length": self.semantic_length,
                "train_rows": self.train, "test_rows": self.test}

    def __str__(self) -> str:
        what = "accuracy" if self.kind == "symbols" else "R^2"
        rows = [self.label] if self.label else []
        rows.append(f"lag retention ({self.kind}, {self.symbols} symbols; held-out {what}) and semantic "
                    f"recoverability (R^2 of the mean embedding of {self.window} tokens)")
        rows.append(f"{'k':>4}  {what:>9}  {'score':>7}  {'semantic':>8}")
        rows += [f"{k:>4}  {a:>9.4f}  {s:>7.4f}  {q:>8.4f}"
                 for k, a, s, q in zip(self.lags, self.retention, self.score, self.semantic)]
        rows.append(f"memory length at {self.threshold:g}: {self.length}; semantic: {self.semantic_length} "
                    f"(of {len(self.lags)} lags)")
        return "\n".join(rows)


@register("retention", "lag retention and semantic recoverability of linear probes of h_t (tnrnn's own)")
def lag_retention(model, lags: int = 16, *, inputs: str = "onehot", templates=None, embeddings=None,
                  window: int = 4, sequences: int = 256, rows: int = 8, washout: int = 0, test_size: float = 0.25,
                  ridge: float = 1e-3, threshold: float = 0.5, embedding_dim: int = 8, seed=0,
                  max_memory=None) -> Retention:
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
        ``lambda`` (times the number of training rows).
    threshold : float
        ``theta`` of the memory lengths.
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
    >>> np.round(ret.retention[:3], 6).tolist(), bool(ret.retention[3] < 0.5), ret.length
    ([1.0, 1.0, 1.0], True, 3)
    >>> np.round(ret.semantic[:2], 6).tolist()          # windows (t-k, t-k-1) inside the register
    [1.0, 1.0]
    """
    from ..limits import check_memory
    from ..validation import check_positive_int

    st = stepper(model)
    K = check_positive_int(lags, "lags")
    w = check_positive_int(window, "window")
    n_seq = check_positive_int(sequences, "sequences", 4)
    r = check_positive_int(rows, "rows")
    if isinstance(washout, bool) or not isinstance(washout, (int, np.integer)) or washout < 0:
        raise InvalidParameterError("washout", washout, "an integer >= 0")
    if not (isinstance(test_size, float) and 0 < test_size < 1):
        raise InvalidParameterError("test_size", test_size, "a fraction in (0, 1)")
    if not (isinstance(ridge, (int, float)) and np.isfinite(ridge) and ridge >= 0):
        raise InvalidParameterError("ridge", ridge, "a number >= 0")
    if not (isinstance(threshold, (int, float)) and np.isfinite(threshold)):
        raise InvalidParameterError("threshold", threshold, "a number (a score level, e.g. 0.5)")
    if inputs not in ("onehot", "gaussian"):
        raise InvalidParameterError("inputs", inputs, "'onehot' or 'gaussian'")
    rng = np.random.default_rng(seed)
    M = st.inputs
    T = washout + (K - 1) + (w - 1) + r
    H = st.observed.stop - st.observed.start
    check_memory("the states", 8.0 * n_seq * T * (H + M) * 2, max_memory, "use fewer --sequences or --lags")
    if inputs == "onehot":
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
        tokens = rng.integers(0, V, size=(n_seq, T))
        X = E_in[tokens]
        sem_src = emb[tokens]
    else:
        V = 0
        X = rng.standard_normal((n_seq, T, M))
        sem_src = X
    with np.errstate(all="ignore"):
        S = hidden_states(st, X)  # (n, T, H)
    n_test = max(1, round(n_seq * test_size))
    n_train = n_seq - n_test
    if n_train < 1:
        raise InvalidParameterError("test_size", test_size, f"a fraction leaving training sequences of {n_seq}")
    t_rows = np.arange(T - r, T)
    feats = S[:, t_rows].reshape(n_seq * r, H)
    train = np.arange(n_seq * r) < n_train * r
    nan = np.full(K, np.nan)
    if not np.all(np.isfinite(feats)):
        return Retention(np.arange(K), nan, nan, nan.copy(), "symbols" if V else "gaussian", V, w,
                         float(threshold), int(train.sum()), int((~train).sum()), model_label(st))
    mu, sd = feats[train].mean(axis=0), feats[train].std(axis=0)
    keep = sd > 1e-12 * max(1.0, float(np.max(np.abs(mu))) if mu.size else 1.0)
    Z = (feats[:, keep] - mu[keep]) / sd[keep] if keep.any() else np.zeros((feats.shape[0], 1))
    lam = float(ridge) * int(train.sum())
    ret, score, sem = np.empty(K), np.empty(K), np.empty(K)
    for k in range(K):
        lagged = t_rows - k
        if V:
            target = tokens[:, lagged].reshape(-1)
            Y = np.eye(V)[target]
            W_, b_ = ridge_fit(Z[train], Y[train], lam)
            pred = np.argmax(Z[~train] @ W_ + b_, axis=1)
            ret[k] = float(np.mean(pred == target[~train]))
            score[k] = (ret[k] - 1.0 / V) / (1.0 - 1.0 / V)
        else:
            Y = X[:, lagged].reshape(-1, M)
            W_, b_ = ridge_fit(Z[train], Y[train], lam)
            ret[k] = score[k] = _r2(Y[~train], Z[~train] @ W_ + b_)
        sv = np.mean([sem_src[:, lagged - j] for j in range(w)], axis=0).reshape(n_seq * r, -1)
        W_, b_ = ridge_fit(Z[train], sv[train], lam)
        sem[k] = _r2(sv[~train], Z[~train] @ W_ + b_)
    return Retention(np.arange(K), ret, score, sem, "symbols" if V else "gaussian", V, w, float(threshold),
                     int(train.sum()), int((~train).sum()), model_label(st))
