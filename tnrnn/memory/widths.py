"""Approximation errors of kernels and the widths that reach a tolerance (the curse of memory, measured).

:func:`kernel_error` measures ``h - h_hat`` over a range of lags, :func:`section_bound` is the
Adamyan-Arov-Krein lower bound of any width-``m`` realisation on the Hankel section, and
:func:`minimal_width` the least width whose bounds reach each tolerance (the module docstring of
:mod:`tnrnn.memory.hankel` states the conventions: lags, sections, the noise floor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record
from .hankel import _kernel, hankel_matrix, noise_floor
from .linear import LinearRNN

__all__ = ["KernelError", "kernel_error", "section_bound", "MinimalWidth", "minimal_width"]


# -- errors and widths -------------------------------------------------------------


@dataclass(frozen=True)
class KernelError(Record):
    """Norms of the error ``e = h - h_hat`` over the lags ``0 .. lags - 1`` (``h`` zero beyond its samples).

    Attributes
    ----------
    l1 : float
        ``sum |e_k|``: the worst output error over inputs bounded by 1 (the
        paper's approximation error).
    l2 : float
        ``sqrt(sum e_k^2)``: the root-mean-square output error under unit white noise.
    hinf : float
        ``max |E(e^{i w})|`` on an FFT grid of ``8 * lags`` frequencies (a lower
        estimate of the H-infinity norm).
    hankel : float
        The spectral norm of the Hankel section of ``e`` with ``(lags + 1) // 2`` rows and columns.
    lags : int
    """

    l1: float
    l2: float
    hinf: float
    hankel: float
    lags: int

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"l1": self.l1, "l2": self.l2, "hinf": self.hinf, "hankel": self.hankel, "lags": self.lags}

    def __str__(self) -> str:
        return (f"error over {self.lags} lags: l1 {self.l1:.3e}, l2 {self.l2:.3e}, "
                f"H-inf >= {self.hinf:.3e}, Hankel {self.hankel:.3e}")


def kernel_error(kernel, approx, lags: int | None = None) -> KernelError:
    """The norms of :class:`KernelError` for a target kernel and an approximation.

    ``approx`` is a :class:`LinearRNN` (its kernel is evaluated at the lags) or
    an array of samples.  ``lags`` defaults to the target's ``N`` samples (the
    horizon): then every width-m model has ``l1 >= hankel >= sigma_{m+1}`` of
    the target's Hankel *section* (``(N + 1) // 2`` square, :func:`section_bound`).
    With ``lags = 2N - 1`` (the target zero beyond its samples) the same holds
    with ``sigma_{m+1}`` of the ``N x N`` FIR operator, the AAK bound of
    :class:`Truncation` (docs/memory.rst).

    Examples
    --------
    >>> err = kernel_error([1.0, 0.5, 0.0], [1.0, 0.0, 0.25])
    >>> err.l1, err.lags
    (0.75, 3)
    """
    from scipy.linalg import svdvals

    h = _kernel(kernel)
    n = h.size if lags is None else int(lags)
    if n < 1:
        raise InvalidParameterError("lags", lags, "an integer >= 1")
    if isinstance(approx, LinearRNN):
        if approx.time != "discrete" or approx.inputs != 1 or approx.outputs != 1:
            raise InvalidParameterError("approx", repr(approx), "a discrete-time single-input single-output LinearRNN")
        a = approx.kernel(np.arange(n))
    else:
        a = _kernel(approx, "approx")
    e = np.zeros(n)
    e[:min(n, h.size)] += h[:n]
    e[:min(n, a.size)] -= a[:n]
    r = (n + 1) // 2
    hank = float(svdvals(hankel_matrix(e, r, n + 1 - r))[0])
    hinf = float(np.max(np.abs(np.fft.rfft(e, 8 * n))))
    return KernelError(float(np.sum(np.abs(e))), float(np.sqrt(np.sum(e * e))), hinf, hank, n)


def section_bound(kernel, width: int) -> float:
    """``sigma_{m+1}`` of the square Hankel section (``(N + 1) // 2`` rows) of a kernel of ``N`` samples.

    Every width-``m`` linear RNN has ``l1`` error at least this over the
    horizon ``0 .. N - 1`` (docs/memory.rst); 0 when ``m`` reaches the section's size.

    Examples
    --------
    >>> section_bound([1.0, 1.0, 2.0, 3.0, 5.0], 2)     # Fibonacci has width 2
    0.0
    """
    from scipy.linalg import svdvals

    from ..validation import check_positive_int

    m = check_positive_int(width, "width", minimum=0)
    s = svdvals(hankel_matrix(kernel, section=True))
    return float(s[m]) if m < s.size and s[m] > s[0] * 1e-13 else 0.0


@dataclass(frozen=True)
class MinimalWidth(Record):
    """Widths a sampled kernel needs for an error ``eps`` (absolute, in the kernel's units).

    Attributes
    ----------
    eps : float
    lower : int
        Necessary on the horizon: every narrower linear RNN has l1 error > ``eps``
        over the lags ``0 .. N-1`` (``#{sigma_i > eps}`` of the Hankel section).
    lower_fir : int
        Necessary against the FIR target (zero beyond the horizon), over all lags:
        every narrower model has Hankel-norm, H-infinity and l1 error > ``eps``
        (``#{sigma_i > eps}`` of the ``N x N`` FIR operator; ``lower <= lower_fir``).
    upper : int
        Sufficient against the FIR target: balanced truncation to this width has
        H-infinity error <= ``eps`` (smallest m with ``2 sum_{i>m} sigma_i <= eps``;
        ``lower_fir <= upper``).
    noise_floor : float
        :func:`noise_floor` of the kernel; singular values at or below it are
        not counted (they are rounding).
    at_noise_floor : bool
        ``eps`` is at or below the noise floor: the widths are those of the
        floor (no float computation resolves a smaller error).
    """

    eps: float
    lower: int
    lower_fir: int
    upper: int
    noise_floor: float = 0.0
    at_noise_floor: bool = False

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"eps": self.eps, "lower": self.lower, "lower_fir": self.lower_fir, "upper": self.upper,
                "noise_floor": self.noise_floor, "at_noise_floor": self.at_noise_floor}

    def __str__(self) -> str:
        if self.at_noise_floor:
            return (f"eps {self.eps:.0e}: at the noise floor ({self.noise_floor:.1e}); the widths of the floor: "
                    f">= {self.lower} (horizon), >= {self.lower_fir} (FIR), {self.upper} suffice")
        return (f"eps {self.eps:.0e}: width >= {self.lower} needed on the horizon (l1), >= {self.lower_fir} "
                f"against the FIR target (H-inf); {self.upper} suffice (balanced truncation, H-inf)")


def minimal_width(kernel, eps) -> list[MinimalWidth]:
    """:class:`MinimalWidth` for each ``eps`` (a number or a list).

    Examples
    --------
    >>> [(w.lower, w.upper) for w in minimal_width(0.5 ** np.arange(40), [1e-1, 1e-6])]
    [(1, 1), (1, 1)]
    """
    from scipy.linalg import svdvals

    eps_list = [eps] if np.isscalar(eps) else list(eps)
    for e in eps_list:
        if not (isinstance(e, (int, float, np.floating)) and np.isfinite(e) and e > 0):
            raise InvalidParameterError("eps", e, "numbers > 0")
    h = _kernel(kernel)
    sec = svdvals(hankel_matrix(h, section=True))
    s = svdvals(hankel_matrix(h))
    floor = noise_floor(samples=h.size, sigma_1=float(s[0]))
    s = np.where(s > floor, s, 0.0)  # rounding is not memory
    sec = np.where(sec > floor, sec, 0.0)
    tails = 2 * np.concatenate([np.cumsum(s[::-1])[::-1], [0.0]])  # tails[m] = 2 sum_{i>m} sigma_i
    out = []
    for e in eps_list:
        f = max(float(e), floor)
        out.append(MinimalWidth(float(e), int(np.sum(sec > f)), int(np.sum(s > f)), int(np.argmax(tails <= f)),
                                floor, bool(e <= floor)))
    return out
