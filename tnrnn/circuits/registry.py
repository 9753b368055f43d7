"""Which class holds a circuit of each kind, and the constructors that take a kind by name."""

from __future__ import annotations

from ..typing import MemoryLike
from .base import Circuit
from .kinds import layer_kind

__all__ = ["circuit_class", "random_circuit", "random_modular_circuit"]


def circuit_class(kind) -> type:
    """The class whose instances hold circuits of ``kind``: :class:`RAC` for ``rac``, else :class:`GatedCircuit`."""
    from .gated import GatedCircuit
    from .rac import RAC

    return RAC if layer_kind(kind).name == RAC.kind else GatedCircuit


def random_circuit(kind, depth: int, hidden: int, inputs: int, outputs: int = 1, *, seed=0,
                   max_memory: MemoryLike = None) -> Circuit:
    """A circuit of ``kind`` with seeded float weights.

    Examples
    --------
    >>> random_circuit("gla", 2, 3, 3, seed=0)
    GatedCircuit(kind='gla', depth=2, hidden=3, inputs=3, outputs=1)
    >>> random_circuit("rac", 2, 3, 3, seed=0)
    RAC(depth=2, hidden=3, inputs=3, outputs=1)
    """
    cls, kind_args = circuit_class(kind), () if layer_kind(kind).name == "rac" else (layer_kind(kind).name,)
    return cls.random(*kind_args, depth, hidden, inputs, outputs, seed=seed, max_memory=max_memory)


def random_modular_circuit(kind, depth: int, hidden: int, inputs: int, prime: int, outputs: int = 1, *, seed=0,
                           max_memory: MemoryLike = None) -> Circuit:
    """A circuit of ``kind`` over GF(prime) with uniform weights."""
    cls, kind_args = circuit_class(kind), () if layer_kind(kind).name == "rac" else (layer_kind(kind).name,)
    return cls.random_modular(*kind_args, depth, hidden, inputs, prime, outputs, seed=seed, max_memory=max_memory)
