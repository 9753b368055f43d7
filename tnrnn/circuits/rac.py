"""Recurrent arithmetic circuits (RACs).

A depth-``L`` RAC of width ``R`` on ``M``-dimensional inputs computes, for
``t = 0..T-1`` and ``l = 1..L``::

    h^0_t = f(x_t)
    h^l_t = (W^{H,l} h^l_{t-1}) * (W^{I,l} h^{l-1}_t)      (elementwise product)
    y     = W^O h^L_{T-1}

with ``W^{H,l}`` of shape (R, R), ``W^{I,1}`` of shape (R, M), ``W^{I,l>1}`` of
shape (R, R) and ``W^O`` of shape (C, R).  At ``t = 0`` the hidden factor
``W^{H,l} h^l_{-1}`` is the all-ones vector unless initial states are given.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import check_prime, matmul_mod
from ..typing import MemoryLike
from ..validation import check_positive_int, check_seed
from .base import Circuit, as_matrix, asarray, check_weights_memory

__all__ = ["RAC", "CircuitShape"]


class CircuitShape:
    """``depth``, ``hidden``, ``inputs`` and ``outputs`` read off ``hidden_weights``,
    ``input_weights`` and ``output_weights``; shared by every class that holds a RAC's weights."""

    @property
    def depth(self) -> int:
        """``L``, the number of layers."""
        return len(self.hidden_weights)

    @property
    def hidden(self) -> int:
        """``R``, the width of every layer."""
        return self.hidden_weights[0].shape[0]

    @property
    def inputs(self) -> int:
        """``M``, the input dimension."""
        return self.input_weights[0].shape[1]

    @property
    def outputs(self) -> int:
        """``C``, the output dimension."""
        return self.output_weights.shape[0]



@dataclass(frozen=True, eq=False)
class RAC(CircuitShape, Circuit):
    """A recurrent arithmetic circuit: weights, validation and forward pass.

    Parameters
    ----------
    hidden_weights : sequence of arrays
        ``W^{H,l}`` for ``l = 1..L``, each of shape (R, R).
    input_weights : sequence of arrays
        ``W^{I,1}`` of shape (R, M), then ``W^{I,l}`` of shape (R, R).
    output_weights : array
        ``W^O`` of shape (C, R).
    initial_states : sequence of arrays, optional
        ``h^l_{-1}`` of shape (R,) for each layer; by default the first hidden
        factor ``W^{H,l} h^l_{-1}`` is the all-ones vector.
    modulus : int, optional
        If given, a prime ``p < 2**31``: the weights are residues mod ``p`` and
        the circuit computes over GF(p) (floats are mapped exactly as dyadic
        rationals).

    Examples
    --------
    >>> rac = RAC.random(depth=2, hidden=3, inputs=4, seed=1)
    >>> rac.depth, rac.hidden, rac.inputs, rac.outputs
    (2, 3, 4, 1)
    >>> X = np.eye(4)[[[0, 1, 2], [3, 3, 0]]]      # two one-hot sequences, T = 3
    >>> rac(X).shape
    (2, 1)
    """

    hidden_weights: tuple
    input_weights: tuple
    output_weights: np.ndarray
    initial_states: tuple | None = None
    modulus: int | None = None

    def __post_init__(self):
        modulus = None if self.modulus is None else check_prime(self.modulus, "modulus")
        try:
            wh = tuple(self.hidden_weights)
        except TypeError:
            raise InvalidParameterError("hidden_weights", self.hidden_weights, "a sequence of (R, R) matrices") from None
        try:
            wi = tuple(self.input_weights)
        except TypeError:
            raise InvalidParameterError("input_weights", self.input_weights, "a sequence of matrices") from None
        if len(wh) < 1 or len(wh) != len(wi):
            raise InvalidParameterError(
                "hidden_weights", f"{len(wh)} hidden and {len(wi)} input matrices",
                "one hidden and one input matrix per layer, at least one layer",
            )
        W0 = asarray(wh[0], "hidden_weights[0]")
        if W0.ndim != 2 or W0.shape[0] != W0.shape[1] or W0.shape[0] < 1:
            raise InvalidParameterError("hidden_weights[0]", W0.shape, "a square (R, R) matrix")
        R = W0.shape[0]
        Wi0 = asarray(wi[0], "input_weights[0]")
        if Wi0.ndim != 2 or Wi0.shape[0] != R or Wi0.shape[1] < 1:
            raise InvalidParameterError("input_weights[0]", Wi0.shape, f"an ({R}, M) matrix")
        M = Wi0.shape[1]
        wh = tuple(as_matrix(w, (R, R), f"hidden_weights[{i}]", modulus) for i, w in enumerate(wh))
        wi = tuple(
            as_matrix(w, (R, M) if i == 0 else (R, R), f"input_weights[{i}]", modulus)
            for i, w in enumerate(wi)
        )
        Wo = asarray(self.output_weights, "output_weights")
        if Wo.ndim == 1:
            Wo = Wo[None, :]
        if Wo.ndim != 2 or Wo.shape[1] != R or Wo.shape[0] < 1:
            raise InvalidParameterError("output_weights", Wo.shape, f"a (C, {R}) matrix")
        Wo = as_matrix(Wo, Wo.shape, "output_weights", modulus)
        init = self.initial_states
        if init is not None:
            init = tuple(init)
            if len(init) != len(wh):
                raise InvalidParameterError("initial_states", f"{len(init)} vectors", f"{len(wh)} vectors of length {R}")
            init = tuple(
                as_matrix(np.asarray(h).reshape(1, -1), (1, R), f"initial_states[{i}]", modulus)[0]
                for i, h in enumerate(init)
            )
        for name, value in (("hidden_weights", wh), ("input_weights", wi), ("output_weights", Wo),
                            ("initial_states", init), ("modulus", modulus)):
            object.__setattr__(self, name, value)
        for w in (*wh, *wi, Wo, *(init or ())):
            w.setflags(write=False)

    def __repr__(self) -> str:
        field = f", modulus={self.modulus}" if self.modulus is not None else ""
        init = ", initial_states=given" if self.initial_states is not None else ""
        return f"RAC(depth={self.depth}, hidden={self.hidden}, inputs={self.inputs}, outputs={self.outputs}{init}{field})"

    def initial_factors(self) -> tuple[np.ndarray, ...]:
        """The first step's hidden factors ``W^{H,l} h^l_{-1}``, one per layer."""
        if self.initial_states is None:
            dtype = np.int64 if self.modulus is not None else np.float64
            return tuple(np.ones(self.hidden, dtype=dtype) for _ in range(self.depth))
        if self.modulus is not None:
            return tuple(matmul_mod(h[None, :], W.T, self.modulus)[0]
                         for W, h in zip(self.hidden_weights, self.initial_states))
        return tuple(W @ h for W, h in zip(self.hidden_weights, self.initial_states))

    # -- constructors ---------------------------------------------------------------
    @classmethod
    def random(cls, depth: int, hidden: int, inputs: int, outputs: int = 1, *, seed=0,
               hidden_init: str = "gaussian", max_memory: MemoryLike = None) -> RAC:
        """A RAC with seeded Gaussian weights, scaled so that its outputs do not shrink or grow with ``T``.

        Entries are drawn from N(0, 1/fan_in); then each layer's input weights
        ``W^{I,l}`` are multiplied by one number, ``exp(-lambda_l)``, where
        ``lambda_l`` is the layer's growth rate per step (the mean of
        ``log |h_t| - log |h_{t-1}|``) on uniformly random one-hot inputs, its
        input rescaled to norm ``sqrt(R)`` (:func:`_growth_rates`).  Each step
        multiplies the state entry by entry by an input factor, so without
        this the outputs shrank geometrically (``1e-7`` at ``L = 2``,
        ``T = 6``).  Certified ranks do not depend on the scale (the grid
        matricization is multiplied by one nonzero number).  At depth 1 the
        typical output then stays O(1) for every ``T``; deeper, the layer
        below's own fluctuation (a random walk of ``log |h_t|``) still spreads
        the outputs as ``T`` grows, which no scale removes.

        Examples
        --------
        >>> X = np.eye(3)[np.random.default_rng(1).integers(0, 3, size=(2000, 24))]   # one-hot, T up to 24
        >>> rac = RAC.random(1, 8, 3, seed=0)
        >>> typical = [float(np.median(np.abs(rac(X[:, :T])))) for T in (2, 6, 12, 24)]
        >>> all(0.05 < v < 20 for v in typical)
        True

        Parameters
        ----------
        depth, hidden, inputs, outputs : int
            ``L``, ``R``, ``M`` and ``C``, each at least 1.
        seed : int or numpy.random.Generator
            Seed of the draw.
        hidden_init : {"gaussian", "orthogonal"}
            ``"orthogonal"`` draws each ``W^{H,l}`` uniformly from the
            orthogonal group (QR of a Gaussian matrix, signs fixed).
        max_memory : int, str or None
            Refuse weights whose :func:`weights_memory` is above this (default 4 GiB).
        """
        L = check_positive_int(depth, "depth")
        R = check_positive_int(hidden, "hidden")
        M = check_positive_int(inputs, "inputs")
        C = check_positive_int(outputs, "outputs")
        if hidden_init not in ("gaussian", "orthogonal"):
            raise InvalidParameterError("hidden_init", hidden_init, "'gaussian' or 'orthogonal'")
        check_seed(seed)
        check_weights_memory(L, R, M, C, max_memory)
        rng = np.random.default_rng(seed)
        wh, wi = [], []
        for layer in range(L):
            if hidden_init == "orthogonal":
                q, r = np.linalg.qr(rng.standard_normal((R, R)))
                wh.append(q * np.sign(np.diag(r)))
            else:
                wh.append(rng.standard_normal((R, R)) / np.sqrt(R))
            fan_in = M if layer == 0 else R
            wi.append(rng.standard_normal((R, fan_in)) / np.sqrt(fan_in))
        wo = rng.standard_normal((C, R)) / np.sqrt(R)
        for layer, rate in enumerate(_growth_rates(wh, wi, M)):
            wi[layer] = wi[layer] * np.exp(-rate)
        return cls(tuple(wh), tuple(wi), wo)

    @classmethod
    def random_modular(cls, depth: int, hidden: int, inputs: int, prime: int, outputs: int = 1, *,
                       seed=0, max_memory: MemoryLike = None) -> RAC:
        """A RAC over GF(prime) with weights drawn uniformly from ``0..prime-1``.

        Examples
        --------
        >>> rac = RAC.random_modular(2, 3, 3, prime=101, seed=0)
        >>> rac.modulus, int(rac.hidden_weights[0].max()) < 101
        (101, True)
        """
        L = check_positive_int(depth, "depth")
        R = check_positive_int(hidden, "hidden")
        M = check_positive_int(inputs, "inputs")
        C = check_positive_int(outputs, "outputs")
        p = check_prime(prime, "prime")
        check_seed(seed)
        check_weights_memory(L, R, M, C, max_memory)
        rng = np.random.default_rng(seed)
        wh = tuple(rng.integers(0, p, size=(R, R)) for _ in range(L))
        wi = tuple(rng.integers(0, p, size=(R, M if layer == 0 else R)) for layer in range(L))
        wo = rng.integers(0, p, size=(C, R))
        return cls(wh, wi, wo, modulus=p)

    # -- the Circuit interface ------------------------------------------------------
    kind = "rac"

    def layer_params(self) -> tuple[dict, ...]:
        """Per layer ``{"WH": W^{H,l}, "WI": W^{I,l}, "factor": W^{H,l} h^l_{-1}}``."""
        return tuple({"WH": wh, "WI": wi, "factor": f}
                     for wh, wi, f in zip(self.hidden_weights, self.input_weights, self.initial_factors()))

    def with_modulus(self, p: int) -> RAC:
        """The same weights as residues mod ``p`` (exact: floats are dyadic rationals)."""
        return RAC(self.hidden_weights, self.input_weights, self.output_weights, self.initial_states, modulus=p)


def _growth_rates(wh, wi, M: int, *, chains: int = 32, steps: int = 32) -> list[float]:
    """Per layer, the mean growth ``log |h_t| - log |h_{t-1}|`` on uniformly random one-hot inputs.

    Layer ``l`` is measured after layers ``0..l-1`` were rescaled by their
    rates, with its input (the state below) rescaled to norm ``sqrt(R)``:
    its typical size once that layer neither grows nor shrinks.  ``chains``
    independent input sequences of ``steps`` steps (fewer chains for wide
    circuits, about 2**25 multiply-adds at most; a fixed draw, seed 0, so
    the rates depend on the weights only), the first eighth of each dropped.
    """
    L, R = len(wh), wh[0].shape[0]
    chains = int(min(chains, max(2, 2**25 // (steps * R * R * L * (L + 1) // 2 + 1))))   # bounded work
    xs = np.random.default_rng(0).integers(0, M, size=(steps, chains))
    burn = steps // 8
    scaled = [np.array(w, dtype=np.float64) for w in wi]
    rates: list[float] = []
    root = np.sqrt(R)
    for k in range(L):
        v: list = [None] * (k + 1)
        total = 0.0
        for t in range(steps):
            below = scaled[0][:, xs[t]].T                      # (chains, R)
            for j in range(k + 1):
                factor = below if j == 0 else below @ scaled[j].T
                u = factor if t == 0 else (v[j] @ wh[j].T) * factor
                n = np.linalg.norm(u, axis=1)
                if not np.all(np.isfinite(n)) or np.any(n == 0.0):
                    return rates + [0.0] * (L - len(rates))   # a degenerate draw: left unscaled from here
                v[j] = u * (root / n)[:, None]
                below = v[j]
            if t >= max(burn, 1):
                total += float(np.mean(np.log(n / root)))
        rate = total / (steps - max(burn, 1))
        scaled[k] = scaled[k] * np.exp(-rate)
        rates.append(rate)
    return rates
