"""The deterministic layout of a compiled network for :func:`tnrnn.plotting.network.draw`.

Time on the x axis, layers (and the copies of a layer's states) on the y axis, the inputs at the bottom:
the tensors of a :class:`~tnrnn.network.CircuitNetwork` grouped by role, layer and step, their positions in
the detailed view, and the edges between them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# the network's layout
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tensor:
    name: str  # the unique tag: "WI5", "MUL5", "WO", ...
    role: str
    node: int | None
    layer: int
    time: int
    inds: tuple[str, ...]


def _tensors(network) -> list[_Tensor]:
    """The tensors of ``network.tn`` (COPY tensors included), from the network's own description."""
    nodes = network.nodes
    out = []
    for spec in network.problem(hyper=False).specs:
        node = nodes[spec.node] if spec.node is not None else None
        layer, time = (node.layer, node.time) if node is not None else (network.depth, network.length - 1)
        out.append(_Tensor(spec.name, spec.role, spec.node, layer, time, spec.inds))
    return out


@dataclass
class _Structure:
    """Circuit nodes of a compiled network and their rows in the drawing."""

    depth: int
    length: int
    layer: dict  # node -> layer
    time: dict  # node -> time
    consumer: dict  # node -> (role of the consuming tensor: "WH", "WI", "STEP", "EMIT", "WO"; consuming node or None)
    rows: dict  # layer -> list of chains (each a list of nodes, time ascending)
    row_of: dict  # node -> (layer, row index within the layer)
    form: str = "factored"  # the network form (tnrnn.network.forms)
    emits: dict = None  # node -> whether it has an EMIT tensor


def _structure(network) -> _Structure:
    """Chains of hidden links, one drawing row each, ordered so that few edges cross.

    A *chain* is a node ``(l, t')`` that is not the hidden child of another
    node, with its hidden descendants ``(l, t'-1), ..., (l, 0)``.  The chains
    of layer ``l-1`` hang below the nodes of layer ``l`` they feed; they are
    listed parent row by parent row, and within one parent row by ``t'``, so
    that (for ``L = 2``) no vertical edge crosses a chain.
    """
    from ..network.forms import network_form

    nodes = network.nodes
    layer = {n.id: n.layer for n in nodes}
    time = {n.id: n.time for n in nodes}
    hidden_child = {n.id: n.hidden_child for n in nodes if n.hidden_child is not None}
    inputs = {n.id: n.inputs for n in nodes}
    root = nodes[-1].id  # post-order: the root (L, T-1) comes last
    # the consumer of a node: the tensor of its parent that carries one of its indices (h/s/u{c})
    consumer = {root: ("WO", None)}
    for spec in network.problem(hyper=False).specs:
        if spec.node is None:
            continue
        for ind in spec.inds:
            m = re.fullmatch(r"[hsu](\d+)", ind)
            if m is not None and int(m.group(1)) != spec.node:
                consumer[int(m.group(1))] = (spec.role, spec.node)

    def chain(top):
        nodes = [top]
        while nodes[-1] in hidden_child:
            nodes.append(hidden_child[nodes[-1]])
        return nodes[::-1]

    L = network.depth
    rows = {L: [chain(root)]}
    for lay in range(L, 1, -1):
        below = []
        for row in rows[lay]:
            for c in row:  # time ascending
                below.extend(chain(child) for child in inputs[c])
        rows[lay - 1] = below
    row_of = {c: (lay, k) for lay, chains in rows.items() for k, ch in enumerate(chains) for c in ch}
    return _Structure(L, network.length, layer, time, consumer, rows, row_of, network_form(network.kind).name,
                      {n.id: n.emits for n in nodes})


# Geometry of the detailed view, in data units (one time step is 1 wide, one row 1 high).
_X_WH, _X_MUL = 0.12, 0.42
_WI_DROP = 0.38
_LAYER_GAP = 0.9
_INPUT_GAP = 1.6


def _detailed_positions(st: _Structure):
    """Positions of every tensor (by name), the y of each row, and the inputs' y."""
    y_row = {}
    y = 0.0
    for lay in range(st.depth, 0, -1):
        for k in range(len(st.rows[lay])):
            y_row[lay, k] = y
            y -= 1.0
        y -= _LAYER_GAP
    y_bottom = min(y_row.values())
    pos = {}
    for c, (lay, k) in st.row_of.items():
        t = st.time[c]
        n = len(st.rows[lay])
        yy = y_row[lay, k]
        x_mul = t + _X_MUL
        # Each row of a layer gets its own WI column, so no vertical edge runs through a WI.
        x_wi = x_mul + 0.14 + 0.36 * (k + 0.5) / n
        if st.form == "factored":
            pos[f"MUL{c}"] = (x_mul, yy)
            pos[f"WH{c}"] = pos[f"INIT{c}"] = (t + _X_WH, yy)
            pos[f"WI{c}"] = (x_wi, yy - _WI_DROP)
        else:   # augmented: the step on the chain, the output map below it in the row's own column
            pos[f"STEP{c}"] = (x_mul, yy)
            pos[f"EMIT{c}"] = (x_wi, yy - _WI_DROP)
    root = st.rows[st.depth][0][-1]
    anchor = pos[f"MUL{root}"] if st.form == "factored" else pos[f"EMIT{root}"]
    pos["WO"] = (anchor[0] + 0.45 if st.form == "factored" else anchor[0] + 0.3, anchor[1])
    return pos, y_row, y_bottom - _INPUT_GAP


def _input_x(t):
    return t + _X_MUL + 0.3


def _detailed_edges(st, tensors, pos, y_inputs):
    """One polyline per bond: ``{index: [polyline, ...]}`` (inputs get one per leg)."""
    by_name = {t.name: t for t in tensors}
    edges = defaultdict(list)
    for t in tensors:
        for ind in t.inds:
            if ind.startswith("x"):
                # input leg: down from the WI to just above the inputs, then to the input marker
                x0, y0 = pos[t.name]
                tt = int(ind[1:])
                edges[ind].append([(x0, y0), (x0, y_inputs + 0.55), (_input_x(tt), y_inputs)])
    if st.form != "factored":
        _augmented_edges(st, pos, edges)
    for c in (st.layer if st.form == "factored" else ()):
        edges[f"a{c}"].append([pos[f"WH{c}"], pos[f"MUL{c}"]])
        edges[f"b{c}"].append([pos[f"WI{c}"], pos[f"MUL{c}"]])
        role, p = st.consumer[c]
        mul = pos[f"MUL{c}"]
        if role == "WI":
            # elbow: down from the consumer's WI to this row, then left to the chain's top node
            wx, wy = pos[f"WI{p}"]
            edges[f"h{c}"].append([(wx, wy), (wx, mul[1]), mul])
        elif role == "WH":
            edges[f"h{c}"].append([mul, pos[f"WH{p}"]])
        else:
            edges[f"h{c}"].append([mul, pos["WO"]])
    if "y" in by_name.get("WO", _Tensor("", "", None, 0, 0, ())).inds:
        wx, wy = pos["WO"]
        edges["y"].append([(wx, wy), (wx + 0.35, wy)])
    return edges


def _augmented_edges(st, pos, edges):
    """The state bonds ``s{c}`` (step to step, or step to its own output map) and the outputs ``u{c}``."""
    for c in st.layer:
        step = pos[f"STEP{c}"]
        role, p = st.consumer[c]
        if not st.emits[c]:
            edges[f"s{c}"].append([step, pos[f"{role}{p}"]])
            continue
        em = pos[f"EMIT{c}"]
        edges[f"s{c}"].append([step, em])
        if p is None:
            edges[f"u{c}"].append([em, pos["WO"]])
        else:
            # elbow: down from the consuming tensor to this row's output map
            wx, wy = pos[f"{role}{p}"]
            edges[f"u{c}"].append([(wx, wy), (wx, em[1]), em])


# ---------------------------------------------------------------------------------------------
# min-cut
# ---------------------------------------------------------------------------------------------


