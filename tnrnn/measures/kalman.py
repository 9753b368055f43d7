r"""The memory capacity of a linear reservoir exactly: the rank of its Kalman controllability matrix.

For a linear reservoir :math:`s_t = A s_{t-1} + b\,u_t` driven by i.i.d. zero-mean input, Jaeger (2001,
Proposition 2) shows that the memory capacity summed over every lag :math:`k \ge 0` equals the rank of the
controllability gramian :math:`P = \sum_j A^j b b^\top A^{j\top}`, which is the rank of the Kalman matrix

.. math:: K = [\,b,\; A b,\; \dots,\; A^{n-1} b\,].

Float estimates of that number (ridge regressions on simulated states, or a pseudo-inverted gramian) fall
short of it when ``A`` has eigenvalues of very different sizes (Ballarin, Grigoryeva, Ortega 2023): the
columns :math:`A^k b` of a contracting ``A`` shrink below rounding.  :func:`exact_linear_capacity` computes
``rank K`` over GF(p) with the float64 entries of ``A`` and ``b`` mapped exactly (dyadic rationals,
:func:`tnrnn.field.to_field`): a certified lower bound on the rational rank, hence on the total capacity,
which is at most ``n``; when it reaches ``n`` the capacity is exactly ``n``.  The estimator
(:func:`~tnrnn.measures.capacity.memory_capacity`, lags ``0..K-1``) is reported beside it.

Models: a linear :class:`~tnrnn.measures.drive.EchoStateNetwork` (``activation="identity"``; ``A = (1-a) I +
a W``, ``b = a W_in v``), a discrete :class:`~tnrnn.memory.LinearRNN` (``A = W``, ``b = U v``) and a
:class:`~tnrnn.memory.diagonal.DiagonalRecurrence` (its real form), with ``v`` the input direction (the
estimator's; ``v = 1`` for one input).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import DEFAULT_PRIME, check_prime, matmul_mod, rank_mod, to_field
from ..records import Record

__all__ = ["ExactCapacity", "exact_linear_capacity", "linear_system"]


@dataclass(frozen=True)
class ExactCapacity(Record):
    """The exact total memory capacity of a linear reservoir, beside the estimator.

    Attributes
    ----------
    rank : int
        ``rank K`` over GF(prime): the total capacity (certified lower bound; exact when ``== state_size``).
    state_size : int
    prime : int
    estimate : float or None
        The estimator's total (lags ``0..lags-1``), when asked.
    estimate_stderr : float or None
    lags : int or None
    label : str
    """

    rank: int
    state_size: int
    prime: int
    estimate: float | None = None
    estimate_stderr: float | None = None
    lags: int | None = None
    label: str = ""

    @property
    def exact(self) -> bool:
        """The rank reaches the state size: the total capacity is exactly ``state_size``."""
        return self.rank == self.state_size

    def to_dict(self) -> dict:
        """JSON-safe (``kind = "exact-capacity"``)."""
        return {"kind": "exact-capacity", "rank": int(self.rank), "state_size": int(self.state_size),
                "prime": int(self.prime), "exact": self.exact, "estimate": self.estimate,
                "estimate_stderr": self.estimate_stderr, "lags": self.lags, "label": self.label}

    @classmethod
    def from_dict(cls, record: dict) -> ExactCapacity:
        """The result a :meth:`to_dict` record describes."""
        return cls(**{k: record[k] for k in cls.__dataclass_fields__ if k in record})

    def __str__(self) -> str:
        rows = [("model", self.label or "linear reservoir"),
                ("exact capacity", f"{self.rank} = rank of the Kalman matrix over GF({self.prime})"
                                   + (" = the state size" if self.exact else
                                      f" (of {self.state_size} states; a certified lower bound)"))]
        if self.estimate is not None:
            rows.append(("estimator", f"{self.estimate:.4f} +- {self.estimate_stderr:.2g} (lags 0..{self.lags - 1})"))
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


def linear_system(model, direction=None, seed=0) -> tuple[np.ndarray, np.ndarray, str]:
    """``(A, b, label)`` of a linear reservoir (module docstring), ``b`` along the unit ``direction``."""
    from ..memory.diagonal import DiagonalRecurrence
    from ..memory.linear import LinearRNN
    from .capacity import _direction
    from .drive import EchoStateNetwork

    if isinstance(model, DiagonalRecurrence):
        lin, label = model.to_linear(), f"{model.arch} layer ({model.modes} modes)"
        A, B = lin.W, lin.U
    elif isinstance(model, LinearRNN):
        if model.time != "discrete":
            raise InvalidParameterError("model", "a continuous-time LinearRNN", "a discrete-time one")
        A, B, label = model.W, model.U, f"linear RNN (width {model.width})"
    elif isinstance(model, EchoStateNetwork):
        if model.activation != "identity" or model.bias is not None:
            raise InvalidParameterError("model", f"an {model.activation} reservoir" + (" with a bias" if model.bias
                                        is not None else ""), "a linear reservoir (activation='identity', no bias)")
        a = model.leak
        A, B = (1 - a) * np.eye(model.units) + a * model.W, a * model.W_in
        label = f"linear reservoir ({model.units} units)"
    else:
        raise InvalidParameterError("model", type(model).__name__,
                                    "a linear EchoStateNetwork, a discrete LinearRNN or a DiagonalRecurrence")
    return np.asarray(A, dtype=np.float64), B @ _direction(B.shape[1], direction, seed), label


def exact_linear_capacity(model, *, prime: int = DEFAULT_PRIME, direction=None, seed=0, estimate: bool = False,
                          lags: int | None = None, **estimator) -> ExactCapacity:
    """The total memory capacity of a linear reservoir as ``rank [b, Ab, ..., A^{n-1} b]`` over GF(prime).

    Parameters
    ----------
    model : EchoStateNetwork (linear), LinearRNN (discrete) or DiagonalRecurrence
    prime : int
    direction : array (M,), optional
        The input direction (as the estimator's; seeded random for ``M > 1``).
    estimate : bool
        Also run :func:`~tnrnn.measures.capacity.memory_capacity` (``first_lag=0``, ``lags`` default ``2 n``,
        further keywords passed on) and report its total beside the rank.

    Examples
    --------
    A shift register of 3 cells remembers its last 3 inputs exactly, a capacity of 3:

    >>> from tnrnn.memory import LinearRNN
    >>> exact_linear_capacity(LinearRNN(np.eye(3, k=-1), np.eye(3)[:, :1], np.ones((1, 3)))).rank
    3
    """
    p = check_prime(prime, "prime")
    A, b, label = linear_system(model, direction, seed)
    n = A.shape[0]
    Af = np.remainder(to_field(A, p, "A").astype(np.int64), p)
    v = np.remainder(to_field(b, p, "b").astype(np.int64), p)[:, None]
    cols = []
    for _ in range(n):
        cols.append(v)
        v = matmul_mod(Af, v, p)
    rank = int(rank_mod(np.concatenate(cols, axis=1), p))
    est = err = None
    K = None
    if estimate:
        from ..memory.diagonal import DiagonalRecurrence
        from .capacity import memory_capacity

        K = 2 * n if lags is None else lags
        target = model.to_linear() if isinstance(model, DiagonalRecurrence) else model
        mc = memory_capacity(target, K, first_lag=0, direction=direction, seed=seed, **estimator)
        est, err = float(mc.total), float(mc.total_stderr)
    return ExactCapacity(rank, n, p, est, err, K, label)
