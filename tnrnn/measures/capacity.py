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
:math:`N / n_\text{train}` (ridge, train set) and a spread of order
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
  last lag, at least that so that every target exists) are dropped; of the remaining
  rows the last ``test_size`` (a fraction or a count) are the test set, the
  others the training set (a contiguous split, as reservoirpy's);
* readout: ridge regression with an unpenalised bias, i.e. on centred
  training data, :math:`w = (X_c^\top X_c + \lambda I)^{-1} X_c^\top y_c`,
  :math:`b = \bar y - \bar x^\top w` (``ridge`` :math:`=\lambda`, absolute);
* :math:`MC_k` is the squared Pearson correlation on the test rows (0 when
  the prediction is constant).

Agreement with reservoirpy: :func:`reservoirpy.observables.memory_capacity`
drives the reservoir with ``series[K:]`` from the zero state, trains on the
first rows after a warm-up of ``K`` steps and tests on the last
``test_size`` rows, with the same centred ridge.  With the same reservoir
(zero bias), a series whose first ``K`` values are zero (so that both runs see
the same states), ``washout = 2K`` here and the same ``test_size`` and
``ridge``, both give the same :math:`MC_k` to rounding (tested to 1e-8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record
from .drive import hidden_states, model_label, stepper
from .registry import register

__all__ = ["MemoryCapacity", "memory_capacity", "capacity_from_states", "ridge_fit"]


def ridge_fit(X: np.ndarray, Y: np.ndarray, ridge: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Ridge regression with an unpenalised bias: ``(w, b)`` with ``Y ~ X w + b``.

    Solves :math:`(X_c^\top X_c + \lambda I) w = X_c^\top Y_c` on the centred
    data (scipy's symmetric solver; least squares when singular).

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
    G = Xc.T @ Xc + ridge * np.eye(X.shape[1])
    try:
        w = linalg.solve(G, Xc.T @ Yc, assume_a="sym")
    except (linalg.LinAlgError, ValueError):
        w = np.linalg.lstsq(G, Xc.T @ Yc, rcond=None)[0]
    return w, ym - xm @ w


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
        ``1..K``.
    profile : ndarray (K,)
        ``MC_k`` per lag.
    total : float
        ``MC = sum_k MC_k``.
    state_dim : int
        The number of state features the readouts read.
    washout, train, test : int
        Dropped steps, training rows, test rows.
    ridge : float
    finite : bool
        Whether every state was finite (``False``: the profile is NaN).
    label : str
    bound : float
        The finite-sample form of Jaeger's bound, ``S * lambda_max(C)`` with
        ``C`` the correlation matrix of the lagged targets on the test rows
        (see :func:`capacity_from_states`); ``MC <= bound`` always, and
        ``bound -> S`` as the test set grows.
    """

    lags: np.ndarray
    profile: np.ndarray
    total: float
    state_dim: int
    washout: int
    train: int
    test: int
    ridge: float
    finite: bool = True
    label: str = ""
    bound: float = float("nan")

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"measure": "capacity", "model": self.label, "total": None if not self.finite else self.total,
                "lags": self.lags.tolist(), "profile": [None if not np.isfinite(v) else float(v) for v in self.profile],
                "state_dim": self.state_dim, "washout": self.washout, "train": self.train, "test": self.test,
                "ridge": self.ridge, "finite": self.finite,
                "bound": None if not np.isfinite(self.bound) else self.bound}

    def __str__(self) -> str:
        head = (f"memory capacity {self.total:.4f} (of at most {self.state_dim} for a linear model; "
                f"lags 1..{len(self.lags)}, washout {self.washout}, train {self.train}, test {self.test}, "
                f"ridge {self.ridge:g})")
        if self.label:
            head = self.label + "\n" + head
        if not self.finite:
            return head + "\nnon-finite states: the capacity is undefined"
        K = len(self.lags)
        pick = sorted({0, 1, 2, K // 4, K // 2, 3 * K // 4, K - 1} & set(range(K)))
        rows = [f"{'k':>6}  {'MC_k':>8}"] + [f"{self.lags[i]:>6}  {self.profile[i]:>8.4f}" for i in pick]
        return head + "\n" + "\n".join(rows)


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


def capacity_from_states(states, series, lags: int, *, washout: int | None = None, test_size=0.2,
                         ridge: float = 1e-6, first_lag: int = 1, label: str = "") -> MemoryCapacity:
    r""":math:`MC_k` from given states ``(T, S)`` and the scalar series ``(T,)`` that drove them.

    Row ``t`` pairs the state after reading ``series[t]`` with the targets
    ``series[t - k]``; see the module docstring for the split and the readout.

    The bound: on the test rows, :math:`MC_k` is at most the squared multiple
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
    >>> mc = capacity_from_states(S, u, lags=5, washout=5, ridge=0.0)
    >>> np.round(mc.profile, 6).tolist()[:3], round(mc.total, 1)
    ([1.0, 1.0, 1.0], 3.0)
    """
    from ..validation import check_positive_int

    S = np.asarray(states, dtype=np.float64)
    u = np.asarray(series, dtype=np.float64).ravel()
    if S.ndim == 1:
        S = S[:, None]
    if S.ndim != 2 or S.shape[0] != u.shape[0]:
        raise InvalidParameterError("states", S.shape, f"an array ({u.shape[0]}, S), one row per series value")
    K = check_positive_int(lags, "lags")
    k0 = _first_lag(first_lag)
    last = k0 + K - 1
    washout = last if washout is None else _check_count(washout, "washout")
    if washout < last:
        raise InvalidParameterError("washout", washout, f"an integer >= the last lag {last} (every target u(t-k) "
                                    "must exist)")
    if not (isinstance(ridge, (int, float)) and np.isfinite(ridge) and ridge >= 0):
        raise InvalidParameterError("ridge", ridge, "a number >= 0")
    T = u.shape[0]
    rows = T - washout
    if rows < 3:
        raise InvalidParameterError("series", T, f"more than washout + 2 = {washout + 2} steps")
    n_test = _split(rows, test_size)
    n_train = rows - n_test
    t = np.arange(washout, T)
    lag_axis = np.arange(k0, k0 + K)
    Y = np.stack([u[t - k] for k in lag_axis], axis=1)  # (rows, K)
    X = S[washout:]
    if not np.all(np.isfinite(X)):
        return MemoryCapacity(lag_axis, np.full(K, np.nan), float("nan"), S.shape[1], washout, n_train, n_test,
                              float(ridge), False, label)
    w, b = ridge_fit(X[:n_train], Y[:n_train], float(ridge))
    pred = X[n_train:] @ w + b
    Yt = Y[n_train:] - Y[n_train:].mean(axis=0)
    norms = np.linalg.norm(Yt, axis=0)
    Yh = Yt[:, norms > 0] / norms[norms > 0]
    bound = S.shape[1] * float(np.linalg.eigvalsh(Yh.T @ Yh)[-1]) if Yh.size else 0.0
    prof = _squared_correlation(pred, Y[n_train:])
    return MemoryCapacity(lag_axis, prof, float(prof.sum()), S.shape[1], washout, n_train, n_test, float(ridge),
                          True, label, bound)


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


@register("capacity", "short-term memory capacity MC = sum_k MC_k (Jaeger 2001), ridge readouts")
def memory_capacity(model, lags: int | None = None, *, series=None, length: int | None = None,
                    washout: int | None = None, test_size=0.2, ridge: float = 1e-6, amplitude: float = 0.8,
                    direction=None, first_lag: int = 1, seed=0, max_memory=None) -> MemoryCapacity:
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
        Default ``washout + 10 K``.
    washout : int, optional
        Default ``K``.
    test_size : float or int
        Fraction (default 0.2) or number of test rows.
    ridge : float
        ``lambda`` (default 1e-6).
    amplitude : float
    direction : array (M,), optional
        Input direction for ``M > 1`` (default: seeded random unit vector).
    seed : int or None
        Seeds the series and the direction.
    max_memory : int or str, optional
        Refuse state arrays above this estimate (default 4 GiB).

    Examples
    --------
    >>> from tnrnn.measures import EchoStateNetwork

    A linear reservoir of 5 units holds 5 inputs: the current one and about 4 past ones:

    >>> esn = EchoStateNetwork.random(5, spectral_radius=0.5, activation="identity", seed=1)
    >>> mc = memory_capacity(esn, lags=30, length=5000, ridge=0.0, first_lag=0, seed=0)
    >>> bool(4.8 < mc.total <= mc.bound), round(float(mc.profile[0]), 3)
    (True, 1.0)
    """
    from ..limits import check_memory
    from ..validation import check_positive_int

    st = stepper(model)
    H = st.observed.stop - st.observed.start
    K = 2 * H if lags is None else check_positive_int(lags, "lags")
    k0 = _first_lag(first_lag)
    washout = k0 + K - 1 if washout is None else _check_count(washout, "washout")
    rng = np.random.default_rng(seed)
    if series is None:
        if not (isinstance(amplitude, (int, float)) and np.isfinite(amplitude) and amplitude > 0):
            raise InvalidParameterError("amplitude", amplitude, "a number > 0")
        T = washout + 10 * K if length is None else check_positive_int(length, "length")
        u = rng.uniform(-amplitude, amplitude, size=T)
    else:
        u = np.asarray(series, dtype=np.float64).ravel()
        if u.size < 3 or not np.all(np.isfinite(u)):
            raise InvalidParameterError("series", u.shape, "a finite series of at least 3 values")
        T = u.size
    check_memory("the states", 8.0 * T * (H + st.inputs) * 2, max_memory, "use a shorter --length")
    v = _direction(st.inputs, direction, seed)
    X = u[None, :, None] * v[None, None, :]
    with np.errstate(all="ignore"):
        S = hidden_states(st, X)[0]
    return capacity_from_states(S, u, K, washout=washout, test_size=test_size, ridge=ridge, first_lag=k0,
                                label=model_label(st))
