"""The registry of layer kinds: one entry per recurrence, looked up by name.

A *layer kind* says how one layer of a circuit advances its state on an
input vector ``u_t`` and what it outputs.  It is written once, against a
small set of array operations (:class:`Ops`), so that the same step runs over
floats (numpy, torch, cupy: :data:`FLOAT_OPS`) and exactly over GF(p)
(:class:`FieldOps`).  Every track asks the registry (:func:`layer_kind`,
:func:`list_kinds`) and never branches on a kind's name.

The kinds built in (width ``R``, layer input ``u_t`` of dimension ``K``: the
one-hot input ``x_t`` for the first layer, ``K = M``; the layer below's output
``y^{l-1}_t`` above, ``K = R``; every weight matrix is ``R x K``):

``rac`` (recurrent arithmetic circuit)
    ``h_t = (W^H h_{t-1}) * (W^I u_t)``, with the first hidden factor
    ``W^H h_{-1}`` the all-ones vector; ``y_t = h_t``.  (``W^H`` is ``R x R``.)
``ssm`` (selective diagonal state-space layer)
    The multiplicative core of Mamba's S6, GLA's vector form, RG-LRU:
    ``h_t = (A u_t) * h_{t-1} + B u_t``, ``h_{-1} = 0``; ``y_t = (C u_t) * h_t``.
``gla`` (gated linear attention with a matrix state)
    Key = value dimension ``R``; RetNet and mLSTM without its normaliser are
    special cases of the gate:
    ``S_t = diag(A u_t) S_{t-1} + (K u_t)(V u_t)^T``, ``S_{-1} = 0``;
    ``y_t = S_t^T (Q u_t)``.

A circuit's output is ``f = W^O y^L_{T-1}``.  ``*`` is the elementwise
product throughout.

Each kind also states its *automaton bound* (:attr:`LayerKind.cut_state_rank`):
the rank, across any cut after which only end inputs are read, of a single
layer's output as a function of its state at the cut.  Proofs in
docs/theory.rst ("Gated linear recurrences"):

* ``rac``: ``R`` (Theorem 1 of Levine et al.: the output is linear in ``h``).
* ``ssm``: ``R + 1``: ``h_{T-1} = D h_s + b`` with ``D`` diagonal and ``D``,
  ``b`` functions of the end inputs, so the output is affine in the ``R``
  coordinates of the cut state.
* ``gla``: ``R + 1``: ``S_{T-1} = D S_s + B`` with ``D`` diagonal, so the
  output ``w^T S_{T-1}^T q = sum_i q_i D_ii (S_s w)_i + c`` depends on the
  cut state only through the ``R`` numbers ``(S_s w)_i`` (affinely), although
  the state itself has ``R^2`` entries (the bond dimension of the matrix
  product state is ``R^2 + 1``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["LayerKind", "Ops", "FLOAT_OPS", "FieldOps", "register_kind", "layer_kind", "list_kinds", "KIND_NAMES",
           "DEFAULT_KIND", "kind_label"]


# -- array operations --------------------------------------------------------------------


class Ops:
    """Array operations a layer's step is written against: float arithmetic.

    ``lin(u, W)`` is ``u @ W.T`` (batched rows ``u``), ``mul`` and ``add`` are
    elementwise with broadcasting, ``dot(a, b, axis)`` sums ``a * b`` over one
    axis.  The methods work unchanged on numpy, torch and cupy arrays.
    """

    exact = False

    def lin(self, u, W):
        return u @ W.T

    def mul(self, a, b):
        return a * b

    def add(self, a, b):
        return a + b

    def dot(self, a, b, axis: int):
        return (a * b).sum(axis)


#: Float arithmetic on any array library.
FLOAT_OPS = Ops()


class FieldOps(Ops):
    """Exact arithmetic over GF(p) on residue arrays of :func:`tnrnn.field.field_dtype`.

    Examples
    --------
    >>> ops = FieldOps(7)
    >>> ops.add(np.array([5]), np.array([4])).tolist(), ops.mul(np.array([3]), np.array([5])).tolist()
    ([2], [1])
    """

    exact = True

    def __init__(self, p: int):
        self.p = p

    def lin(self, u, W):
        from ..field import matmul_mod

        return matmul_mod(u, W.T, self.p)

    def mul(self, a, b):
        from ..field import mul_mod

        return mul_mod(a, b, self.p)

    def add(self, a, b):
        s = np.add(a, b)
        if s.dtype.kind == "f":
            from ..field import _reduce_float

            return _reduce_float(s, self.p)
        return np.remainder(s, self.p, out=s)

    def dot(self, a, b, axis: int):
        from ..field import _reduce_float

        prod = self.mul(a, b)
        s = prod.sum(axis)   # at most R terms, each below p in magnitude: exact in int64 and float64 (R p < 2**53)
        if s.dtype.kind == "f":
            return _reduce_float(s, self.p)
        return np.remainder(s, self.p)


# -- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerKind:
    """One recurrence: its parameters, its step, and the facts about it that bounds and compilers need.

    Parameters
    ----------
    name : str
        The name users type (``--circuit NAME``).
    description : str
        One line.
    definition : str
        The recurrence, as written in docs/theory.rst.
    params : tuple of str
        Names of the layer's weight matrices, each ``R x K`` except those in
        ``square``.
    square : tuple of str
        Parameters that are ``R x R`` whatever the layer input (``rac``'s ``W^H``).
    state_shape : callable ``R -> tuple``
        Shape of one sequence's state.
    step : callable ``(ops, params, state, u) -> (state, y)``
        One step; ``state`` is ``None`` at ``t = 0``; ``params`` maps each name
        of ``params`` to its matrix (plus ``"factor"`` for ``rac``, the first
        hidden factor).
    cut_state_rank : callable ``R -> int``
        The automaton bound of one layer (module docstring).
    bond : callable ``R -> int``
        Bond dimension of the layer's matrix product state (its state size,
        plus one for an affine state).
    degree_in_input : int
        Degree of one step's output in the layer input ``u_t`` (``rac``: 1,
        ``ssm``: 2, ``gla``: 3).
    readout_labels : callable ``R -> int array of state_shape(R)``, optional
        For a top layer: the circuit's output depends on this layer's state
        at a cut only through the ``cut_state_rank(R) - 1`` (or fewer) sums
        ``sum_{j: label(j) = i} c_j state_j`` (``c`` fixed by the weights);
        entry ``j`` of the result is ``label(j)``.  ``None``: every state
        entry is its own label.  ``gla``: entry ``(i, j)`` of ``S`` has label
        ``i`` (the output reads ``S`` through ``S w``).  The monomial bound of
        :mod:`tnrnn.ranks.support` uses it.
    input_uses : (int, int)
        How many copies of the layer input ``u_t`` the state update and the
        output map read (``rac``: ``(1, 0)``, its output is its state;
        ``ssm``: ``(1, 1)``; ``gla``: ``(2, 1)``).  A compiled network
        duplicates the sub-network computing ``u_t`` once per copy
        (:mod:`tnrnn.network.structure`).
    network : str
        The name of the kind's network form in :mod:`tnrnn.network.forms`:
        ``"factored"`` (``rac``: ``W^I``, ``W^H`` and a COPY tensor per
        step) or ``"augmented"`` (one step tensor and one output tensor over
        the state augmented with a constant coordinate, from ``step_tensors``).
    step_tensors : callable ``params -> (G, E)``, optional
        For the ``augmented`` form: the step as two dense tensors over the
        augmented state ``s~ = [vec(state); 1]`` (dimension ``bond(R)``) and
        the augmented input ``u~ = [u; 1]`` (dimension ``K + 1``):
        ``s~_t = G(s~_{t-1}, u~, ..., u~)`` with ``G`` of shape
        ``(D, D) + (K + 1,) * input_uses[0]`` and
        ``[y_t; 1] = E(s~_t, u~, ...)`` with ``E`` of shape
        ``(R + 1, D) + (K + 1,) * input_uses[1]``; the state before the
        first step is ``s~_{-1} = e_{D-1}`` (state 0).
    automaton : callable ``(ops, params, w) -> (initial, steps, last)``, optional
        One layer on one-hot tokens, read out by the row ``w`` of ``W^O``, as
        a weighted automaton: ``f(x) = initial @ steps[x_0] @ ... @
        steps[x_{T-1}] @ last[x_{T-1}]`` with ``initial`` (k,), ``steps``
        (M, k, k) and ``last`` (M, k), every entry computed with ``ops``
        (exact over GF(p)); :mod:`tnrnn.ranks.automaton` computes its
        Start-End rank without the grid.  ``None``: not offered.
    """

    name: str
    description: str
    definition: str
    params: tuple
    square: tuple = ()
    state_shape: Callable = None
    step: Callable = None
    cut_state_rank: Callable = None
    bond: Callable = None
    degree_in_input: int = 1
    readout_labels: Callable | None = None
    input_uses: tuple = (1, 0)
    network: str = "augmented"
    step_tensors: Callable = None
    automaton: Callable | None = None
    extra: dict = field(default_factory=dict)

    def param_shape(self, name: str, hidden: int, fan_in: int) -> tuple[int, int]:
        """Shape of parameter ``name`` in a layer of width ``hidden`` reading ``fan_in`` inputs."""
        return (hidden, hidden) if name in self.square else (hidden, fan_in)

    def state_size(self, hidden: int) -> int:
        """Numbers in one sequence's state."""
        return int(np.prod(self.state_shape(hidden)))


_KINDS: dict[str, LayerKind] = {}


def register_kind(kind: LayerKind) -> LayerKind:
    """Add a layer kind to the registry (a name can be registered once)."""
    if kind.name in _KINDS:
        raise InvalidParameterError("kind", kind.name, f"a name not yet registered ({', '.join(_KINDS)} are)")
    _KINDS[kind.name] = kind
    return kind


def layer_kind(name) -> LayerKind:
    """The registered kind called ``name`` (a :class:`LayerKind` passes through).

    Examples
    --------
    >>> layer_kind("ssm").cut_state_rank(4)
    5
    >>> layer_kind("lstm")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid circuit='lstm': expected one of 'rac', 'ssm', 'gla'
    """
    if isinstance(name, LayerKind):
        return name
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise InvalidParameterError("circuit", name, "one of " + ", ".join(repr(k) for k in _KINDS)) from None


#: The kind a circuit has when none is named (the paper's RAC): reprs, titles and messages leave it unnamed.
DEFAULT_KIND = "rac"


def kind_label(kind, template: str = "{kind}, ") -> str:
    """``template`` filled with the kind's name, or ``""`` for :data:`DEFAULT_KIND` (left unnamed).

    Examples
    --------
    >>> kind_label("rac"), kind_label("ssm"), kind_label("gla", "{kind} circuit: ")
    ('', 'ssm, ', 'gla circuit: ')
    """
    name = getattr(kind, "name", kind)
    return "" if name == DEFAULT_KIND else template.format(kind=name)


def list_kinds() -> dict[str, str]:
    """The registered kinds and their one-line descriptions."""
    return {name: k.description for name, k in _KINDS.items()}


# -- the built-in kinds ---------------------------------------------------------------------


def _rac_step(ops, params, state, u):
    inp = ops.lin(u, params["WI"])
    hid = params["factor"] if state is None else ops.lin(state, params["WH"])
    h = ops.mul(hid, inp)
    return h, h


def _ssm_step(ops, params, state, u):
    b = ops.lin(u, params["B"])
    h = b if state is None else ops.add(ops.mul(ops.lin(u, params["A"]), state), b)
    return h, ops.mul(ops.lin(u, params["C"]), h)


def _gla_step(ops, params, state, u):
    k, v = ops.lin(u, params["K"]), ops.lin(u, params["V"])
    kv = ops.mul(k[:, :, None], v[:, None, :])
    S = kv if state is None else ops.add(ops.mul(ops.lin(u, params["A"])[:, :, None], state), kv)
    return S, ops.dot(ops.lin(u, params["Q"])[:, :, None], S, 1)


def _constant_slots(R: int, K: int, D: int, n_inputs: int, n_out_inputs: int):
    """Zero step and output tensors whose constant coordinates map to each other: ``1 -> 1``."""
    G = np.zeros((D, D) + (K + 1,) * n_inputs)
    E = np.zeros((R + 1, D) + (K + 1,) * n_out_inputs)
    G[(D - 1, D - 1) + (K,) * n_inputs] = 1.0
    E[(R, D - 1) + (K,) * n_out_inputs] = 1.0
    return G, E


def _ssm_tensors(params):
    """``ssm`` over ``[h; 1]`` and ``[u; 1]``: ``h_i <- (A u)_i h_i + (B u)_i``, ``y_i = (C u)_i h_i``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.standard_normal((2, 3)) for k in "ABC"}
    >>> G, E = _ssm_tensors(p)
    >>> G.shape, E.shape
    ((3, 3, 4), (3, 3, 4))
    >>> h, u = rng.standard_normal(2), rng.standard_normal(3)
    >>> new = np.einsum("ijk,j,k->i", G, np.r_[h, 1], np.r_[u, 1])
    >>> bool(np.allclose(new, np.r_[(p["A"] @ u) * h + p["B"] @ u, 1]))
    True
    """
    A, B, C = (np.asarray(params[k], dtype=np.float64) for k in "ABC")
    R, K = A.shape
    G, E = _constant_slots(R, K, R + 1, 1, 1)
    r = np.arange(R)
    G[r, r, :K] = A
    G[r, R, :K] = B
    E[r, r, :K] = C
    return G, E


def _gla_tensors(params):
    """``gla`` over ``[vec(S); 1]`` (row-major ``S[i, j]``) and two copies of ``[u; 1]``.

    ``S_ij <- (A u)_i S_ij + (K u)_i (V u)_j`` reads ``u`` twice (the gate
    from the first copy with the second's constant coordinate), and
    ``y_j = sum_i S_ij (Q u)_i`` once.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.standard_normal((2, 3)) for k in "AKVQ"}
    >>> G, E = _gla_tensors(p)
    >>> G.shape, E.shape
    ((5, 5, 4, 4), (3, 5, 4))
    >>> S, u = rng.standard_normal((2, 2)), rng.standard_normal(3)
    >>> new = np.einsum("ijkl,j,k,l->i", G, np.r_[S.ravel(), 1], np.r_[u, 1], np.r_[u, 1])
    >>> S1 = (p["A"] @ u)[:, None] * S + np.outer(p["K"] @ u, p["V"] @ u)
    >>> bool(np.allclose(new, np.r_[S1.ravel(), 1]))
    True
    >>> y = np.einsum("ijk,j,k->i", E, np.r_[S1.ravel(), 1], np.r_[u, 1])
    >>> bool(np.allclose(y, np.r_[S1.T @ (p["Q"] @ u), 1]))
    True
    """
    A, Kw, V, Q = (np.asarray(params[k], dtype=np.float64) for k in "AKVQ")
    R, K = A.shape
    D = R * R + 1
    G, E = _constant_slots(R, K, D, 2, 1)
    i, j = np.divmod(np.arange(R * R), R)          # state coordinate (i, j) -> i * R + j
    ij = np.arange(R * R)
    G[ij, ij, :K, K] = A[i]
    G[ij, D - 1, :K, :K] = Kw[i][:, :, None] * V[j][:, None, :]
    E[j, ij, :K] = Q[i]
    return G, E
def _affine_automaton(ops, decay, drive, read, dtype):
    """``h_t = decay[x_t] * h_{t-1} + drive[x_t]`` (``h_{-1} = 0``), output ``read[x_{T-1}] . h_{T-1}``, as an
    automaton on the state ``(h, 1)`` of size ``R + 1`` (``decay``, ``drive``, ``read``: (M, R) arrays)."""
    M, R = decay.shape
    steps = np.zeros((M, R + 1, R + 1), dtype=dtype)
    idx = np.arange(R)
    steps[:, idx, idx] = decay
    steps[:, R, :R] = drive
    steps[:, R, R] = 1
    initial = np.zeros(R + 1, dtype=dtype)
    initial[R] = 1
    last = np.zeros((M, R + 1), dtype=dtype)
    last[:, :R] = read
    return initial, steps, last


def _ssm_automaton(ops, params, w):
    # on token v: decay A[:, v], drive B[:, v]; output w . (C[:, v] * h)
    A, B, C = (np.asarray(params[k]).T for k in "ABC")
    return _affine_automaton(ops, A, B, ops.mul(C, w[None, :]), A.dtype)


def _gla_automaton(ops, params, w):
    # the output w^T S^T q = q . (S w), and g_t = S_t w obeys g_t = (A x_t) * g_{t-1} + (K x_t) (V x_t . w):
    # an ssm on R + 1 states (the automaton bound of the module docstring)
    A, K, V, Q = (np.asarray(params[k]).T for k in "AKVQ")
    vw = ops.dot(V, w[None, :], 1)
    return _affine_automaton(ops, A, ops.mul(K, vw[:, None]), Q, A.dtype)


register_kind(LayerKind(
    "rac", "recurrent arithmetic circuit (Levine et al. 2020)",
    "h_t = (W^H h_{t-1}) * (W^I u_t), first hidden factor 1; y_t = h_t",
    params=("WH", "WI"), square=("WH",), state_shape=lambda R: (R,), step=_rac_step,
    cut_state_rank=lambda R: R, bond=lambda R: R, degree_in_input=1,
    input_uses=(1, 0), network="factored",
))
register_kind(LayerKind(
    "ssm", "selective diagonal state-space layer (Mamba's S6 core, RG-LRU)",
    "h_t = (A u_t) * h_{t-1} + B u_t, h_{-1} = 0; y_t = (C u_t) * h_t",
    params=("A", "B", "C"), state_shape=lambda R: (R,), step=_ssm_step,
    cut_state_rank=lambda R: R + 1, bond=lambda R: R + 1, degree_in_input=2,
    input_uses=(1, 1), network="augmented", step_tensors=_ssm_tensors, automaton=_ssm_automaton,
))
register_kind(LayerKind(
    "gla", "gated linear attention with a matrix state (GLA, RetNet, mLSTM without normaliser)",
    "S_t = diag(A u_t) S_{t-1} + (K u_t)(V u_t)^T, S_{-1} = 0; y_t = S_t^T (Q u_t)",
    params=("A", "K", "V", "Q"), state_shape=lambda R: (R, R), step=_gla_step,
    cut_state_rank=lambda R: R + 1, bond=lambda R: R * R + 1, degree_in_input=3,
    readout_labels=lambda R: np.repeat(np.arange(R)[:, None], R, axis=1),
    input_uses=(2, 1), network="augmented", step_tensors=_gla_tensors, automaton=_gla_automaton,
))

#: The names of the built-in kinds, in registry order.
KIND_NAMES = tuple(_KINDS)
