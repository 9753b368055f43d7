"""Circuits: stacks of layers of one registered kind (``rac``, ``ssm``, ``gla``, ...) over a shape (L, R, M, C).

* :mod:`~tnrnn.circuits.kinds`: the registry of layer kinds (:func:`list_kinds`,
  :func:`layer_kind`, :func:`register_kind`), each a step written once
  against float and GF(p) arithmetic;
* :mod:`~tnrnn.circuits.base`: :class:`CircuitSpec` (an architecture) and
  :class:`Circuit` (the forward pass every circuit shares);
* :class:`RAC` (the recurrent arithmetic circuit of Levine et al.) and
  :class:`GatedCircuit` (every other kind) hold weights.

Notation (used throughout tnrnn): ``L`` depth, ``R`` width, ``M`` input
dimension, ``C`` outputs, ``T`` length; time is 0-based.
"""

from ..validation import check_positive_int, check_seed
from .base import Circuit, CircuitSpec, check_weights_memory, weights_memory
from .gated import GatedCircuit
from .kinds import DEFAULT_KIND, KIND_NAMES, FieldOps, LayerKind, kind_label, layer_kind, list_kinds, register_kind
from .rac import RAC, CircuitShape
from .registry import circuit_class, random_circuit, random_modular_circuit

__all__ = [
    "Circuit", "CircuitSpec", "CircuitShape", "DEFAULT_KIND", "FieldOps", "GatedCircuit", "KIND_NAMES", "LayerKind",
    "RAC", "kind_label",
    "check_positive_int", "check_seed", "check_weights_memory", "circuit_class", "layer_kind", "list_kinds",
    "random_circuit", "random_modular_circuit", "register_kind", "weights_memory",
]
