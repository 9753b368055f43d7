r"""Linear RNNs as torch modules (needs torch; imported only by the functions that train or export).

:class:`LinearRNNModule` is a discrete-time linear RNN ``h_t = W h_{t-1} + U x_t``,
``y_t = c h_t`` whose forward pass is a causal FFT convolution of the inputs
with its kernel ``c W^k U``; the kernel is built by doubling
(``[K, W^n K]`` with ``W^n`` squared each round), ``log2(T)`` matrix products,
all differentiable.  With ``dt`` given it is parametrised as an Euler step of a
continuous-time RNN (``W = I + dt A``, ``U = dt B``): the parametrisation of
the curse-of-memory experiments (Li, Han, E, Li, 2021), whose initial memory
``(I + dt A)^k ~ e^{A t}`` decays in time ``t = k dt``.

Examples
--------
>>> import numpy as np
>>> from tnrnn.memory import LinearRNN
>>> rnn = LinearRNN.random(3, seed=0)
>>> module = LinearRNNModule.from_linear(rnn)
>>> X = np.random.default_rng(1).normal(size=(2, 7, 1))
>>> bool(np.allclose(module(torch.as_tensor(X)).detach().numpy(), rnn.run(X)))
True
"""

from __future__ import annotations

import numpy as np
import torch

from ..errors import InvalidParameterError
from .linear import LinearRNN

__all__ = ["LinearRNNModule", "kernel_powers"]


def kernel_powers(W: torch.Tensor, U: torch.Tensor, n: int) -> torch.Tensor:
    """``[U, W U, W^2 U, ..., W^{n-1} U]``, shape (n, m, M), by doubling."""
    blocks = U[None]
    P = W
    while blocks.shape[0] < n:
        blocks = torch.cat([blocks, P @ blocks], 0)
        if blocks.shape[0] < n:
            P = P @ P
    return blocks[:n]


class LinearRNNModule(torch.nn.Module):
    """A trainable discrete-time linear RNN (see the module docstring).

    Parameters
    ----------
    width, inputs, outputs : int
    dt : float, optional
        Euler parametrisation ``W = I + dt A``, ``U = dt B`` (parameters ``A``,
        ``B``); without it the parameters are ``W`` and ``U`` themselves.
    dtype : torch.dtype
        float64 by default.
    """

    def __init__(self, width: int, inputs: int = 1, outputs: int = 1, *, dt: float | None = None,
                 dtype=torch.float64):
        super().__init__()
        from ..validation import check_positive_int

        self.width = check_positive_int(width, "width")
        self.inputs = check_positive_int(inputs, "inputs")
        self.outputs = check_positive_int(outputs, "outputs")
        if dt is not None and not (isinstance(dt, (int, float)) and np.isfinite(dt) and dt > 0):
            raise InvalidParameterError("dt", dt, "a number > 0 or None")
        self.dt = None if dt is None else float(dt)
        m, M, C = self.width, self.inputs, self.outputs
        self.A = torch.nn.Parameter(torch.zeros(m, m, dtype=dtype))
        self.B = torch.nn.Parameter(torch.zeros(m, M, dtype=dtype))
        self.c = torch.nn.Parameter(torch.zeros(C, m, dtype=dtype))

    @classmethod
    def from_linear(cls, rnn: LinearRNN, dtype=torch.float64) -> LinearRNNModule:
        """The module computing a discrete :class:`~tnrnn.memory.LinearRNN` (continuous ones step by zero-order hold)."""
        W, U = rnn.discretized()
        module = cls(rnn.width, rnn.inputs, rnn.outputs, dtype=dtype)
        with torch.no_grad():
            module.A.copy_(torch.as_tensor(np.array(W)))
            module.B.copy_(torch.as_tensor(np.array(U)))
            module.c.copy_(torch.as_tensor(np.array(rnn.c)))
        return module

    def matrices(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(W, U, c)`` of the discrete recursion (differentiable)."""
        if self.dt is None:
            return self.A, self.B, self.c
        eye = torch.eye(self.width, dtype=self.A.dtype, device=self.A.device)
        return eye + self.dt * self.A, self.dt * self.B, self.c

    def to_linear(self) -> LinearRNN:
        """The module's current weights as a discrete :class:`~tnrnn.memory.LinearRNN`."""
        W, U, c = (t.detach().cpu().double().numpy() for t in self.matrices())
        return LinearRNN(W, U, c)

    def kernel(self, n: int) -> torch.Tensor:
        """``c W^k U`` for ``k < n``, shape (n, C, M)."""
        W, U, c = self.matrices()
        return c @ kernel_powers(W, U, n)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """Outputs at every step, (N, T, C), for inputs (N, T, M), by causal FFT convolution."""
        if X.ndim != 3 or X.shape[2] != self.inputs:
            raise InvalidParameterError("X", tuple(X.shape), f"a tensor of shape (N, T, {self.inputs})")
        T = X.shape[1]
        K = self.kernel(T)  # (T, C, M)
        n = 2 * T
        Xf = torch.fft.rfft(X.to(K.dtype), n=n, dim=1)  # (N, F, M)
        Kf = torch.fft.rfft(K, n=n, dim=0)  # (F, C, M)
        Y = torch.fft.irfft(torch.einsum("nfm,fcm->nfc", Xf, Kf), n=n, dim=1)
        return Y[:, :T]
