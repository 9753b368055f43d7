"""Ordinary recurrent networks on tnrnn's side: weights in numpy, forward on numpy or torch.

:class:`RecurrentModel` holds the weights of an Elman RNN (tanh or relu), a
GRU, an LSTM or a multiplicative-integration RNN, in torch's layout, and
evaluates them with the equations of torch's documentation, batched over
sequences, on whatever array library the inputs come in (numpy, or torch on
CPU or CUDA).  It reproduces ``torch.nn.RNN``/``GRU``/``LSTM`` in evaluation
mode (no dropout) with zero initial states.

Equations (``x`` the layer's input, ``h`` its previous state, ``s`` the
logistic sigmoid; gate blocks stacked in torch's order)::

    rnn_tanh  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    rnn_relu  h' = relu(W_ih x + b_ih + W_hh h + b_hh)
    gru       r = s(W_ir x + b_ir + W_hr h + b_hr)       blocks (r, z, n)
              z = s(W_iz x + b_iz + W_hz h + b_hz)
              n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
              h' = (1 - z) * n + z * h
    lstm      i, f, g, o = s(.), s(.), tanh(.), s(.) of W_i* x + b_i* + W_h* h + b_h*
              c' = f * c + i * g,  h' = o * tanh(c')
    mirnn     h' = phi((W_hh h) * (W_ih x) + b_ih)     with W_hh h := 1 at t = 0
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["RecurrentLayer", "RecurrentModel", "RecurrentOutputs", "GATES", "RECURRENT_ARCHS"]

#: Gate blocks per architecture: the first dimension of ``weight_ih`` is ``gates * hidden``.
GATES = {"rnn_tanh": 1, "rnn_relu": 1, "gru": 3, "lstm": 4, "mirnn": 1}

#: The architectures :class:`RecurrentModel` evaluates.
RECURRENT_ARCHS = tuple(GATES)

_MIRNN_PHI = ("tanh", "relu", "sigmoid", "identity")


def _frozen(a, shape, name):
    arr = np.asarray(a)
    if arr.dtype.kind not in "iuf" or arr.shape != shape:
        raise InvalidParameterError(name, f"array of shape {arr.shape} and dtype {arr.dtype}", f"a real array of shape {shape}")
    arr = np.array(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    arr.setflags(write=False)
    return arr



def _as_input(X):
    """``X`` as an array (nested lists are converted); complex inputs are refused, not silently made real."""
    if not hasattr(X, "shape") or not hasattr(X, "dtype"):
        try:
            X = np.asarray(X, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidParameterError("X", type(X).__name__, "a real array of shape (N, T, M) or (T, M)") from None
    if getattr(X.dtype, "kind", None) in ("c", "O", "U", "S") or getattr(X.dtype, "is_complex", False):
        raise InvalidParameterError("X", f"an array of dtype {X.dtype}", "a real (not complex) array")
    return X

@dataclass(frozen=True, eq=False)
class RecurrentLayer:
    """The weights of one layer, in torch's layout.

    Parameters
    ----------
    weight_ih : array, shape (G*H, I)
        Input-to-hidden weights, gate blocks stacked (``G`` from :data:`GATES`).
    weight_hh : array, shape (G*H, H)
        Hidden-to-hidden weights.
    bias_ih, bias_hh : array, shape (G*H,), optional
        Biases; an MIRNN has the single bias ``b`` as ``bias_ih`` and no
        ``bias_hh``.
    """

    weight_ih: np.ndarray
    weight_hh: np.ndarray
    bias_ih: np.ndarray | None = None
    bias_hh: np.ndarray | None = None


class RecurrentOutputs(NamedTuple):
    """What torch's recurrent modules return, batch first.

    ``output`` (N, T, H): the top layer's state at every step; ``h_n``
    (L, N, H): every layer's last state; ``c_n`` (L, N, H): every layer's
    last cell state (LSTM only, else ``None``).
    """

    output: object
    h_n: object
    c_n: object = None


def _ops(X) -> SimpleNamespace:
    """Conversion, elementwise functions and stacking for the array library of ``X``."""
    from autoray import do, infer_backend

    backend = infer_backend(X)
    if backend == "torch":
        import torch

        return SimpleNamespace(
            like=lambda w: torch.as_tensor(np.array(w), dtype=X.dtype, device=X.device),
            tanh=torch.tanh, sigmoid=torch.sigmoid, relu=torch.relu,
            stack=lambda xs, axis: torch.stack(xs, dim=axis),
        )
    if backend == "numpy":
        return SimpleNamespace(
            like=lambda w: np.asarray(w, dtype=X.dtype),
            tanh=np.tanh, sigmoid=lambda x: 0.5 * (1.0 + np.tanh(0.5 * x)), relu=lambda x: np.maximum(x, 0),
            stack=lambda xs, axis: np.stack(xs, axis=axis),
        )
    return SimpleNamespace(  # cupy and other numpy-like libraries, through autoray
        like=lambda w: do("asarray", np.array(w), like=X).astype(X.dtype),
        tanh=lambda x: do("tanh", x), sigmoid=lambda x: 0.5 * (1.0 + do("tanh", 0.5 * x)),
        relu=lambda x: (x + abs(x)) / 2,
        stack=lambda xs, axis: do("stack", xs, axis=axis, like=X),
    )


@dataclass(frozen=True, eq=False)
class RecurrentModel:
    """A multi-layer recurrent network with an optional linear readout.

    Parameters
    ----------
    arch : {"rnn_tanh", "rnn_relu", "gru", "lstm", "mirnn"}
        The cell.
    layers : sequence of RecurrentLayer
        One per layer, bottom first; layer 0 reads the inputs (``I = M``),
        the others the state below (``I = H``).
    readout_weight : array, shape (C, H), optional
        ``y = readout_weight @ h^L_{T-1} + readout_bias``; without it the
        output is the last top-layer state itself.
    readout_bias : array, shape (C,), optional
    nonlinearity : {"tanh", "relu", "sigmoid", "identity"}
        ``phi`` of an MIRNN (ignored by the other cells).

    Examples
    --------
    A one-layer tanh RNN with a scalar readout, on two one-hot sequences:

    >>> rng = np.random.default_rng(0)
    >>> layer = RecurrentLayer(rng.normal(size=(4, 3)), rng.normal(size=(4, 4)))
    >>> model = RecurrentModel("rnn_tanh", [layer], readout_weight=np.ones((1, 4)))
    >>> model.depth, model.hidden, model.inputs, model.outputs
    (1, 4, 3, 1)
    >>> X = np.eye(3)[[[0, 1, 2], [2, 2, 1]]]
    >>> model(X).shape
    (2, 1)
    >>> out = model.run(X)
    >>> out.output.shape, out.h_n.shape
    ((2, 3, 4), (1, 2, 4))
    >>> bool(np.allclose(model(X), out.output[:, -1] @ np.ones((4, 1))))
    True
    """

    arch: str
    layers: tuple
    readout_weight: np.ndarray | None = None
    readout_bias: np.ndarray | None = None
    nonlinearity: str = "tanh"

    def __post_init__(self):
        if self.arch not in GATES:
            raise InvalidParameterError("arch", self.arch, "one of " + ", ".join(RECURRENT_ARCHS))
        if self.arch == "mirnn" and self.nonlinearity not in _MIRNN_PHI:
            raise InvalidParameterError("nonlinearity", self.nonlinearity, "one of " + ", ".join(_MIRNN_PHI))
        layers = tuple(self.layers)
        if not layers or not all(isinstance(layer, RecurrentLayer) for layer in layers):
            raise InvalidParameterError("layers", self.layers, "a non-empty sequence of RecurrentLayer")
        G = GATES[self.arch]
        w0 = np.asarray(layers[0].weight_hh)
        if w0.ndim != 2 or w0.shape[0] != G * w0.shape[1] or w0.shape[1] < 1:
            raise InvalidParameterError("layers[0].weight_hh", w0.shape, f"a ({G}*H, H) matrix")
        H = w0.shape[1]
        wi0 = np.asarray(layers[0].weight_ih)
        if wi0.ndim != 2 or wi0.shape[0] != G * H or wi0.shape[1] < 1:
            raise InvalidParameterError("layers[0].weight_ih", wi0.shape, f"a ({G * H}, M) matrix")
        M = wi0.shape[1]
        checked = []
        for k, layer in enumerate(layers):
            width = M if k == 0 else H
            b_ih = None if layer.bias_ih is None else _frozen(layer.bias_ih, (G * H,), f"layers[{k}].bias_ih")
            b_hh = None if layer.bias_hh is None else _frozen(layer.bias_hh, (G * H,), f"layers[{k}].bias_hh")
            if self.arch == "mirnn" and b_hh is not None:
                raise InvalidParameterError(f"layers[{k}].bias_hh", "an array", "None for an MIRNN (its bias is bias_ih)")
            checked.append(RecurrentLayer(
                _frozen(layer.weight_ih, (G * H, width), f"layers[{k}].weight_ih"),
                _frozen(layer.weight_hh, (G * H, H), f"layers[{k}].weight_hh"),
                b_ih, b_hh,
            ))
        wo, bo = self.readout_weight, self.readout_bias
        if wo is not None:
            wo = np.asarray(wo)
            if wo.ndim == 1:
                wo = wo[None, :]
            if wo.ndim != 2 or wo.shape[0] < 1:
                raise InvalidParameterError("readout_weight", wo.shape, f"a (C, {H}) matrix")
            wo = _frozen(wo, (wo.shape[0], H), "readout_weight")
            if bo is not None:
                bo = _frozen(bo, (wo.shape[0],), "readout_bias")
        elif bo is not None:
            raise InvalidParameterError("readout_bias", "an array", "None when there is no readout_weight")
        object.__setattr__(self, "layers", tuple(checked))
        object.__setattr__(self, "readout_weight", wo)
        object.__setattr__(self, "readout_bias", bo)

    # -- shape ------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """``L``, the number of layers."""
        return len(self.layers)

    @property
    def hidden(self) -> int:
        """``H``, the width of every layer."""
        return self.layers[0].weight_hh.shape[1]

    @property
    def inputs(self) -> int:
        """``M``, the input dimension."""
        return self.layers[0].weight_ih.shape[1]

    @property
    def outputs(self) -> int:
        """``C``: the readout's outputs, or ``H`` without a readout."""
        return self.hidden if self.readout_weight is None else self.readout_weight.shape[0]

    def __repr__(self) -> str:
        phi = f", nonlinearity={self.nonlinearity!r}" if self.arch == "mirnn" else ""
        readout = "" if self.readout_weight is None else f", readout={self.outputs}"
        return (f"RecurrentModel({self.arch!r}, depth={self.depth}, hidden={self.hidden}, "
                f"inputs={self.inputs}{readout}{phi})")

    # -- forward ------------------------------------------------------------------------
    def __call__(self, X):
        """Outputs for a batch of sequences: the readout of the last top-layer state.

        Parameters
        ----------
        X : array, shape (N, T, M) or (T, M)
            numpy, or torch on any device; float inputs keep their dtype.

        Returns
        -------
        array, shape (N, C) or (C,)
            ``C = H`` without a readout.
        """
        X = _as_input(X)
        squeeze = len(tuple(X.shape)) == 2
        out = self.run(X)
        h = out.output[:, -1, :]
        if self.readout_weight is not None:
            ops = _ops(h)
            h = h @ ops.like(self.readout_weight).T
            if self.readout_bias is not None:
                h = h + ops.like(self.readout_bias)
        return h[0] if squeeze else h

    def run(self, X) -> RecurrentOutputs:
        """All states, as torch's modules return them (batch first, zero initial states).

        Returns
        -------
        RecurrentOutputs
            ``output`` (N, T, H), ``h_n`` (L, N, H), ``c_n`` (L, N, H) for an
            LSTM; on the backend, device and dtype of ``X``.
        """
        X = _as_input(X)
        shape = tuple(X.shape)
        if len(shape) == 2:
            X = X[None]
            shape = tuple(X.shape)
        if len(shape) != 3 or shape[2] != self.inputs or shape[1] < 1:
            raise InvalidParameterError("X", shape, f"an array of shape (N, T, {self.inputs}) with T >= 1")
        if isinstance(X, np.ndarray) and X.dtype.kind != "f":
            X = X.astype(np.float64)
        ops = _ops(X)
        like, tanh, sigmoid, relu = ops.like, ops.tanh, ops.sigmoid, ops.relu
        H, T = self.hidden, shape[1]
        seq = X
        h_n, c_n = [], []
        for layer in self.layers:
            W_hh = like(layer.weight_hh).T
            # The input projections of all steps at once; only the recurrence is sequential.
            gx = seq @ like(layer.weight_ih).T
            b_i = None if layer.bias_ih is None else like(layer.bias_ih)
            if b_i is not None and self.arch != "mirnn":  # an MIRNN adds its bias after the product
                gx = gx + b_i
            b_hh = None if layer.bias_hh is None else like(layer.bias_hh)
            h = c = None
            states = []
            for t in range(T):
                x_t = gx[:, t, :]
                if self.arch == "mirnn":
                    pre = x_t if t == 0 else (h @ W_hh) * x_t
                    if b_i is not None:
                        pre = pre + b_i
                    h = pre if self.nonlinearity == "identity" else {
                        "tanh": tanh, "relu": relu, "sigmoid": sigmoid}[self.nonlinearity](pre)
                    states.append(h)
                    continue
                # Zero initial state: W_hh h_{-1} = 0, leaving only b_hh.
                if t == 0:
                    gh = 0 * x_t if b_hh is None else 0 * x_t + b_hh
                else:
                    gh = h @ W_hh if b_hh is None else h @ W_hh + b_hh
                if self.arch == "rnn_tanh":
                    h = tanh(x_t + gh)
                elif self.arch == "rnn_relu":
                    h = relu(x_t + gh)
                elif self.arch == "gru":
                    r = sigmoid(x_t[:, :H] + gh[:, :H])
                    z = sigmoid(x_t[:, H:2 * H] + gh[:, H:2 * H])
                    n = tanh(x_t[:, 2 * H:] + r * gh[:, 2 * H:])
                    h = (1 - z) * n if t == 0 else (1 - z) * n + z * h
                else:
                    pre = x_t + gh
                    i, f = sigmoid(pre[:, :H]), sigmoid(pre[:, H:2 * H])
                    g, o = tanh(pre[:, 2 * H:3 * H]), sigmoid(pre[:, 3 * H:])
                    c = i * g if t == 0 else f * c + i * g
                    h = o * tanh(c)
                states.append(h)
            seq = ops.stack(states, 1)
            h_n.append(h)
            c_n.append(c)
        c_n = ops.stack(c_n, 0) if self.arch == "lstm" else None
        return RecurrentOutputs(seq, ops.stack(h_n, 0), c_n)
