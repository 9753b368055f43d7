r"""The target memory functions of the curse-of-memory experiments, and data generated from them.

Li, Han, E, Li ("On the Curse of Memory in Recurrent Neural Networks:
Approximation and Optimization Analysis", ICLR 2021) learn linear functionals
:math:`y(t) = \int_0^\infty \rho(s)\, x(t-s)\, ds` with these memories
:math:`\rho` (``delay`` moves the memory later in time, for the plateau
experiments; the defaults are the paper's)::

    exp        e^{-t}
    pol        (1 + 0.1 t)^{-1.1}                     power-law decay
    shift      1 on delay - 1 < t < delay + 1         delay = 10 (window 9 < t < 11)
    twoparts   e^{-t} + e^{-(t - delay)^2}             delay = 9
    airy       Ai(t - delay)                           delay = 6 (scipy.special.airy)
    sin        sin(t)                                  tnrnn's reading of the paper's "sin" target

A target is written ``name`` or ``name:delay`` (``"shift:20"``).  Sampled
every ``dt`` over a horizon, a target becomes the discrete kernel
``h_k = dt * rho(k dt)``, ``k = 0 .. round(horizon/dt) - 1`` (tnrnn's convention,
the Riemann sum of the integral), and data are generated as
``y_t = sum_{s <= t} h_s x_{t-s}`` by FFT convolution (:func:`generate_data`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record

__all__ = ["Target", "TARGETS", "target", "sample_kernel", "generate_data", "INPUT_KINDS", "input_process"]

#: Input processes of :func:`generate_data`: ``"brownian"`` is tnrnn's (increments ``N(0, dt)``, a Brownian
#: path sampled every ``dt``); ``"brownian-dt"`` is the Curse-of-memory reference code's (cumulative sums of
#: ``dt * xi``, ``xi`` standard normal: increments ``N(0, dt^2)``, a factor ``sqrt(dt)`` smaller).
INPUT_KINDS = ("white", "brownian", "brownian-dt")


def input_process(kind: str, rng, shape, dt: float) -> np.ndarray:
    """Inputs of :data:`INPUT_KINDS` ``kind`` of ``shape`` (sequences along the last axis).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = input_process("brownian", np.random.default_rng(0), (1, 4), 0.25)
    >>> b = input_process("brownian-dt", np.random.default_rng(0), (1, 4), 0.25)
    >>> bool(np.allclose(b, a * np.sqrt(0.25)))       # the sqrt(dt) between the two conventions
    True
    """
    if kind not in INPUT_KINDS:
        raise InvalidParameterError("inputs", kind, "one of " + ", ".join(INPUT_KINDS))
    xi = rng.standard_normal(shape)
    if kind == "white":
        return xi
    if kind == "brownian":
        return np.cumsum(xi * np.sqrt(dt), axis=-1)
    return np.cumsum(dt * xi, axis=-1)


def _exp(t, d):
    return np.exp(-t)


def _pol(t, d):
    return (1.0 + 0.1 * t) ** -1.1


def _shift(t, d):
    return ((t > d - 1) & (t < d + 1)).astype(np.float64)


def _twoparts(t, d):
    return np.exp(-t) + np.exp(-((t - d) ** 2))


def _airy(t, d):
    from scipy.special import airy

    return airy(t - d)[0]


def _sin(t, d):
    return np.sin(t)


@dataclass(frozen=True)
class Target(Record):
    """A target memory function ``rho(t)``, ``t >= 0``.

    Attributes
    ----------
    name : str
        ``"exp"``, ``"pol"``, ...; with its delay when it has one (``"shift:20"``).
    formula : str
        The formula, in words.
    delay : float or None
        Where the memory sits (``None`` for targets without one).
    """

    name: str
    formula: str
    delay: float | None
    func: Callable = field(repr=False, compare=False)

    def __call__(self, t) -> np.ndarray:
        """``rho(t)`` at times ``t`` (array)."""
        return self.func(np.asarray(t, dtype=np.float64), self.delay)

    def to_dict(self) -> dict:
        """Name, formula and delay (JSON-safe)."""
        return {"name": self.name, "formula": self.formula, "delay": self.delay}

    def __str__(self) -> str:
        return f"{self.name}: rho(t) = {self.formula}"


#: name -> (formula with {d} for the delay, default delay or None, function of (t, delay)).
TARGETS: dict = {
    "exp": ("e^(-t)", None, _exp),
    "pol": ("(1 + 0.1 t)^(-1.1)", None, _pol),
    "shift": ("1 on {dm} < t < {dp}", 10.0, _shift),
    "twoparts": ("e^(-t) + e^(-(t - {d})^2)", 9.0, _twoparts),
    "airy": ("Ai(t - {d})", 6.0, _airy),
    "sin": ("sin(t)", None, _sin),
}


def target(spec) -> Target:
    """The target ``spec``: a name of :data:`TARGETS`, ``"name:delay"``, or a :class:`Target`.

    Examples
    --------
    >>> target("pol")
    Target(name='pol', formula='(1 + 0.1 t)^(-1.1)')
    >>> t = target("shift:20")
    >>> t.formula, t([18.5, 20.0, 21.5]).tolist()
    ('1 on 19 < t < 21', [0.0, 1.0, 0.0])
    """
    if isinstance(spec, Target):
        return spec
    if not isinstance(spec, str):
        raise InvalidParameterError("target", spec, "one of " + ", ".join(TARGETS) + " (optionally name:delay)")
    name, _, delay_text = spec.strip().partition(":")
    if name not in TARGETS:
        raise InvalidParameterError("target", spec, "one of " + ", ".join(TARGETS) + " (optionally name:delay)")
    formula, delay, func = TARGETS[name]
    if delay_text:
        if delay is None:
            raise InvalidParameterError("target", spec, f"no delay for {name!r} (targets with one: shift, twoparts, airy)")
        try:
            delay = float(delay_text)
        except ValueError:
            raise InvalidParameterError("target", spec, "name:delay with a number delay, e.g. shift:20") from None
        if not np.isfinite(delay) or delay < 0:
            raise InvalidParameterError("target", spec, "a delay >= 0")
    label = f"{name}:{delay:g}" if delay_text else name
    fmt = {"d": f"{delay:g}", "dm": f"{delay - 1:g}", "dp": f"{delay + 1:g}"} if delay is not None else {}
    return Target(label, formula.format(**fmt), delay, func)


def _check_grid(horizon, dt, max_memory=None) -> int:
    for name, v in (("horizon", horizon), ("dt", dt)):
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v) and v > 0):
            raise InvalidParameterError(name, v, "a number > 0")
    n = int(round(horizon / dt))
    if n < 2:
        raise InvalidParameterError("horizon", horizon, f"at least 2 steps of dt={dt}")
    from ..limits import check_memory

    # the kernel, its grid and one temporary of the target's evaluation, before any of them is allocated
    check_memory(f"a kernel of horizon/dt = {n} steps", 3 * 8 * n, max_memory,
                 "use a shorter horizon or a larger dt")
    return n


def sample_kernel(spec, horizon: float = 64.0, dt: float = 0.1) -> np.ndarray:
    """The discrete kernel ``h_k = dt * rho(k dt)``, ``k = 0 .. round(horizon/dt) - 1``.

    Examples
    --------
    >>> h = sample_kernel("exp", horizon=1.0, dt=0.5)
    >>> np.allclose(h, [0.5, 0.5 * np.exp(-0.5)])
    True
    """
    n = _check_grid(horizon, dt)
    spec = target(spec)
    with np.errstate(over="ignore", invalid="ignore"):
        h = dt * spec(dt * np.arange(n))
    if not np.all(np.isfinite(h)):
        raise InvalidParameterError("target", spec.name, f"a target finite on the horizon [0, {horizon:g})")
    if not np.any(h):
        raise InvalidParameterError("target", spec.name,
                                    f"a target with memory inside the horizon (it is zero on [0, {horizon:g}); "
                                    "use a longer horizon or a smaller delay)")
    return h


def generate_data(spec, length: int, samples: int, *, dt: float = 0.1, inputs: str = "white",
                  seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Input/output sequences of the target functional, ``y_t = sum_{s=0}^{t} h_s x_{t-s}``.

    The kernel ``h_s = dt * rho(s dt)`` is convolved with the inputs by FFT
    (``scipy.signal.fftconvolve``), causally, from zero history.

    Parameters
    ----------
    spec : str or Target
    length : int
        Steps per sequence (``T``).
    samples : int
        Number of sequences (``N``).
    dt : float
        The time step.
    inputs : {"white", "brownian", "brownian-dt"}
        ``"white"``: i.i.d. standard normal ``x_t``; ``"brownian"``: a Brownian
        path sampled every ``dt`` (cumulative sums of ``N(0, dt)`` steps, tnrnn's);
        ``"brownian-dt"``: cumulative sums of ``dt * xi`` (the Curse-of-memory
        reference code's convention, :data:`INPUT_KINDS`).
    seed : int, optional
        Seed of the inputs.

    Returns
    -------
    x, y : arrays of shape (N, T)

    Examples
    --------
    >>> x, y = generate_data("exp", length=5, samples=2, dt=0.5, seed=0)
    >>> h = sample_kernel("exp", horizon=2.5, dt=0.5)
    >>> np.allclose(y[0], np.convolve(x[0], h)[:5])
    True
    """
    from scipy.signal import fftconvolve

    from ..validation import check_positive_int

    T = check_positive_int(length, "length")
    N = check_positive_int(samples, "samples")
    if inputs not in INPUT_KINDS:
        raise InvalidParameterError("inputs", inputs, "one of " + ", ".join(INPUT_KINDS))
    h = sample_kernel(spec, horizon=T * dt, dt=dt) if T >= 2 else dt * target(spec)(np.zeros(1))
    x = input_process(inputs, np.random.default_rng(seed), (N, T), dt)
    y = fftconvolve(x, h[None, :], axes=1)[:, :T]
    return x, y
