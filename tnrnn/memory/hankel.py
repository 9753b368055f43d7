r"""Hankel analysis of a memory function: singular values, exact rank, minimal widths, balanced truncation.

The map from past inputs to future outputs of a linear time-invariant system
with kernel :math:`h_k` is its Hankel operator :math:`(\Gamma x)_i =
\sum_j h_{i+j} x_j` -- the matricization of the sequence-to-sequence map
across the present-time cut.  Its rank is the minimal width of a linear RNN
realising the kernel (Kronecker; Ho-Kalman) and its singular values
:math:`\sigma_1 \ge \sigma_2 \ge \dots` (the *Hankel singular values*) price
every width:

* lower bound (Adamyan-Arov-Krein; here through Eckart-Young): every width-m
  linear RNN :math:`\hat h` has error :math:`\|h - \hat h\|_{\ell^1} \ge
  \|h - \hat h\|_{H_\infty} \ge \|\Gamma_{h - \hat h}\| \ge \sigma_{m+1}`;
* upper bound (Enns; Glover): balanced truncation to width m has
  :math:`\|h - \hat h_{bt}\|_{H_\infty} \le 2 \sum_{i > m} \sigma_i`.

docs/memory.rst proves which norm each bound controls for the finite,
sampled kernels tnrnn works with.  Conventions (tnrnn's own):

* a kernel is a finite array :math:`h_0, \dots, h_{N-1}` (a target sampled at
  ``dt``, :func:`tnrnn.memory.targets.sample_kernel`), read as the FIR system
  that is zero beyond :math:`N`; its Hankel operator is exactly the
  :math:`N \times N` matrix :math:`H_{ij} = h_{i+j}` (zero when
  :math:`i + j \ge N`), :func:`hankel_matrix`'s default, so its singular
  values are exact Hankel singular values (up to float rounding);
* a *section* ``rows x cols`` (:math:`H_{ij} = h_{i+j}`, no padding, needs
  ``rows + cols - 1 <= N`` samples) is the finite section of the Hankel operator
  of an infinite kernel: a kernel realised by a minimal width-m RNN has section
  rank exactly m once ``rows, cols >= m``; :func:`hankel_rank_exact` certifies
  it over GF(p);
* errors are measured over the lags :math:`0 \dots 2N-2` (:func:`kernel_error`),
  where the Hankel bound provably holds.

Noise floor (tnrnn's rule, :func:`noise_floor`): every bound and error is
computed in float64, so values at or below ``N * eps * sigma_1``
(:func:`tnrnn.validation.rank_tolerance` of the ``N x N`` FIR operator, ``eps``
the machine epsilon, ``sigma_1`` its largest singular value, which is at least
``max |h_k|``) are rounding, not information.  Such a bound is reported *at the
noise floor* (a field and the text say so): it certifies nothing, and an error
below it is not a violation.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, check_prime, rank_mod, to_field
from ..measures.registry import register
from ..records import Record
from .linear import LinearRNN

__all__ = [
    "noise_floor",
    "at_noise_floor",
    "hankel_matrix",
    "HankelSpectrum",
    "hankel_spectrum",
    "ExactHankelRank",
    "hankel_rank_exact",
    "fir_realization",
    "gramians",
    "hankel_singular_values",
    "Truncation",
    "balanced_truncation",
    "truncate_kernel",
    "realize_section",
]


def _kernel(kernel, name: str = "kernel") -> np.ndarray:
    h = np.asarray(kernel)
    if h.ndim != 1 or h.size < 1 or h.dtype.kind not in "iuf":
        raise InvalidParameterError(name, f"array of shape {h.shape} and dtype {h.dtype}", "a 1-d real array")
    h = h.astype(np.float64)
    if not np.all(np.isfinite(h)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    return h


def noise_floor(kernel=None, *, samples: int | None = None, sigma_1: float | None = None) -> float:
    """The numerical floor of the bounds of a sampled kernel: ``N * eps * sigma_1`` (the module docstring),
    plus ``N * tiny`` (``tiny`` the least normal float64): a kernel of subnormal size has no relative
    precision left, so its bounds and errors are noise at any value below that.

    Give the kernel (``sigma_1`` is then the largest singular value of its
    ``N x N`` FIR operator), or ``samples`` and ``sigma_1`` directly.

    Examples
    --------
    >>> h = 0.5 ** np.arange(20)                      # sigma_1 = 4/3 up to the cut at 20 samples
    >>> round(float(noise_floor(h) / (20 * np.finfo(float).eps * 4 / 3)), 6)
    1.0
    """
    from ..validation import rank_tolerance

    if kernel is not None:
        from scipy.linalg import svdvals

        h = _kernel(kernel)
        samples, sigma_1 = h.size, float(svdvals(hankel_matrix(h))[0])
    elif samples is None or sigma_1 is None:
        raise InvalidParameterError("kernel", None, "a kernel, or samples and sigma_1")
    n = int(samples)
    return rank_tolerance((n, n), float(sigma_1)) + n * float(np.finfo(np.float64).tiny)


def at_noise_floor(value, floor: float) -> bool:
    """Whether a bound or error ``value`` is at or below the noise ``floor`` (``None`` is not).

    Examples
    --------
    >>> at_noise_floor(1e-17, 1e-14), at_noise_floor(1e-3, 1e-14), at_noise_floor(None, 1e-14)
    (True, False, False)
    """
    return value is not None and abs(float(value)) <= floor


def _section_shape(n: int, rows, cols) -> tuple[int, int]:
    if rows is None and cols is None:
        rows = cols = (n + 1) // 2
    elif rows is None:
        if isinstance(cols, int) and cols > n:   # named here: the default rows would be the one below 1
            raise InvalidParameterError("cols", cols, f"an integer in 1..{n} (the number of samples)")
        rows = n + 1 - cols
    elif cols is None:
        if isinstance(rows, int) and rows > n:
            raise InvalidParameterError("rows", rows, f"an integer in 1..{n} (the number of samples)")
        cols = n + 1 - rows
    for name, v in (("rows", rows), ("cols", cols)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise InvalidParameterError(name, v, "an integer >= 1")
    if rows + cols - 1 > n:
        raise InvalidParameterError("rows", rows, f"rows + cols - 1 <= {n} (the number of samples)")
    return int(rows), int(cols)


def hankel_matrix(kernel, rows: int | None = None, cols: int | None = None, *, section: bool = False,
                  max_memory=None) -> np.ndarray:
    """The Hankel matrix ``H[i, j] = h[i + j]`` of a sampled kernel.

    By default the ``N x N`` Hankel operator of the FIR kernel (zero beyond its
    ``N`` samples); with ``section=True`` (or ``rows``/``cols`` given) the
    unpadded ``rows x cols`` section, ``rows + cols - 1 <= N`` (default
    ``rows = cols = (N + 1) // 2``).  The matrix and the workspace of its SVD
    (estimated at four copies) must fit in ``max_memory`` (default 4 GiB), else
    :class:`~tnrnn.errors.MemoryLimitError`.

    Examples
    --------
    >>> hankel_matrix([1, 2, 3]).tolist()
    [[1.0, 2.0, 3.0], [2.0, 3.0, 0.0], [3.0, 0.0, 0.0]]
    >>> hankel_matrix([1, 2, 3], section=True).tolist()
    [[1.0, 2.0], [2.0, 3.0]]
    """
    from scipy.linalg import hankel

    from ..limits import check_memory

    h = _kernel(kernel)
    if not section and rows is None and cols is None:
        r = c = h.size
    else:
        r, c = _section_shape(h.size, rows, cols)
    # the matrix and an SVD's workspace (about three more copies)
    check_memory(f"a {r}x{c} Hankel matrix", 4 * 8.0 * r * c, max_memory, "use fewer samples (a larger dt)")
    if not section and rows is None and cols is None:
        return hankel(h)
    return hankel(h[:r], h[r - 1:r + c - 1])


@dataclass(frozen=True)
class HankelSpectrum(Record):
    """Singular values of a Hankel matrix, with the tolerance of the numerical rank.

    Attributes
    ----------
    singular_values : tuple of float
        Descending.
    tolerance : float
        Absolute: singular values above it count in :attr:`numerical_rank`.
    numerical_rank : int
    shape : (int, int)
    section : bool
        Whether the matrix is an unpadded section (else the FIR operator).
    """

    singular_values: tuple
    tolerance: float
    numerical_rank: int
    shape: tuple
    section: bool

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"singular_values": list(self.singular_values), "tolerance": self.tolerance,
                "numerical_rank": self.numerical_rank, "shape": list(self.shape), "section": self.section}

    def __str__(self) -> str:
        s = np.asarray(self.singular_values)
        head = ", ".join(f"{v:.3e}" for v in s[:8]) + (", ..." if s.size > 8 else "")
        kind = "section" if self.section else "FIR operator"
        return (f"Hankel {kind} {self.shape[0]}x{self.shape[1]}: numerical rank {self.numerical_rank} "
                f"(tolerance {self.tolerance:.3e})\nsingular values: {head}")


def hankel_spectrum(kernel, tol: float | None = None, *, rows: int | None = None, cols: int | None = None,
                    section: bool = False) -> HankelSpectrum:
    """Singular values (float64 SVD) of :func:`hankel_matrix` and the numerical rank at ``tol``.

    ``tol`` defaults to ``max(shape) * eps * s_max`` (numpy's ``matrix_rank`` rule).

    Examples
    --------
    >>> spec = hankel_spectrum(0.5 ** np.arange(12), section=True)   # a width-1 RNN's kernel
    >>> spec.numerical_rank, round(spec.singular_values[0], 6)
    (1, 1.333008)
    """
    from scipy.linalg import svdvals

    H = hankel_matrix(kernel, rows, cols, section=section)
    s = svdvals(H)
    if tol is None:
        from ..validation import rank_tolerance

        tol = rank_tolerance(H.shape, float(s[0]) if s.size else 0.0)
    elif not (np.isfinite(tol) and tol >= 0):
        raise InvalidParameterError("tol", tol, "a number >= 0")
    return HankelSpectrum(tuple(float(v) for v in s), float(tol), int(np.sum(s > tol)), H.shape,
                          bool(section or rows is not None or cols is not None))


@dataclass(frozen=True)
class ExactHankelRank(Record):
    """The rank of a Hankel section over GF(p), a certified lower bound on its rank over the rationals.

    ``rank`` over GF(p) is at most the rank over Q; a realisation of width
    ``rank`` then proves equality (see :func:`hankel_rank_exact`).
    """

    rank: int
    prime: int
    shape: tuple

    def to_dict(self) -> dict:
        """JSON-safe."""
        return {"rank": self.rank, "prime": self.prime, "shape": list(self.shape)}

    def __str__(self) -> str:
        return (f"Hankel section {self.shape[0]}x{self.shape[1]}: rank {self.rank} over GF({self.prime}) "
                f"(a certified lower bound on the rational rank)")


def _residues(kernel, p: int) -> np.ndarray:
    if isinstance(kernel, np.ndarray) and kernel.dtype.kind in "iuf":
        if kernel.ndim != 1:
            raise InvalidParameterError("kernel", kernel.shape, "a 1-d sequence")
        return to_field(kernel, p, "kernel")
    out = []
    for v in kernel:
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            out.append(int(v) % p)
        elif isinstance(v, Fraction):
            if v.denominator % p == 0:
                raise InvalidParameterError("prime", p, f"a prime not dividing the denominator {v.denominator}")
            out.append(v.numerator % p * pow(v.denominator, -1, p) % p)
        elif isinstance(v, (float, np.floating)):
            out.append(int(to_field(np.array([float(v)]), p, "kernel")[0]))
        else:
            raise InvalidParameterError("kernel", type(v).__name__, "integers, Fractions or dyadic floats")
    if not out:
        raise InvalidParameterError("kernel", "an empty sequence", "at least one sample")
    return np.array(out, dtype=np.int64)


def hankel_rank_exact(kernel, rows: int | None = None, cols: int | None = None, *,
                      prime: int = DEFAULT_PRIME) -> ExactHankelRank:
    """The rank of the Hankel section of an integer or rational kernel over GF(``prime``), by FLINT.

    The kernel may hold Python ints (any size), :class:`fractions.Fraction`,
    numpy integers or dyadic floats; each maps exactly to GF(p)
    (:func:`tnrnn.field.to_field`).  Reduction mod p cannot raise a rank, so the
    result is a certified lower bound on the rational rank; for a kernel
    ``c W^k U`` of a width-m linear RNN the rational rank is at most m, so a
    GF(p) rank of m certifies that the minimal width is exactly m.

    Examples
    --------
    >>> hankel_rank_exact([1, 1, 2, 3, 5, 8, 13, 21, 34]).rank      # Fibonacci: width 2
    2
    >>> from fractions import Fraction
    >>> hankel_rank_exact([Fraction(1, 3) ** k for k in range(9)]).rank
    1
    """
    p = check_prime(prime, "prime")
    z = _residues(kernel, p)
    r, c = _section_shape(z.size, rows, cols)
    idx = np.arange(r)[:, None] + np.arange(c)[None, :]
    return ExactHankelRank(int(rank_mod(z[idx], p)), p, (r, c))


# -- realisations and gramians ------------------------------------------------------


def fir_realization(kernel) -> LinearRNN:
    """The width-N discrete linear RNN whose kernel is ``h_0 .. h_{N-1}`` then zeros.

    The state is the last ``N`` inputs (a shift register): ``W`` shifts down,
    ``U = e_0``, ``c = h``.

    Examples
    --------
    >>> fir_realization([3.0, 2.0, 1.0]).kernel(np.arange(5)).tolist()
    [3.0, 2.0, 1.0, 0.0, 0.0]
    """
    h = _kernel(kernel)
    n = h.size
    return LinearRNN(np.eye(n, k=-1), np.eye(n, 1), h[None, :])


def _check_stable(system: LinearRNN) -> None:
    ev = np.linalg.eigvals(system.W)
    if system.time == "discrete" and np.max(np.abs(ev)) >= 1:
        raise InvalidParameterError("system", f"spectral radius {np.max(np.abs(ev)):.4g}", "a stable system (< 1)")
    if system.time == "continuous" and np.max(ev.real) >= 0:
        raise InvalidParameterError("system", f"max Re eig(W) = {np.max(ev.real):.4g}", "a stable system (< 0)")


def gramians(system: LinearRNN) -> tuple[np.ndarray, np.ndarray]:
    """The controllability and observability gramians ``(P, Q)`` of a stable linear RNN (scipy Lyapunov solvers).

    Discrete: ``P = W P W^T + U U^T``, ``Q = W^T Q W + c^T c``; continuous:
    ``W P + P W^T + U U^T = 0``, ``W^T Q + Q W + c^T c = 0``.
    """
    from scipy.linalg import solve_continuous_lyapunov, solve_discrete_lyapunov

    _check_stable(system)
    W, U, c = system.W, system.U, system.c
    if system.time == "discrete":
        P = solve_discrete_lyapunov(W, U @ U.T)
        Q = solve_discrete_lyapunov(W.T, c.T @ c)
    else:
        P = solve_continuous_lyapunov(W, -U @ U.T)
        Q = solve_continuous_lyapunov(W.T, -c.T @ c)
    return (P + P.T) / 2, (Q + Q.T) / 2


def _smith_factor(A: np.ndarray, B: np.ndarray, max_doublings: int = 64) -> np.ndarray:
    """Square ``L`` with ``L L^T = P``, ``P = A P A^T + B B^T`` (``rho(A) < 1``), never forming ``P``.

    The squared Smith iteration in factored form: ``P = sum_k A^k B B^T A^kT`` is
    accumulated by doubling, ``Z <- [Z, A^(2^j) Z]``, and every step is compressed
    back to ``n`` columns by a QR factorisation of ``Z^T`` (``Z Z^T = R^T R``).
    Each step is orthogonal, so the factor keeps full relative precision in its
    small singular values, where forming ``P`` and taking ``eigh + sqrt`` loses
    half the digits (an error of ``eps * ||P||`` in ``P`` is ``sqrt(eps * ||P||)``
    in its square root).  For a nilpotent ``A`` (the FIR shift register) the sum
    is exact after ``ceil(log2 n)`` doublings.
    """
    from scipy.linalg import qr

    n = A.shape[0]
    Z = np.asarray(B, dtype=float).reshape(n, -1)
    Ak = np.asarray(A, dtype=float)
    for _ in range(max_doublings):
        AZ = Ak @ Z
        scale = np.linalg.norm(Z)
        Z = qr(np.hstack([Z, AZ]).T, mode="r")[0][:n].T  # n x min(n, cols): Z Z^T unchanged
        if Z.shape[1] < n:
            Z = np.hstack([Z, np.zeros((n, n - Z.shape[1]))])
        Ak = Ak @ Ak
        if not np.any(Ak) or np.linalg.norm(AZ) <= np.finfo(float).eps * 1e-3 * max(scale, np.finfo(float).tiny):
            return Z
    raise InvalidParameterError("system", "a spectral radius too close to the stability limit",
                                f"one whose gramian sum converges within 2^{max_doublings} steps")


def gramian_factors(system: LinearRNN) -> tuple[np.ndarray, np.ndarray]:
    """Square-root factors ``(L_P, L_Q)`` with ``P = L_P L_P^T``, ``Q = L_Q L_Q^T`` (see :func:`gramians`).

    Computed by a factored Lyapunov solver (:func:`_smith_factor`), never from the
    formed gramians: the Hankel singular values ``svd(L_Q^T L_P)`` keep full
    relative precision (square-root balanced truncation).  A continuous system is
    mapped to a discrete one with the same gramians by the Cayley transform
    ``A_d = (sI - W)^{-1}(sI + W)``, ``B_d = sqrt(2s) (sI - W)^{-1} U``
    (``(sI - W)(A_d P A_d^T - P)(sI - W)^T = 2s (W P + P W^T)``), ``s`` the geometric
    mean of the extreme ``|eig(W)|``.

    Examples
    --------
    >>> LP, LQ = gramian_factors(LinearRNN([[0.5]], [1.0], [2.0]))   # P = 1/(1 - 0.25), Q = 4 P
    >>> round(float((LP @ LP.T)[0, 0]), 12), round(float((LQ @ LQ.T)[0, 0]), 12)
    (1.333333333333, 5.333333333333)
    """
    _check_stable(system)
    W, U, c = (np.asarray(x, dtype=float) for x in (system.W, system.U, system.c))
    if system.time == "continuous":
        ev = np.abs(np.linalg.eigvals(W))
        s = float(np.sqrt(max(ev.max(), np.finfo(float).tiny) * max(ev.min(), np.finfo(float).tiny)))
        from scipy.linalg import lu_factor, lu_solve

        n = W.shape[0]
        lu, luT = lu_factor(s * np.eye(n) - W), lu_factor(s * np.eye(n) - W.T)
        Ad, AdT = lu_solve(lu, s * np.eye(n) + W), lu_solve(luT, s * np.eye(n) + W.T)
        return (_smith_factor(Ad, np.sqrt(2 * s) * lu_solve(lu, U)),
                _smith_factor(AdT, np.sqrt(2 * s) * lu_solve(luT, c.T)))
    return _smith_factor(W, U), _smith_factor(W.T, c.T)


@register("hankel-singular-values", "Hankel singular values of a stable linear RNN (its gramians)")
def hankel_singular_values(system: LinearRNN) -> np.ndarray:
    """``sqrt(eig(P Q))``, descending: the Hankel singular values of a stable linear RNN.

    Computed as ``svd(L_Q^T L_P)`` from the square-root factors of
    :func:`gramian_factors`, so small values keep full relative precision.

    Examples
    --------
    >>> rnn = LinearRNN([[0.5]], [1.0], [1.0])      # kernel 0.5**k; sigma = 1 / (1 - 0.25)
    >>> hankel_singular_values(rnn).round(6).tolist()
    [1.333333]
    """
    from scipy.linalg import svdvals

    LP, LQ = gramian_factors(system)
    return svdvals(LQ.T @ LP)


@dataclass(frozen=True, eq=False)
class Truncation(Record):
    """A balanced truncation: the width-m model and the bounds on its error.

    Attributes
    ----------
    model : LinearRNN
        The truncated system, width :attr:`width`, same kind of time as the source.
    width : int
    hankel_singular_values : tuple of float
        Of the source system, descending.
    lower_bound : float
        ``sigma_{m+1}``: no width-m model has a smaller Hankel-norm, H-infinity
        or l1 error (0 when ``m`` >= the source's width); for ``method="section"``
        the l1 error over the lags the section uses.
    upper_bound : float or None
        ``2 * sum_{i>m} sigma_i``: the H-infinity error of :attr:`model` is at most
        this (``method="gramian"``; ``None`` for ``"section"``, which has no such guarantee).
    method : str
        ``"gramian"`` (exact gramians of a stable system, :func:`balanced_truncation`,
        :func:`truncate_kernel`) or ``"section"`` (Kung's algorithm on a Hankel section,
        :func:`realize_section`).
    """

    model: LinearRNN
    width: int
    hankel_singular_values: tuple
    lower_bound: float
    upper_bound: float | None
    method: str = "gramian"
    noise_floor: float = 0.0

    @property
    def lower_at_floor(self) -> bool:
        """The lower bound is at the noise floor: it certifies nothing (:func:`at_noise_floor`)."""
        return at_noise_floor(self.lower_bound, self.noise_floor)

    @property
    def upper_at_floor(self) -> bool:
        """The upper bound is at the noise floor: the error is zero up to rounding."""
        return at_noise_floor(self.upper_bound, self.noise_floor)

    @property
    def matrices(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W, U, c)`` as numpy arrays."""
        return self.model.W, self.model.U, self.model.c

    def to_module(self):
        """The truncated model as a torch module (:class:`tnrnn.memory.nn.LinearRNNModule`, float64)."""
        from .nn import LinearRNNModule

        return LinearRNNModule.from_linear(self.model)

    def to_dict(self) -> dict:
        """JSON-safe (the matrices included)."""
        return {"width": self.width, "method": self.method, "lower_bound": self.lower_bound,
                "upper_bound": self.upper_bound, "noise_floor": self.noise_floor,
                "lower_at_floor": self.lower_at_floor, "upper_at_floor": self.upper_at_floor,
                "hankel_singular_values": list(self.hankel_singular_values), "model": self.model.to_dict()}

    def _bound_text(self, value) -> str:
        if at_noise_floor(value, self.noise_floor):
            return f"at the noise floor (<= {self.noise_floor:.1e})"
        return f"{value:.3e}"

    def __str__(self) -> str:
        if self.method == "section":
            return (f"Kung realisation of width {self.width} from a Hankel section of rank "
                    f"{len(self.hankel_singular_values)}: l1 error >= {self._bound_text(self.lower_bound)} "
                    f"(no upper bound)")
        return (f"balanced truncation to width {self.width} (source width {len(self.hankel_singular_values)}): "
                f"Hankel lower bound {self._bound_text(self.lower_bound)} <= error, "
                f"H-infinity error <= {self._bound_text(self.upper_bound)}")


def _truncate(system: LinearRNN, LP: np.ndarray, LQ: np.ndarray, width: int, factors=None) -> Truncation:
    from scipy.linalg import svd

    from ..validation import check_positive_int

    m = check_positive_int(width, "width")
    Uq, s, Vt = svd(LQ.T @ LP) if factors is None else factors
    keep = min(m, int(np.sum(s > s[0] * 1e-14)) if s.size and s[0] > 0 else 0)
    if keep < 1:
        raise InvalidParameterError("system", "a zero kernel", "a system with a nonzero kernel")
    scale = 1.0 / np.sqrt(s[:keep])
    T = LP @ Vt[:keep].T * scale
    Ti = (scale[:, None] * Uq[:, :keep].T) @ LQ.T
    model = LinearRNN(Ti @ system.W @ T, Ti @ system.U, system.c @ T, time=system.time, dt=system.dt)
    tail = s[m:]
    lower = float(tail[0]) if tail.size else 0.0
    floor = noise_floor(samples=LP.shape[0], sigma_1=float(s[0]))
    return Truncation(model, keep, tuple(float(v) for v in s), lower, float(2 * np.sum(tail)), "gramian", floor)


def balanced_truncation(system: LinearRNN, width: int) -> Truncation:
    """Truncate a stable linear RNN to ``width`` by balanced truncation (square-root method).

    With ``P = L_P L_P^T``, ``Q = L_Q L_Q^T`` and ``L_Q^T L_P = U S V^T``, the
    truncated system is ``(Ti W T, Ti U, c T)`` with ``T = L_P V_m S_m^{-1/2}``,
    ``Ti = S_m^{-1/2} U_m^T L_Q^T``.  Directions with zero Hankel singular
    value are dropped, so the result may be narrower than ``width``.

    Examples
    --------
    >>> rnn = LinearRNN.random(4, seed=0)
    >>> bt = balanced_truncation(rnn, 4)
    >>> bool(np.allclose(bt.model.kernel(np.arange(20)), rnn.kernel(np.arange(20))))
    True
    >>> bt1 = balanced_truncation(rnn, 1)
    >>> bt1.width, bt1.lower_bound <= bt1.upper_bound
    (1, True)
    """
    from ..validation import check_positive_int

    n = system.W.shape[0]
    if check_positive_int(width, "width") > n:   # the result could only be the system itself, narrower
        raise InvalidParameterError("width", width, f"an integer in 1..{n} (the state size of the system)")
    LP, LQ = gramian_factors(system)
    return _truncate(system, LP, LQ, width)


def truncate_kernel(kernel, width: int, *, svd=None) -> Truncation:
    """The balanced truncation to ``width`` of the FIR kernel ``h_0 .. h_{N-1}``.

    The FIR realisation has gramians ``P = I`` and ``Q = H^T H`` (``H`` the
    ``N x N`` Hankel operator of :func:`hankel_matrix`), so the square-root
    factors are ``I`` and ``H^T``: no Lyapunov solve is needed, and the Hankel
    singular values are those of ``H``.  ``svd``, the triple
    ``scipy.linalg.svd(hankel_matrix(kernel))``, saves the SVD when truncating
    one kernel to many widths.

    Examples
    --------
    >>> bt = truncate_kernel(0.5 ** np.arange(30), 1)     # nearly a width-1 kernel
    >>> bool(bt.lower_bound < 1e-8), bool(np.allclose(bt.model.kernel(np.arange(5)), 0.5 ** np.arange(5)))
    (True, True)
    """
    h = _kernel(kernel)
    fir = fir_realization(h)
    return _truncate(fir, np.eye(h.size), hankel_matrix(h).T, width, svd)


def realize_section(kernel, width: int, rows: int | None = None) -> Truncation:
    """A width-``width`` linear RNN from the Hankel section of a kernel (Kung's algorithm).

    With the ``rows x cols`` section ``H = U S V^T`` (default square, all samples
    used), the observability and controllability factors ``O = U_m S_m^{1/2}``,
    ``C = S_m^{1/2} V_m^T`` give ``c = O[0]``, ``U = C[:, 0]`` and ``W`` by least
    squares from the shift invariance ``O[1:] = O[:-1] W``.  This is balanced
    truncation with respect to the section's finite-horizon gramians (``O^T O =
    C C^T = S_m``); it reproduces every kernel of width <= m exactly once the
    section has ``rows > m`` and ``cols >= m``, and, unlike :func:`truncate_kernel`,
    does not see a cut at the end of the samples.  Stability is not guaranteed and
    there is no certified upper bound; ``lower_bound`` is ``sigma_{m+1}`` of the
    section, which bounds the l1 error over the lags it uses (``rows + cols - 1``).

    Examples
    --------
    >>> fib = realize_section([1.0, 1, 2, 3, 5, 8, 13, 21, 34], 2)
    >>> fib.model.kernel(np.arange(10)).round(6).tolist()
    [1.0, 1.0, 2.0, 3.0, 5.0, 8.0, 13.0, 21.0, 34.0, 55.0]
    """
    from scipy.linalg import lstsq, svd

    from ..validation import check_positive_int

    m = check_positive_int(width, "width")
    h = _kernel(kernel)
    H = hankel_matrix(h, rows, None, section=True) if rows is not None else hankel_matrix(h, section=True)
    Uq, s, Vt = svd(H)
    rank = int(np.sum(s > s[0] * 1e-13)) if s[0] > 0 else 0
    keep = min(m, rank, H.shape[0] - 1)
    if keep < 1:
        raise InvalidParameterError("kernel", "a zero kernel or a 1-row section", "a nonzero kernel and rows >= 2")
    root = np.sqrt(s[:keep])
    obs = Uq[:, :keep] * root
    ctrl = root[:, None] * Vt[:keep]
    W = lstsq(obs[:-1], obs[1:])[0]
    tail = s[m:]
    lower = float(tail[0]) if tail.size and tail[0] > s[0] * 1e-13 else 0.0
    from ..validation import rank_tolerance

    return Truncation(LinearRNN(W, ctrl[:, 0], obs[0]), keep, tuple(float(v) for v in s[:rank]), lower, None,
                      "section", rank_tolerance(H.shape, float(s[0])))
