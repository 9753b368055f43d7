r"""Memory functions of any model: the step-response estimator, decay classification, memory horizon.

For a linear RNN the memory function is the kernel :math:`\rho` in closed form
(:mod:`tnrnn.memory.linear`).  For any other sequence model ``f`` (a torch
module, an imported :class:`tnrnn.bridge.Imported`, a :class:`tnrnn.RAC`, a
:class:`tnrnn.memory.LinearRNN`, any callable on ``(N, T, M)`` arrays) it is
estimated as the follow-up work of the same group does (Wang, Li, et al.,
"Inverse approximation theory for nonlinear recurrent neural networks", 2024):
the time derivative of the response to a step input.  With a direction
:math:`u` (unit vector) and amplitude :math:`a`, let :math:`S_u(t)` be the output
at time :math:`t` after the input :math:`a u` has been on for time :math:`t`
(zero input before, so :math:`S_u(0)` is the response to silence); then

.. math:: \rho_u(t) = \frac{1}{a} \frac{d}{dt} S_u(t).

For a linear model :math:`\rho_u(t) = \rho(t) u` exactly.  The estimate is
averaged over random directions, with the spread reported.

Reference state (``reference=``): where the step starts.  ``"steady"``
(tnrnn's default): after the same silent pre-roll of ``P`` steps for every lag
(default ``P`` = the number of step lengths), i.e. from the state silence
settles to, so :math:`S_u(0)` is the response to silence and
:math:`\rho_u` measures the effect of the input alone; the record says how far
the pre-roll is from settled (``steady_drift``).  ``"zero"``: from the
model's initial state ``h = 0``, as the Curse-of-memory reference code (Li et
al.) does; :math:`S_u(0)` is then the output after one silent step from
``h = 0``.  The two agree for linear models without biases; for a tanh RNN
with biases they differ by the transient of ``h = 0`` towards its silent state
(sign flips at lag 0 are possible).  When the model gives per-step outputs
(``(N, T, C)``, causal models) all step responses come from one batched call
(one row per direction, all lags read off it); otherwise one call per step
length, each with the full pre-roll.

* discrete time: :math:`\rho_u(k) = (S_u(k+1) - S_u(k)) / a` (exact for linear models);
* continuous time (a model sampled every ``dt``, e.g. a continuous
  :class:`~tnrnn.memory.LinearRNN`, which steps exactly): the fourth-order
  five-point difference of :math:`S_u` (central inside, one-sided at ``t = 0,
  dt``), error :math:`O(dt^4)`.

The memory function reported is the mean over directions of
:math:`|\rho_u(t)|` (tnrnn's summary; the sup over directions would be
:math:`\|\rho(t)\|`), with the standard deviation over directions as spread.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..measures.registry import register
from ..records import Record
from .linear import check_time

__all__ = ["MemoryFunction", "memory_function", "DecayFit", "classify_decay", "memory_horizon", "DECAY_KINDS"]

#: What :func:`classify_decay` can say about a memory function.
DECAY_KINDS = ("exponential", "power", "finite", "undetermined")


def _torch_module(model) -> bool:
    import sys

    torch = sys.modules.get("torch")
    return torch is not None and isinstance(model, torch.nn.Module)


def _as_callable(model):
    """A function from float64 numpy (N, T, M) to numpy outputs (N, C), and the model's input width."""
    if _torch_module(model):
        import torch

        if isinstance(model, (torch.nn.RNN, torch.nn.GRU, torch.nn.LSTM)):
            from ..bridge import from_module

            return _as_callable(from_module(model))
        params = list(model.parameters())
        dtype = params[0].dtype if params else torch.float64
        device = params[0].device if params else torch.device("cpu")
        inputs = getattr(model, "inputs", None) or getattr(model, "input_size", None)

        def f(X):
            with torch.no_grad():
                out = model(torch.as_tensor(X, dtype=dtype, device=device))
            if isinstance(out, (tuple, list)):
                out = out[0]
            return out.detach().to("cpu", torch.float64).numpy()

        return f, inputs
    if not callable(model):
        raise InvalidParameterError("model", type(model).__name__, "a callable on (N, T, M) arrays or a torch module")
    inputs = getattr(model, "inputs", None)
    return (lambda X: np.asarray(model(X), dtype=np.float64)), inputs


#: Reference states of :func:`memory_function`: where the step starts.
REFERENCES = ("steady", "zero")


def _outputs(f, X: np.ndarray):
    """``(outputs, per_step)``: the model's outputs on ``X`` (N, T, M), per step (N, T, C) when it gives them."""
    n, T = X.shape[:2]
    out = np.asarray(f(X), dtype=np.float64)
    if out.ndim == 3 and out.shape[:2] == (n, T):
        return out, True
    return _last(out, n, T), False


def _step_responses(f, steps: np.ndarray, J: int, P: int, reference: str):
    """``S`` (D, J + 1, C) with ``S[:, j]`` the output after ``j`` steps of input ``steps[d]``, and the drift.

    ``"steady"``: every row starts after the same ``P`` silent steps (``S[:, 0]`` is the
    output after them); ``drift`` is ``max |y(P) - y(P // 2)|`` of the silent output
    (0 for a state that has settled).  ``"zero"``: the step starts at the model's
    initial state; ``S[:, 0]`` is the output after one silent step from it (the readout
    needs a step), ``drift`` is ``None``.  One batched call when the model gives
    per-step outputs (causal models), else one call per step length.
    """
    D, M = steps.shape
    if reference == "steady":
        X = np.zeros((D + 1, P + J, M))
        X[:D, P:] = steps[:, None, :]
        out, per_step = _outputs(f, X)
        if per_step:
            S = out[:D, P - 1:]
            drift = float(np.max(np.abs(out[D, P - 1] - out[D, P // 2 - 1]))) if P >= 2 else None
            return S, drift
        S = np.empty((D, J + 1, out.shape[1]))
        S[:, J] = out[:D]
        for j in range(J):
            Xj = np.zeros((D, P + j, M))
            Xj[:, P:] = steps[:, None, :]
            S[:, j] = _outputs(f, Xj)[0]
        drift = None
        if P >= 2:
            half = _outputs(f, np.zeros((1, P // 2, M)))[0]
            drift = float(np.max(np.abs(S[0, 0] - half[0]))) if D else None
        return S, drift
    X = np.concatenate([np.broadcast_to(steps[:, None, :], (D, J, M)), np.zeros((1, J, M))])
    out, per_step = _outputs(f, X)
    if per_step:
        S = np.concatenate([np.broadcast_to(out[D, 0], (D, 1, out.shape[2])), out[:D]], axis=1)
        return S, None
    S = np.empty((D, J + 1, out.shape[1]))
    S[:, J] = out[:D]
    S[:, 0] = _outputs(f, np.zeros((1, 1, M)))[0][0]
    for j in range(1, J):
        S[:, j] = _outputs(f, np.broadcast_to(steps[:, None, :], (D, j, M)).copy())[0]
    return S, None


def _last(out: np.ndarray, n: int, T: int) -> np.ndarray:
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 3 and out.shape[:2] == (n, T):
        out = out[:, -1]
    if out.ndim == 1 and out.shape[0] == n:
        out = out[:, None]
    if out.ndim != 2 or out.shape[0] != n:
        raise InvalidParameterError("model", f"outputs of shape {out.shape}", f"({n}, C) or ({n}, {T}, C) outputs")
    return out


@dataclass(frozen=True, eq=False)
class MemoryFunction(Record):
    """An estimated memory function.

    Attributes
    ----------
    times : ndarray, shape (K,)
        Lags (discrete) or times ``k * dt`` (continuous).
    responses : ndarray, shape (D, K, C)
        Signed ``rho_u(t)`` per direction ``u``.
    directions : ndarray, shape (D, M)
        The unit input directions.
    time : str
    dt : float
    amplitude : float
    reference : str
        Where each step starts: ``"steady"`` (after :attr:`preroll` silent
        steps) or ``"zero"`` (the model's initial state).
    preroll : int
        Silent steps before every step (``"steady"``; 0 for ``"zero"``).
    steady_drift : float or None
        ``max |y(P) - y(P/2)|`` of the silent output (``"steady"``): how far the
        pre-roll is from a steady state (0 when settled); ``None`` otherwise.
    """

    times: np.ndarray
    responses: np.ndarray
    directions: np.ndarray
    time: str
    dt: float
    amplitude: float
    reference: str = "steady"
    preroll: int = 0
    steady_drift: float | None = None

    @property
    def mean(self) -> np.ndarray:
        """Mean over directions of ``|rho_u(t)|``, shape (K, C)."""
        return np.abs(self.responses).mean(axis=0)

    @property
    def spread(self) -> np.ndarray:
        """Standard deviation over directions of ``|rho_u(t)|``, shape (K, C)."""
        return np.abs(self.responses).std(axis=0)

    def decay(self, channel: int = 0, **kwargs) -> DecayFit:
        """:func:`classify_decay` of :attr:`mean` for ``channel``."""
        return classify_decay(self.times, self.mean[:, channel], **kwargs)

    def horizon(self, tol: float = 1e-3, channel: int = 0) -> float | None:
        """:func:`memory_horizon` of :attr:`mean` for ``channel``."""
        return memory_horizon(self.times, self.mean[:, channel], tol)

    def to_dict(self, tol: float = 1e-3) -> dict:
        """JSON-safe: times, mean, spread (channel-major lists), decay fit and horizon of channel 0."""
        return {"kind": "memory-function", "time": self.time, "dt": self.dt, "amplitude": self.amplitude,
                "reference": self.reference, "preroll": self.preroll, "steady_drift": self.steady_drift,
                "directions": int(self.directions.shape[0]), "times": self.times.tolist(),
                "mean": self.mean.T.tolist(), "spread": self.spread.T.tolist(),
                "decay": self.decay().to_dict(), "horizon": self.horizon(tol), "horizon_tol": tol}

    def __str__(self) -> str:
        m, s = self.mean[:, 0], self.spread[:, 0]
        K = len(self.times)
        pick = sorted({0, 1, 2, K // 4, K // 2, K - 1} & set(range(K)))
        ref = (f"from the steady state after {self.preroll} silent steps" if self.reference == "steady"
               else "from the zero state")
        rows = [f"memory function ({self.time} time, {self.directions.shape[0]} directions, "
                f"amplitude {self.amplitude:g}, {ref})", f"{'t':>10}  {'|rho|':>12}  {'spread':>10}"]
        rows += [f"{self.times[k]:>10.4g}  {m[k]:>12.5e}  {s[k]:>10.3e}" for k in pick]
        rows.append(str(self.decay()))
        h = self.horizon()
        rows.append(f"horizon (1e-3 of max): {'beyond ' + format(self.times[-1], 'g') if h is None else format(h, 'g')}")
        return "\n".join(rows)


@register("function", "memory function: derivative of the step response, averaged over input directions")
def memory_function(model, lags: int = 64, *, time: str = "discrete", dt: float = 1.0, directions=8,
                    amplitude: float = 1.0, inputs: int | None = None, seed=None,
                    reference: str = "steady", preroll: int | None = None, max_memory=None) -> MemoryFunction:
    """Estimate the memory function of ``model`` from its step responses (see the module docstring).

    Parameters
    ----------
    model : callable or torch module
        Maps inputs ``(N, T, M)`` to outputs ``(N, C)`` (last step) or ``(N, T, C)``;
        tuples (torch's RNNs) are read through their first element; ``nn.RNN``,
        ``nn.GRU``, ``nn.LSTM`` are imported with :func:`tnrnn.bridge.from_module`.
    lags : int
        Number of samples ``K`` of the memory function.
    time : {"discrete", "continuous"}
    dt : float
        Sampling step of the model (continuous time; must be 1 in discrete time).
    directions : int or array (D, M)
        How many random unit directions (seeded), or the directions themselves
        (normalised to unit length).
    amplitude : float
        Size of the step (matters for nonlinear models only).
    inputs : int, optional
        ``M``, when the model does not say (``model.inputs``/``input_size``).
    seed : int, optional
        Seed of the random directions.
    reference : {"steady", "zero"}
        Where the step starts (the module docstring): ``"steady"`` (default,
        tnrnn's) after ``preroll`` silent steps, the same for every lag;
        ``"zero"`` from the model's initial state ``h = 0``, as the
        Curse-of-memory reference code does.  They agree for linear models
        without biases and differ for models whose silent state is not 0.
    preroll : int, optional
        Silent steps before every step with ``"steady"`` (default: the number
        of step lengths, ``lags`` in discrete time); :attr:`MemoryFunction.steady_drift`
        says whether it sufficed.
    max_memory : int or str, optional
        Refuse batches above this estimate (default 4 GiB).

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN
    >>> rnn = LinearRNN([[0.5]], [1.0], [2.0])
    >>> mf = memory_function(rnn, lags=4, directions=[[1.0]])
    >>> mf.responses[0, :, 0].tolist()
    [2.0, 1.0, 0.5, 0.25]
    """
    from ..limits import check_memory
    from ..validation import check_positive_int

    K = check_positive_int(lags, "lags")
    check_time(time)
    if not (isinstance(dt, (int, float)) and np.isfinite(dt) and dt > 0):
        raise InvalidParameterError("dt", dt, "a number > 0")
    if time == "discrete" and dt != 1:
        raise InvalidParameterError("dt", dt, "1 in discrete time")
    if not (isinstance(amplitude, (int, float)) and np.isfinite(amplitude) and amplitude != 0):
        raise InvalidParameterError("amplitude", amplitude, "a nonzero number")
    f, M = _as_callable(model)
    if inputs is not None:
        M = check_positive_int(inputs, "inputs")
    if isinstance(directions, (int, np.integer)) and not isinstance(directions, bool):
        if M is None:
            raise InvalidParameterError("inputs", None, "the model's input dimension (the model does not say)")
        D = check_positive_int(int(directions), "directions")
        # the directions and, at the least, one step response per direction and lag
        check_memory("the step-response batch", 8.0 * (D + 1) * (K + 1) * int(M) * 3 * 2, max_memory,
                     "use fewer --lags or --directions")
        u = np.random.default_rng(seed).standard_normal((D, int(M)))
    else:
        u = np.asarray(directions, dtype=np.float64)
        if u.ndim != 2 or u.shape[0] < 1 or (M is not None and u.shape[1] != M):
            raise InvalidParameterError("directions", u.shape, f"a count or an array (D, {M or 'M'})")
    norms = np.linalg.norm(u, axis=1)
    if np.any(norms == 0) or not np.all(np.isfinite(norms)):
        raise InvalidParameterError("directions", "a zero or non-finite direction", "nonzero finite vectors")
    u = u / norms[:, None]
    D, M = u.shape
    J = K if time == "discrete" else max(K + 1, 5)  # step lengths 0..J
    P = J if preroll is None else check_positive_int(preroll, "preroll")
    if reference not in REFERENCES:
        raise InvalidParameterError("reference", reference, "one of " + ", ".join(REFERENCES))
    T = P + J if reference == "steady" else J
    check_memory("the step-response batch", 8.0 * (D + 1) * T * M * 3 * 2, max_memory,
                 "use fewer --lags or --directions (or a shorter --preroll)")
    S, drift = _step_responses(f, u * amplitude, J, P, reference)
    S = S / amplitude
    if time == "discrete":
        rho = S[:, 1:K + 1] - S[:, :K]
        times = np.arange(K, dtype=np.float64)
    else:
        rho = np.empty((D, K, S.shape[2]))
        for k in range(K):
            if k >= 2 and k + 2 <= J:
                rho[:, k] = (S[:, k - 2] - 8 * S[:, k - 1] + 8 * S[:, k + 1] - S[:, k + 2]) / 12
            else:  # one-sided: S is not smooth across t = 0
                rho[:, k] = (-25 * S[:, k] + 48 * S[:, k + 1] - 36 * S[:, k + 2] + 16 * S[:, k + 3]
                             - 3 * S[:, k + 4]) / 12
        rho /= dt
        times = dt * np.arange(K, dtype=np.float64)
    return MemoryFunction(times, rho, u, time, float(dt), float(amplitude), reference,
                          P if reference == "steady" else 0, drift)


# -- decay ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecayFit(Record):
    """Least-squares fits of the log envelope of ``|rho|`` on the tail: exponential vs power law.

    The envelope is ``max_{s >= t} |rho(s)|`` (so that oscillating memories are
    fitted by their decay, not their zeros); ``log env = a - rate * t`` (exponential, ``|rho| ~ e^{-rate t}``) and
    ``log|rho| = b - exponent * log t`` (power law, ``|rho| ~ t^{-exponent}``),
    each with its coefficient of determination ``R^2`` in log space; ``kind``
    is the better fit, ``"finite"`` when the tail is below ``floor * max``
    (memory of bounded support), ``"undetermined"`` with fewer than 3 points.
    """

    kind: str
    rate: float | None
    exponent: float | None
    r2_exponential: float | None
    r2_power: float | None
    fit_range: tuple | None

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"kind": self.kind, "rate": self.rate, "exponent": self.exponent,
                "r2_exponential": self.r2_exponential, "r2_power": self.r2_power,
                "fit_range": None if self.fit_range is None else list(self.fit_range)}

    def __str__(self) -> str:
        if self.kind in ("finite", "undetermined"):
            return f"decay: {self.kind}"
        return (f"decay: {self.kind} (exponential rate {self.rate:.4g}, R^2 {self.r2_exponential:.6f}; "
                f"power exponent {self.exponent:.4g}, R^2 {self.r2_power:.6f}; "
                f"fit on t in [{self.fit_range[0]:g}, {self.fit_range[1]:g}])")


def _r2(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    slope, icpt = np.polyfit(x, y, 1)
    resid = y - (slope * x + icpt)
    ss = np.sum((y - y.mean()) ** 2)
    return float(slope), float(1.0 - np.sum(resid ** 2) / ss) if ss > 0 else 1.0


def classify_decay(times, values, *, tail: float = 0.5, floor: float = 1e-12) -> DecayFit:
    """Classify the decay of a memory function ``|rho(t)|`` sampled at ``times``.

    The fits use the points with ``t > 0`` and ``|rho| > floor * max|rho|`` in
    the last ``tail`` fraction of the sampled time range.

    Examples
    --------
    >>> t = np.linspace(0, 40, 200)
    >>> classify_decay(t, np.exp(-0.3 * t)).kind, round(classify_decay(t, np.exp(-0.3 * t)).rate, 6)
    ('exponential', 0.3)
    >>> fit = classify_decay(t, (1 + t) ** -1.5)
    >>> fit.kind, fit.r2_power > fit.r2_exponential
    ('power', True)
    """
    t = np.asarray(times, dtype=np.float64).ravel()
    v = np.abs(np.asarray(values, dtype=np.float64).ravel())
    if t.shape != v.shape or t.size == 0:
        raise InvalidParameterError("values", v.shape, f"an array of the shape of times {t.shape}")
    if not (np.all(np.isfinite(v)) and np.all(np.isfinite(t))):
        raise InvalidParameterError("values", "non-finite values", "finite numbers")
    if not 0 < tail <= 1:
        raise InvalidParameterError("tail", tail, "a fraction in (0, 1]")
    vmax = float(v.max()) if v.size else 0.0
    if vmax == 0:
        return DecayFit("finite", None, None, None, None, None)
    start = t.max() - tail * (t.max() - t.min())
    window = t >= start
    keep = window & (t > 0) & (v > floor * vmax)
    if not np.any(window & (v > floor * vmax)):
        return DecayFit("finite", None, None, None, None, None)
    if keep.sum() < 3:
        return DecayFit("undetermined", None, None, None, None, None)
    env = np.maximum.accumulate(v[::-1])[::-1]  # upper envelope max_{s >= t} |rho(s)|: ignores oscillation
    x, y = t[keep], np.log(env[keep])
    slope_e, r2_e = _r2(x, y)
    slope_p, r2_p = _r2(np.log(x), y)
    kind = "exponential" if r2_e >= r2_p else "power"
    return DecayFit(kind, -slope_e, -slope_p, r2_e, r2_p, (float(x.min()), float(x.max())))


def memory_horizon(times, values, tol: float = 1e-3) -> float | None:
    """The first time after which ``|rho| <= tol * max|rho|`` for every later sample, or ``None``.

    ``None`` means the memory reaches past the sampled range.

    Examples
    --------
    >>> t = np.arange(10.0)
    >>> memory_horizon(t, 0.1 ** t, tol=2e-3), memory_horizon(t, 0.9 ** t, tol=2e-3)
    (3.0, None)
    """
    t = np.asarray(times, dtype=np.float64).ravel()
    v = np.abs(np.asarray(values, dtype=np.float64).ravel())
    if not (np.isfinite(tol) and tol > 0):
        raise InvalidParameterError("tol", tol, "a number > 0")
    if t.shape != v.shape or t.size == 0:
        raise InvalidParameterError("values", v.shape, f"an array of the shape of times {t.shape}")
    big = np.nonzero(v > tol * v.max())[0] if v.max() > 0 else np.array([], dtype=int)
    if big.size == 0:
        return float(t[0])
    last = int(big[-1])
    return None if last == t.size - 1 else float(t[last + 1])
