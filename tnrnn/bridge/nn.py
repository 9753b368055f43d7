"""Trainable torch modules whose weights map onto tnrnn's circuits.

:class:`RACModule` is a recurrent arithmetic circuit (RAC) as a
``torch.nn.Module``: its parameters are named and shaped exactly as the
arguments of :class:`tnrnn.RAC`, so a trained module imports into a
:class:`~tnrnn.RAC` without loss (:func:`tnrnn.bridge.from_module`) and every
exact rank tool applies to it.

:class:`MIRNN` is a multiplicative-integration RNN (Wu et al., 2016, in its
simplest form): per layer ``l``

    h^l_t = phi((W^{H,l} h^l_{t-1}) * (W^{I,l} h^{l-1}_t) + b^l)

with ``h^0_t = x_t``.  Without ``phi`` and ``b`` it is a RAC; it imports as
that RAC, with the nonlinearity and biases listed as dropped.

Both follow the RAC's initial convention: at ``t = 0`` the hidden factor
``W^{H,l} h^l_{-1}`` is the all-ones vector, so ``h^l_0`` depends on the
input alone.  Both read the last top-layer state through a linear readout
``y = W^O h^L_{T-1}`` without bias.

This module needs torch (``pip install 'tnrnn[torch]'``); importing it
without torch raises :class:`~tnrnn.errors.MissingDependencyError`.

Examples
--------
>>> import torch
>>> from tnrnn.bridge.nn import RACModule
>>> _ = torch.manual_seed(0)
>>> net = RACModule(depth=2, hidden=3, inputs=4, outputs=2)
>>> net(torch.randn(5, 6, 4)).shape
torch.Size([5, 2])
>>> sorted(net.state_dict())
['hidden_weights.0', 'hidden_weights.1', 'input_weights.0', 'input_weights.1', 'output_weights']
"""

from __future__ import annotations

import math

import numpy as np

from ..circuits import CircuitShape
from ..errors import InvalidParameterError, MissingDependencyError
from ..validation import check_positive_int

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - exercised only without torch
    raise MissingDependencyError("torch", "tnrnn.bridge.nn (trainable RAC and MIRNN modules)", extra="torch") from None

__all__ = ["RACModule", "MIRNN", "CircuitModule", "circuit_module", "NONLINEARITIES"]

#: The nonlinearities ``phi`` an :class:`MIRNN` accepts.
NONLINEARITIES = ("tanh", "relu", "sigmoid", "identity")


def _gaussian(shape, fan_in, generator, device, dtype):
    w = torch.empty(shape, device=device, dtype=dtype)
    with torch.no_grad():
        w.normal_(0.0, 1.0 / math.sqrt(fan_in), generator=generator)
    return nn.Parameter(w)


def _generator(seed):
    if seed is None:
        return None
    if isinstance(seed, bool):
        raise InvalidParameterError("seed", seed, "an integer or None")
    try:
        seed = int(seed)
    except (TypeError, ValueError):
        raise InvalidParameterError("seed", seed, "an integer or None") from None
    return torch.Generator().manual_seed(seed)


def _time_major(X, batch_first: bool, inputs: int, name: str = "X"):
    """``X`` as (T, N, M), checked."""
    if X.dim() == 2:
        X = X.unsqueeze(0) if batch_first else X.unsqueeze(1)
    if X.dim() != 3 or X.shape[2] != inputs or X.shape[0] < 1 or X.shape[1] < 1:
        layout = "(N, T, M)" if batch_first else "(T, N, M)"
        raise InvalidParameterError(name, tuple(X.shape), f"a tensor of shape {layout} with M = {inputs}")
    return X.transpose(0, 1) if batch_first else X


class _MultiplicativeStack(nn.Module, CircuitShape):
    """Shared parameters and recurrence of :class:`RACModule` and :class:`MIRNN`."""

    def __init__(self, depth, hidden, inputs, outputs, batch_first, seed, device, dtype):
        super().__init__()
        L = check_positive_int(depth, "depth")
        R = check_positive_int(hidden, "hidden")
        M = check_positive_int(inputs, "inputs")
        C = check_positive_int(outputs, "outputs")
        self.batch_first = bool(batch_first)
        gen = _generator(seed)
        # N(0, 1/fan_in) entries, as RAC.random: activations keep their scale on one-hot inputs.
        self.hidden_weights = nn.ParameterList([_gaussian((R, R), R, gen, device, dtype) for _ in range(L)])
        self.input_weights = nn.ParameterList(
            [_gaussian((R, M if layer == 0 else R), M if layer == 0 else R, gen, device, dtype) for layer in range(L)]
        )
        self.output_weights = _gaussian((C, R), R, gen, device, dtype)

    def _activate(self, pre, layer):
        return pre

    def forward(self, X):
        """Outputs ``y = W^O h^L_{T-1}`` for a batch of sequences.

        Parameters
        ----------
        X : torch.Tensor, shape (N, T, M), or (T, N, M) if not ``batch_first``
            A single sequence of shape (T, M) is also accepted.

        Returns
        -------
        torch.Tensor, shape (N, C)
        """
        X = _time_major(X, self.batch_first, self.inputs)
        below_seq = X
        for layer in range(self.depth):
            W_h, W_i = self.hidden_weights[layer], self.input_weights[layer]
            # All time steps' input factors in one product; the recurrence is what stays sequential.
            inp = below_seq @ W_i.T
            h = self._activate(inp[0], layer)  # t = 0: the hidden factor is all ones
            states = [h]
            for t in range(1, inp.shape[0]):
                h = self._activate((h @ W_h.T) * inp[t], layer)
                states.append(h)
            below_seq = torch.stack(states) if layer + 1 < self.depth else None
        return h @ self.output_weights.T

    def extra_repr(self) -> str:
        return (f"depth={self.depth}, hidden={self.hidden}, inputs={self.inputs}, outputs={self.outputs}, "
                f"batch_first={self.batch_first}")


class RACModule(_MultiplicativeStack):
    """A trainable recurrent arithmetic circuit.

    Computes, for ``t = 0..T-1`` and ``l = 1..L``::

        h^0_t = x_t
        h^l_t = (W^{H,l} h^l_{t-1}) * (W^{I,l} h^{l-1}_t)
        y     = W^O h^L_{T-1}

    with the hidden factor all ones at ``t = 0``, exactly as :class:`tnrnn.RAC`.

    Parameters
    ----------
    depth, hidden, inputs, outputs : int
        ``L``, ``R``, ``M`` and ``C``.
    batch_first : bool
        Whether inputs are (N, T, M) (default) or (T, N, M).
    seed : int, optional
        Seed of the initial weights (else torch's global generator is used).
        Entries are drawn from N(0, 1/fan_in), as :meth:`tnrnn.RAC.random`.
    device, dtype : optional
        Where and in which floating type the parameters live.

    Attributes
    ----------
    hidden_weights : torch.nn.ParameterList
        ``W^{H,l}``, each (R, R).
    input_weights : torch.nn.ParameterList
        ``W^{I,1}`` (R, M), then ``W^{I,l}`` (R, R).
    output_weights : torch.nn.Parameter
        ``W^O`` (C, R).

    See Also
    --------
    tnrnn.RAC : the circuit these parameters define.
    tnrnn.bridge.from_module : import a trained module as a :class:`tnrnn.RAC`.

    Examples
    --------
    >>> import torch
    >>> net = RACModule(depth=1, hidden=2, inputs=3, seed=0)
    >>> X = torch.eye(3)[torch.tensor([[0, 1, 2, 0]])]    # one one-hot sequence, T = 4
    >>> y = net(X)
    >>> rac = net.to_rac()
    >>> bool(torch.allclose(y.double(), rac(X.double())))
    True
    """

    def __init__(self, depth: int, hidden: int, inputs: int, outputs: int = 1, batch_first: bool = True, *,
                 seed=None, device=None, dtype=None):
        super().__init__(depth, hidden, inputs, outputs, batch_first, seed, device, dtype)

    @classmethod
    def from_rac(cls, rac, batch_first: bool = True, *, device=None, dtype=None) -> RACModule:
        """A module holding the weights of ``rac`` (a float :class:`tnrnn.RAC`), e.g. to train it further.

        Raises
        ------
        InvalidParameterError
            If ``rac`` is over a prime field or has initial states, which the
            module does not represent.
        """
        from ..circuits import RAC

        if not isinstance(rac, RAC):
            raise InvalidParameterError("rac", type(rac).__name__, "a tnrnn.RAC")
        if rac.modulus is not None or rac.initial_states is not None:
            raise InvalidParameterError("rac", rac, "a float RAC without initial states")
        module = cls(rac.depth, rac.hidden, rac.inputs, rac.outputs, batch_first, seed=0, device=device, dtype=dtype)
        with torch.no_grad():
            for param, w in zip((*module.hidden_weights, *module.input_weights, module.output_weights),
                                (*rac.hidden_weights, *rac.input_weights, rac.output_weights), strict=True):
                param.copy_(torch.as_tensor(np.array(w)))
        return module

    def to_rac(self):
        """The :class:`tnrnn.RAC` with this module's current weights (exact, float64)."""
        from .mapping import from_state_dict

        state = {k: v.detach() for k, v in self.state_dict().items()}
        return from_state_dict(state, "rac", prefix="", source=f"torch module {type(self).__name__}").model

    def to_circuit(self):
        """:meth:`to_rac`, under the name :meth:`CircuitModule.to_circuit` has (a RAC is a circuit)."""
        return self.to_rac()


class MIRNN(_MultiplicativeStack):
    """A multiplicative-integration RNN, stackable to depth ``L``.

    Computes, for ``t = 0..T-1`` and ``l = 1..L``::

        h^0_t = x_t
        h^l_t = phi((W^{H,l} h^l_{t-1}) * (W^{I,l} h^{l-1}_t) + b^l)
        y     = W^O h^L_{T-1}

    with the hidden factor ``W^{H,l} h^l_{-1}`` all ones at ``t = 0`` (the
    convention of :class:`tnrnn.RAC`).  With ``nonlinearity="identity"`` and
    ``bias=False`` it is a :class:`RACModule`.

    Parameters
    ----------
    depth, hidden, inputs, outputs : int
        ``L``, ``R``, ``M`` and ``C``.
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        ``phi``.
    bias : bool
        Whether each layer adds a trainable bias ``b^l`` (initialised to 0).
    batch_first : bool
        Whether inputs are (N, T, M) (default) or (T, N, M).
    seed : int, optional
        Seed of the initial weights, drawn from N(0, 1/fan_in).
    device, dtype : optional
        Where and in which floating type the parameters live.

    Attributes
    ----------
    hidden_weights, input_weights, output_weights
        As in :class:`RACModule`.
    biases : torch.nn.ParameterList
        ``b^l``, each (R,); empty without ``bias``.

    See Also
    --------
    tnrnn.bridge.from_module : imports an MIRNN as its RAC (reporting what is
        dropped), or exactly with ``arch="mirnn"``.

    Examples
    --------
    >>> import torch
    >>> net = MIRNN(depth=2, hidden=4, inputs=3, nonlinearity="tanh", seed=0)
    >>> net(torch.randn(2, 5, 3)).shape
    torch.Size([2, 1])
    >>> with torch.no_grad():
    ...     _ = net.biases[1].fill_(0.1)              # biases start at 0; a zero bias drops nothing
    >>> from tnrnn.bridge import from_module
    >>> imported = from_module(net)
    >>> imported.exact, imported.dropped
    (False, ('nonlinearity tanh', 'biases.1'))
    >>> imported.rac
    RAC(depth=2, hidden=4, inputs=3, outputs=1)
    """

    def __init__(self, depth: int, hidden: int, inputs: int, outputs: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = True, *, seed=None, device=None, dtype=None):
        if nonlinearity not in NONLINEARITIES:
            raise InvalidParameterError("nonlinearity", nonlinearity, "one of " + ", ".join(NONLINEARITIES))
        super().__init__(depth, hidden, inputs, outputs, batch_first, seed, device, dtype)
        self.nonlinearity = nonlinearity
        R = self.hidden
        self.biases = nn.ParameterList(
            [nn.Parameter(torch.zeros(R, device=device, dtype=dtype)) for _ in range(self.depth)] if bias else []
        )
        self._phi = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid,
                     "identity": None}[nonlinearity]

    @property
    def bias(self) -> bool:
        """Whether the layers have biases."""
        return len(self.biases) > 0

    def _activate(self, pre, layer):
        if self.bias:
            pre = pre + self.biases[layer]
        return pre if self._phi is None else self._phi(pre)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", nonlinearity={self.nonlinearity!r}, bias={self.bias}"


class CircuitModule(nn.Module):
    """A circuit of any registered layer kind (``ssm``, ``gla``, ...) as a trainable ``torch.nn.Module``.

    The forward pass is the kind's registered step (:mod:`tnrnn.circuits.kinds`)
    on torch tensors, the same function :class:`tnrnn.circuits.GatedCircuit`
    runs on numpy arrays and over GF(p), so the module and the circuit it
    exports (:meth:`to_circuit`) compute the same function.  Parameters are
    named ``layers.{l}.{name}`` (``name`` one of the kind's ``params``) and
    ``output_weights``, entries N(0, 1/fan_in) as
    :meth:`tnrnn.circuits.GatedCircuit.random`.

    Parameters
    ----------
    kind : str
        A registered layer kind (``"rac"`` is :class:`RACModule`).
    depth, hidden, inputs, outputs : int
    batch_first : bool
        Inputs are (N, T, M) if true (default), else (T, N, M).
    seed : int, optional
        Seed of the initial weights.

    Examples
    --------
    >>> import torch, numpy as np
    >>> net = CircuitModule("gla", depth=2, hidden=3, inputs=4, seed=0)
    >>> sorted(net.state_dict())[:4]
    ['layers.0.A', 'layers.0.K', 'layers.0.Q', 'layers.0.V']
    >>> X = torch.eye(4, dtype=torch.float64)[torch.tensor([[0, 1, 2], [3, 3, 0]])]
    >>> y = net.double()(X)
    >>> bool(np.allclose(y.detach().numpy(), net.to_circuit()(X.numpy())))
    True
    """

    def __init__(self, kind: str, depth: int, hidden: int, inputs: int, outputs: int = 1, batch_first: bool = True, *,
                 seed=None, device=None, dtype=None):
        super().__init__()
        from ..circuits import layer_kind

        k = layer_kind(kind)
        if k.name == "rac":
            raise InvalidParameterError("kind", kind, "a kind other than 'rac' (use RACModule)")
        L = check_positive_int(depth, "depth")
        R = check_positive_int(hidden, "hidden")
        M = check_positive_int(inputs, "inputs")
        C = check_positive_int(outputs, "outputs")
        self.kind = k.name
        self.batch_first = bool(batch_first)
        gen = _generator(seed)
        self.layers = nn.ModuleList()
        for layer in range(L):
            fan_in = M if layer == 0 else R
            self.layers.append(nn.ParameterDict(
                {name: _gaussian(k.param_shape(name, R, fan_in), fan_in, gen, device, dtype) for name in k.params}))
        self.output_weights = _gaussian((C, R), R, gen, device, dtype)

    @property
    def depth(self) -> int:
        return len(self.layers)

    @property
    def hidden(self) -> int:
        return self.output_weights.shape[1]

    @property
    def inputs(self) -> int:
        from ..circuits import layer_kind

        k = layer_kind(self.kind)
        return self.layers[0][next(n for n in k.params if n not in k.square)].shape[1]

    @property
    def outputs(self) -> int:
        return self.output_weights.shape[0]

    def forward(self, X):
        """Outputs ``y = W^O y^L_{T-1}`` for a batch of sequences, shape (N, C)."""
        from ..circuits.kinds import FLOAT_OPS, layer_kind

        X = _time_major(X, self.batch_first, self.inputs)
        step = layer_kind(self.kind).step
        params = [dict(layer.items()) for layer in self.layers]
        states = [None] * self.depth
        below = None
        for t in range(X.shape[0]):
            below = X[t]
            for layer in range(self.depth):
                states[layer], below = step(FLOAT_OPS, params[layer], states[layer], below)
        return below @ self.output_weights.T

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, depth={self.depth}, hidden={self.hidden}, inputs={self.inputs}, outputs={self.outputs}"

    @classmethod
    def from_circuit(cls, circuit, batch_first: bool = True, *, device=None, dtype=None) -> CircuitModule:
        """A module holding the weights of a float :class:`tnrnn.circuits.GatedCircuit` (float64 unless ``dtype``)."""
        from ..circuits import GatedCircuit

        if not isinstance(circuit, GatedCircuit) or circuit.modulus is not None:
            raise InvalidParameterError("circuit", type(circuit).__name__, "a float tnrnn.circuits.GatedCircuit")
        module = cls(circuit.kind, circuit.depth, circuit.hidden, circuit.inputs, circuit.outputs, batch_first,
                     seed=0, device=device, dtype=torch.float64 if dtype is None else dtype)
        with torch.no_grad():
            for layer, lp in zip(module.layers, circuit.layers, strict=True):
                for name, w in lp.items():
                    layer[name].copy_(torch.as_tensor(np.array(w)))
            module.output_weights.copy_(torch.as_tensor(np.array(circuit.output_weights)))
        return module

    def to_circuit(self):
        """The :class:`tnrnn.circuits.GatedCircuit` with this module's current weights (exact, float64)."""
        from ..circuits import GatedCircuit

        layers = tuple({name: p.detach().cpu().double().numpy() for name, p in layer.items()} for layer in self.layers)
        return GatedCircuit(self.kind, layers, self.output_weights.detach().cpu().double().numpy())


def circuit_module(circuit, batch_first: bool = True, *, device=None, dtype=None):
    """The trainable module holding a float circuit of any kind: a :class:`RACModule` for a :class:`tnrnn.RAC`,
    else a :class:`CircuitModule`; ``module.to_circuit()`` gives the circuit back.

    Examples
    --------
    >>> from tnrnn.circuits import random_circuit
    >>> [type(circuit_module(random_circuit(k, 1, 2, 3))).__name__ for k in ("rac", "ssm")]
    ['RACModule', 'CircuitModule']
    """
    from ..circuits import RAC

    if isinstance(circuit, RAC):
        return RACModule.from_rac(circuit, batch_first, device=device, dtype=dtype)
    return CircuitModule.from_circuit(circuit, batch_first, device=device, dtype=dtype)
