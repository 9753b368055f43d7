r"""Short-term memory capacity (Jaeger 2001) of any recurrent model, with ridge readouts.

Definition (Jaeger, "Short term memory in echo state networks", GMD Report
152, 2001).  Drive the model with an i.i.d. scalar series :math:`u(t)`; for
every lag :math:`k = 1..K` fit a linear readout :math:`y_k(t) = w_k^\top h_t + b_k`
of the observed state :math:`h_t` to the target :math:`u(t-k)`, and score it on
held-out steps by the squared correlation

.. math::

    MC_k = \frac{\operatorname{cov}^2(u(t-k), y_k(t))}{\operatorname{var} u(t-k)\,\operatorname{var} y_k(t)},
    \qquad MC = \sum_{k=1}^{K} MC_k .

For a linear network of :math:`N` units, :math:`MC \le N` (Jaeger 2001,
Proposition 2) and :math:`MC \to N` as :math:`K` grows for generic weights and
i.i.d. input; a finite sample estimates each :math:`MC_k` with a bias of order
:math:`N / n_\text{train}` (readout error) plus :math:`1 / n_\text{test}`
(the squared correlation of noise), and a spread of order
:math:`1 / \sqrt{n_\text{test}}`.

Estimator (every choice explicit):

* the series: ``length`` values i.i.d. uniform in ``[-amplitude, amplitude]``
  (``amplitude = 0.8`` as reservoirpy's default), seeded, or given;
* a model with ``M > 1`` inputs receives :math:`x_t = u(t)\,v` along a unit
  ``direction`` :math:`v` (seeded standard normal, normalised, unless given;
  tnrnn's convention for multi-input models);
* lags :math:`k = 1..K` by default (Jaeger, reservoirpy), or
  :math:`k = 0..K-1` with ``first_lag=0``.  Every model here reads
  :math:`x_t` into :math:`h_t` at once, so :math:`MC_0 = 1` for any injective
  input map and the lags from 1 share the remaining :math:`N - 1` dimensions:
  a generic linear reservoir reaches :math:`\sum_{k \ge 0} MC_k = N`, i.e.
  :math:`MC = N - 1` with the default lags (measured: 4.0 of 5);
* one run from the zero state; the first ``washout`` steps (default the
  last lag, at least that so that every target exists) are dropped; of the
  remaining rows (default :data:`DEFAULT_ROWS` = 20000, at least 50 per lag)
  the last ``test_size`` (a fraction or a count) are the test set, the
  others the training set (a contiguous split, as reservoirpy's);
* readout: least squares with an unpenalised bias on the centred training
  data, by SVD (``ridge = 0``, the default), or ridge regression
  :math:`w = (X_c^\top X_c + \lambda I)^{-1} X_c^\top y_c`,
  :math:`b = \bar y - \bar x^\top w` (``ridge`` :math:`=\lambda`, absolute,
  as reservoirpy's).  An absolute ridge of 1e-6 costs a linear reservoir of
  20 units 5-9 % of its capacity (measured), because its states have
  condition numbers up to ~1e7: the far lags live in the small directions;
* the raw :math:`MC_k` is the squared Pearson correlation on the test rows
  (0 when the prediction is constant);
* **bias correction** (``correction="shuffle"``, default): the squared
  correlation of a readout with a target it cannot predict is positive,
  :math:`\approx 1/n_\text{test}` per lag; the same readouts are fitted to
  the targets shuffled over the rows (independent of the states), and the
  mean of their test :math:`MC_k` (the null expectation) is subtracted from
  every lag.  The shuffled-target total is reported too (:attr:`MemoryCapacity.null_total`);
* **standard errors**: two delete-one-block jackknifes over 20 contiguous
  blocks (blocks, not rows, so that the serial dependence of the states is
  respected), per lag and for the total, added in quadrature: over the test
  rows (the scoring noise) and over the training rows, refitting the readouts
  without each block (the readout noise).  The first alone was about 0.7 of
  the spread over independent series at 1000 rows and 16 units, because the
  readout noise (of order :math:`S / n_\text{train}`) varies with the series
  too; and the shuffled-target null, subtracted :math:`K` times from the
  total, is resampled with the raw scores (its own spread is part of the
  total's); with all three, the standard error matches the spread over
  independent series (tested over 60 series);
* **degenerate states**: when the state after the washout is not finite,
  collapses to 0 or does not vary with the input
  (:func:`tnrnn.measures.quality.state_degeneracy`), the capacity is n/a with
  the reason, never a number such as ``7.75e-32``.

Accuracy (tested, ``tests/test_memory_capacity.py``): on linear reservoirs
of :math:`N = 8` and :math:`20` units (spectral radius 0.9, five seeds each)
the default estimate is within 3 % of the closed form
(:func:`linear_capacity`; the test computes its own); a memoryless
reservoir and the shuffled-target null score at most 0.1.

Agreement with reservoirpy: :func:`reservoirpy.observables.memory_capacity`
drives the reservoir with ``series[K:]`` from the zero state, trains on the
first rows after a warm-up of ``K`` steps and tests on the last
``test_size`` rows, with the same centred ridge.  With the same reservoir
(zero bias), a series whose first ``K`` values are zero (so that both runs see
the same states), ``washout = 2K`` here and the same ``test_size`` and
``ridge``, and ``correction="none"``, both give the same raw :math:`MC_k`
to rounding (tested to 1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record, format_table
from .drive import hidden_states, model_label, stepper
from .quality import jackknife, single_threaded, state_degeneracy
from .registry import register

__all__ = ["MemoryCapacity", "memory_capacity", "capacity_from_states", "linear_capacity", "ridge_fit",
           "DEFAULT_ROWS", "CORRECTIONS"]

#: Rows after the washout that the default series provides (at least 50 per lag): enough that the default
#: estimate of a linear reservoir is within 3 % of its closed-form capacity (tested for N = 8, 20).
DEFAULT_ROWS = 20000
#: Bias corrections: ``"shuffle"`` subtracts the null expectation measured with shuffled targets; ``"none"``.
CORRECTIONS = ("shuffle", "none")
#: Blocks of test rows of the jackknife standard errors.
JACKKNIFE_BLOCKS = 20


def ridge_fit(X: np.ndarray, Y: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Ridge regression with an unpenalised bias: ``(w, b)`` with ``Y ~ X w + b``.

    Solves :math:`(X_c^\top X_c + \lambda I) w = X_c^\top Y_c` on the centred
    data (scipy's symmetric solver; least squares when singular).  With
    ``ridge = 0`` it solves the least-squares problem on :math:`X_c` itself
    (LAPACK's SVD-based ``gelsd``, minimum norm), which keeps the digits that
    forming :math:`X_c^\top X_c` would square away: the states of a linear
    reservoir have condition numbers up to ~1e7, their Gram matrices ~1e13.

    Examples
    --------
    >>> X = np.arange(10.0)[:, None]
    >>> w, b = ridge_fit(X, 3 * X[:, 0] + 1, 0.0)
    >>> round(float(w[0]), 10), round(float(b), 10)
    (3.0, 1.0)
    """
    from scipy import linalg

    X = np.asarray(X, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    xm, ym = X.mean(axis=0), Y.mean(axis=0)
    Xc, Yc = X - xm, Y - ym
    if ridge == 0:
        w = linalg.lstsq(Xc, Yc, lapack_driver="gelsd")[0]
        return w, ym - xm @ w
    G = Xc.T @ Xc + ridge * np.eye(X.shape[1])
    try:
        w = linalg.solve(G, Xc.T @ Yc, assume_a="sym")
    except (linalg.LinAlgError, ValueError):
        w = np.linalg.lstsq(G, Xc.T @ Yc, rcond=None)[0]
    return w, ym - xm @ w


def _block_stats(a: np.ndarray, b: np.ndarray, blocks: int) -> np.ndarray:
    """Per block of rows: count, sums of a, b, a^2, b^2, ab (columnwise): shape (blocks, 6, K)."""
    edges = np.linspace(0, a.shape[0], blocks + 1).astype(int)
    out = np.empty((blocks, 6, a.shape[1]))
    for i in range(blocks):
        x, y = a[edges[i]:edges[i + 1]], b[edges[i]:edges[i + 1]]
        out[i] = [np.full(a.shape[1], x.shape[0]), x.sum(0), y.sum(0), (x * x).sum(0), (y * y).sum(0),
                  (x * y).sum(0)]
    return out


def _r2_from_stats(s: np.ndarray) -> np.ndarray:
    """Squared Pearson correlations from summed statistics ``(6, K)`` (0 where a column is constant)."""
    n, sa, sb, saa, sbb, sab = s
    cov = sab - sa * sb / n
    va = saa - sa * sa / n
    vb = sbb - sb * sb / n
    den = va * vb
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, cov * cov / np.where(den > 0, den, 1.0), 0.0)


def _squared_correlation(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Columnwise squared Pearson correlation (0 where a column is constant)."""
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    num = np.sum(a * b, axis=0) ** 2
    den = np.sum(a * a, axis=0) * np.sum(b * b, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(den > 0, num / np.where(den > 0, den, 1.0), 0.0)
    return out


@dataclass(frozen=True, eq=False)
class MemoryCapacity(Record):
    """The memory capacity profile of a model.

    Attributes
    ----------
    lags : ndarray (K,)
        ``1..K`` (or ``0..K-1``).
    profile : ndarray (K,)
        ``MC_k`` per lag, bias-corrected (``raw - null``, see ``correction``); NaN when :attr:`reason` is set.
    raw : ndarray (K,)
        The uncorrected squared correlations on the test rows (what reservoirpy reports).
    stderr : ndarray (K,)
        Jackknife standard error of each ``MC_k`` (20 contiguous blocks of test rows).
    total : float
        ``MC = sum_k MC_k`` (corrected); the area under the ``MC_k`` curve, a threshold-free summary.
    total_stderr : float
        Its jackknife standard error.
    null : float
        The null expectation of one ``MC_k`` subtracted from every lag: the mean over lags of the squared
        correlation of readouts fitted to shuffled targets (0 with ``correction="none"``).
    null_total : float
        ``sum_k`` of those shuffled-target ``MC_k``: what a model without memory would score uncorrected.
    state_dim : int
        The number of state features the readouts read.
    washout, train, test : int
        Dropped steps, training rows, test rows.
    ridge : float
    correction : str
    label : str
    bound : float
        The finite-sample form of Jaeger's bound, ``S * lambda_max(C)`` with
        ``C`` the correlation matrix of the lagged targets on the test rows
        (see :func:`capacity_from_states`); ``raw.sum() <= bound`` always, and
        ``bound -> S`` as the test set grows.
    reason : str or None
        Why there is no number (non-finite or degenerate states); ``None`` when the profile is measured.
    """

    lags: np.ndarray
    profile: np.ndarray
    raw: np.ndarray
    stderr: np.ndarray
    total: float
    total_stderr: float
    null: float
    null_total: float
    state_dim: int
    washout: int
    train: int
    test: int
    ridge: float
    correction: str = "shuffle"
    label: str = ""
    bound: float = float("nan")
    reason: str | None = None

    @property
    def finite(self) -> bool:
        """Whether the profile was measured (no :attr:`reason`)."""
        return self.reason is None

    @property
    def area(self) -> float:
        """The area under the ``MC_k`` curve: :attr:`total` (threshold-free, in lags)."""
        return self.total

    def to_dict(self) -> dict:
        """JSON-safe: ``None`` for every number that is n/a, and the ``reason``."""
        def num(v):
            return None if v is None or not np.isfinite(v) else float(v)

        return {"kind": "capacity", "measure": "capacity", "model": self.label, "total": num(self.total),
                "total_stderr": num(self.total_stderr), "lags": self.lags.tolist(),
                "profile": [num(v) for v in self.profile], "raw": [num(v) for v in self.raw],
                "stderr": [num(v) for v in self.stderr], "null": num(self.null), "null_total": num(self.null_total),
                "correction": self.correction, "state_dim": self.state_dim, "washout": self.washout,
                "train": self.train, "test": self.test, "ridge": self.ridge, "finite": self.finite,
                "bound": num(self.bound), "reason": self.reason}

    #: Lags printed in full up to this many; beyond, the table says how many it shows.
    MAX_ROWS = 64

    def __str__(self) -> str:
        K = len(self.lags)
        head = [self.label] if self.label else []
        if self.reason is not None:
            head.append(f"memory capacity n/a: {self.reason} (lags {self.lags[0]}..{self.lags[-1]})")
            return "\n".join(head)
        corr = (f"bias-corrected: {self.null:.2g} per lag subtracted, the shuffled-target null"
                if self.correction == "shuffle" else "uncorrected")
        head.append(f"memory capacity {self.total:.4f} ± {self.total_stderr:.2g} (standard error; {corr}; "
                    f"at most {self.state_dim} for a linear model)")
        head.append(f"lags {self.lags[0]}..{self.lags[-1]}, washout {self.washout}, train {self.train}, "
                    f"test {self.test}, ridge {self.ridge:g}; shuffled-target null MC {self.null_total:.3g}")
        shown = range(K) if K <= self.MAX_ROWS else [*range(self.MAX_ROWS // 2), *range(K - self.MAX_ROWS // 2, K)]
        rows = [{"k": int(self.lags[i]), "MC_k": float(self.profile[i]), "stderr": float(self.stderr[i]),
                 "raw": float(self.raw[i])} for i in shown]
        table = format_table(rows, formats={"MC_k": ".4f", "stderr": ".2g", "raw": ".4f"}, right=("k",))
        if K > self.MAX_ROWS:
            table += f"\n(showing {len(rows)} of {K} lags: the first and last {self.MAX_ROWS // 2}; --json has all)"
        return "\n".join(head) + "\n" + table


def _check_count(value, name, minimum=0):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InvalidParameterError(name, value, f"an integer >= {minimum}")
    return int(value)


def _split(rows: int, test_size) -> int:
    if isinstance(test_size, float) and not isinstance(test_size, bool):
        if not 0 < test_size < 1:
            raise InvalidParameterError("test_size", test_size, "a fraction in (0, 1) or a count >= 1")
        n_test = round(rows * test_size)
    else:
        n_test = _check_count(test_size, "test_size", 1)
    if not 1 <= n_test <= rows - 2:
        raise InvalidParameterError("test_size", test_size, f"at least 1 and at most {rows - 2} test rows "
                                    f"(of {rows} after the washout)")
    return n_test


def _check_ridge(ridge):
    if isinstance(ridge, bool) or not (isinstance(ridge, (int, float)) and np.isfinite(ridge) and ridge >= 0):
        raise InvalidParameterError("ridge", ridge, "a number >= 0")
    return float(ridge)


def capacity_from_states(states, series, lags: int, *, washout: int | None = None, test_size=0.2,
                         ridge: float = 0.0, first_lag: int = 1, correction: str = "shuffle", seed=0,
                         label: str = "") -> MemoryCapacity:
    r""":math:`MC_k` from given states ``(T, S)`` and the scalar series ``(T,)`` that drove them.

    Row ``t`` pairs the state after reading ``series[t]`` with the targets
    ``series[t - k]``; see the module docstring for the split, the readout,
    the bias correction and the standard errors.

    The bound: on the test rows, the raw :math:`MC_k` is at most the squared multiple
    correlation :math:`\hat y_k^\top P \hat y_k` of the normalised centred
    target :math:`\hat y_k` with the span of the centred states (projector
    :math:`P`, rank :math:`\le S`), so
    :math:`MC \le \operatorname{tr}(P \hat Y \hat Y^\top) \le S\,\lambda_{\max}(\hat Y^\top \hat Y)`,
    the sample form of Jaeger's :math:`MC \le N` (the targets of an i.i.d.
    series are uncorrelated in the population, :math:`\hat Y^\top \hat Y \to I`).

    Examples
    --------
    A delay line of 3 registers holds u(t-1), u(t-2), u(t-3) exactly:

    >>> rng = np.random.default_rng(0)
    >>> u = rng.uniform(-1, 1, 500)
    >>> S = np.stack([np.roll(u, k) for k in range(4)], axis=1)   # u(t), u(t-1), u(t-2), u(t-3)
    >>> mc = capacity_from_states(S, u, lags=5, washout=5, correction="none")
    >>> np.round(mc.profile, 6).tolist()[:3], round(mc.total, 1)
    ([1.0, 1.0, 1.0], 3.0)
    """
    from ..validation import check_choice, check_positive_int

    S = np.asarray(states, dtype=np.float64)
    u = np.asarray(series, dtype=np.float64).ravel()
    if S.ndim == 1:
        S = S[:, None]
    if S.ndim != 2 or S.shape[0] != u.shape[0]:
        raise InvalidParameterError("states", S.shape, f"an array ({u.shape[0]}, S), one row per series value")
    K = check_positive_int(lags, "lags")
    k0 = _first_lag(first_lag)
    check_choice(correction, "correction", CORRECTIONS)
    last = k0 + K - 1
    washout = last if washout is None else _check_count(washout, "washout")
    if washout < last:
        raise InvalidParameterError("washout", washout, f"an integer >= the last lag {last} (every target u(t-k) "
                                    "must exist)")
    ridge = _check_ridge(ridge)
    T = u.shape[0]
    rows = T - washout
    if rows < 3:
        raise InvalidParameterError("series", T, f"more than washout + 2 = {washout + 2} steps")
    n_test = _split(rows, test_size)
    n_train = rows - n_test
    t = np.arange(washout, T)
    lag_axis = np.arange(k0, k0 + K)
    X = S[washout:]
    nan = np.full(K, np.nan)
    reason = state_degeneracy(X, "the state")
    if reason is None and n_train > 1:
        reason = state_degeneracy(X[:n_train], "the state on the training rows")
    if reason is not None:
        return MemoryCapacity(lag_axis, nan, nan.copy(), nan.copy(), float("nan"), float("nan"), float("nan"),
                              float("nan"), S.shape[1], washout, n_train, n_test, ridge, correction, label,
                              float("nan"), reason)
    Y = np.stack([u[t - k] for k in lag_axis], axis=1)  # (rows, K)
    w, b = ridge_fit(X[:n_train], Y[:n_train], ridge)
    pred = X[n_train:] @ w + b
    Yt = Y[n_train:] - Y[n_train:].mean(axis=0)
    norms = np.linalg.norm(Yt, axis=0)
    Yh = Yt[:, norms > 0] / norms[norms > 0]
    bound = S.shape[1] * float(np.linalg.eigvalsh(Yh.T @ Yh)[-1]) if Yh.size else 0.0
    raw = _squared_correlation(pred, Y[n_train:])
    shuffle = correction == "shuffle"
    if shuffle:
        # The null: the same readouts fitted to targets shuffled over the rows (independent of the states).
        perm = np.random.default_rng(seed).permutation(rows)
        Yp = Y[perm]
        wp, bp = ridge_fit(X[:n_train], Yp[:n_train], ridge)
        null_k = _squared_correlation(X[n_train:] @ wp + bp, Yp[n_train:])
        null, null_total = float(null_k.mean()), float(null_k.sum())
    else:
        null, null_total = 0.0, float("nan")
    # Standard errors of the corrected MC_k = raw_k - mean(null): the null is random too (its shuffle, its
    # rows), and it is subtracted K times from the total, so it is resampled with the raw scores.
    # Blocks at least K rows long: the targets u(t - k) of consecutive rows and lags are the same values, so
    # the summands of the total are dependent over K rows (shorter blocks made the error too small).
    B = max(2, min(JACKKNIFE_BLOCKS, n_test // max(2, K)))
    stats = _block_stats(pred, Y[n_train:], B)
    whole = stats.sum(axis=0)
    loo = np.stack([_r2_from_stats(whole - stats[i]) for i in range(B)])  # (B, K)
    if shuffle:
        pstats = _block_stats(X[n_train:] @ wp + bp, Yp[n_train:], B)
        pwhole = pstats.sum(axis=0)
        loo = loo - np.stack([_r2_from_stats(pwhole - pstats[i]).mean() for i in range(B)])[:, None]
    # The readouts are fitted on the training rows, which vary from series to series too: a second
    # delete-one-block jackknife refits them without each block of training rows (scored on every test row).
    # The two sources are disjoint stretches of the series, so their variances add.
    Bt = max(2, min(JACKKNIFE_BLOCKS, n_train // max(2, K)))
    edges = np.linspace(0, n_train, Bt + 1).astype(int)
    loo_train = np.empty((Bt, K))
    for i in range(Bt):
        keep = np.r_[0:edges[i], edges[i + 1]:n_train]
        wi, bi = ridge_fit(X[keep], Y[keep], ridge)
        loo_train[i] = _squared_correlation(X[n_train:] @ wi + bi, Y[n_train:])
        if shuffle:
            wi, bi = ridge_fit(X[keep], Yp[keep], ridge)
            loo_train[i] -= _squared_correlation(X[n_train:] @ wi + bi, Yp[n_train:]).mean()
    stderr = np.sqrt(jackknife(loo) ** 2 + jackknife(loo_train) ** 2)
    total_stderr = float(np.hypot(jackknife(loo.sum(axis=1)), jackknife(loo_train.sum(axis=1))))
    prof = raw - null
    return MemoryCapacity(lag_axis, prof, raw, stderr, float(prof.sum()), total_stderr, null, null_total,
                          S.shape[1], washout, n_train, n_test, ridge, correction, label, bound)


def linear_capacity(A, b, lags: int, *, first_lag: int = 1) -> np.ndarray:
    r"""The population :math:`MC_k` of the linear system :math:`s_t = A s_{t-1} + b\,u(t)`, i.i.d. input.

    :math:`MC_k = (A^k b)^\top P^{-1} (A^k b)` with :math:`P = \sum_j A^j b b^\top A^{j\top}` the
    controllability gramian of the controllable part; :math:`\sum_{k \ge 0} MC_k = \operatorname{rank} P`
    (Jaeger 2001, Proposition 2).  Needs :math:`\rho(A) < 1`.

    Computed without the gramian, whose condition number grows like :math:`\rho^{-2N}` and passes
    :math:`10^{16}` at :math:`N = 30`, :math:`\rho = 0.8` (a float64 pseudo-inverse of it loses 14-21 %
    of the capacity there).  :math:`MC_k` is the squared norm of the projection of the unit sequence
    :math:`e_k` onto the space :math:`V \subset \ell^2` of the impulse responses :math:`(c^\top A^j b)_j`
    that the readouts can form, so :math:`MC_k = \sum_n |\varphi_n[k]|^2` for any orthonormal basis
    :math:`\varphi_n` of :math:`V`.  For a controllable pair, :math:`V` is the set of sequences whose
    z-transform is :math:`q(z) / \det(I - zA)`, :math:`\deg q < N`, and it has the Takenaka-Malmquist
    orthonormal basis in the eigenvalues :math:`\lambda_n` of :math:`A`:

    .. math::

        \varphi_n(z) = \frac{\sqrt{1 - |\lambda_n|^2}}{1 - \lambda_n z}
        \prod_{m < n} \frac{z - \bar\lambda_m}{1 - \lambda_m z}

    (repeated eigenvalues included).  Its coefficients come from filtering a unit impulse through
    first-order all-pass sections, which preserve the norm, so rounding errors do not grow.  The
    controllable part is found first by orthogonal transformations only: a Householder reflection
    mapping ``b`` to :math:`\|b\| e_1`, then the Hessenberg reduction (which keeps :math:`e_1`); the pair
    is controllable up to the first subdiagonal entry below :math:`N \epsilon \|A\|_F`.  Tested against
    the gramian formula in 60-digit arithmetic (mpmath) at :math:`N = 30`, :math:`\rho = 0.8`.

    Examples
    --------
    >>> np.round(linear_capacity(np.eye(3, k=-1), np.eye(3)[:, 0], 4, first_lag=0), 12).tolist()
    [1.0, 1.0, 1.0, 0.0]

    A scalar system of pole 0.5: :math:`MC_k = (1 - 0.25)\,0.25^k`:

    >>> np.round(linear_capacity([[0.5]], [1.0], 3, first_lag=0), 12).tolist()
    [0.75, 0.1875, 0.046875]
    """
    from scipy import signal

    from ..validation import check_positive_int

    A = np.atleast_2d(np.asarray(A, dtype=np.float64))
    b = np.asarray(b, dtype=np.float64).ravel()
    K = check_positive_int(lags, "lags")
    k0 = _first_lag(first_lag)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or b.shape != (A.shape[0],):
        raise InvalidParameterError("A", A.shape, f"a square matrix matching b of shape {b.shape}")
    if not (np.all(np.isfinite(A)) and np.all(np.isfinite(b))):
        raise InvalidParameterError("A", "non-finite entries", "finite A and b")
    if np.max(np.abs(np.linalg.eigvals(A))) >= 1:
        raise InvalidParameterError("A", "spectral radius >= 1", "a stable A (spectral radius < 1)")
    poles = _controllable_poles(A, b)
    n = k0 + K
    out = np.zeros(n)
    x = np.zeros(n, dtype=complex)
    x[0] = 1.0  # the impulse through the all-pass sections of the poles so far
    for lam in poles:
        phi = np.sqrt(1.0 - abs(lam) ** 2) * signal.lfilter([1.0], [1.0, -lam], x)
        out += (phi * phi.conj()).real
        x = signal.lfilter([-np.conj(lam), 1.0], [1.0, -lam], x)
    return np.minimum(out[k0:], 1.0)


def _controllable_poles(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The eigenvalues of ``A`` restricted to the controllable subspace of ``(A, b)`` (orthogonal reductions)."""
    from scipy import linalg

    N = A.shape[0]
    nb = np.linalg.norm(b)
    if nb == 0:
        return np.zeros(0)
    # Householder reflection H with H b = -sign(b_0) |b| e_1; H A H, then Hessenberg (first column of Q = e_1).
    v = b / nb
    v = v.copy()
    v[0] += np.copysign(1.0, v[0]) if v[0] != 0 else 1.0
    v /= np.linalg.norm(v)
    HA = A - 2.0 * np.outer(v, v @ A)
    HAH = HA - 2.0 * np.outer(HA @ v, v)
    Hs = linalg.hessenberg(HAH)
    tol = N * np.finfo(float).eps * max(np.linalg.norm(A), np.finfo(float).tiny)
    m = N
    for j in range(N - 1):
        if abs(Hs[j + 1, j]) <= tol:
            m = j + 1
            break
    return linalg.eigvals(Hs[:m, :m])


def _first_lag(first_lag):
    if first_lag not in (0, 1) or isinstance(first_lag, bool):
        raise InvalidParameterError("first_lag", first_lag, "0 (count the current input) or 1 (Jaeger, reservoirpy)")
    return int(first_lag)


def _direction(M: int, direction, seed) -> np.ndarray:
    if direction is None:
        v = np.ones(1) if M == 1 else np.random.default_rng(seed).standard_normal(M)
    else:
        v = np.asarray(direction, dtype=np.float64).ravel()
        if v.shape != (M,) or not np.all(np.isfinite(v)) or not np.any(v):
            raise InvalidParameterError("direction", v.shape, f"a nonzero finite vector of {M} entries")
    return v / np.linalg.norm(v)


@register("capacity", "short-term memory capacity MC = sum_k MC_k (Jaeger 2001), bias-corrected, with errors")
def memory_capacity(model, lags: int | None = None, *, series=None, length: int | None = None,
                    washout: int | None = None, test_size=0.2, ridge: float = 0.0, amplitude: float = 0.8,
                    direction=None, first_lag: int = 1, correction: str = "shuffle", seed=0,
                    max_memory=None) -> MemoryCapacity:
    """The memory capacity of ``model`` (see the module docstring).

    Parameters
    ----------
    model
        Anything :func:`tnrnn.measures.drive.stepper` reads: an :class:`~tnrnn.measures.drive.EchoStateNetwork`,
        a :class:`~tnrnn.memory.LinearRNN`, an imported model, a RAC or a torch recurrent module.
    lags : int, optional
        ``K``; default twice the observed state size (reservoirpy's rule of thumb).
    first_lag : {1, 0}
        Lags ``1..K`` (Jaeger, reservoirpy; default) or ``0..K-1`` (the current input counted).
    series : array (T,), optional
        The input series; default ``length`` i.i.d. values uniform in ``[-amplitude, amplitude]``.
    length : int, optional
        Default ``washout + max(DEFAULT_ROWS, 50 K)`` (20000 rows for ``K <= 400``).
    washout : int, optional
        Default the last lag.
    test_size : float or int
        Fraction (default 0.2) or number of test rows.
    ridge : float
        ``lambda`` (default 0: least squares by SVD; reservoirpy's default is 1e-6).
    amplitude : float
    direction : array (M,), optional
        Input direction for ``M > 1`` (default: seeded random unit vector).
    correction : {"shuffle", "none"}
        Subtract the shuffled-target null expectation from every ``MC_k`` (default) or not.
    seed : int or None
        Seeds the series, the direction and the shuffle.
    max_memory : int or str, optional
        Refuse state arrays above this estimate (default 4 GiB).

    Examples
    --------
    >>> from tnrnn.measures import EchoStateNetwork

    A linear reservoir of 5 units holds 5 inputs: the current one and about 4 past ones:

    >>> esn = EchoStateNetwork.random(5, spectral_radius=0.5, activation="identity", seed=1)
    >>> mc = memory_capacity(esn, lags=30, first_lag=0, seed=0)
    >>> bool(4.8 < mc.total <= mc.bound), round(float(mc.profile[0]), 3), bool(mc.total_stderr < 0.05)
    (True, 1.0, True)
    """
    from ..limits import check_memory
    from ..validation import check_positive_int, check_seed

    st = stepper(model)
    H = st.observed.stop - st.observed.start
    K = 2 * H if lags is None else check_positive_int(lags, "lags")
    k0 = _first_lag(first_lag)
    check_seed(seed)
    washout = k0 + K - 1 if washout is None else _check_count(washout, "washout")
    rng = np.random.default_rng(seed)
    if series is None:
        if isinstance(amplitude, bool) or not (isinstance(amplitude, (int, float)) and np.isfinite(amplitude)
                                               and amplitude > 0):
            raise InvalidParameterError("amplitude", amplitude, "a number > 0")
        T = washout + max(DEFAULT_ROWS, 50 * K) if length is None else check_positive_int(length, "length")
        if T <= washout + 2:   # named here: the series is drawn from ``length``
            raise InvalidParameterError("length", length, f"more than washout + 2 = {washout + 2} steps")
    else:
        u = np.asarray(series, dtype=np.float64).ravel()
        if u.size < 3 or not np.all(np.isfinite(u)):
            raise InvalidParameterError("series", u.shape, "a finite series of at least 3 values")
        T = u.size
    # states (T, H) and inputs, the lagged targets and their shuffle (T, K) twice, the predictions
    check_memory("the states and lagged targets", 8.0 * T * (H + st.inputs + 4 * K), max_memory,
                 "use a shorter --length or fewer --lags")
    if series is None:
        u = rng.uniform(-amplitude, amplitude, size=T)
    v = _direction(st.inputs, direction, seed)
    X = u[None, :, None] * v[None, None, :]
    with single_threaded():  # small matrices: one BLAS thread is faster (see quality.single_threaded)
        with np.errstate(all="ignore"):
            S = hidden_states(st, X)[0]
        return capacity_from_states(S, u, K, washout=washout, test_size=test_size, ridge=ridge, first_lag=k0,
                                    correction=correction, seed=seed, label=model_label(st))
