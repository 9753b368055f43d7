"""Circuits of any registered layer kind, with weights: ``ssm``, ``gla`` and the kinds users register.

:class:`GatedCircuit` holds one dict of weight matrices per layer, named as the
kind's ``params`` (:mod:`tnrnn.circuits.kinds`), and the output weights
``W^O`` (``C x R``).  Its forward pass, GF(p) mapping and stepping are
:class:`~tnrnn.circuits.base.Circuit`'s, shared with :class:`~tnrnn.circuits.RAC`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..field import check_prime
from ..typing import MemoryLike
from ..validation import check_seed
from .base import Circuit, as_matrix, asarray, check_shape_args, check_weights_memory
from .kinds import layer_kind

__all__ = ["GatedCircuit"]


@dataclass(frozen=True, eq=False)
class GatedCircuit(Circuit):
    """A stack of layers of one registered kind (``ssm``, ``gla``, ...) with weights.

    Parameters
    ----------
    kind : str
        A registered layer kind (:func:`tnrnn.circuits.list_kinds`).
    layers : sequence of mappings
        One mapping per layer from each parameter name of the kind (``ssm``:
        ``A``, ``B``, ``C``; ``gla``: ``A``, ``K``, ``V``, ``Q``) to its
        matrix, ``R x M`` in the first layer and ``R x R`` above.
    output_weights : array
        ``W^O`` of shape (C, R) (a vector is one output).
    modulus : int, optional
        A prime ``p < 2**31``: the weights are residues mod ``p`` and the
        circuit computes over GF(p).

    Examples
    --------
    >>> ssm = GatedCircuit.random("ssm", depth=2, hidden=3, inputs=4, seed=0)
    >>> ssm
    GatedCircuit(kind='ssm', depth=2, hidden=3, inputs=4, outputs=1)
    >>> X = np.eye(4)[[[0, 1, 2], [3, 3, 0]]]      # two one-hot sequences, T = 3
    >>> ssm(X).shape
    (2, 1)

    One ``ssm`` layer by hand: ``h_0 = B x_0``, ``h_1 = (A x_1) h_0 + B x_1``,
    ``y = W^O ((C x_1) h_1)``:

    >>> one = GatedCircuit.random("ssm", 1, 3, 4, seed=1)
    >>> A, B, C = (one.layers[0][k] for k in "ABC")
    >>> h = A[:, 1] * B[:, 0] + B[:, 1]
    >>> bool(np.allclose(one(np.eye(4)[[0, 1]]), one.output_weights @ (C[:, 1] * h)))
    True
    """

    kind: str
    layers: tuple
    output_weights: np.ndarray
    modulus: int | None = None

    def __post_init__(self):
        kind = layer_kind(self.kind)
        modulus = None if self.modulus is None else check_prime(self.modulus, "modulus")
        if isinstance(self.layers, Mapping) or not hasattr(self.layers, "__len__") or len(self.layers) < 1:
            raise InvalidParameterError("layers", type(self.layers).__name__,
                                        f"a non-empty sequence of mappings with keys {', '.join(kind.params)}")
        layers = []
        R = M = None
        for i, lp in enumerate(self.layers):
            if not isinstance(lp, Mapping) or set(lp) != set(kind.params):
                got = sorted(lp) if isinstance(lp, Mapping) else type(lp).__name__
                raise InvalidParameterError(f"layers[{i}]", got, f"a mapping with exactly the keys {', '.join(kind.params)}")
            if R is None:
                first = asarray(lp[kind.params[0]], f"layers[0][{kind.params[0]!r}]")
                if first.ndim != 2 or min(first.shape) < 1:
                    raise InvalidParameterError(f"layers[0][{kind.params[0]!r}]", first.shape, "an (R, M) matrix")
                R, M = first.shape
            fan_in = M if i == 0 else R
            layers.append({name: as_matrix(lp[name], kind.param_shape(name, R, fan_in), f"layers[{i}][{name!r}]", modulus)
                           for name in kind.params})
        Wo = asarray(self.output_weights, "output_weights")
        if Wo.ndim == 1:
            Wo = Wo[None, :]
        if Wo.ndim != 2 or Wo.shape[1] != R or Wo.shape[0] < 1:
            raise InvalidParameterError("output_weights", Wo.shape, f"a (C, {R}) matrix")
        Wo = as_matrix(Wo, Wo.shape, "output_weights", modulus)
        for w in (*(w for lp in layers for w in lp.values()), Wo):
            w.setflags(write=False)
        object.__setattr__(self, "kind", kind.name)
        object.__setattr__(self, "layers", tuple(layers))
        object.__setattr__(self, "output_weights", Wo)
        object.__setattr__(self, "modulus", modulus)

    def __repr__(self) -> str:
        field = f", modulus={self.modulus}" if self.modulus is not None else ""
        return (f"GatedCircuit(kind={self.kind!r}, depth={self.depth}, hidden={self.hidden}, inputs={self.inputs}, "
                f"outputs={self.outputs}{field})")

    def layer_params(self) -> tuple[dict, ...]:
        """One dict of weight matrices per layer."""
        return self.layers

    def with_modulus(self, p: int) -> GatedCircuit:
        """The same weights as residues mod ``p`` (exact: floats are dyadic rationals)."""
        return GatedCircuit(self.kind, self.layers, self.output_weights, modulus=p)

    # -- constructors ---------------------------------------------------------------
    @classmethod
    def random(cls, kind: str, depth: int, hidden: int, inputs: int, outputs: int = 1, *, seed=0,
               max_memory: MemoryLike = None) -> GatedCircuit:
        """A circuit with seeded Gaussian weights, entries N(0, 1/fan_in).

        Parameters
        ----------
        kind : str
            A registered layer kind.
        depth, hidden, inputs, outputs : int
            ``L``, ``R``, ``M`` and ``C``, each at least 1.
        seed : int or numpy.random.Generator
        max_memory : int, str or None
            Refuse weights whose :func:`~tnrnn.circuits.weights_memory` is above this (default 4 GiB).
        """
        k = layer_kind(kind)
        L, R, M, C = check_shape_args(depth, hidden, inputs, outputs)
        check_seed(seed)
        check_weights_memory(L, R, M, C, max_memory, kind=k.name)
        rng = np.random.default_rng(seed)
        layers = []
        for layer in range(L):
            fan_in = M if layer == 0 else R
            layers.append({name: rng.standard_normal(k.param_shape(name, R, fan_in)) / np.sqrt(fan_in)
                           for name in k.params})
        return cls(k.name, tuple(layers), rng.standard_normal((C, R)) / np.sqrt(R))

    @classmethod
    def random_modular(cls, kind: str, depth: int, hidden: int, inputs: int, prime: int, outputs: int = 1, *,
                       seed=0, max_memory: MemoryLike = None) -> GatedCircuit:
        """A circuit over GF(prime) with weights drawn uniformly from ``0..prime-1``.

        Examples
        --------
        >>> c = GatedCircuit.random_modular("gla", 2, 3, 3, prime=101, seed=0)
        >>> c.modulus, int(c.layers[1]["K"].max()) < 101
        (101, True)
        """
        k = layer_kind(kind)
        L, R, M, C = check_shape_args(depth, hidden, inputs, outputs)
        p = check_prime(prime, "prime")
        check_seed(seed)
        check_weights_memory(L, R, M, C, max_memory, kind=k.name)
        rng = np.random.default_rng(seed)
        layers = tuple({name: rng.integers(0, p, size=k.param_shape(name, R, M if layer == 0 else R))
                        for name in k.params} for layer in range(L))
        return cls(k.name, layers, rng.integers(0, p, size=(C, R)), modulus=p)
