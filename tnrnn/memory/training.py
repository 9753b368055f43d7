r"""Training linear RNNs on a target memory (needs torch: ``pip install 'tnrnn[torch]'``).

The model is :class:`tnrnn.memory.nn.LinearRNNModule` in its Euler
parametrisation ``W = I + dt A``, ``U = dt B`` (the continuous-time linear RNN
of Li, Han, E, Li, 2021, stepped at ``dt``), initialised (seeded) at
``A = -I + 0.5 G / sqrt(m)``, ``B ~ N(0, 1)``, ``c ~ N(0, 1/m) * init_scale``
(``G`` standard normal), so that its initial memory decays like ``e^{-t}``.

Losses (tnrnn's normalisation: 1 is the loss of the zero model)::

    kernel   sum_k (h_k - h_hat_k)^2 / sum_k h_k^2
             the expected squared output error under unit white-noise inputs
             (over the N lags of the horizon), relative to that of predicting 0
    data     mean_t (y_t - y_hat_t)^2 / mean_t y_t^2 on a fresh batch of generated
             sequences each step (white noise or Brownian inputs, seeded)

Training *to convergence* (``patience=...``, the plateau/decay rule of
:func:`fit_linear_rnn`): when the best loss has not improved by a relative
``min_delta`` over ``patience`` steps, the learning rate is multiplied by
``decay``; after ``max_decays`` such cuts (or once the loss is below
``1e-24``, float64 rounding of a relative squared error) training stops and the
fit is marked converged; a fit that runs out of ``steps`` first is not.

The *plateau length* of a loss curve is the first step at which the loss is at
most ``threshold`` (default 0.5), i.e. the model has learned half of the
target's energy; ``None`` if it never does within the budget (tnrnn's
definition, made to read the plateaus of the paper's Figure 3 off a curve).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, MissingDependencyError
from ..records import Record
from .linear import LinearRNN

__all__ = ["Fit", "fit_linear_rnn", "plateau_length", "OPTIMIZERS", "LOSSES", "INITS", "require_torch"]

#: Optimizers of :func:`fit_linear_rnn`.
OPTIMIZERS = ("adam", "gd")

#: Initialisations of :func:`fit_linear_rnn`.
INITS = ("decay", "timescales")

#: Losses of :func:`fit_linear_rnn`.
LOSSES = ("kernel", "data")


def require_torch(feature: str) -> None:
    """Raise :class:`~tnrnn.errors.MissingDependencyError` (extra ``torch``) if torch is not installed."""
    if importlib.util.find_spec("torch") is None:
        raise MissingDependencyError("torch", feature, extra="torch")


@dataclass(frozen=True, eq=False)
class Fit(Record):
    """A trained linear RNN and its loss curve.

    Attributes
    ----------
    model : LinearRNN
        The weights with the lowest loss seen (discrete time).
    losses : tuple of float
        The loss before each step (``steps + 1`` values, or fewer if training diverged).
    optimizer, lr, seed, loss : as given
    diverged : bool
        Whether the loss became non-finite (training stopped there).
    converged : bool
        Whether the plateau/decay rule stopped training (``patience`` given)
        before the step budget ran out.
    """

    model: LinearRNN
    losses: tuple
    optimizer: str
    lr: float
    seed: int | None
    loss: str
    diverged: bool
    converged: bool = False

    @property
    def final_loss(self) -> float:
        """The lowest loss reached."""
        return float(np.nanmin(self.losses))

    def plateau(self, threshold: float = 0.5) -> int | None:
        """:func:`plateau_length` of :attr:`losses`."""
        return plateau_length(self.losses, threshold)

    def to_dict(self) -> dict:
        """JSON-safe (no loss curve; see :attr:`losses`)."""
        return {"width": self.model.width, "optimizer": self.optimizer, "lr": self.lr, "seed": self.seed,
                "loss": self.loss, "steps": len(self.losses) - 1, "final_loss": self.final_loss,
                "diverged": self.diverged, "converged": self.converged}

    def __str__(self) -> str:
        return (f"width {self.model.width}, {self.optimizer} lr {self.lr:g}, {len(self.losses) - 1} steps: "
                f"loss {self.losses[0]:.3e} -> {self.final_loss:.3e}" + (" (diverged)" if self.diverged else ""))


def plateau_length(losses, threshold: float = 0.5) -> int | None:
    """The first step with ``loss <= threshold``, or ``None``.

    Examples
    --------
    >>> plateau_length([1.2, 1.0, 1.0, 0.99, 0.4, 0.1]), plateau_length([1.0, 0.9])
    (4, None)
    """
    if not (isinstance(threshold, (int, float)) and threshold > 0):
        raise InvalidParameterError("threshold", threshold, "a number > 0")
    hit = np.nonzero(np.asarray(losses, dtype=np.float64) <= threshold)[0]
    return int(hit[0]) if hit.size else None


def fit_linear_rnn(kernel, width: int, *, steps: int = 1000, lr: float = 1e-2, optimizer: str = "adam",
                   dt: float = 1.0, loss: str = "kernel", batch: int = 32, inputs: str = "white",
                   init_scale: float = 1.0, seed=0, callback=None, patience: int | None = None,
                   min_delta: float = 1e-4, decay: float = 0.3, max_decays: int = 3, init: str = "decay") -> Fit:
    """Train a width-``width`` linear RNN to reproduce a sampled kernel ``h_k = dt * rho(k dt)``.

    Parameters
    ----------
    kernel : array (N,)
        The target's samples (:func:`tnrnn.memory.targets.sample_kernel`).
    width : int
    steps : int
        Optimizer steps.
    lr : float
    optimizer : {"adam", "gd"}
        ``torch.optim.Adam`` or plain gradient descent (``torch.optim.SGD`` without momentum).
    dt : float
        Step of the Euler parametrisation (the kernel's sampling step).
    loss : {"kernel", "data"}
        See the module docstring.
    batch : int
        Sequences per step with ``loss="data"`` (length ``N``).
    inputs : {"white", "brownian", "brownian-dt"}
        Input process with ``loss="data"`` (:func:`tnrnn.memory.targets.generate_data`).
    init_scale : float
        Scale of the initial readout ``c``.
    init : {"decay", "timescales"}
        ``"decay"`` (default): ``A = -I + 0.5 G / sqrt(m)`` (the module docstring;
        memory decays like ``e^{-t}``); ``"timescales"``: ``A = -diag(r)`` with
        rates ``r`` log-spaced from ``1 / (N dt)`` to 1 (time constants from 1
        to the horizon, as in diagonal state-space initialisations), so long
        memories are reachable from the start.
    seed : int, optional
        Seeds the initialisation and the data.
    callback : callable, optional
        Called as ``callback(step, loss)`` after each step (progress bars).
    patience, min_delta, decay, max_decays
        The plateau/decay rule (module docstring); ``patience=None`` (default)
        trains for exactly ``steps`` steps.

    Examples
    --------
    >>> from tnrnn.memory.targets import sample_kernel
    >>> h = sample_kernel("exp", horizon=8.0, dt=0.5)
    >>> fit = fit_linear_rnn(h, 1, steps=300, lr=0.05, dt=0.5, seed=0)
    >>> fit.losses[0] > 0.1 > fit.final_loss
    True
    """
    require_torch("training a linear RNN")
    import torch

    from ..validation import check_positive_int
    from .hankel import _kernel
    from .nn import LinearRNNModule

    h = _kernel(kernel)
    m = check_positive_int(width, "width")
    n_steps = check_positive_int(steps, "steps", minimum=0)
    if optimizer not in OPTIMIZERS:
        raise InvalidParameterError("optimizer", optimizer, "'adam' or 'gd'")
    if loss not in LOSSES:
        raise InvalidParameterError("loss", loss, "'kernel' or 'data'")
    if not (isinstance(lr, (int, float)) and np.isfinite(lr) and lr > 0):
        raise InvalidParameterError("lr", lr, "a number > 0")
    from .targets import INPUT_KINDS

    if inputs not in INPUT_KINDS:
        raise InvalidParameterError("inputs", inputs, "one of " + ", ".join(INPUT_KINDS))
    if init not in INITS:
        raise InvalidParameterError("init", init, "one of " + ", ".join(INITS))
    if patience is not None:
        patience = check_positive_int(patience, "patience")
        if not (0 < decay < 1):
            raise InvalidParameterError("decay", decay, "a factor in (0, 1)")
        if not (min_delta >= 0):
            raise InvalidParameterError("min_delta", min_delta, "a number >= 0")
        max_decays = check_positive_int(max_decays, "max_decays", minimum=0)
    energy = float(np.sum(h * h))
    if energy == 0:
        raise InvalidParameterError("kernel", "all zeros", "a nonzero kernel")
    N = h.size
    gen = torch.Generator().manual_seed(0 if seed is None else int(seed))
    module = LinearRNNModule(m, dt=dt)
    with torch.no_grad():
        G = torch.randn(m, m, generator=gen, dtype=torch.float64)
        if init == "decay":
            module.A.copy_(-torch.eye(m, dtype=torch.float64) + 0.5 * G / np.sqrt(m))
        else:
            rates = np.geomspace(1.0 / (N * dt), 1.0, m) if m > 1 else np.array([1.0 / np.sqrt(N * dt)])
            module.A.copy_(-torch.diag(torch.as_tensor(rates)))
        module.B.copy_(torch.randn(m, 1, generator=gen, dtype=torch.float64))
        module.c.copy_(init_scale * torch.randn(1, m, generator=gen, dtype=torch.float64) / np.sqrt(m))
    opt = (torch.optim.Adam if optimizer == "adam" else torch.optim.SGD)(module.parameters(), lr=lr)
    target = torch.as_tensor(h)
    rng = np.random.default_rng(seed)

    def objective():
        if loss == "kernel":
            return torch.sum((module.kernel(N)[:, 0, 0] - target) ** 2) / energy
        from scipy.signal import fftconvolve

        from .targets import input_process

        x = input_process(inputs, rng, (batch, N), dt)
        y = torch.as_tensor(fftconvolve(x, h[None, :], axes=1)[:, :N])
        y_hat = module(torch.as_tensor(x)[:, :, None])[:, :, 0]
        return torch.mean((y - y_hat) ** 2) / torch.mean(y * y)

    losses, best, best_loss, diverged, converged = [], None, np.inf, False, False
    mark_loss, mark_step, cuts = np.inf, 0, 0
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small matrices: one thread is fastest and leaves the other cores alone
    try:
        for step in range(n_steps + 1):
            opt.zero_grad()
            value = objective()
            v = float(value.detach())
            if not np.isfinite(v):
                diverged = True
                break
            losses.append(v)
            if v < best_loss:
                best_loss, best = v, [p.detach().clone() for p in module.parameters()]
            if patience is not None:
                if best_loss < mark_loss * (1 - min_delta):
                    mark_loss, mark_step = best_loss, step
                elif step - mark_step >= patience:
                    if cuts >= max_decays:
                        converged = True
                        break
                    cuts += 1
                    for group in opt.param_groups:
                        group["lr"] *= decay
                    mark_loss, mark_step = best_loss, step
                if best_loss <= 1e-24:
                    converged = True
                    break
            if step == n_steps:
                break
            value.backward()
            opt.step()
            if callback is not None:
                callback(step, v)
    finally:
        torch.set_num_threads(threads)
    if best is not None:
        with torch.no_grad():
            for p, b in zip(module.parameters(), best):
                p.copy_(b)
    return Fit(module.to_linear(), tuple(losses), optimizer, float(lr), seed, loss, diverged, converged)
