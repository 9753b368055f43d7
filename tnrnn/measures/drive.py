r"""Driving a recurrent model one step at a time: the state, the step map and the readout of any model.

The memory measures (:mod:`~tnrnn.measures.capacity`, :mod:`~tnrnn.measures.retention`,
:mod:`~tnrnn.measures.horizon`, :mod:`~tnrnn.measures.lyapunov`) see every model as
a driven dynamical system

.. math:: s_{t} = F(s_{t-1}, x_t, t), \qquad s_{-1} = 0, \qquad h_t = P s_t, \qquad y_t = g(h_t),

with :math:`s_t` the *full state* (every layer's hidden state, and the cell
states of an LSTM, concatenated bottom layer first), :math:`h_t` the
*observed state* (the top layer's hidden state: what a readout sees) and
:math:`g` the model's readout (the identity when it has none).  A
:class:`Stepper` holds :math:`F`, :math:`P` and :math:`g`, written once for
numpy and torch arrays, so that states come from numpy (no torch needed) and
Jacobians and gradients from torch's autograd on the same equations.

Models it reads (:func:`stepper`):

* :class:`EchoStateNetwork` (leaky tanh or linear reservoir, defined here),
  and reservoirpy ``Reservoir`` nodes through :meth:`EchoStateNetwork.from_reservoirpy`,
* :class:`tnrnn.memory.LinearRNN` (``s = h``, ``y = c h``; continuous time
  steps with its exact zero-order hold),
* :class:`tnrnn.bridge.RecurrentModel` (``rnn_tanh``, ``rnn_relu``, ``gru``,
  ``lstm``, ``mirnn``, torch's equations, see :mod:`tnrnn.bridge.models`),
  scoRNN's :class:`tnrnn.bridge.modules.ModReLUModel` (its fixed ``h0`` enters at ``t = 0``),
  :class:`tnrnn.bridge.Imported` and :class:`tnrnn.RAC` (float weights),
* :class:`tnrnn.circuits.GatedCircuit` (``ssm``, ``gla``: every layer's state,
  then the top layer's output ``y``) and :class:`tnrnn.bridge.mamba.MambaModel`
  (per layer its SSM state and conv window, then the top residual stream),
* torch modules: ``nn.RNN``/``GRU``/``LSTM``, :class:`tnrnn.bridge.nn.RACModule`,
  :class:`tnrnn.bridge.nn.MIRNN`, :class:`tnrnn.bridge.nn.CircuitModule`, mambapy's ``Mamba``
  inside a wrapper (through :func:`tnrnn.bridge.from_module`) and
  the task models of :func:`tnrnn.tasks.models.build_model` (through their
  exported weights).

The multiplicative cells (RAC, MIRNN) use the hidden factor :math:`\mathbf 1`
at :math:`t = 0` (``W_hh h := 1``), as :mod:`tnrnn.bridge` does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["EchoStateNetwork", "Stepper", "stepper", "hidden_states", "model_label"]


@dataclass(frozen=True, eq=False)
class EchoStateNetwork:
    r"""A leaky echo-state reservoir (Jaeger 2001): :math:`s_t = (1-a) s_{t-1} + a\,f(W s_{t-1} + W_{in} x_t + b)`.

    Parameters
    ----------
    W : array, shape (N, N)
    W_in : array, shape (N, M) or (N,)
    bias : array, shape (N,), optional
    leak : float
        ``a`` in (0, 1].
    activation : {"tanh", "identity"}
        ``f``; ``"identity"`` makes a linear reservoir.

    Examples
    --------
    >>> esn = EchoStateNetwork.random(50, spectral_radius=0.9, seed=0)
    >>> esn.units, esn.inputs, round(float(np.max(np.abs(np.linalg.eigvals(esn.W)))), 6)
    (50, 1, 0.9)
    >>> hidden_states(esn, np.zeros((2, 5, 1))).shape
    (2, 5, 50)
    """

    W: np.ndarray
    W_in: np.ndarray
    bias: np.ndarray | None = None
    leak: float = 1.0
    activation: str = "tanh"

    def __post_init__(self):
        W = np.asarray(self.W, dtype=np.float64)
        if W.ndim != 2 or W.shape[0] != W.shape[1] or W.shape[0] < 1 or not np.all(np.isfinite(W)):
            raise InvalidParameterError("W", W.shape, "a finite square matrix (N, N)")
        W_in = np.asarray(self.W_in, dtype=np.float64)
        if W_in.ndim == 1:
            W_in = W_in[:, None]
        if W_in.ndim != 2 or W_in.shape[0] != W.shape[0] or not np.all(np.isfinite(W_in)):
            raise InvalidParameterError("W_in", W_in.shape, f"a finite ({W.shape[0]}, M) matrix")
        bias = None if self.bias is None else np.asarray(self.bias, dtype=np.float64)
        if bias is not None and (bias.shape != (W.shape[0],) or not np.all(np.isfinite(bias))):
            raise InvalidParameterError("bias", bias.shape, f"a finite vector of shape ({W.shape[0]},)")
        if not (isinstance(self.leak, (int, float)) and 0 < self.leak <= 1):
            raise InvalidParameterError("leak", self.leak, "a number in (0, 1]")
        if self.activation not in ("tanh", "identity"):
            raise InvalidParameterError("activation", self.activation, "'tanh' or 'identity'")
        object.__setattr__(self, "W", W)
        object.__setattr__(self, "W_in", W_in)
        object.__setattr__(self, "bias", bias)
        object.__setattr__(self, "leak", float(self.leak))

    @classmethod
    def random(cls, units: int, inputs: int = 1, *, spectral_radius: float = 0.9, input_scaling: float = 1.0,
               leak: float = 1.0, activation: str = "tanh", seed=None) -> EchoStateNetwork:
        """A dense Gaussian reservoir scaled to ``spectral_radius``, inputs uniform in ``[-input_scaling, input_scaling]``."""
        from ..validation import check_positive_int

        N = check_positive_int(units, "units")
        M = check_positive_int(inputs, "inputs")
        if not (isinstance(spectral_radius, (int, float)) and spectral_radius >= 0):
            raise InvalidParameterError("spectral_radius", spectral_radius, "a number >= 0")
        rng = np.random.default_rng(seed)
        A = rng.standard_normal((N, N))
        rho = float(np.max(np.abs(np.linalg.eigvals(A))))
        W = A * (spectral_radius / rho) if rho > 0 else A
        return cls(W, rng.uniform(-input_scaling, input_scaling, size=(N, M)), None, leak, activation)

    @classmethod
    def from_reservoirpy(cls, node, inputs: int | None = None) -> EchoStateNetwork:
        """The reservoir of a reservoirpy ``Reservoir`` node (or of a model holding exactly one), same equations.

        reservoirpy steps ``s' = (1 - lr) s + lr f(W s + Win x + bias)``: this
        class's with ``leak = lr``.  Its sparse ``W`` and ``Win`` are made
        dense.  A node not yet initialized is initialized for ``inputs`` input
        dimensions (or its own ``input_dim``).  Only ``tanh`` and ``identity``
        activations, a scalar ``lr`` and no noise are read; anything else is
        refused, naming it.

        Examples
        --------
        >>> from reservoirpy.nodes import Reservoir          # doctest: +SKIP
        >>> esn = EchoStateNetwork.from_reservoirpy(Reservoir(20, lr=0.5, seed=0), inputs=1)   # doctest: +SKIP
        >>> esn.units, esn.leak                               # doctest: +SKIP
        (20, 0.5)
        """
        nodes = getattr(node, "nodes", None)
        if nodes is not None:   # a reservoirpy Model: its one Reservoir
            found = [n for n in nodes if type(n).__name__ == "Reservoir"]
            if len(found) != 1:
                raise InvalidParameterError("node", f"a model with {len(found)} Reservoir nodes",
                                            "a reservoirpy Reservoir, or a model holding exactly one")
            node = found[0]
        if not type(node).__module__.startswith("reservoirpy") or not hasattr(node, "W") or not hasattr(node, "lr"):
            raise InvalidParameterError("node", type(node).__name__, "a reservoirpy Reservoir node")
        if not getattr(node, "initialized", True):
            dim = inputs if inputs is not None else getattr(node, "input_dim", None)
            if dim is None:
                raise InvalidParameterError("inputs", None, "the input dimension of an uninitialized Reservoir "
                                            "(or run the node once)")
            node.initialize(np.zeros((1, int(dim))))

        def dense(a):
            return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=np.float64)

        for noise in ("noise_rc", "noise_in", "noise_fb"):
            if getattr(node, noise, None):
                raise InvalidParameterError(noise, getattr(node, noise), "0 (a noisy reservoir has no fixed map)")
        lr = np.asarray(node.lr, dtype=np.float64)
        if lr.size != 1:
            raise InvalidParameterError("lr", "a leak rate per unit", "one leak rate for every unit")
        f = node.activation
        name = getattr(f, "__name__", str(f))
        if name not in ("tanh", "identity"):
            raise InvalidParameterError("activation", name, "'tanh' or 'identity'")
        W = dense(node.W)
        bias = dense(node.bias) if not np.isscalar(node.bias) else np.full(W.shape[0], float(node.bias))
        return cls(W, dense(node.Win), bias.reshape(-1) if np.any(bias) else None, float(lr.reshape(-1)[0]), name)

    @property
    def units(self) -> int:
        """``N``."""
        return self.W.shape[0]

    @property
    def inputs(self) -> int:
        """``M``."""
        return self.W_in.shape[1]

    @property
    def outputs(self) -> int:
        """``N``: the reservoir has no readout; its output is its state."""
        return self.units

    def __repr__(self) -> str:
        return f"EchoStateNetwork(units={self.units}, inputs={self.inputs}, leak={self.leak}, {self.activation})"


# -- array namespaces ---------------------------------------------------------------------------
_TENSORS: dict = {}

def _xp(like) -> SimpleNamespace:
    """tanh/sigmoid/relu/concatenate/asarray for numpy arrays or torch tensors (the kind of ``like``)."""
    if isinstance(like, np.ndarray):
        return SimpleNamespace(
            tanh=np.tanh, sigmoid=lambda z: 0.5 * (1.0 + np.tanh(0.5 * z)), relu=lambda z: np.maximum(z, 0.0),
            cat=lambda xs: np.concatenate(xs, axis=-1), asarray=lambda a: np.asarray(a, dtype=like.dtype),
            ones=lambda n, m: np.ones((n, m), dtype=like.dtype), sign=np.sign, abs=np.abs,
        )
    import torch

    dtype, device = like.dtype, like.device

    def asarray(a):
        # The weights are converted once per dtype and device (the cache holds the array, so ids stay unique).
        key = (id(a), dtype, str(device))
        hit = _TENSORS.get(key)
        if hit is not None and hit[0] is a:
            return hit[1]
        tensor = torch.tensor(np.array(a), dtype=dtype, device=device)
        if len(_TENSORS) > 512:
            _TENSORS.clear()
        _TENSORS[key] = (a, tensor)
        return tensor

    return SimpleNamespace(
        tanh=torch.tanh, sigmoid=torch.sigmoid, relu=torch.relu, cat=lambda xs: torch.cat(xs, dim=-1),
        asarray=asarray,
        ones=lambda n, m: torch.ones((n, m), dtype=like.dtype, device=like.device), sign=torch.sign, abs=torch.abs,
    )


@dataclass(frozen=True, eq=False)
class Stepper:
    """The step map of a model (see the module docstring).

    Attributes
    ----------
    name : str
        The model's kind (``"esn"``, ``"linear"``, ``"rnn_tanh"``, ``"gru"``, ``"lstm"``, ``"rac"``, ...).
    dim : int
        ``D``, the size of the full state ``s``.
    observed : slice
        Where the observed state ``h`` (the top layer) sits in ``s``.
    inputs : int
        ``M``.
    outputs : int
        ``C``, the readout's outputs (``len(h)`` without a readout).
    step : callable
        ``step(s, x, t) -> s'`` on ``(N, D)`` states and ``(N, M)`` inputs, numpy or torch.
    readout : callable
        ``readout(h) -> y``.
    """

    name: str
    dim: int
    observed: slice
    inputs: int
    outputs: int
    step: Callable
    readout: Callable

    def run(self, X, *, full: bool = False):
        """States at every step, ``(N, T, D)`` (``full``) or observed ``(N, T, H)``, from ``s_{-1} = 0``.

        ``X`` is a numpy array or a torch tensor ``(N, T, M)``; the result has its kind.
        """
        n, T = X.shape[0], X.shape[1]
        if X.shape[2] != self.inputs:
            raise InvalidParameterError("X", tuple(X.shape), f"inputs of shape (N, T, {self.inputs})")
        xp = _xp(X)
        s = xp.asarray(np.zeros((n, self.dim)))
        out = []
        for t in range(T):
            s = self.step(s, X[:, t], t)
            out.append(s if full else s[:, self.observed])
        if isinstance(X, np.ndarray):
            return np.stack(out, axis=1)
        import torch

        return torch.stack(out, dim=1)

    def __call__(self, X):
        """The outputs ``y`` at the last step, ``(N, C)``."""
        return self.readout(self.run(X)[:, -1])


def _linear_readout(W, b=None):
    def readout(h):
        xp = _xp(h)
        y = h @ xp.asarray(W).T
        return y if b is None else y + xp.asarray(b)

    return readout


def _identity(h):
    return h


def _esn(model: EchoStateNetwork) -> Stepper:
    W, Win, b, a, lin = model.W, model.W_in, model.bias, model.leak, model.activation == "identity"

    def step(s, x, t):
        xp = _xp(s)
        pre = s @ xp.asarray(W).T + x @ xp.asarray(Win).T
        if b is not None:
            pre = pre + xp.asarray(b)
        new = pre if lin else xp.tanh(pre)
        return new if a == 1.0 else (1.0 - a) * s + a * new

    return Stepper("esn", model.units, slice(0, model.units), model.inputs, model.units, step, _identity)


def _linear(model) -> Stepper:
    A, B = model.discretized()

    def step(s, x, t):
        xp = _xp(s)
        return s @ xp.asarray(A).T + x @ xp.asarray(B).T

    m = model.width
    return Stepper("linear", m, slice(0, m), model.inputs, model.outputs, step, _linear_readout(model.c))


def _gates(pre, H):
    return [pre[:, g * H:(g + 1) * H] for g in range(pre.shape[1] // H)]


def _recurrent(model) -> Stepper:
    arch, L, H = model.arch, model.depth, model.hidden
    layers = model.layers
    per = 2 * H if arch == "lstm" else H  # state entries per layer: (h, c) for an LSTM
    phi = model.nonlinearity

    def cell(k, h, c, x, t, xp):
        layer = layers[k]
        if arch == "mirnn":
            hid = xp.ones(h.shape[0], H) if t == 0 else h @ xp.asarray(layer.weight_hh).T
            pre = hid * (x @ xp.asarray(layer.weight_ih).T)
            if layer.bias_ih is not None:
                pre = pre + xp.asarray(layer.bias_ih)
            f = {"tanh": xp.tanh, "relu": xp.relu, "sigmoid": xp.sigmoid, "identity": _identity}[phi]
            return f(pre), None
        gi = x @ xp.asarray(layer.weight_ih).T
        if layer.bias_ih is not None:
            gi = gi + xp.asarray(layer.bias_ih)
        gh = h @ xp.asarray(layer.weight_hh).T
        if layer.bias_hh is not None:
            gh = gh + xp.asarray(layer.bias_hh)
        if arch in ("rnn_tanh", "rnn_relu"):
            return (xp.tanh if arch == "rnn_tanh" else xp.relu)(gi + gh), None
        if arch == "gru":
            ir, iz, i_n = _gates(gi, H)
            hr, hz, hn = _gates(gh, H)
            r, z = xp.sigmoid(ir + hr), xp.sigmoid(iz + hz)
            n = xp.tanh(i_n + r * hn)
            return (1.0 - z) * n + z * h, None
        i, f, g, o = _gates(gi + gh, H)
        c_new = xp.sigmoid(f) * c + xp.sigmoid(i) * xp.tanh(g)
        return xp.sigmoid(o) * xp.tanh(c_new), c_new

    def step(s, x, t):
        xp = _xp(s)
        parts, below = [], x
        for k in range(L):
            blk = s[:, k * per:(k + 1) * per]
            h_new, c_new = cell(k, blk[:, :H], blk[:, H:] if arch == "lstm" else None, below, t, xp)
            parts += [h_new] if c_new is None else [h_new, c_new]
            below = h_new
        return xp.cat(parts)

    top = slice((L - 1) * per, (L - 1) * per + H)
    readout = _identity if model.readout_weight is None else _linear_readout(model.readout_weight, model.readout_bias)
    return Stepper(arch, L * per, top, model.inputs, model.outputs, step, readout)


def _rac(model) -> Stepper:
    if model.modulus is not None:
        raise InvalidParameterError("model", "a RAC over GF(p)", "a RAC with float weights")
    L, R = model.depth, model.hidden
    factors = model.initial_factors()

    def step(s, x, t):
        xp = _xp(s)
        parts, below = [], x
        for k in range(L):
            inp = below @ xp.asarray(model.input_weights[k]).T
            hid = xp.asarray(factors[k]) + 0.0 * s[:, k * R:(k + 1) * R] if t == 0 else \
                s[:, k * R:(k + 1) * R] @ xp.asarray(model.hidden_weights[k]).T
            below = hid * inp
            parts.append(below)
        return xp.cat(parts)

    return Stepper("rac", L * R, slice((L - 1) * R, L * R), model.inputs, model.outputs, step,
                   _linear_readout(model.output_weights))


def _circuit(model) -> Stepper:
    """Any :class:`~tnrnn.circuits.GatedCircuit` (``ssm``, ``gla``, ...): every layer's state, then the top output."""
    if model.modulus is not None:
        raise InvalidParameterError("model", f"a {model.kind} circuit over GF(p)", "a circuit with float weights")
    kind, L, R = model.layer_kind, model.depth, model.hidden
    shape = kind.state_shape(R)
    size = kind.state_size(R)
    params = model.layer_params()

    def step(s, x, t):
        xp = _xp(s)
        n = s.shape[0]
        states = [None if t == 0 else s[:, k * size:(k + 1) * size].reshape((n, *shape)) for k in range(L)]
        weights = tuple({name: xp.asarray(w) for name, w in lp.items()} for lp in params)
        top = model.advance(states, x, weights)
        return xp.cat([h.reshape(n, size) for h in states] + [top])

    return Stepper(kind.name, L * size + R, slice(L * size, L * size + R), model.inputs, model.outputs, step,
                   _linear_readout(model.output_weights))


def _mamba(model) -> Stepper:
    """A :class:`~tnrnn.bridge.mamba.MambaModel`: per layer ``h`` (E x N) and the conv window (E x (d-1)), then the
    top layer's residual stream (what the readout reads)."""
    from ..bridge.mamba import _xp as mamba_xp

    sizes = [(layer.d_inner, layer.d_state, layer.d_conv - 1) for layer in model.layers]
    per = [E * Ns + E * k for E, Ns, k in sizes]
    top = sum(per)
    D = model.d_model

    def step(s, x, t):
        xp, mx = _xp(s), mamba_xp(s)
        n, states, at = s.shape[0], [], 0
        for (E, Ns, k), size in zip(sizes, per):
            blk = s[:, at:at + size]
            states.append((blk[:, :E * Ns].reshape(n, E, Ns), blk[:, E * Ns:].reshape(n, E, k)))
            at += size
        out = model.advance(states, x, model.arrays(mx), mx)
        return xp.cat([part.reshape(n, -1) for h, w in states for part in (h, w)] + [out])

    readout = _identity if model.readout_weight is None else _linear_readout(model.readout_weight, model.readout_bias)
    return Stepper("mamba", top + D, slice(top, top + D), model.inputs, model.outputs, step, readout)


def _diagonal(model) -> Stepper:
    """A :class:`~tnrnn.memory.diagonal.DiagonalRecurrence`: its real-form state, then (with a feedthrough ``D``,
    which reads it) the last input."""
    lin = model.to_linear()
    W, U = lin.W, lin.U
    _, _, c = model._real_form()
    m, M = model.state_size, model.inputs
    k = 0 if model.D is None else M
    out = c if model.D is None else np.concatenate([c, model.D], axis=1)
    if model.readout_weight is not None:
        out = model.readout_weight @ out

    def step(s, x, t):
        xp = _xp(s)
        h = s[:, :m] @ xp.asarray(W).T + x @ xp.asarray(U).T
        return h if k == 0 else xp.cat([h, x])

    return Stepper(model.arch, m + k, slice(0, m + k), M, model.outputs, step,
                   _linear_readout(out, model.readout_bias))


def _modrelu(model) -> Stepper:
    """scoRNN (:class:`tnrnn.bridge.modules.ModReLUModel`): its fixed initial state ``h0`` enters at ``t = 0``."""
    L, H = model.depth, model.hidden

    def step(s, x, t):
        xp = _xp(s)
        parts, below = [], x
        for k in range(L):
            h = s[:, k * H:(k + 1) * H]
            h = xp.asarray(model.h0[k]) + 0.0 * h if t == 0 else h
            z = below @ xp.asarray(model.weight_ih[k]).T + h @ xp.asarray(model.weight_hh[k]).T
            below = xp.sign(z) * xp.relu(xp.abs(z) + xp.asarray(model.bias[k]))
            parts.append(below)
        return xp.cat(parts)

    return Stepper("scornn", L * H, slice((L - 1) * H, L * H), model.inputs, model.outputs, step,
                   _linear_readout(model.readout_weight, model.readout_bias))


def _torch_module(model):
    import sys

    torch = sys.modules.get("torch")
    if torch is None or not isinstance(model, torch.nn.Module):
        return None
    from ..bridge import from_module
    from ..bridge.mapping import from_state_dict

    arch = getattr(model, "arch", None)
    if isinstance(arch, str) and (hasattr(model, "rnn") or hasattr(model, "net")):
        from ..tasks.models import ARCHS, bridge_arch, export_state_dict

        state = export_state_dict(model) if arch in ARCHS else {
            k: v.detach().cpu() for k, v in model.state_dict().items()}
        name = bridge_arch(arch) if arch in ARCHS else ("rnn_tanh" if arch == "rnn" else arch)
        return from_state_dict(state, name)
    return from_module(model)


def stepper(model) -> Stepper:
    """The :class:`Stepper` of ``model`` (see the module docstring for the models read).

    Examples
    --------
    >>> from tnrnn import RAC
    >>> rac = RAC.random(depth=2, hidden=3, inputs=4, seed=1)
    >>> st = stepper(rac)
    >>> st.name, st.dim, st.observed
    ('rac', 6, slice(3, 6, None))
    >>> X = np.random.default_rng(0).normal(size=(2, 5, 4))
    >>> bool(np.allclose(st(X), rac(X)))
    True
    """
    from ..bridge.mamba import MambaModel
    from ..bridge.mapping import Imported
    from ..bridge.models import RecurrentModel
    from ..bridge.modules import ModReLUModel
    from ..circuits import RAC, GatedCircuit
    from ..memory.diagonal import DiagonalRecurrence
    from ..memory.linear import LinearRNN

    if isinstance(model, Stepper):
        return model
    if isinstance(model, EchoStateNetwork):
        return _esn(model)
    if isinstance(model, LinearRNN):
        return _linear(model)
    if isinstance(model, Imported):
        model = model.model
    if isinstance(model, RecurrentModel):
        return _recurrent(model)
    if isinstance(model, RAC):
        return _rac(model)
    if isinstance(model, GatedCircuit):
        return _circuit(model)
    if isinstance(model, MambaModel):
        return _mamba(model)
    if isinstance(model, DiagonalRecurrence):
        return _diagonal(model)
    if isinstance(model, ModReLUModel):
        return _modrelu(model)
    if type(model).__module__.startswith("reservoirpy"):
        return _esn(EchoStateNetwork.from_reservoirpy(model))
    imported = _torch_module(model)
    if imported is not None:
        return stepper(imported)
    raise InvalidParameterError(
        "model", type(model).__name__,
        "an EchoStateNetwork, LinearRNN, RecurrentModel, Imported, RAC, a torch recurrent module or a reservoirpy "
        "Reservoir")


def model_label(model) -> str:
    """A one-line description of a model for reports."""
    st = stepper(model)
    return f"{st.name} (state {st.dim}, observed {st.observed.stop - st.observed.start}, inputs {st.inputs})"


def hidden_states(model, X, *, full: bool = False) -> np.ndarray:
    """The observed (or ``full``) states of ``model`` driven by ``X`` (N, T, M), float64 numpy, ``s_{-1} = 0``.

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN
    >>> rnn = LinearRNN([[0.5]], [1.0], [1.0])
    >>> hidden_states(rnn, np.ones((1, 3, 1)))[0, :, 0].tolist()
    [1.0, 1.5, 1.75]
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim == 2:
        X = X[None]
    if X.ndim != 3:
        raise InvalidParameterError("X", X.shape, "an array (N, T, M)")
    return stepper(model).run(X, full=full)
