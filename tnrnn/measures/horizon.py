r"""Gradient memory horizon: how strongly the last output depends on the input k steps back (torch autograd).

Definition (the gradient-norm view of long-term dependencies, Bengio, Simard,
Frasconi, IEEE TNN 1994; Pascanu, Mikolov, Bengio, ICML 2013).  For a model
read on a sequence :math:`x_0, \dots, x_{T-1}` from the zero state, with
output :math:`y_{T-1}` (its readout, or the observed state when it has none),

.. math::

    G_k = \frac{\partial y_{T-1}}{\partial x_{T-1-k}} \in \mathbb{R}^{C \times M}, \qquad
    g(k) = \mathbb{E}_x \, \lVert G_k \rVert_F, \qquad k = 0, \dots, K-1,

the expectation taken over ``sequences`` input sequences drawn i.i.d.
(Gaussian :math:`x_t \sim N(0, \sigma^2 I)` by default, or one-hot symbols,
or given), with the standard deviation over sequences reported beside it.
All :math:`G_k` of one output channel come from one backward pass.

For a linear RNN (:class:`~tnrnn.memory.LinearRNN`, :math:`h_t = W h_{t-1} + U x_t`,
:math:`y_t = c h_t`) :math:`G_k = c W^k U` for every input: the gradient
horizon *is* the impulse response, i.e. the memory function
:math:`\rho_k` of :mod:`tnrnn.memory.functions` (tested).

Decay and horizon reuse :func:`tnrnn.memory.classify_decay` (exponential
rate vs power-law exponent, least squares on the tail of
:math:`\log g`) and :func:`tnrnn.memory.memory_horizon` (the first lag after
which :math:`g(k) \le \text{tol} \cdot \max g`); both are tnrnn's own
summaries.  A horizon that reaches the last probed lag is **censored**: it
is reported as ``>= K`` (``horizon: None, censored: True,
horizon_at_least: K`` in the record), never as the number ``K``, and
:mod:`tnrnn.measures.compare` never averages it as one.  The threshold-free
summary beside it is the area :math:`\sum_k g(k) / \max g`.  Non-finite
gradients, an output that does not depend on the input (every gradient 0),
a state that collapses along the probe sequences
(:func:`tnrnn.measures.quality.state_degeneracy`, as capacity and retention
use) and gradients too small to mean anything (:math:`\max g` below
:data:`GRADIENT_FLOOR` times the output scale, or below float64 rounding
of the output: e.g. the 1e-60 gradients of a multiplicative state that has
collapsed) give n/a with the reason, never a horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError
from ..memory.functions import DecayFit, classify_decay, memory_horizon
from ..records import Record
from .drive import model_label, stepper
from .registry import register

__all__ = ["GradientHorizon", "gradient_horizon", "INPUT_DISTRIBUTIONS", "draw_inputs", "GRADIENT_FLOOR"]

#: Gradients whose largest mean norm is below this times ``max(1, rms output)`` are n/a: the output has lost
#: the input (a collapsed state; a relative horizon of 1e-60 gradients would be a number about nothing).
GRADIENT_FLOOR = 1e-30

#: Input distributions of the measures that drive a model with random sequences.
INPUT_DISTRIBUTIONS = ("gaussian", "uniform", "onehot")


def _torch(feature):
    try:
        import torch
    except ImportError:
        raise MissingDependencyError("torch", feature, extra="torch") from None
    return torch


def draw_inputs(n: int, T: int, M: int, inputs: str = "gaussian", *, scale: float = 1.0, rng=None) -> np.ndarray:
    """``n`` random input sequences ``(n, T, M)``: Gaussian ``N(0, scale^2)``, uniform in ``[-scale, scale]``,
    or one-hot symbols (uniform over ``M``).

    Examples
    --------
    >>> draw_inputs(2, 3, 4, "onehot", rng=0).sum(axis=2).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    if inputs not in INPUT_DISTRIBUTIONS:
        raise InvalidParameterError("inputs", inputs, "one of " + ", ".join(INPUT_DISTRIBUTIONS))
    if not (isinstance(scale, (int, float)) and np.isfinite(scale) and scale > 0):
        raise InvalidParameterError("scale", scale, "a number > 0")
    rng = np.random.default_rng(rng)
    if inputs == "gaussian":
        return scale * rng.standard_normal((n, T, M))
    if inputs == "uniform":
        return rng.uniform(-scale, scale, size=(n, T, M))
    return np.eye(M)[rng.integers(0, M, size=(n, T))]


@dataclass(frozen=True, eq=False)
class GradientHorizon(Record):
    """Gradient norms ``g(k)`` per lag, their spread, decay fit and horizon.

    Attributes
    ----------
    lags : ndarray (K,)
        ``0..K-1``.
    norms : ndarray (N, K)
        ``||G_k||_F`` per sequence.
    jacobian : ndarray (K, C, M)
        ``G_k`` averaged over the sequences (signed).
    tol : float
    label : str
    """

    lags: np.ndarray
    norms: np.ndarray
    jacobian: np.ndarray
    tol: float = 1e-3
    label: str = ""
    #: Why the probe itself is degenerate (a collapsed state, vanishing gradients); ``None`` when it is not.
    degenerate: str | None = None

    @property
    def mean(self) -> np.ndarray:
        """``g(k)``: the mean over sequences of ``||G_k||_F``."""
        return self.norms.mean(axis=0)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over sequences."""
        return self.norms.std(axis=0)

    @property
    def reason(self) -> str | None:
        """Why there is no horizon: non-finite gradients, or an output that does not depend on the inputs."""
        if not np.all(np.isfinite(self.norms)):
            return "the gradients are not finite (overflow in the backward pass)"
        if self.degenerate is not None:
            return self.degenerate
        if not np.any(self.norms > 0):
            return "the output does not depend on the input (every gradient is 0)"
        return None

    def decay(self) -> DecayFit | None:
        """:func:`~tnrnn.memory.classify_decay` of :attr:`mean` (``None`` when n/a)."""
        if self.reason is not None or np.count_nonzero(self.mean > 0) < 3:
            return None
        return classify_decay(self.lags.astype(float), self.mean)

    def horizon(self, tol: float | None = None) -> float | None:
        """:func:`~tnrnn.memory.memory_horizon` of :attr:`mean` (``None``: censored at the last lag, or n/a)."""
        if self.reason is not None:
            return None
        return memory_horizon(self.lags.astype(float), self.mean, self.tol if tol is None else tol)

    def censored(self, tol: float | None = None) -> bool:
        """Whether the horizon reaches the last probed lag: it is then only known to be ``>= K``."""
        return self.reason is None and self.horizon(tol) is None

    @property
    def area(self) -> float:
        """Threshold-free: ``sum_k g(k) / max g`` (lags); NaN when n/a."""
        if self.reason is not None:
            return float("nan")
        m = self.mean
        return float(np.sum(m / m.max()))

    def to_dict(self) -> dict:
        """JSON-safe: a censored horizon is ``None`` with ``horizon_at_least = K`` and ``censored = True``."""
        fit = self.decay()
        area = self.area
        return {"kind": "horizon", "measure": "horizon", "model": self.label, "lags": self.lags.tolist(),
                "mean": [None if not np.isfinite(v) else float(v) for v in self.mean],
                "spread": [None if not np.isfinite(v) else float(v) for v in self.spread],
                "sequences": int(self.norms.shape[0]), "decay": None if fit is None else fit.to_dict(),
                "horizon": self.horizon(), "censored": self.censored(),
                "horizon_at_least": int(len(self.lags)) if self.censored() else None, "tol": self.tol,
                "area": None if not np.isfinite(area) else area, "reason": self.reason}

    def __str__(self) -> str:
        from ..records import format_table

        K = len(self.lags)
        rows = [self.label] if self.label else []
        if self.reason is not None:
            rows.append(f"gradient horizon n/a: {self.reason}")
            return "\n".join(rows)
        rows.append(f"gradient horizon ({self.norms.shape[0]} sequences): ||dy_T/dx_(T-k)||_F")
        shown = range(K) if K <= 64 else [*range(32), *range(K - 32, K)]
        rows.append(format_table([{"k": int(self.lags[i]), "mean": float(self.mean[i]), "std": float(self.spread[i])}
                                  for i in shown], formats={"mean": ".5e", "std": ".3e"}, right=("k",)))
        if K > 64:
            rows.append(f"(showing {len(shown)} of {K} lags: the first and last 32; --json has all)")
        fit = self.decay()
        rows.append("decay: n/a (fewer than 3 nonzero lags)" if fit is None else str(fit))
        h = self.horizon()
        rows.append(f"horizon ({self.tol:g} of max): " + (f">= {K} (censored: the gradient is still above the "
                                                          f"tolerance at the last lag {K - 1})" if h is None
                                                          else format(h, "g")))
        rows.append(f"area sum_k g(k)/max g: {self.area:.4g} lags")
        return "\n".join(rows)


@register("horizon", "gradient memory horizon ||dy_T/dx_(T-k)|| vs k (torch autograd)", needs_torch=True)
def gradient_horizon(model, lags: int = 32, *, sequences: int = 16, inputs: str = "gaussian", scale: float = 1.0,
                     X=None, tol: float = 1e-3, seed=0, max_memory=None) -> GradientHorizon:
    """The gradient memory horizon of ``model`` (see the module docstring).

    Parameters
    ----------
    model
        Anything :func:`tnrnn.measures.drive.stepper` reads.
    lags : int
        ``K`` (the sequences are ``K`` steps long).
    sequences : int
        ``N`` sequences averaged over.
    inputs : {"gaussian", "uniform", "onehot"}
        Their distribution (:func:`draw_inputs`), with ``scale``.
    X : array (N, K, M), optional
        The sequences themselves (overrides ``sequences``, ``inputs``, ``lags``).
    tol : float
        Horizon tolerance relative to ``max g``.
    seed : int or None
    max_memory : int or str, optional

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN
    >>> gh = gradient_horizon(LinearRNN([[0.5]], [1.0], [2.0]), lags=4, sequences=2)
    >>> gh.mean.tolist()
    [2.0, 1.0, 0.5, 0.25]
    """
    from ..limits import check_memory
    from ..validation import check_positive_int

    torch = _torch("the gradient horizon")
    st = stepper(model)
    if X is None:
        K = check_positive_int(lags, "lags")
        N = check_positive_int(sequences, "sequences")
        # the drawn inputs and the autograd graph over them, before either is allocated
        check_memory("the autograd graph", 8.0 * N * K * (st.dim * 8 + st.inputs) * 2 + 8.0 * N * K * st.inputs,
                     max_memory, "use fewer --lags or --sequences")
        Xn = draw_inputs(N, K, st.inputs, inputs, scale=scale, rng=seed)
    else:
        Xn = np.asarray(X, dtype=np.float64)
        if Xn.ndim != 3 or Xn.shape[2] != st.inputs or not np.all(np.isfinite(Xn)):
            raise InvalidParameterError("X", Xn.shape, f"finite inputs (N, K, {st.inputs})")
        N, K = Xn.shape[:2]
    if isinstance(tol, bool) or not (isinstance(tol, (int, float)) and np.isfinite(tol) and 0 < tol < 1):
        raise InvalidParameterError("tol", tol, "a number in (0, 1)")
    check_memory("the autograd graph", 8.0 * N * K * (st.dim * 8 + st.inputs) * 2, max_memory,
                 "use fewer --lags or --sequences")
    from .drive import hidden_states
    from .quality import state_degeneracy

    with np.errstate(all="ignore"):
        S = hidden_states(st, Xn)  # (N, K, H): time steps as rows below
    degenerate = state_degeneracy(S.transpose(1, 0, 2).reshape(K, -1), "the state along the probe sequences")
    Xt = torch.tensor(Xn, dtype=torch.float64, requires_grad=True)
    y = st(Xt)  # (N, C)
    C = y.shape[1]
    grads = np.empty((C, N, K, st.inputs))
    for c in range(C):
        (g,) = torch.autograd.grad(y[:, c].sum(), Xt, retain_graph=c + 1 < C)
        grads[c] = g.detach().numpy()
    G = grads[:, :, ::-1, :].transpose(1, 2, 0, 3)  # (N, K, C, M): lag k = position T-1-k
    with np.errstate(all="ignore"):
        norms = np.sqrt(np.sum(G ** 2, axis=(2, 3)))
        top = float(np.max(norms.mean(axis=0))) if norms.size else 0.0
        y_rms = float(np.sqrt(np.mean(y.detach().numpy() ** 2)))
        x_rms = float(np.sqrt(np.mean(Xn ** 2)))
    if degenerate is None and np.isfinite(top) and 0 < top:
        if top < GRADIENT_FLOOR * max(1.0, y_rms):
            degenerate = (f"the gradients vanish: max mean |dy/dx| = {top:.3g} < {GRADIENT_FLOOR:g} x the output "
                          "scale (the output has lost the input)")
        elif top * x_rms <= np.finfo(float).eps * y_rms:
            degenerate = (f"the input moves the output by less than float64 rounding (max mean |dy/dx| = {top:.3g}, "
                          f"output rms {y_rms:.3g})")
    return GradientHorizon(np.arange(K), norms, G.mean(axis=0), float(tol), model_label(st), degenerate)
