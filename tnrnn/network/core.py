"""Circuits compiled into quimb tensor networks: RACs, and every registered layer kind.

Every kind compiles through one path: the tree of circuit nodes
(:func:`~tnrnn.network.structure.circuit_nodes`) and the tensors its network
form gives each node (:mod:`tnrnn.network.forms`: ``factored`` for ``rac``,
described below; ``augmented`` for ``ssm`` and ``gla``, over the state
augmented with a constant coordinate, exact on one-hot inputs).  For a RAC:

On one-hot (template) inputs a RAC's output is the contraction of a tensor
network whose open indices are the inputs; this is the grid tensor.  (On
general input vectors the output is a polynomial of higher degree in each
``x_t`` for a deep RAC, because ``h^1_t`` feeds both ``h^2_t`` and
``h^1_{t+1}``: each copy of an input then takes its own copy of the input
vector, as :func:`tnrnn.network.contract.evaluate` does.)  The network is built from
the recursion ``h^l_t = (W^{H,l} h^l_{t-1}) * (W^{I,l} h^{l-1}_t)``: each
*circuit node* ``(l, t)`` contributes

* a ``WI`` tensor (the input weights applied to ``h^{l-1}_t``, or to ``x_t``
  when ``l = 1``),
* a ``WH`` tensor (the hidden weights applied to ``h^l_{t-1}``) or, at
  ``t = 0``, an ``INIT`` vector holding ``rac.initial_factors()[l-1]``,
* a ``MUL`` tensor: the 3-leg COPY (delta) tensor of the multiplicative
  integration ``*``,

and the network ends in one ``WO`` tensor.  A vector cannot be copied
linearly, so when ``h^{l-1}_t`` feeds both ``h^l_t`` and ``h^{l-1}_{t+1}``
the sub-network computing it is duplicated: the network is a tree of circuit
nodes rooted at ``(L, T-1)``, whose node ``(l, t)`` has the children
``(l, t-1)`` (hidden) and ``(l-1, t)`` (input).  All copies of input ``t``
share the open hyperindex ``x{t}``.

The tree's closed forms and the data-free structure live in
:mod:`tnrnn.network.structure`.

Notation (used throughout tnrnn): ``L`` depth, ``R`` width, ``M`` input
dimension, ``T`` length; time is 0-based.
"""

from __future__ import annotations

import functools
import operator
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..circuits import RAC, Circuit  # noqa: F401 (RAC: the doctests' circuits)
from ..errors import InvalidParameterError
from ..records import Record
from ..typing import ArrayLike, BackendLike, CutLike, MemoryLike, OptimizeLike
from ..validation import check_positive_int
from .optimizers import DEFAULT_OPTIMIZER
from .structure import (
    NETWORK_BYTES_PER_TENSOR,
    ROLES,
    CircuitNode,
    ContractionProblem,
    TensorSpec,
    check_network_memory,
    circuit_nodes,
    copies_closed_form,
    network_memory,
    num_tensors_closed_form,
    tensor_specs,
)

# the structure's names stay importable from here, where they were first
__all__ = [
    "NETWORK_BYTES_PER_TENSOR",
    "ROLES",
    "check_network_memory",
    "CircuitNetwork",
    "CircuitNode",
    "ContractionProblem",
    "NetworkSummary",
    "TensorSpec",
    "circuit_nodes",
    "compile",
    "network_memory",
    "copies_closed_form",
    "num_tensors_closed_form",
    "tensor_specs",
]

@dataclass(frozen=True)
class NetworkSummary(Record):
    """Counts and sizes of a compiled network (prints as a small table).

    Examples
    --------
    >>> s = compile(RAC.random(2, 3, 2), 4).summary()
    >>> s.num_tensors, s.copies
    (43, (4, 3, 2, 1))
    >>> s.to_dict()["copies_match_closed_form"]
    True
    """

    depth: int
    hidden: int
    inputs: int
    length: int
    output: int | None
    num_tensors: int
    num_nodes: int
    copies: tuple[int, ...]
    copies_closed_form: tuple[int, ...]
    total_input_copies: int
    num_bonds: int
    bond_dims: tuple[int, ...]
    num_entries: int
    circuit: str = "rac"

    @property
    def copies_match_closed_form(self) -> bool:
        """Whether the counted copies equal :func:`copies_closed_form`."""
        return self.copies == self.copies_closed_form

    def to_dict(self) -> dict:
        """A JSON-safe dict of every field (tuples become lists)."""
        d = asdict(self)
        for key, value in d.items():
            if isinstance(value, tuple):
                d[key] = list(value)
        d["copies_match_closed_form"] = self.copies_match_closed_form
        if self.circuit == "rac":     # RAC records stay as they were: no "circuit" means rac
            del d["circuit"]
        return d

    def __str__(self) -> str:
        out = "all channels (open index y)" if self.output is None else f"channel {self.output}"
        from ..circuits import kind_label

        kind = kind_label(self.circuit)
        rows = [
            ("circuit", f"{kind}L={self.depth}, R={self.hidden}, M={self.inputs}, T={self.length}, output {out}"),
            ("tensors", f"{self.num_tensors} ({self.num_nodes} circuit nodes)"),
            ("input copies", ", ".join(map(str, self.copies)) + f" (total {self.total_input_copies}; "
             + ("equal to" if self.copies_match_closed_form else "DIFFERENT FROM") + " the closed form)"),
            ("bonds", f"{self.num_bonds}, dimensions {sorted(set(self.bond_dims))}"),
            ("entries", f"{self.num_entries}"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


class CircuitNetwork:
    """A circuit (a RAC or any registered kind) on ``length`` steps as a quimb tensor network.

    Build it with :func:`compile`.  Instances are read-only: the attributes
    are properties, and methods return new objects.

    Attributes
    ----------
    tn : tnrnn.network._quimb.CircuitTensorNetwork
        The network with explicit 3-leg COPY (``MUL``) tensors, a quimb
        ``TensorNetwork`` whose ``outer_inds()`` are :attr:`output_indices`
        (the input hyperindices are shared by every copy of an input), so
        that quimb's own ``tn.contract(optimize=...)`` returns the grid
        tensor; ``optimize="tnrnn"`` and ``"recurrence"`` work there too.  Every tensor
        has a unique tag first (``"WI5"``, ``"WH5"``, ``"INIT0"``, ``"MUL5"``,
        ``"WO"``; ``"STEP5"``, ``"EMIT5"`` for the ``augmented`` kinds), then
        its role tag (``WI``, ``WH``, ``INIT``, ``MUL``, ``STEP``, ``EMIT``,
        ``WO``), ``L{l}``, ``T{t}``, ``COPY{k}`` (which duplicate of node
        ``(l, t)``, from 0) and ``NODE{c}`` (the circuit node).
    circuit : Circuit
        The compiled circuit (``rac`` is the same object, under its old name).
    kind : str
        Its layer kind.
    length : int
    output : int or None
        The output channel contracted into ``WO``; ``None`` keeps the
        channel open as the index ``"y"``.
    input_indices : tuple of str
        ``("x0", ..., "x{T-1}")``.

    Examples
    --------
    >>> net = compile(RAC.random(depth=2, hidden=3, inputs=2, seed=0), length=3)
    >>> net.num_tensors, net.copies()
    (28, (3, 2, 1))
    >>> net.tn["WI5"].tags          # unique tag, role, layer, time, copy, node
    oset(['WI5', 'WI', 'L1', 'T0', 'COPY2', 'NODE5'])
    >>> net.tn.outer_inds()
    ('x0', 'x1', 'x2')
    >>> A = net.tn.contract(optimize="tnrnn").data      # quimb's own call
    >>> bool(np.allclose(A, net.grid_tensor()))
    True
    """

    def __init__(self, circuit: Circuit, length: int, output: int | None, _nodes: tuple[CircuitNode, ...],
                 _arrays: dict):
        self._rac = circuit
        self._length = length
        self._output = output
        self._nodes = _nodes
        self._arrays = _arrays

    # -- read-only attributes -----------------------------------------------------
    @property
    def circuit(self) -> Circuit:
        """The compiled circuit."""
        return self._rac

    @property
    def rac(self) -> Circuit:
        """The compiled circuit (the name from when only RACs compiled; see :attr:`circuit`)."""
        return self._rac

    @property
    def kind(self) -> str:
        """The circuit's layer kind (``"rac"``, ``"ssm"``, ...)."""
        return self._rac.kind

    @property
    def length(self) -> int:
        """``T``, the number of time steps."""
        return self._length

    @property
    def output(self) -> int | None:
        """The output channel, or ``None`` when ``"y"`` is an open index."""
        return self._output

    @property
    def depth(self) -> int:
        """``L``."""
        return self._rac.depth

    @property
    def input_indices(self) -> tuple[str, ...]:
        """The open input hyperindices ``("x0", ..., "x{T-1}")``."""
        return tuple(f"x{t}" for t in range(self._length))

    @property
    def output_indices(self) -> tuple[str, ...]:
        """The open indices of the grid tensor: inputs, then ``"y"`` if open."""
        return self.input_indices + (() if self._output is not None else ("y",))

    @property
    def nodes(self) -> tuple[CircuitNode, ...]:
        """The circuit nodes of the tree, in post-order (node ``c`` computes the index ``h{c}``)."""
        return self._nodes

    def _specs(self, hyper: bool) -> tuple[TensorSpec, ...]:
        return tensor_specs(self._nodes, self.depth, self._length, self._output is None, hyper, self.kind)

    def _data(self, hyper: bool) -> list[np.ndarray]:
        return [self._arrays[s.role, s.node] for s in self._specs(hyper)]

    def problem(self, hyper: bool = True) -> ContractionProblem:
        """The network as a :class:`ContractionProblem` (hyperindex form by default).

        The hyperindex form (``hyper=True``) is what tnrnn contracts and cuts;
        ``hyper=False`` gives the tensors of :attr:`tn`, COPY tensors included.
        """
        specs = self._specs(hyper)
        arrays = tuple(self._data(hyper))
        sizes = {ind: int(d) for s, a in zip(specs, arrays) for ind, d in zip(s.inds, a.shape)}
        return ContractionProblem(specs, sizes, self.output_indices, arrays)

    @functools.cached_property
    def tn(self):
        """The quimb ``TensorNetwork`` (COPY-tensor form); see the class docstring."""
        return self._build_tn(hyper=False)

    def to_hyper(self):
        """The network with each ``MUL`` COPY tensor fused into a hyperindex.

        The legs ``a{c}``, ``b{c}``, ``h{c}`` of COPY tensor ``c`` become one
        index ``h{c}`` shared by ``WI{c}``, ``WH{c}`` (or ``INIT{c}``) and the
        consumer of node ``c``.  This is the form that tnrnn contracts and
        cuts: it is smaller and a cut through it costs ``R`` once.

        Examples
        --------
        >>> net = compile(RAC.random(1, 2, 2), 3)
        >>> net.to_hyper().num_tensors, net.tn.num_tensors
        (7, 10)
        """
        return self._build_tn(hyper=True)

    def _build_tn(self, hyper: bool):
        import quimb.tensor as qtn

        from ._quimb import CircuitTensorNetwork

        tensors = [qtn.Tensor(data, inds=s.inds, tags=s.tags)
                   for s, data in zip(self._specs(hyper), self._data(hyper))]
        return CircuitTensorNetwork(tensors, open_inds=self.output_indices, virtual=True)

    # -- summaries ----------------------------------------------------------------
    @property
    def num_tensors(self) -> int:
        """The number of tensors of :attr:`tn`."""
        return len(self._specs(False))

    @property
    def num_nodes(self) -> int:
        """The number of circuit nodes (copies included)."""
        return len(self._nodes)

    def copies(self) -> tuple[int, ...]:
        """How many times each input ``x_t`` occurs, counted on the network.

        Equals :func:`copies_closed_form` ``(L, T, kind)``.
        """
        counts = [0] * self._length
        for s in self._specs(True):
            for ind in s.inds:
                if ind[0] == "x" and ind[1:].isdigit():
                    counts[int(ind[1:])] += 1
        return tuple(counts)

    def bond_dims(self) -> dict[str, int]:
        """Dimension of every inner (contracted) index of :attr:`tn`."""
        sizes: dict[str, int] = {}
        open_inds = set(self.output_indices)
        for s, data in zip(self._specs(False), self._data(False)):
            for ind, d in zip(s.inds, data.shape):
                if ind not in open_inds:
                    sizes[ind] = int(d)
        return sizes

    def summary(self) -> NetworkSummary:
        """Counts and sizes as a :class:`NetworkSummary`."""
        bonds = self.bond_dims()
        copies = self.copies()
        return NetworkSummary(
            depth=self.depth, hidden=self._rac.hidden, inputs=self._rac.inputs, length=self._length,
            output=self._output, num_tensors=self.num_tensors, num_nodes=self.num_nodes,
            copies=copies, copies_closed_form=copies_closed_form(self.depth, self._length, self.kind),
            total_input_copies=sum(copies), num_bonds=len(bonds), bond_dims=tuple(bonds.values()),
            num_entries=int(sum(a.size for a in self._data(False))), circuit=self.kind,
        )

    def __repr__(self) -> str:
        out = "" if self._output == 0 else f", output={self._output}"
        from ..circuits import kind_label

        return (f"CircuitNetwork({kind_label(self.kind)}L={self.depth}, R={self._rac.hidden}, "
                f"M={self._rac.inputs}, "
                f"T={self._length}, tensors={self.num_tensors}{out})")

    # -- conversions --------------------------------------------------------------
    def to_mps(self):
        """The shallow network as a ``quimb.tensor.MatrixProductState``.

        Site ``t`` has physical index ``x{t}`` and tag ``T{t}``: the tensors
        of time step ``t`` contracted together (``W^O`` into site ``T-1``).
        For a RAC, ``A_t[j, i, x] = W^H[i, j] W^I[i, x]`` with the initial
        factor absorbed into site 0, so bond dimensions are ``R``; for an
        ``augmented`` kind the site is the step tensor over ``[state; 1]``
        (``ssm``: bond ``R + 1``, ``gla``: ``R^2 + 1``).

        Raises
        ------
        InvalidParameterError
            If the circuit is deep, the output channel is open, or ``T < 2``.

        Examples
        --------
        >>> rac = RAC.random(1, 3, 2, seed=4)
        >>> net = compile(rac, 4)
        >>> mps = net.to_mps()
        >>> bool(np.allclose(mps.to_dense().ravel(), net.grid_tensor().ravel()))
        True
        >>> from tnrnn.circuits import GatedCircuit
        >>> compile(GatedCircuit.random("gla", 1, 2, 3), 4).to_mps().bond_sizes()
        [5, 5, 5]
        """
        import quimb.tensor as qtn
        from cotengra.utils import get_symbol_map

        if self.depth != 1:
            raise InvalidParameterError("depth", self.depth, "1: only a shallow circuit is a matrix product state")
        if self._output is None:
            raise InvalidParameterError("output", None, "an output channel (an MPS has no extra leg)")
        if self._length < 2:
            raise InvalidParameterError("length", self._length, "an integer >= 2 for an MPS")
        problem = self.problem()
        T = self._length
        groups: list[list[int]] = [[] for _ in range(T)]
        for k, spec in enumerate(problem.specs):
            groups[T - 1 if spec.node is None else self._nodes[spec.node].time].append(k)
        group_inds = [{i for k in g for i in problem.specs[k].inds} for g in groups]
        symbol = get_symbol_map(problem.inputs)
        arrays = []
        for t, g in enumerate(groups):
            left = sorted(group_inds[t] & group_inds[t - 1]) if t > 0 else []
            right = sorted(group_inds[t] & group_inds[t + 1]) if t < T - 1 else []
            out = left + right + [f"x{t}"]
            eq = ",".join("".join(symbol[i] for i in problem.specs[k].inds) for k in g)
            arrays.append(np.einsum(eq + "->" + "".join(symbol[i] for i in out), *(problem.arrays[k] for k in g)))
        return qtn.MatrixProductState(arrays, shape="lrp", site_ind_id="x{}", site_tag_id="T{}")

    # -- contraction (implemented in tnrnn.network.contract) -------------------------------------------
    def grid_tensor(self, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike = "numpy", **kwargs: Any):
        """The grid tensor ``A[d_0, ..., d_{T-1}] = y(e_{d_0}, ..., e_{d_{T-1}})``.

        See :func:`tnrnn.network.contract.grid_tensor` for the parameters.
        """
        from .contract import grid_tensor

        return grid_tensor(self, optimize=optimize, backend=backend, **kwargs)

    def evaluate(self, inputs: ArrayLike, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike | None = None,
                 **kwargs: Any):
        """The outputs for input sequences, by contraction.

        See :func:`tnrnn.network.contract.evaluate`; equals ``circuit(inputs)`` (on one-hot inputs for the
        ``augmented`` kinds, ``ssm`` and ``gla``).
        """
        from .contract import evaluate

        return evaluate(self, inputs, optimize=optimize, backend=backend, **kwargs)

    def matricize(self, cut: CutLike, optimize: OptimizeLike = DEFAULT_OPTIMIZER, backend: BackendLike = "numpy",
                  **kwargs: Any):
        """The grid tensor grouped as an ``M^{|S|} x M^{|E|}`` matrix.

        See :func:`tnrnn.network.contract.matricize`.
        """
        from .contract import matricize

        return matricize(self, cut, optimize=optimize, backend=backend, **kwargs)

    def contraction_cost(self, optimize: OptimizeLike = DEFAULT_OPTIMIZER, **kwargs: Any):
        """The cost of contracting the grid tensor; see :func:`tnrnn.network.contract.contraction_cost`."""
        from .contract import contraction_cost

        return contraction_cost(self, optimize=optimize, **kwargs)


def compile(circuit: Circuit, length: int, *, output: int | None = 0, max_memory: MemoryLike = None) -> CircuitNetwork:
    """Compile a circuit on ``length`` time steps into a tensor network.

    Parameters
    ----------
    circuit : Circuit
        A :class:`~tnrnn.circuits.RAC` or a :class:`~tnrnn.circuits.GatedCircuit`
        (``ssm``, ``gla``, ...) over the reals (circuits over GF(p) are
        evaluated by :mod:`tnrnn.ranks.engines` instead).  The network of a
        RAC equals it on any input vectors (:func:`~tnrnn.network.contract.evaluate`);
        that of an ``augmented`` kind on one-hot inputs, which is all its
        grid tensor reads (:mod:`tnrnn.network.forms`).
    length : int
        ``T >= 1`` (a network of one step has no cut: :class:`~tnrnn.cuts.Cut` asks for ``T >= 2``).
    output : int or None
        The output channel contracted into ``WO`` (default 0); ``None``
        keeps all ``C`` channels as an extra open index ``"y"``.
    max_memory : int, str or None
        Refuse networks whose :func:`network_memory` (tensors, and the arrays
        the compilation builds) is above this limit (default 4 GiB), before
        building anything.

    Returns
    -------
    CircuitNetwork

    Examples
    --------
    >>> rac = RAC.random(depth=1, hidden=4, inputs=3, seed=0)
    >>> net = compile(rac, 5)
    >>> net
    CircuitNetwork(L=1, R=4, M=3, T=5, tensors=16)
    >>> net.input_indices[:2]
    ('x0', 'x1')
    >>> from tnrnn.circuits import GatedCircuit
    >>> ssm = GatedCircuit.random("ssm", depth=2, hidden=3, inputs=2, seed=0)
    >>> net = compile(ssm, 3)
    >>> net
    CircuitNetwork(ssm, L=2, R=3, M=2, T=3, tensors=18)
    >>> X = np.eye(2)[[[0, 1, 1]]]
    >>> bool(np.isclose(net.grid_tensor()[0, 1, 1], ssm(X)[0, 0]))
    True
    """
    from .forms import network_form

    if not isinstance(circuit, Circuit):
        raise InvalidParameterError("rac", type(circuit).__name__, "a tnrnn.RAC or another tnrnn circuit")
    if circuit.modulus is not None:
        raise InvalidParameterError("rac", repr(circuit), "a circuit over the reals (use tnrnn.ranks.engines for GF(p))")
    T = check_positive_int(length, "length")   # T = 1 is a network too (its grid tensor is one forward step)
    if output is not None:
        if isinstance(output, bool):
            raise InvalidParameterError("output", output, f"an integer in 0..{circuit.outputs - 1} or None")
        try:
            output = operator.index(output)
        except TypeError:
            raise InvalidParameterError("output", output, f"an integer in 0..{circuit.outputs - 1} or None") from None
        if not 0 <= output < circuit.outputs:
            raise InvalidParameterError("output", output, f"an integer in 0..{circuit.outputs - 1} or None")
    kind = circuit.layer_kind
    form = network_form(kind)
    check_network_memory(circuit.depth, T, max_memory, kind=kind.name, hidden=circuit.hidden, inputs=circuit.inputs)
    nodes = circuit_nodes(circuit.depth, T, kind.name)
    layers = [form.layer_arrays(kind, params, layer == 0) for layer, params in enumerate(circuit.layer_params())]
    arrays: dict[tuple[str, int | None], np.ndarray] = {}
    for n in nodes:
        for role, _ in form.node_specs(n, kind, hyper=False):
            arrays[role, n.id] = form.node_array(layers[n.layer - 1], role, n)
    wo = circuit.output_weights if output is None else circuit.output_weights[output]
    arrays["WO", None] = form.output_tensor(wo)
    return CircuitNetwork(circuit, T, output, nodes, arrays)
