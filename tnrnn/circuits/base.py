"""Circuits: a stack of layers of one registered kind over a shape ``(L, R, M, C)``.

:class:`CircuitSpec` is an architecture (kind and shape, no weights), validated
once where it enters and passed on as it is.  :class:`Circuit` is the base of
every circuit with weights: its forward pass, over floats (numpy, torch,
cupy) or exactly over GF(p), runs each layer's registered step
(:mod:`tnrnn.circuits.kinds`), so that :class:`~tnrnn.circuits.RAC` and
:class:`~tnrnn.circuits.GatedCircuit` (``ssm``, ``gla``, ...) share one code
path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..backends import infer
from ..errors import InvalidParameterError
from ..field import field_dtype, to_field
from ..typing import ArrayLike, MemoryLike
from ..validation import check_positive_int
from .kinds import FLOAT_OPS, FieldOps, LayerKind, layer_kind

__all__ = ["Circuit", "CircuitSpec", "weights_memory", "check_weights_memory"]


def weights_memory(depth: int, hidden: int, inputs: int, outputs: int = 1, kind="rac") -> int:
    """Bytes that drawing a circuit's weights needs: twice the float64 weights (draw, then scale or reduce).

    Examples
    --------
    >>> weights_memory(1, 30000, 2)   # one 30000 x 30000 hidden matrix dominates
    14401920000
    >>> weights_memory(2, 3, 4, kind="gla") == 2 * 8 * (4 * 3 * 4 + 4 * 3 * 3 + 3 + 2 * 3)
    True
    """
    k = layer_kind(kind)
    L, R, M, C = depth, hidden, inputs, outputs
    numbers = 0
    for layer in range(L):
        fan_in = M if layer == 0 else R
        numbers += sum(int(np.prod(k.param_shape(name, R, fan_in))) for name in k.params)
    return 2 * 8 * (numbers + C * R + L * R)


def check_weights_memory(L: int, R: int, M: int, C: int = 1, max_memory: MemoryLike = None, kind="rac") -> None:
    """Refuse (:class:`~tnrnn.errors.MemoryLimitError`) weights whose :func:`weights_memory` is above the limit."""
    from ..limits import check_memory

    name = layer_kind(kind).name
    what = "a RAC" if name == "rac" else f"an {name} circuit" if name[0] in "aeiosx" else f"a {name} circuit"
    check_memory(f"the weights of {what} with L={L}, R={R}, M={M}", weights_memory(L, R, M, C, kind), max_memory,
                 f"use a smaller {'--hidden (R)' if R >= M else '--inputs (M)'} or raise --max-memory")


@dataclass(frozen=True)
class CircuitSpec:
    """An architecture: a layer kind and a shape, validated once.

    Parameters
    ----------
    kind : str or LayerKind
        A registered kind (:func:`tnrnn.circuits.list_kinds`).
    depth, hidden, inputs : int
        ``L``, ``R``, ``M``, each at least 1.
    outputs : int
        ``C``, at least 1.

    Examples
    --------
    >>> CircuitSpec("ssm", 2, 3, 4)
    CircuitSpec(kind='ssm', depth=2, hidden=3, inputs=4, outputs=1)
    >>> CircuitSpec("ssm", 0, 3, 4)
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid depth=0: expected an integer >= 1
    """

    kind: str
    depth: int
    hidden: int
    inputs: int
    outputs: int = 1

    def __post_init__(self):
        object.__setattr__(self, "kind", layer_kind(self.kind).name)
        for name in ("depth", "hidden", "inputs", "outputs"):
            object.__setattr__(self, name, check_positive_int(getattr(self, name), name))

    @property
    def layer_kind(self) -> LayerKind:
        """The registry entry of :attr:`kind`."""
        return layer_kind(self.kind)

    @classmethod
    def of(cls, circuit_or_spec) -> CircuitSpec:
        """The spec of a circuit (a spec passes through)."""
        if isinstance(circuit_or_spec, CircuitSpec):
            return circuit_or_spec
        c = circuit_or_spec
        return cls(c.kind, c.depth, c.hidden, c.inputs, c.outputs)


def asarray(w, name):
    try:
        return np.asarray(w)
    except (ValueError, TypeError):   # ragged nested lists, objects numpy cannot hold
        raise InvalidParameterError(name, type(w).__name__, "a rectangular real array") from None


def as_matrix(w, shape, name, modulus):
    """``w`` checked to be a real array of ``shape``, as float64 or as residues mod ``modulus``."""
    arr = asarray(w, name)
    if arr.dtype.kind not in "iuf" or arr.shape != shape:
        raise InvalidParameterError(name, f"array of shape {arr.shape} and dtype {arr.dtype}", f"a real array of shape {shape}")
    if modulus is not None:
        return to_field(arr, modulus, name)
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise InvalidParameterError(name, "non-finite values", "finite numbers")
    return arr


class Circuit:
    """Base of circuits with weights: shape, forward pass over floats or GF(p), stepping.

    Subclasses provide :attr:`kind` (a registered name), :meth:`layer_params`
    (one dict of matrices per layer, named as the kind's ``params``),
    :attr:`output_weights` (``C x R``), :attr:`modulus` and
    :meth:`with_modulus`.
    """

    kind: str

    # -- shape ----------------------------------------------------------------------
    @property
    def layer_kind(self) -> LayerKind:
        """The registry entry of this circuit's kind."""
        return layer_kind(self.kind)

    @property
    def spec(self) -> CircuitSpec:
        """The architecture, without weights."""
        return CircuitSpec(self.kind, self.depth, self.hidden, self.inputs, self.outputs)

    @property
    def depth(self) -> int:
        """``L``, the number of layers."""
        return len(self.layer_params())

    @property
    def hidden(self) -> int:
        """``R``, the width of every layer."""
        return self.output_weights.shape[1]

    @property
    def inputs(self) -> int:
        """``M``, the input dimension."""
        first = self.layer_params()[0]
        k = self.layer_kind
        return first[next(n for n in k.params if n not in k.square)].shape[1]

    @property
    def outputs(self) -> int:
        """``C``, the output dimension."""
        return self.output_weights.shape[0]

    # -- fields ---------------------------------------------------------------------
    def to_field(self, prime: int) -> Circuit:
        """This circuit with its weights mapped exactly into GF(prime).

        Float weights are dyadic rationals, so the result computes the
        original function's values reduced mod ``prime``.
        """
        from ..field import check_prime

        p = check_prime(prime, "prime")
        if self.modulus is not None:
            if self.modulus != p:
                raise InvalidParameterError("prime", prime, f"{self.modulus}, this circuit's modulus")
            return self
        return self.with_modulus(p)

    def ops(self):
        """The arithmetic this circuit computes in: :data:`FLOAT_OPS` or :class:`FieldOps`."""
        return FLOAT_OPS if self.modulus is None else FieldOps(self.modulus)

    def field_params(self) -> tuple[tuple[dict, ...], np.ndarray]:
        """Per-layer parameters and output weights as residues of :func:`~tnrnn.field.field_dtype`."""
        if self.modulus is None:
            raise InvalidParameterError("circuit", repr(self), "a circuit over GF(p) (use .to_field(p))")
        dt = field_dtype(self.modulus)
        layers = tuple({k: np.asarray(w).astype(dt) for k, w in lp.items()} for lp in self.layer_params())
        return layers, self.output_weights.astype(dt)

    # -- stepping -------------------------------------------------------------------
    def start_states(self) -> list:
        """States before the first step (``None``: the kind's ``t = 0`` rule)."""
        return [None] * self.depth

    def advance(self, states: list, u, params=None, ops=None, layers: range | None = None):
        """Advance every layer (or ``layers``) by one step on the first layer's input ``u``, in place.

        Returns the top layer's output.  ``params`` and ``ops`` default to
        this circuit's (pass :meth:`field_params`' layers and a
        :class:`FieldOps` to step over GF(p) in the float64 representation).
        """
        params = self.layer_params() if params is None else params
        ops = self.ops() if ops is None else ops
        step = self.layer_kind.step
        below = u
        for layer in (range(self.depth) if layers is None else layers):
            states[layer], below = step(ops, params[layer], states[layer], below)
        return below

    # -- forward --------------------------------------------------------------------
    def __call__(self, X):
        """Outputs ``y`` for a batch of input sequences.

        Parameters
        ----------
        X : array, shape (N, T, M) or (T, M)
            Input vectors ``f(x_t)``; a numpy, cupy or torch array (CPU or
            CUDA). For a circuit over GF(p), an integer array.

        Returns
        -------
        array, shape (N, C) or (C,)
            On the backend, device and dtype of ``X``.
        """
        return self.forward(X)

    def forward(self, X: ArrayLike, return_states: bool = False):
        """Like calling the circuit; optionally also the last states.

        Returns
        -------
        y : array, shape (N, C)
        states : list of arrays, one per layer, shape ``(N,) + kind.state_shape(R)``
            (only if ``return_states``)
        """
        if not hasattr(X, "shape") or not hasattr(X, "dtype"):
            X = asarray(X, "X")
        if getattr(X.dtype, "kind", None) in ("c", "O", "U", "S") or getattr(X.dtype, "is_complex", False):
            raise InvalidParameterError("X", f"an array of dtype {X.dtype}", "a real (not complex) array")
        squeeze = False
        shape = tuple(X.shape)
        if len(shape) == 2:
            X = X[None]
            shape = tuple(X.shape)
            squeeze = True
        if len(shape) != 3 or shape[2] != self.inputs or shape[1] < 1:
            raise InvalidParameterError("X", shape, f"an array of shape (N, T, {self.inputs}) with T >= 1")
        if self.modulus is not None:
            ops = FieldOps(self.modulus)
            X = to_field(np.asarray(X), self.modulus, "X")
            params = self.layer_params()
            wo = self.output_weights
        else:
            ops = FLOAT_OPS
            if infer(X).name == "numpy" and X.dtype.kind != "f":
                X = X.astype(np.float64)
            xp = infer(X)
            params = tuple({k: xp.asarray(w, dtype=X.dtype) for k, w in lp.items()} for lp in self.layer_params())
            wo = xp.asarray(self.output_weights, dtype=X.dtype)
        states = self.start_states()
        top = None
        for t in range(X.shape[1]):
            top = self.advance(states, X[:, t, :], params, ops)
        y = ops.lin(top, wo)
        if squeeze:
            y, states = y[0], [h[0] for h in states]
        return (y, states) if return_states else y


def check_shape_args(depth, hidden, inputs, outputs):
    """``(L, R, M, C)`` validated."""
    return (check_positive_int(depth, "depth"), check_positive_int(hidden, "hidden"),
            check_positive_int(inputs, "inputs"), check_positive_int(outputs, "outputs"))
