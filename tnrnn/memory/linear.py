r"""Linear RNNs and their memory functions in closed form (numpy/scipy only).

A linear RNN of width :math:`m` with :math:`M` inputs and :math:`C` outputs is
:math:`(W, U, c)` with :math:`W \in \mathbb{R}^{m\times m}`,
:math:`U \in \mathbb{R}^{m\times M}`, :math:`c \in \mathbb{R}^{C\times m}`.

Continuous time (Li, Han, E, Li, ICLR 2021)::

    dh/dt = W h + U x,   y = c h,   h(-inf) = 0
    y(t)  = int_0^inf rho(s) x(t - s) ds,   rho(s) = c e^{W s} U

Discrete time::

    h_t = W h_{t-1} + U x_t,   y_t = c h_t,   h_{-1} = 0
    y_t = sum_{k >= 0} rho_k x_{t-k},   rho_k = c W^k U

``rho`` is the *memory function* (kernel, impulse response) of the model.
:meth:`LinearRNN.run` simulates either kind on sequences sampled every
``dt``: discrete systems step as written; continuous systems step with the
exact zero-order-hold discretisation (inputs held constant over each step),
``h_{j+1} = e^{W dt} h_j + (int_0^dt e^{W s} ds) U x_j``, so that the response
to a step input is exact at the sample times.  Continuous kernels sampled at
``dt`` become discrete kernels ``h_k = dt * rho(k dt)`` (:meth:`LinearRNN.sampled`),
the Riemann sum of the convolution integral; this discretisation is tnrnn's
convention for the Hankel analysis of :mod:`tnrnn.memory.hankel`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import Record

__all__ = ["LinearRNN", "continuous_kernel", "discrete_kernel", "TIMES", "check_time"]

#: The two kinds of time a linear RNN runs in.
TIMES = ("discrete", "continuous")


def check_time(time: str, name: str = "time") -> str:
    """Return ``time`` if it is ``"discrete"`` or ``"continuous"``, else raise."""
    if time not in TIMES:
        raise InvalidParameterError(name, time, "'discrete' or 'continuous'")
    return time


def _matrix(a, name: str, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf" or arr.ndim != 2 or (rows is not None and arr.shape[0] != rows) or (
            cols is not None and arr.shape[1] != cols) or arr.size == 0:
        want = f"({rows if rows is not None else 'n'}, {cols if cols is not None else 'k'})"
        raise InvalidParameterError(name, f"array of shape {arr.shape} and dtype {arr.dtype}", f"a real {want} matrix")
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    arr.setflags(write=False)
    return arr


def _squeeze_kernel(k: np.ndarray, c_vec: bool, u_vec: bool) -> np.ndarray:
    if u_vec:
        k = k[..., 0]
    if c_vec:
        k = k[..., 0, :] if not u_vec else k[..., 0]
    return k


def continuous_kernel(W, U, c, times) -> np.ndarray:
    r"""The memory function :math:`\rho(t) = c\,e^{W t}\,U` at ``times`` (by ``scipy.linalg.expm``).

    ``U`` of shape ``(m,)`` and ``c`` of shape ``(m,)`` are a single input and
    output; the result has shape ``(len(times),) + (C,)? + (M,)?`` with the
    vector axes dropped for vector ``c``/``U``.

    Examples
    --------
    >>> W = np.array([[-1.0, 0.0], [0.0, -2.0]])
    >>> k = continuous_kernel(W, [1.0, 1.0], [1.0, 1.0], [0.0, 1.0])
    >>> np.allclose(k, [2.0, np.exp(-1) + np.exp(-2)])
    True
    """
    from scipy.linalg import expm

    W, U2, c2, c_vec, u_vec = _parts(W, U, c)
    t = np.asarray(times, dtype=np.float64).ravel()
    E = expm(t[:, None, None] * W[None])
    return _squeeze_kernel(np.einsum("ci,nij,jm->ncm", c2, E, U2), c_vec, u_vec)


def discrete_kernel(W, U, c, lags) -> np.ndarray:
    r"""The memory function :math:`\rho_k = c\,W^k\,U` at integer ``lags`` (shapes as :func:`continuous_kernel`).

    Examples
    --------
    >>> discrete_kernel([[0.5]], [2.0], [3.0], [0, 1, 2]).tolist()
    [6.0, 3.0, 1.5]
    """
    W, U2, c2, c_vec, u_vec = _parts(W, U, c)
    k = np.asarray(lags).ravel()
    if k.dtype.kind == "f" and np.all(np.isfinite(k)) and np.all(k == np.round(k)):
        k = k.astype(np.int64)  # integral floats, e.g. MemoryFunction.times
    if k.dtype.kind not in "iu" or (k.size and k.min() < 0):
        raise InvalidParameterError("lags", f"{k.dtype} array of shape {k.shape}", "integers >= 0")
    out = np.empty((k.size, c2.shape[0], U2.shape[1]))
    if k.size:
        order = np.argsort(k)
        P, cur = U2.copy(), 0
        for i in order:
            while cur < k[i]:
                P = W @ P
                cur += 1
            out[i] = c2 @ P
    return _squeeze_kernel(out, c_vec, u_vec)


def _parts(W, U, c):
    W = _matrix(W, "W")
    m = W.shape[0]
    if W.shape != (m, m):
        raise InvalidParameterError("W", W.shape, "a square matrix")
    U = np.asarray(U, dtype=np.float64) if np.asarray(U).dtype.kind in "iuf" else np.asarray(U)
    c = np.asarray(c, dtype=np.float64) if np.asarray(c).dtype.kind in "iuf" else np.asarray(c)
    u_vec, c_vec = U.ndim == 1, c.ndim == 1
    U2 = _matrix(U[:, None] if u_vec else U, "U", m)
    c2 = _matrix(c[None, :] if c_vec else c, "c", None, m)
    return W, U2, c2, c_vec, u_vec


@dataclass(frozen=True, eq=False)
class LinearRNN(Record):
    """A linear RNN ``(W, U, c)`` in discrete or continuous time (see the module docstring).

    Parameters
    ----------
    W : array, shape (m, m)
    U : array, shape (m, M) or (m,)
    c : array, shape (C, m) or (m,)
    time : {"discrete", "continuous"}
    dt : float
        The sampling step of :meth:`run` and :meth:`sampled` (continuous time;
        1 for discrete time).

    Examples
    --------
    >>> rnn = LinearRNN([[0.5]], [1.0], [1.0])
    >>> rnn.width, rnn.inputs, rnn.outputs
    (1, 1, 1)
    >>> rnn.kernel([0, 1, 2]).tolist()
    [1.0, 0.5, 0.25]
    >>> rnn(np.ones((1, 3, 1))).tolist()     # 1 + 0.5 + 0.25
    [[1.75]]
    """

    W: np.ndarray
    U: np.ndarray
    c: np.ndarray
    time: str = "discrete"
    dt: float = 1.0

    def __post_init__(self):
        W, U2, c2, _, _ = _parts(self.W, self.U, self.c)
        check_time(self.time)
        if not (isinstance(self.dt, (int, float)) and np.isfinite(self.dt) and self.dt > 0):
            raise InvalidParameterError("dt", self.dt, "a number > 0")
        if self.time == "discrete" and self.dt != 1.0:
            raise InvalidParameterError("dt", self.dt, "1.0 for a discrete-time RNN")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "U", U2)
        object.__setattr__(self, "c", c2)
        object.__setattr__(self, "dt", float(self.dt))

    @classmethod
    def random(cls, width: int, inputs: int = 1, outputs: int = 1, *, time: str = "discrete", dt: float = 1.0,
               radius: float = 0.9, seed=None) -> LinearRNN:
        """A random stable linear RNN.

        Discrete: ``W`` scaled to spectral radius ``radius`` (< 1).  Continuous:
        ``W = A - (max Re eig(A) + 1 - radius) I`` so that every eigenvalue has
        real part ``<= radius - 1 < 0``.  ``U`` and ``c`` are standard normal.
        """
        from ..validation import check_positive_int

        m = check_positive_int(width, "width")
        M = check_positive_int(inputs, "inputs")
        C = check_positive_int(outputs, "outputs")
        check_time(time)
        if not 0 < radius < 1:
            raise InvalidParameterError("radius", radius, "a number in (0, 1)")
        rng = np.random.default_rng(seed)
        A = rng.normal(size=(m, m)) / np.sqrt(m)
        if time == "discrete":
            W = A * (radius / max(np.max(np.abs(np.linalg.eigvals(A))), 1e-12))
        else:
            W = A - (np.max(np.linalg.eigvals(A).real) + 1.0 - radius) * np.eye(m)
        return cls(W, rng.normal(size=(m, M)), rng.normal(size=(C, m)), time=time, dt=dt)

    # -- shape ------------------------------------------------------------------------
    @property
    def width(self) -> int:
        """``m``, the state dimension."""
        return self.W.shape[0]

    @property
    def inputs(self) -> int:
        """``M``."""
        return self.U.shape[1]

    @property
    def outputs(self) -> int:
        """``C``."""
        return self.c.shape[0]

    def __repr__(self) -> str:
        dt = f", dt={self.dt}" if self.time == "continuous" else ""
        return f"LinearRNN(width={self.width}, inputs={self.inputs}, outputs={self.outputs}, time={self.time!r}{dt})"

    def to_dict(self) -> dict:
        """The matrices as nested lists (JSON-safe)."""
        return {"time": self.time, "dt": self.dt, "W": self.W.tolist(), "U": self.U.tolist(), "c": self.c.tolist()}

    # -- memory ---------------------------------------------------------------------
    def kernel(self, times) -> np.ndarray:
        """The memory function at ``times`` (continuous) or integer lags (discrete).

        Shape ``(n,)`` for one input and one output, else ``(n, C, M)``.
        """
        U = self.U[:, 0] if self.inputs == 1 else self.U
        c = self.c[0] if self.outputs == 1 else self.c
        if self.time == "continuous":
            return continuous_kernel(self.W, U, c, times)
        return discrete_kernel(self.W, U, c, times)

    def sampled(self, samples: int) -> np.ndarray:
        """The discrete kernel ``h_k = dt * rho(k dt)`` (``rho_k`` in discrete time), ``k < samples``."""
        if self.time == "continuous":
            return self.dt * self.kernel(self.dt * np.arange(samples))
        return self.kernel(np.arange(samples))

    def discretized(self) -> tuple[np.ndarray, np.ndarray]:
        """``(A, B)`` of the step ``h <- A h + B x`` that :meth:`run` takes.

        Continuous time: the zero-order hold ``A = e^{W dt}``, ``B = int_0^dt e^{Ws} ds U``,
        both read off one ``expm`` of the block matrix ``[[W, U], [0, 0]] dt``.
        """
        if self.time == "discrete":
            return self.W, self.U
        from scipy.linalg import expm

        m, M = self.width, self.inputs
        block = np.zeros((m + M, m + M))
        block[:m, :m], block[:m, m:] = self.W, self.U
        E = expm(block * self.dt)
        return E[:m, :m], E[:m, m:]

    # -- forward --------------------------------------------------------------------
    def run(self, X) -> np.ndarray:
        """Outputs at every step, shape (N, T, C), for inputs (N, T, M) (zero initial state)."""
        X = np.asarray(X, dtype=np.float64)
        squeeze = X.ndim == 2
        if squeeze:
            X = X[None]
        if X.ndim != 3 or X.shape[2] != self.inputs:
            raise InvalidParameterError("X", X.shape, f"an array of shape (N, T, {self.inputs})")
        A, B = self.discretized()
        h = np.zeros((X.shape[0], self.width))
        out = np.empty((X.shape[0], X.shape[1], self.outputs))
        drive = X @ B.T
        for t in range(X.shape[1]):
            h = h @ A.T + drive[:, t]
            out[:, t] = h @ self.c.T
        return out[0] if squeeze else out

    def __call__(self, X) -> np.ndarray:
        """Outputs at the last step, shape (N, C)."""
        out = self.run(X)
        return out[..., -1, :]
