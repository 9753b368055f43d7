r"""Lyapunov spectrum of a driven recurrent network: the QR method on the state Jacobians.

Definition (Oseledets' multiplicative ergodic theorem; the QR algorithm of
Benettin, Galgani, Giorgilli, Strelcyn, Meccanica 1980, and Eckmann, Ruelle,
Rev. Mod. Phys. 1985; for RNNs driven by their inputs: Engelken, Wolf,
Abbott, "Lyapunov spectra of chaotic recurrent neural networks", 2023;
Vogt et al., "On Lyapunov exponents for RNNs", 2022).  Along a trajectory
:math:`s_t = F(s_{t-1}, x_t)` of the full state (every layer's hidden state,
and the LSTM cell states; :mod:`tnrnn.measures.drive`), with Jacobians
:math:`J_t = \partial F / \partial s_{t-1}` (torch autograd), set
:math:`Q_0 = I` and for :math:`t = 1, \dots, T-1`

.. math::

    J_t Q_{t-1} = Q_t R_t \quad (\text{QR, } \operatorname{diag} R_t > 0), \qquad
    \lambda_i = \frac{1}{T - 1 - w} \sum_{t > w} \log (R_t)_{ii},

discarding the first :math:`w` steps (``washout``) so that :math:`Q` aligns
with the Oseledets directions.  Units: **nats per step** (natural logarithm,
one step of the recurrence).  The spectrum is averaged over ``sequences``
independent input sequences; the standard deviation over them is reported.
The sum of the exponents is the mean of :math:`\log|\det J_t|`; for a linear
RNN :math:`J_t = W` and :math:`\lambda_i = \log|\mu_i(W)|`, the moduli of the
eigenvalues (tested to 1e-6 for real eigenvalues of distinct moduli).  The
first step (from :math:`s_{-1} = 0`) is an initial condition, not a
Jacobian of the dynamics, and is never counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record
from .drive import model_label, stepper
from .horizon import _torch, draw_inputs
from .registry import register

__all__ = ["LyapunovSpectrum", "lyapunov_spectrum", "state_jacobians"]


@dataclass(frozen=True, eq=False)
class LyapunovSpectrum(Record):
    """Lyapunov exponents (nats per step), largest first.

    Attributes
    ----------
    per_sequence : ndarray (N, D)
        The spectrum of each input sequence.
    steps : int
        Steps accumulated per sequence.
    washout : int
    label : str
    """

    per_sequence: np.ndarray
    steps: int
    washout: int
    label: str = ""

    @property
    def exponents(self) -> np.ndarray:
        """Mean over sequences, shape (D,)."""
        return self.per_sequence.mean(axis=0)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over sequences."""
        return self.per_sequence.std(axis=0)

    @property
    def maximal(self) -> float:
        """The largest exponent."""
        return float(self.exponents[0])

    @property
    def reason(self) -> str | None:
        """Why there is no spectrum: non-finite states or Jacobians, or a state that forgets its past at once."""
        e = self.per_sequence
        if np.any(np.isnan(e)) or np.any(e == np.inf):
            return "the trajectory or its Jacobians are not finite (overflow)"
        if np.all(e[:, 0] == -np.inf):
            return "the state does not depend on its past (every Jacobian is 0: the exponents are -inf)"
        return None

    def to_dict(self) -> dict:
        """JSON-safe: non-finite exponents (``-inf`` of a singular direction) are ``None``; ``reason`` when n/a."""
        def clean(a):
            return [None if not np.isfinite(v) else float(v) for v in a]

        ok = self.reason is None
        with np.errstate(invalid="ignore"):
            total = float(self.exponents.sum())
        return {"kind": "lyapunov", "measure": "lyapunov", "model": self.label, "units": "nats per step",
                "exponents": clean(self.exponents), "spread": clean(self.spread),
                "maximal": self.maximal if ok and np.isfinite(self.maximal) else None,
                "sum": total if ok and np.isfinite(total) else None, "sequences": int(self.per_sequence.shape[0]),
                "steps": self.steps, "washout": self.washout, "reason": self.reason}

    def __str__(self) -> str:
        from ..records import format_value

        e, s = self.exponents, self.spread
        rows = [self.label] if self.label else []
        if self.reason is not None:
            rows.append(f"Lyapunov spectrum n/a: {self.reason}")
            return "\n".join(rows)
        rows.append(f"Lyapunov spectrum (nats per step; {self.per_sequence.shape[0]} sequences, "
                    f"{self.steps} steps after a washout of {self.washout})")
        shown = list(range(min(len(e), 8))) + ([len(e) - 1] if len(e) > 8 else [])
        rows += [f"  lambda_{i + 1:<3} {format_value(float(e[i]), ' .6f')} +- {format_value(float(s[i]), '.2e')}"
                 for i in shown]
        if len(e) > 9:
            rows.append(f"  (showing {len(shown)} of {len(e)} exponents: the 8 largest and the smallest; --json has all)")
        with np.errstate(invalid="ignore"):
            rows.append(f"  sum {format_value(float(e.sum()), ' .6f')}")
        return "\n".join(rows)


def state_jacobians(model, X) -> np.ndarray:
    """``J_t = dF(s_{t-1}, x_t)/ds_{t-1}`` along the trajectory of ``X`` (N, T, M): shape (N, T, D, D).

    ``J_0`` (the step from the zero initial state) is included for completeness.

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN
    >>> J = state_jacobians(LinearRNN([[0.5, 1.0], [0.0, 0.2]], [1.0, 1.0], [1.0, 0.0]), np.ones((1, 3, 1)))
    >>> J.shape, J[0, 2].tolist()
    ((1, 3, 2, 2), [[0.5, 1.0], [0.0, 0.2]])
    """
    torch = _torch("state Jacobians")
    st = stepper(model)
    return _jacobians(st, X, torch)


def _jacobian(st, s, x, t, torch):
    """``J_t`` for a batch of states, ``(N, D, D)``: ``torch.func.jacfwd`` of one step, vectorized by ``vmap``."""
    from torch.func import jacfwd, vmap

    def step(si, xi):
        return st.step(si[None], xi[None], t)[0]

    with torch.no_grad():
        return vmap(jacfwd(step, argnums=0))(s, x)


def _jacobians(st, X, torch):
    Xn = np.asarray(X, dtype=np.float64)
    if Xn.ndim != 3 or Xn.shape[2] != st.inputs:
        raise InvalidParameterError("X", Xn.shape, f"inputs (N, T, {st.inputs})")
    Xt = torch.tensor(Xn, dtype=torch.float64)
    N, T = Xn.shape[:2]
    out = np.empty((N, T, st.dim, st.dim))
    s = torch.zeros((N, st.dim), dtype=torch.float64)
    for t in range(T):
        out[:, t] = _jacobian(st, s, Xt[:, t], t, torch).numpy()
        with torch.no_grad():
            s = st.step(s, Xt[:, t], t)
    return out


@register("lyapunov", "Lyapunov spectrum of the driven state map (QR method, nats per step)", needs_torch=True)
def lyapunov_spectrum(model, steps: int = 500, *, washout: int = 100, sequences: int = 4, inputs: str = "gaussian",
                      scale: float = 1.0, X=None, exponents: int | None = None, seed=0,
                      max_memory=None) -> LyapunovSpectrum:
    """The Lyapunov spectrum of ``model`` driven by random inputs (see the module docstring).

    Parameters
    ----------
    model
        Anything :func:`tnrnn.measures.drive.stepper` reads.
    steps : int
        Steps accumulated after the washout.
    washout : int
        Steps whose ``R`` are discarded while ``Q`` aligns.
    sequences : int
        Independent input sequences (their spectra are averaged).
    inputs, scale
        The input distribution (:func:`~tnrnn.measures.horizon.draw_inputs`).
    X : array (N, T, M), optional
        The input sequences themselves (then ``steps = T - 1 - washout``).
    exponents : int, optional
        Only the ``p`` largest (``Q`` of shape ``D x p``); default all ``D``.
    seed : int or None
    max_memory : int or str, optional

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN
    >>> W = np.diag([0.9, -0.5, 0.1])
    >>> spec = lyapunov_spectrum(LinearRNN(W, np.ones(3), np.ones(3)), steps=20, washout=0, sequences=1)
    >>> np.allclose(spec.exponents, np.log([0.9, 0.5, 0.1]))
    True
    """
    from ..limits import check_memory
    from ..validation import check_positive_int

    torch = _torch("the Lyapunov spectrum")

    st = stepper(model)
    D = st.dim
    p = D if exponents is None else check_positive_int(exponents, "exponents")
    if p > D:
        raise InvalidParameterError("exponents", exponents, f"an integer <= the state size {D}")
    if isinstance(washout, bool) or not isinstance(washout, (int, np.integer)) or washout < 0:
        raise InvalidParameterError("washout", washout, "an integer >= 0")
    if X is None:
        n_steps = check_positive_int(steps, "steps")
        N = check_positive_int(sequences, "sequences")
        T_all = 1 + washout + n_steps
        # the drawn inputs (numpy and torch copies) and the Jacobians, before either is allocated
        check_memory(f"{N} driving sequences of {T_all} steps and their Jacobians",
                     16.0 * N * T_all * st.inputs + 8.0 * N * D * D * 4, max_memory,
                     "use fewer --steps, a shorter --washout or fewer --sequences")
        Xn = draw_inputs(N, T_all, st.inputs, inputs, scale=scale, rng=seed)
    else:
        Xn = np.asarray(X, dtype=np.float64)
        if Xn.ndim != 3 or Xn.shape[2] != st.inputs or Xn.shape[1] < washout + 2 or not np.all(np.isfinite(Xn)):
            raise InvalidParameterError("X", Xn.shape, f"finite inputs (N, T, {st.inputs}) with T >= washout + 2")
        N = Xn.shape[0]
        n_steps = Xn.shape[1] - 1 - washout
    check_memory("the Jacobians", 8.0 * N * D * D * 4, max_memory, "use a smaller model or fewer --sequences")
    Xt = torch.tensor(Xn, dtype=torch.float64)
    T = Xn.shape[1]
    with torch.no_grad():
        s = st.step(torch.zeros((N, D), dtype=torch.float64), Xt[:, 0], 0)
    Q = np.broadcast_to(np.eye(D, p), (N, D, p)).copy()
    acc = np.zeros((N, p))
    for t in range(1, T):
        J = _jacobian(st, s, Xt[:, t], t, torch).numpy()
        with torch.no_grad():
            s = st.step(s, Xt[:, t], t)
        if not (np.all(np.isfinite(J)) and bool(torch.isfinite(s).all())):
            acc[:] = np.nan  # reported as n/a with the reason (LyapunovSpectrum.reason)
            break
        Q, R = np.linalg.qr(J @ Q)  # numpy's LAPACK: torch's batched QR is slow on tiny matrices
        d = np.diagonal(R, axis1=-2, axis2=-1)
        Q = Q * np.where(d < 0, -1.0, 1.0)[:, None, :]
        if t > washout:
            with np.errstate(divide="ignore"):
                acc += np.log(np.abs(d))
    spec = acc / n_steps
    spec = -np.sort(-spec, axis=1)
    return LyapunovSpectrum(spec, int(n_steps), int(washout), model_label(st))
