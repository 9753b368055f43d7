"""How one layer step of each kind becomes tensors: the network forms, looked up by name.

A layer kind (:mod:`tnrnn.circuits.kinds`) names its *network form*
(``LayerKind.network``); the compiler (:mod:`tnrnn.network.core`), the
data-free structure (:mod:`tnrnn.network.structure`), min-cuts and drawings
ask the form, never the kind's name.  Two forms are built in.

``factored`` (``rac``)
    Circuit node ``c`` computes ``h{c}`` from a ``W^I`` tensor on its input,
    a ``W^H`` tensor on its hidden child (an ``INIT`` vector, the first
    hidden factor, at ``t = 0``) and a 3-leg COPY tensor ``MUL`` joining
    the two (fused into the hyperindex ``h{c}`` in the hyperindex form).
    The network is exactly the one of Levine et al.'s Theorem 1 (bond ``R``).
``augmented`` (``ssm``, ``gla``, and any kind with ``step_tensors``)
    The state ``s`` of dimension ``n`` is augmented with a constant
    coordinate, ``s~ = [s; 1]`` of dimension ``D = n + 1``, and so is the
    layer input, ``u~ = [u; 1]``.  A step that is affine in the state and
    polynomial in the input is then *multilinear* in ``(s~_{t-1}, u~, ...,
    u~)`` (one copy of ``u~`` per factor of ``u`` in a monomial, the
    constant coordinate standing in for missing factors): the kind's
    ``step_tensors`` give ``G`` (``s~_t = G(s~_{t-1}, u~, ...)``) and ``E``
    (``[y_t; 1] = E(s~_t, u~, ...)``).  Circuit node ``c`` holds a ``STEP``
    tensor ``(s{c}, s{hidden child}, inputs...)`` (``G`` applied to
    ``s~_{-1} = e_{D-1}`` at ``t = 0``) and, when its output ``y`` is read
    (by the layer above or by ``W^O``), an ``EMIT`` tensor
    ``(u{c}, s{c}, inputs...)``.  ``W^O`` is padded with a zero for the
    constant coordinate.

    In the first layer the input is one-hot, ``x = e_m``, so
    ``u~ = P x`` with ``P = [I_M; 1^T]`` and every copy of ``u~`` is the same
    column of ``P``: the copies are contracted with ``P`` and merged into one
    leg on the input hyperindex ``x{t}`` (the diagonal), so a depth-1 network
    is a matrix product state of bond ``D`` (``R + 1`` for ``ssm``,
    ``R^2 + 1`` for ``gla``).  The network therefore equals the circuit on
    one-hot inputs (the grid tensor), not on arbitrary input vectors.

Index names: ``x{t}`` inputs, ``h{c}`` (factored) or ``s{c}`` and ``u{c}``
(augmented) the state and output of circuit node ``c``, ``a{c}``/``b{c}`` the
COPY tensor's legs, ``y`` the open output channel.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["AugmentedForm", "FactoredForm", "NetworkForm", "list_forms", "network_form"]


class NetworkForm:
    """The interface of a network form (see the module docstring); subclasses fill it in.

    Attributes
    ----------
    name : str
    roles : tuple of str
        Role tags of the node tensors, in the order a node lists them.
    separate_output : bool
        Whether a node's output ``y`` differs from its state (then reading
        the output costs an ``EMIT`` tensor and ``input_uses[1]`` input copies).
    one_hot_only : bool
        Whether the network equals the circuit only on one-hot inputs.
    per_node, per_emitting_node : int
        Tensors of the COPY-tensor form per circuit node, and the extra ones
        of a node whose output is read.

    Every form also has ``node_specs(node, kind, hyper)`` (``(role,
    indices)`` of each tensor of a circuit node), ``output_index(node_id)``
    (the index carrying a node's output), ``layer_arrays(kind, params,
    first)`` (one layer's arrays by role, from its parameters) and
    ``index_size(ind, kind, hidden, inputs)`` (an index's dimension).
    """

    name = ""
    roles: tuple = ()
    separate_output = False
    one_hot_only = False
    per_node = 1
    per_emitting_node = 0

    def node_array(self, arrays: dict, role: str, node) -> np.ndarray:
        """The array of the tensor ``role`` of ``node``."""
        return arrays[role]

    def output_tensor(self, wo: np.ndarray) -> np.ndarray:
        """``W^O`` (``(C, R)`` or ``(R,)``) as the network's output tensor."""
        return wo

    def data_bytes(self, kind, depth: int, hidden: int, inputs: int) -> int:
        """Bytes of the arrays a compilation builds (shared by every node of a layer)."""
        return 0


class FactoredForm(NetworkForm):
    """``W^I``, ``W^H`` (or ``INIT``) and a COPY tensor per circuit node: the RAC network.

    Examples
    --------
    >>> from tnrnn.network.structure import circuit_nodes
    >>> node = circuit_nodes(1, 2)[1]
    >>> FactoredForm().node_specs(node, None, hyper=False)
    [('WI', ('b1', 'x1')), ('WH', ('a1', 'h0')), ('MUL', ('a1', 'b1', 'h1'))]
    """

    name = "factored"
    roles = ("WI", "WH", "INIT", "MUL")
    per_node = 3

    def node_specs(self, node, kind, hyper):
        c = node.id
        out = f"h{c}"
        a, b = (out, out) if hyper else (f"a{c}", f"b{c}")
        below = f"x{node.time}" if node.layer == 1 else f"h{node.input_child}"
        specs = [("WI", (b, below))]
        if node.hidden_child is None:
            specs.append(("INIT", (a,)))
        else:
            specs.append(("WH", (a, f"h{node.hidden_child}")))
        if not hyper:
            specs.append(("MUL", (a, b, out)))
        return specs

    def output_index(self, node_id):
        return f"h{node_id}"

    def layer_arrays(self, kind, params, first):
        R = params["WH"].shape[0]
        delta = np.zeros((R, R, R))
        r = np.arange(R)
        delta[r, r, r] = 1.0
        delta.setflags(write=False)
        return {"WI": params["WI"], "WH": params["WH"], "INIT": np.asarray(params["factor"], dtype=np.float64),
                "MUL": delta}

    def index_size(self, ind, kind, hidden, inputs):
        return inputs if ind.startswith("x") else hidden


def _fold_one_hot(T: np.ndarray, n_legs: int, inputs: int) -> np.ndarray:
    """Merge the last ``n_legs`` legs (each over ``[u; 1]``) into one leg over one-hot ``u = e_m``."""
    P = np.vstack([np.eye(inputs), np.ones((1, inputs))])
    letters = "abcdefghij"
    head = letters[:T.ndim - n_legs]
    legs = letters[T.ndim - n_legs:T.ndim]
    spec = head + legs + "," + ",".join(f"{leg}m" for leg in legs) + "->" + head + "m"
    return np.einsum(spec, T, *([P] * n_legs))


class AugmentedForm(NetworkForm):
    """A ``STEP`` tensor per circuit node and an ``EMIT`` tensor per read output, over augmented states.

    Examples
    --------
    >>> from tnrnn.circuits import layer_kind
    >>> from tnrnn.network.structure import circuit_nodes
    >>> kind = layer_kind("gla")
    >>> root = circuit_nodes(2, 2, "gla")[-1]
    >>> root.layer, root.time, len(root.inputs), root.emits       # 2 input copies for the step, 1 for y
    (2, 1, 3, True)
    >>> AugmentedForm().node_specs(root, kind, hyper=True)
    [('STEP', ('s9', 's2', 'u4', 'u6')), ('EMIT', ('u9', 's9', 'u8'))]
    """

    name = "augmented"
    roles = ("STEP", "EMIT")
    separate_output = True
    one_hot_only = True
    per_node = 1
    per_emitting_node = 1

    def node_specs(self, node, kind, hyper):
        c = node.id
        n_step = kind.input_uses[0]
        if node.layer == 1:
            step_in, emit_in = (f"x{node.time}",), (f"x{node.time}",)
        else:
            step_in = tuple(f"u{k}" for k in node.inputs[:n_step])
            emit_in = tuple(f"u{k}" for k in node.inputs[n_step:])
        hidden = () if node.hidden_child is None else (f"s{node.hidden_child}",)
        specs = [("STEP", (f"s{c}", *hidden, *step_in))]
        if node.emits:
            specs.append(("EMIT", (f"u{c}", f"s{c}", *emit_in)))
        return specs

    def output_index(self, node_id):
        return f"u{node_id}"

    def layer_arrays(self, kind, params, first):
        G, E = kind.step_tensors(params)
        if first:
            M = G.shape[-1] - 1
            G = _fold_one_hot(G, kind.input_uses[0], M)
            E = _fold_one_hot(E, kind.input_uses[1], M)
        arrays = {"STEP": G, "STEP0": np.ascontiguousarray(G[:, -1]), "EMIT": E}
        for a in arrays.values():
            a.setflags(write=False)
        return arrays

    def node_array(self, arrays, role, node):
        return arrays["STEP0" if role == "STEP" and node.hidden_child is None else role]

    def output_tensor(self, wo):
        pad = np.zeros(wo.shape[:-1] + (1,))
        return np.concatenate([np.asarray(wo, dtype=np.float64), pad], axis=-1)

    def index_size(self, ind, kind, hidden, inputs):
        if ind.startswith("x"):
            return inputs
        return kind.bond(hidden) if ind.startswith("s") else hidden + 1

    def data_bytes(self, kind, depth, hidden, inputs):
        """Float64 ``STEP`` (with its ``t = 0`` slice) and ``EMIT`` per layer, plus the unfolded first layer.

        Examples
        --------
        >>> from tnrnn.circuits import layer_kind
        >>> AugmentedForm().data_bytes(layer_kind("ssm"), 1, 2, 3) == 8 * (3*3*3 + 3*3 + 3*3*3 + 3*3*4 + 3*3*4)
        True
        """
        D, R = kind.bond(hidden), hidden
        n_step, n_emit = kind.input_uses
        total = 0
        for layer in range(depth):
            if layer == 0:
                built = D * D * inputs + D * inputs + (R + 1) * D * inputs
                built += D * D * (inputs + 1) ** n_step + (R + 1) * D * (inputs + 1) ** n_emit
            else:
                built = (D * D + D) * (R + 1) ** n_step + (R + 1) * D * (R + 1) ** n_emit
            total += built
        return 8 * total


_FORMS = {form.name: form for form in (FactoredForm(), AugmentedForm())}


def list_forms() -> tuple[str, ...]:
    """The names of the network forms.

    Examples
    --------
    >>> list_forms()
    ('factored', 'augmented')
    """
    return tuple(_FORMS)


def network_form(kind) -> NetworkForm:
    """The network form of a layer kind (a name, a :class:`~tnrnn.circuits.kinds.LayerKind`, or a form's name).

    Examples
    --------
    >>> network_form("rac").name, network_form("ssm").name
    ('factored', 'augmented')
    """
    from ..circuits.kinds import LayerKind, layer_kind

    if isinstance(kind, str) and kind in _FORMS:
        return _FORMS[kind]
    k = kind if isinstance(kind, LayerKind) else layer_kind(kind)
    try:
        form = _FORMS[k.network]
    except KeyError:
        raise InvalidParameterError("network", k.network, "one of " + ", ".join(_FORMS)) from None
    if form.separate_output and (k.step_tensors is None or min(k.input_uses) < 1):
        # every STEP and EMIT tensor of layer 1 carries one input leg (the merged copies)
        raise InvalidParameterError(f"{k.name}.input_uses", k.input_uses,
                                    "at least one input copy for the step and one for the output map, and "
                                    "step_tensors (the augmented network form)")
    return form
