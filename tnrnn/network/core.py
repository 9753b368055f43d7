"""Recurrent arithmetic circuits compiled into quimb tensor networks.

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

from ..circuits import RAC
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

def _copy_tensor(dim: int) -> np.ndarray:
    delta = np.zeros((dim, dim, dim))
    r = np.arange(dim)
    delta[r, r, r] = 1.0
    return delta


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
        return d

    def __str__(self) -> str:
        out = "all channels (open index y)" if self.output is None else f"channel {self.output}"
        rows = [
            ("circuit", f"L={self.depth}, R={self.hidden}, M={self.inputs}, T={self.length}, output {out}"),
            ("tensors", f"{self.num_tensors} ({self.num_nodes} circuit nodes)"),
            ("input copies", ", ".join(map(str, self.copies)) + f" (total {self.total_input_copies}; "
             + ("equal to" if self.copies_match_closed_form else "DIFFERENT FROM") + " the closed form)"),
            ("bonds", f"{self.num_bonds}, dimensions {sorted(set(self.bond_dims))}"),
            ("entries", f"{self.num_entries}"),
        ]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


class CircuitNetwork:
    """A RAC on ``length`` steps as a quimb tensor network.

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
        ``"WO"``), then its role tag (``WI``, ``WH``, ``INIT``, ``MUL``,
        ``WO``), ``L{l}``, ``T{t}``, ``COPY{k}`` (which duplicate of node
        ``(l, t)``, from 0) and ``NODE{c}`` (the circuit node).
    rac : RAC
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

    def __init__(self, rac: RAC, length: int, output: int | None, _nodes: tuple[CircuitNode, ...],
                 _arrays: dict):
        self._rac = rac
        self._length = length
        self._output = output
        self._nodes = _nodes
        self._arrays = _arrays

    # -- read-only attributes -----------------------------------------------------
    @property
    def rac(self) -> RAC:
        """The compiled circuit."""
        return self._rac

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
        return tensor_specs(self._nodes, self.depth, self._length, self._output is None, hyper)

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

        Equals :func:`copies_closed_form` ``(L, T)``.
        """
        counts = [0] * self._length
        for s in self._specs(True):
            for ind in s.inds:
                if ind.startswith("x"):
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
            copies=copies, copies_closed_form=copies_closed_form(self.depth, self._length),
            total_input_copies=sum(copies), num_bonds=len(bonds), bond_dims=tuple(bonds.values()),
            num_entries=int(sum(a.size for a in self._data(False))),
        )

    def __repr__(self) -> str:
        out = "" if self._output == 0 else f", output={self._output}"
        return (f"CircuitNetwork(L={self.depth}, R={self._rac.hidden}, M={self._rac.inputs}, "
                f"T={self._length}, tensors={self.num_tensors}{out})")

    # -- conversions --------------------------------------------------------------
    def to_mps(self):
        """The shallow network as a ``quimb.tensor.MatrixProductState``.

        Site ``t`` has physical index ``x{t}`` and tag ``T{t}``; the site
        tensors are ``A_t[j, i, x] = W^H[i, j] W^I[i, x]`` with the initial
        factor absorbed into site 0 and ``W^O`` into site ``T-1``, so bond
        dimensions are ``R``.

        Raises
        ------
        InvalidParameterError
            If the RAC is deep, the output channel is open, or ``T < 2``.

        Examples
        --------
        >>> rac = RAC.random(1, 3, 2, seed=4)
        >>> net = compile(rac, 4)
        >>> mps = net.to_mps()
        >>> bool(np.allclose(mps.to_dense().ravel(), net.grid_tensor().ravel()))
        True
        """
        import quimb.tensor as qtn

        if self.depth != 1:
            raise InvalidParameterError("depth", self.depth, "1: only a shallow RAC is a matrix product state")
        if self._output is None:
            raise InvalidParameterError("output", None, "an output channel (an MPS has no extra leg)")
        if self._length < 2:
            raise InvalidParameterError("length", self._length, "an integer >= 2 for an MPS")
        rac = self._rac
        wh, wi = rac.hidden_weights[0], rac.input_weights[0]
        wo = rac.output_weights[self._output]
        init = rac.initial_factors()[0]
        T = self._length
        arrays = []
        for t in range(T):
            if t == 0:
                site = init[:, None] * wi                                   # (right i, phys x)
            else:
                site = np.einsum("ij,ix->jix", wh, wi)                      # (left j, right i, phys x)
            if t == T - 1:
                site = np.einsum("...ix,i->...x", site, wo)                 # close the right bond
            arrays.append(site)
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

        See :func:`tnrnn.network.contract.evaluate`; equals ``rac(inputs)``.
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


def compile(rac: RAC, length: int, *, output: int | None = 0, max_memory: MemoryLike = None) -> CircuitNetwork:
    """Compile a RAC on ``length`` time steps into a tensor network.

    Parameters
    ----------
    rac : RAC
        A circuit over the reals (circuits over GF(p) are evaluated by
        :mod:`tnrnn.ranks.engines` instead).
    length : int
        ``T >= 1``.
    output : int or None
        The output channel contracted into ``WO`` (default 0); ``None``
        keeps all ``C`` channels as an extra open index ``"y"``.
    max_memory : int, str or None
        Refuse networks whose :func:`network_memory` is above this limit
        (default 4 GiB), before building anything.

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
    """
    if not isinstance(rac, RAC):
        raise InvalidParameterError("rac", type(rac).__name__, "a tnrnn.RAC")
    if rac.modulus is not None:
        raise InvalidParameterError("rac", repr(rac), "a RAC over the reals (use tnrnn.ranks.engines for GF(p))")
    T = check_positive_int(length, "length")
    if output is not None:
        if isinstance(output, bool):
            raise InvalidParameterError("output", output, f"an integer in 0..{rac.outputs - 1} or None")
        try:
            output = operator.index(output)
        except TypeError:
            raise InvalidParameterError("output", output, f"an integer in 0..{rac.outputs - 1} or None") from None
        if not 0 <= output < rac.outputs:
            raise InvalidParameterError("output", output, f"an integer in 0..{rac.outputs - 1} or None")
    check_network_memory(rac.depth, T, max_memory)
    nodes = circuit_nodes(rac.depth, T)
    R = rac.hidden
    init = rac.initial_factors()
    delta = _copy_tensor(R)
    delta.setflags(write=False)
    arrays: dict[tuple[str, int | None], np.ndarray] = {}
    for n in nodes:
        arrays["WI", n.id] = rac.input_weights[n.layer - 1]
        if n.hidden_child is None:
            arrays["INIT", n.id] = np.asarray(init[n.layer - 1], dtype=np.float64)
        else:
            arrays["WH", n.id] = rac.hidden_weights[n.layer - 1]
        arrays["MUL", n.id] = delta
    arrays["WO", None] = rac.output_weights if output is None else rac.output_weights[output]
    return CircuitNetwork(rac, T, output, nodes, arrays)
