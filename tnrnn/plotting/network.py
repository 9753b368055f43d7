"""Drawing compiled networks and their cuts.

:func:`draw` draws a compiled RAC (a :class:`~tnrnn.network.CircuitNetwork`)
with a deterministic layout: time on the x axis, layers (and the copies of a
layer's states) on the y axis, the inputs at the bottom coloured by the side of
the cut they fall on, and the bonds of the minimum cut highlighted and labelled
with their dimensions.  It returns a matplotlib ``Figure`` (built without
``pyplot``; matplotlib is imported inside the function).

Every drawn collection carries a ``gid`` naming what it shows
(``"tensors:WI"``, ``"inputs:start"``, ``"side:end"``, ...), so that programs
and tests can find it.  Each bond of the minimum cut is one collection,
``"cut-bond:{index}"`` (``"cut-bond:x3"``, ``"cut-bond:h17"``), holding every
segment that carries it:

* an input hyperindex ``x{t}`` is drawn *as a whole*: every leg from a copy
  of ``W^I`` to the input ``x_t`` (in the condensed view, the input edge of
  block ``(1, t)``), labelled with its dimension ``M``;
* a hidden hyperindex ``h{c}`` (the state of circuit node ``c``, the three
  legs of COPY tensor ``MUL{c}``) is drawn on the legs that join ``MUL{c}``
  to tensors on the other side of the cut (in the condensed view, on the
  block edge carrying the state), labelled with ``R`` once: a hyperindex
  costs its dimension once, however many legs cross.

The two sides of the cut are shaded: every tensor (every block, in the
condensed view) sits on a halo of its side's colour (``"side:start"``,
``"side:end"``; ``"side:both"`` for a block whose copies lie on both sides).

Networks of the other layer kinds (``ssm``, ``gla``: the ``augmented`` form of
:mod:`tnrnn.network.forms`) are drawn the same way, with a ``STEP`` tensor on
each row's chain and an ``EMIT`` tensor below each step whose output is read;
their bonds ``s{c}`` (a state) and ``u{c}`` (an output) join two tensors, and a
cut bond is drawn on that edge (``"cut-bond:s5"``, ``"cut-bond:u7"``).
"""

from __future__ import annotations

import math
import re
from collections import defaultdict

from ..errors import InvalidParameterError
from ..network.core import CircuitNetwork
from .figure import figure_format, new_figure, save_figure
from .network_layout import _WI_DROP, _detailed_edges, _detailed_positions, _input_x, _structure, _tensors
from .palette import BOND, BOTH, CUT, END, NOSIDE, ROLE_COLOURS, START

__all__ = ["draw", "DETAILED_MAX_ROWS"]

#: The detailed view draws every tensor when no layer needs more rows (copies
#: of its chains) than this; larger networks are condensed to one node per
#: layer x time block.  Every L <= 2 network with T <= 16 and every L = 3
#: network with T <= 5 is drawn in detail.
DETAILED_MAX_ROWS = 16

# Colours: the two sides of a cut, the cut bonds, and the tensor roles (all from the one palette).
_START, _END, _NOSIDE, _CUT, _BOND, _BOTH = START, END, NOSIDE, CUT, BOND, BOTH
_SIDE_COLOUR = {"start": _START, "end": _END, "none": _NOSIDE}
_ROLE_STYLE = {  # marker, face colour, size (points**2), legend text
    "WI": ("s", ROLE_COLOURS["WI"], 42, "input weights $W^{I}$"),
    "WH": ("o", ROLE_COLOURS["WH"], 46, "hidden weights $W^{H}$"),
    "INIT": ("D", ROLE_COLOURS["INIT"], 32, "initial factor"),
    "MUL": ("o", ROLE_COLOURS["MUL"], 14, "COPY tensor (product)"),
    "STEP": ("s", ROLE_COLOURS["STEP"], 46, "step tensor (state update)"),
    "EMIT": ("v", ROLE_COLOURS["EMIT"], 46, "output tensor ($y_t$)"),
    "WO": ("p", ROLE_COLOURS["WO"], 80, "output weights $W^{O}$"),
}
_ROLES = tuple(_ROLE_STYLE)


def _mincut(network, cut):
    from ..network.mincut import mincut_bound

    return mincut_bound(network, cut)


def _bound_text(mc, dims):
    """``"min-cut bound $3^{4} = 81$"``: the bound as a product of powers of the bonds' dimensions."""
    bound = int(mc.bound)
    counts = defaultdict(int)
    for ind in mc.bonds:
        counts[int(dims[ind])] += 1
    factors = [f"{d}^{{{k}}}" if k > 1 else f"{d}" for d, k in sorted(counts.items())]
    value = f"{bound}" if bound < 10**7 else f"2^{{{mc.log2:.1f}}}"
    if not factors:
        return f"min-cut bound ${value}$"
    product = r" \cdot ".join(factors)
    return f"min-cut bound ${product} = {value}$" if product != value else f"min-cut bound ${value}$"


def _index_dims(network) -> dict:
    """Dimension of every index of the hyperindexed network (inputs included)."""
    return dict(network.problem().size_dict)


# ---------------------------------------------------------------------------------------------
# draw
# ---------------------------------------------------------------------------------------------


def _as_network(network_or_rac, length):
    from ..circuits import Circuit
    from ..network.core import compile

    if isinstance(network_or_rac, CircuitNetwork):
        if length is not None and length != network_or_rac.length:
            raise InvalidParameterError("length", length, f"{network_or_rac.length}, the network's length, or None")
        return network_or_rac
    if isinstance(network_or_rac, Circuit):
        if length is None:
            raise InvalidParameterError("length", None, "an integer >= 1 when drawing a RAC")
        return compile(network_or_rac, length)
    raise InvalidParameterError("network_or_rac", type(network_or_rac).__name__,
                                "a tnrnn.RAC or a compiled CircuitNetwork")


def draw(network_or_rac, cut=None, length: int | None = None, ax=None, *, condensed: bool | None = None,
         show_mincut: bool = True, path=None, figsize=None, title: str | None = None, legend: bool = True,
         label_bonds: bool = True):
    r"""Draw a compiled RAC, the sides of a cut, and the cut's minimum set of bonds.

    The layout is deterministic.  Time runs left to right (one column per
    step).  Layers are stacked bottom (layer 1) to top (layer ``L``); inside
    a layer, each row is one chain of hidden links, so a deep RAC's copies of
    a layer's states appear as rows (the network duplicates the sub-network
    under every state that feeds two consumers).  Every tensor is a marker
    shaped by its role (``WI``, ``WH``, ``INIT``, ``MUL``, ``WO``); the input
    legs end at the bottom in one marker per input ``x_t``, coloured by the
    side of the cut.  With a cut and ``show_mincut``, the bonds of a minimum
    cut (:func:`tnrnn.network.mincut.mincut_bound`) are red and labelled with their
    dimension, the tensors sit on halos of their side's colour, and the
    title states the bound.  See the module docstring for how each bond is
    drawn and named.

    Networks whose layers need more than :data:`DETAILED_MAX_ROWS` rows are
    drawn *condensed*: one node per layer x time block, annotated with its
    number of copies, and each cut bond drawn on the block edge it lies on
    (labelled ``n x R`` for ``n`` bonds of dimension ``R``).

    Parameters
    ----------
    network_or_rac : CircuitNetwork or Circuit
        A compiled network, or a circuit (a RAC, or any registered kind:
        ``ssm``, ``gla``) compiled here on ``length`` steps.
    cut : str or Cut, optional
        ``"start-end"``, ``"interleaved"``, ``"prefix:S"``, positions
        ``"0,2|1,3"`` or a :class:`~tnrnn.Cut` of the network's length.
        Without a cut, the inputs are grey and no bond is highlighted.
    length : int, optional
        ``T``; required with a RAC, checked against a network.
    ax : matplotlib.axes.Axes, optional
        Draw into these axes (the figure's size is then the caller's).
        Otherwise a new ``Figure`` is made, sized to the network.
    condensed : bool, optional
        Force the condensed (``True``) or detailed (``False``) view; by
        default chosen from the network's size.
    show_mincut : bool
        Compute and highlight a minimum cut (needs a cut).
    path : str or path-like, optional
        Also save the figure here; the extension picks the format (``.png``,
        ``.svg`` or ``.pdf``).
    figsize : (float, float), optional
        Inches; default grows with ``T`` and the number of rows.
    title : str, optional
        Replaces the default title (the circuit, the cut and the bound).
    legend : bool
        Draw the legend (outside the axes, on the right).
    label_bonds : bool
        Label each cut bond with its dimension.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on (``ax.figure`` when ``ax`` is given).

    Raises
    ------
    InvalidParameterError
        For a bad cut (wrong length, unknown name), a path with another
        extension, or something that is neither a RAC nor a network.

    See Also
    --------
    tnrnn.network.mincut.mincut_bound : the minimum cut that is highlighted.
    plot_ranks, plot_spectrum

    Examples
    --------
    >>> import os, tempfile
    >>> from tnrnn import RAC
    >>> rac = RAC.random(depth=2, hidden=3, inputs=3, seed=0)
    >>> fig = draw(rac, cut="start-end", length=4)
    >>> ax = fig.axes[0]
    >>> print(ax.get_title())
    $L=2,\ R=3,\ M=3,\ T=4$   cut start-end   min-cut bound $3^{2} = 9$
    >>> sorted(a.get_gid() for a in ax.findobj(lambda a: str(a.get_gid()).startswith("cut-bond:")))
    ['cut-bond:x2', 'cut-bond:x3']
    >>> len(ax.findobj(lambda a: a.get_gid() == "cut-bond:x2")[0].get_paths())   # x2 has 2 copies
    2
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = draw(rac, cut="start-end", length=4, path=os.path.join(tmp, "cut.svg"))
    ...     os.listdir(tmp)
    ['cut.svg']
    """
    from ..cuts import as_cut

    fmt = figure_format(path)
    network = _as_network(network_or_rac, length)
    T = network.length
    the_cut = None if cut is None else as_cut(cut, T)
    if condensed is not None and not isinstance(condensed, bool):
        raise InvalidParameterError("condensed", condensed, "True, False or None")
    tensors = _tensors(network)
    st = _structure(network)
    max_rows = max(len(r) for r in st.rows.values())
    if condensed is None:
        condensed = max_rows > DETAILED_MAX_ROWS
    mc = _mincut(network, the_cut) if (the_cut is not None and show_mincut) else None
    rac = network.circuit
    if figsize is None:
        if condensed:
            figsize = (max(6.0, 1.05 * T + 3.6), max(3.6, 1.25 * network.depth + 2.4))
        else:
            n_rows = sum(len(r) for r in st.rows.values())
            figsize = (max(6.0, 1.05 * T + 4.0), max(3.6, 0.42 * n_rows + 0.5 * network.depth + 2.2))
    fig, ax = new_figure(figsize) if ax is None else (ax.figure, ax)
    if condensed:
        _draw_condensed(ax, network, st, tensors, the_cut, mc, label_bonds)
    else:
        _draw_detailed(ax, network, st, tensors, the_cut, mc, label_bonds)
    if title is None:
        from ..circuits import kind_label

        kind = kind_label(network.kind, "\\mathrm{{{kind}}}:\\ ")
        title = f"${kind}L={network.depth},\\ R={rac.hidden},\\ M={rac.inputs},\\ T={T}$"
        if the_cut is not None:
            title += f"   cut {the_cut}"
        if mc is not None:
            title += f"   {_bound_text(mc, _index_dims(network))}"
        if condensed:
            title += f"\n(condensed: {network.num_tensors} tensors in {network.depth * T} blocks)"
    ax.set_title(title, fontsize=10)
    if legend:
        roles = tuple(r for r in _ROLES if any(t.role == r for t in tensors))
        _legend(ax, the_cut, mc, condensed, has_init=st.form == "factored", roles=roles)
    save_figure(fig, path, fmt)
    return fig


def _inputs(ax, T, cut, y, xs, size=70):
    """Input markers ``x_t`` at the bottom, in the colour of their side."""
    for side, colour in (("start", _START), ("end", _END), ("none", _NOSIDE)):
        ts = [t for t in range(T) if (cut is None and side == "none")
              or (cut is not None and side != "none" and cut.side(t) == side)]
        if not ts:
            continue
        ax.scatter([xs(t) for t in ts], [y] * len(ts), marker="^", s=size, c=colour, edgecolors="black",
                   linewidths=0.6, zorder=4, gid=f"inputs:{side}")
    for t in range(T):
        ax.annotate(f"$x_{{{t}}}$", (xs(t), y), xytext=(0, -9), textcoords="offset points",
                    ha="center", va="top", fontsize=9)


def _cut_label(ax, polyline, text, along=0.5):
    """Label the longest segment of a polyline: right of a vertical one, above a horizontal one.

    ``along`` is where on a horizontal segment (0 = left end); the detailed
    view puts it near the right end, clear of the input legs that cross
    hidden bonds in the middle of a time step.
    """
    segs = list(zip(polyline[:-1], polyline[1:]))
    (x0, y0), (x1, y1) = max(segs, key=lambda s: math.dist(*s))
    if abs(x1 - x0) >= abs(y1 - y0):
        lo, hi = sorted((x0, x1))
        xy, offset, ha, va = (lo + along * (hi - lo), (y0 + y1) / 2), (0, 2.5), "center", "bottom"
    else:
        xy, offset, ha, va = ((x0 + x1) / 2, (y0 + y1) / 2), (3, 0), "left", "center"
    ax.annotate(text, xy, xytext=offset, textcoords="offset points", fontsize=7.5, color=_CUT,
                ha=ha, va=va, zorder=6,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85})


def _detailed_bond_polylines(ind, edges, st, side_of, names):
    """The segments of the COPY-form network that carry the hyperindex ``ind`` across the cut."""
    if ind.startswith("x") or st.form != "factored":
        return list(edges[ind])  # every copy's leg: the input hyperedge as a whole; augmented bonds join two tensors
    c = int(ind[1:])
    role, p = st.consumer[c]
    members = {"a": f"WH{c}" if f"WH{c}" in names else f"INIT{c}", "b": f"WI{c}",
               "h": "WO" if role == "WO" else f"{role}{p}"}
    mul = side_of.get(f"MUL{c}")
    legs = [poly for leg, member in members.items() if mul is None or side_of.get(member) != mul
            for poly in edges[f"{leg}{c}"]]
    return legs or list(edges[f"h{c}"])


def _fork_point(polys):
    """The point every polyline of a hyperedge starts or ends at (its COPY tensor), if it has several."""
    if len(polys) < 2:
        return None
    common = None
    for poly in polys:
        ends = {tuple(poly[0]), tuple(poly[-1])}
        common = ends if common is None else common & ends
    return next(iter(common)) if common else None


def _draw_detailed(ax, network, st, tensors, cut, mc, label_bonds):
    from matplotlib.collections import LineCollection

    T = network.length
    pos, y_row, y_inputs = _detailed_positions(st)
    edges = _detailed_edges(st, tensors, pos, y_inputs)
    cut_bonds = set(mc.bonds) if mc is not None else set()
    dims = network.bond_dims()

    plain = [p for ind, ps in edges.items() if ind not in cut_bonds and not ind.startswith("x") for p in ps]
    ax.add_collection(LineCollection(plain, colors=_BOND, linewidths=1.0, zorder=1, gid="bonds"))
    for side in ("start", "end", "none"):
        legs = [p for t in range(T) if (cut.side(t) if cut is not None else "none") == side
                for p in edges[f"x{t}"]]
        if legs:
            ax.add_collection(LineCollection(legs, colors=_SIDE_COLOUR[side], linewidths=0.8, alpha=0.55,
                                             zorder=1, gid=f"legs:{side}"))
    if mc is not None:
        side_of = {name: "start" for name in mc.start_tensors}
        side_of.update({name: "end" for name in mc.end_tensors})
        names = {t.name for t in tensors}
        for side in ("start", "end"):
            xy = [pos[n] for n in names if side_of.get(n) == side and n in pos]
            if xy:
                ax.scatter([p[0] for p in xy], [p[1] for p in xy], marker="o", s=150, c=_SIDE_COLOUR[side],
                           alpha=0.18, linewidths=0, zorder=0.5, gid=f"side:{side}")
        all_dims = _index_dims(network)
        for ind in sorted(cut_bonds, key=_natural):
            polys = _detailed_bond_polylines(ind, edges, st, side_of, names)
            ax.add_collection(LineCollection(polys, colors=_CUT, linewidths=2.6, zorder=3, gid=f"cut-bond:{ind}"))
            hub = _fork_point(polys) if not ind.startswith("x") else None
            if hub is not None:  # one bond reaching several tensors: drawn as one fork, counted once
                ax.scatter([hub[0]], [hub[1]], marker="o", s=80, c=_CUT, zorder=4, gid=f"cut-fork:{ind}")
            if label_bonds:
                poly = max(polys, key=lambda p: sum(math.dist(a, b) for a, b in zip(p[:-1], p[1:])))
                along = 0.5 if tuple(poly[-1]) == tuple(pos["WO"]) else 0.82  # the WO edge is short
                _cut_label(ax, poly, str(all_dims.get(ind, dims.get(ind, network.circuit.hidden))), along=along)

    for role in _ROLES:
        names = [t.name for t in tensors if t.role == role]
        if not names:
            continue
        marker, colour, size, _ = _ROLE_STYLE[role]
        xy = [pos[n] for n in names]
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], marker=marker, s=size, c=colour, edgecolors="black",
                   linewidths=0.6, zorder=5, gid=f"tensors:{role}")
    _inputs(ax, T, cut, y_inputs, _input_x)

    # axes: time steps below, layers on the left
    ax.set_xlim(-0.15, T + 0.45)
    ax.set_ylim(y_inputs - 0.9, 0.7)
    ax.set_xticks([t + 0.5 for t in range(T)], [str(t) for t in range(T)])
    ax.set_xlabel("time step $t$")
    ticks, labels = [], []
    for lay in range(st.depth, 0, -1):
        ys = [y_row[lay, k] for k in range(len(st.rows[lay]))]
        ticks.append((max(ys) + min(ys)) / 2)
        n = len(ys)
        labels.append(f"layer {lay}" + (f"\n{n} copies" if n > 1 else ""))
    ax.set_yticks(ticks, labels)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    # faint bands behind the layers
    for lay in range(st.depth, 0, -1):
        ys = [y_row[lay, k] for k in range(len(st.rows[lay]))]
        if lay % 2 == 0:
            ax.axhspan(min(ys) - _WI_DROP - 0.2, max(ys) + 0.3, color=ROLE_COLOURS["layer"], zorder=0, lw=0)


def _natural(name):
    m = re.fullmatch(r"([a-z]+)(\d+)", name)
    return (m.group(1), int(m.group(2))) if m else (name, -1)


def _block_of_bond(st, ind):
    """The condensed view's edge a bond lies on: ``((l, t) or ("x", t), (l, t) or "WO")``."""
    m = re.fullmatch(r"([abhsux])(\d+)", ind)
    if m is None:
        return None
    kind, c = m.group(1), int(m.group(2))
    if kind == "x":  # an input hyperindex: the input edge of block (1, t), which holds all its copies
        return ("x", c), (1, c)
    lay, t = st.layer[c], st.time[c]
    if kind == "s" and not st.emits[c]:   # a state passed on to the next step: the hidden edge
        role, p = st.consumer[c]
        return (lay, t), (st.layer[p], st.time[p])
    if kind in "su":   # an output (or the state an output map reads, inside the block): the edge to the reader
        kind = "h"
    if kind == "h":
        role, p = st.consumer[c]
        return (lay, t), ("WO" if role == "WO" else (st.layer[p], st.time[p]))
    if kind == "a":  # inside the block, on the hidden side: drawn on the hidden edge into it
        return ((lay, t - 1) if t > 0 else ("init", lay)), (lay, t)
    return ((lay - 1, t) if lay > 1 else ("x", t)), (lay, t)


def _draw_condensed(ax, network, st, tensors, cut, mc, label_bonds):
    from matplotlib.collections import LineCollection

    T, L = network.length, network.depth
    copies = defaultdict(int)
    for c in st.layer:
        copies[st.layer[c], st.time[c]] += 1

    def xy(block):
        if block == "WO":
            return (T - 0.5 + 0.55, L * 1.0)
        if block[0] == "x":
            return (block[1] + 0.5, 0.0)
        if block[0] == "init":
            return (-0.05, float(block[1]))
        lay, t = block
        return (t + 0.5, float(lay))

    block_edges = []
    for lay in range(1, L + 1):
        for t in range(T):
            if t or st.form == "factored":   # the augmented kinds start from a constant state: no INIT
                block_edges.append(((lay, t - 1) if t else ("init", lay), (lay, t)))
            block_edges.append(((lay - 1, t) if lay > 1 else ("x", t), (lay, t)))
    block_edges.append(((L, T - 1), "WO"))
    counts = defaultdict(int)
    bond_edge = {}
    if mc is not None:
        for ind in mc.bonds:
            key = _block_of_bond(st, ind)
            if key is not None:
                counts[key] += 1
                bond_edge[ind] = key
    cut_edges = [e for e in block_edges if counts.get(e)]
    plain = [[xy(a), xy(b)] for a, b in block_edges if not counts.get((a, b)) and a[0] != "x"]
    legs = defaultdict(list)
    for a, b in block_edges:
        if a[0] == "x" and not counts.get((a, b)):
            legs["none" if cut is None else cut.side(a[1])].append([xy(a), xy(b)])
    ax.add_collection(LineCollection(plain, colors=_BOND, linewidths=1.4, zorder=1, gid="bonds"))
    for side, segs in legs.items():
        ax.add_collection(LineCollection(segs, colors=_SIDE_COLOUR[side], linewidths=1.2, alpha=0.7, zorder=1,
                                         gid=f"legs:{side}"))
    if mc is not None:
        all_dims = _index_dims(network)
        for ind in sorted(bond_edge, key=_natural):
            a, b = bond_edge[ind]
            ax.add_collection(LineCollection([[xy(a), xy(b)]], colors=_CUT, linewidths=2.8, zorder=3,
                                             gid=f"cut-bond:{ind}"))
        if label_bonds:
            for a, b in cut_edges:
                n = counts[a, b]
                d = next(all_dims[i] for i, e in bond_edge.items() if e == (a, b))
                _cut_label(ax, [xy(a), xy(b)], f"{n}×{d}" if n > 1 else f"{d}")
        # the sides: a halo per block, of the side its copies lie on
        side_of = {name: "start" for name in mc.start_tensors}
        side_of.update({name: "end" for name in mc.end_tensors})
        sides = defaultdict(set)
        for c in st.layer:
            anchor = f"MUL{c}" if st.form == "factored" else f"STEP{c}"
            sides[st.layer[c], st.time[c]].add(side_of.get(anchor, "none"))
        for kind, colour in (("start", _START), ("end", _END), ("both", _BOTH)):
            bl = [b for b, ss in sides.items() if (ss == {kind} if kind != "both" else {"start", "end"} <= ss)]
            if bl:
                ax.scatter([xy(b)[0] for b in bl], [xy(b)[1] for b in bl], marker="s", s=420, c=colour,
                           alpha=0.25, linewidths=0, zorder=0.5, gid=f"side:{kind}")

    blocks = [(lay, t) for lay in range(1, L + 1) for t in range(T)]
    ax.scatter([xy(b)[0] for b in blocks], [xy(b)[1] for b in blocks], marker="s", s=150, c=ROLE_COLOURS["block"],
               edgecolors="black", linewidths=0.7, zorder=5, gid="blocks")
    for b in blocks:
        n = copies[b]
        ax.annotate(f"×{n}", xy(b), xytext=(8, 6), textcoords="offset points", fontsize=7.5, ha="left",
                    va="bottom", zorder=6,
                    bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8})
    if st.form == "factored":
        ax.scatter([xy(("init", lay))[0] for lay in range(1, L + 1)], list(range(1, L + 1)), marker="D",
                   s=30, c="white", edgecolors="black", linewidths=0.6, zorder=5, gid="init")
    wo = xy("WO")
    mk, col, size, _ = _ROLE_STYLE["WO"]
    ax.scatter([wo[0]], [wo[1]], marker=mk, s=size, c=col, edgecolors="black", linewidths=0.6, zorder=5,
               gid="tensors:WO")
    _inputs(ax, T, cut, 0.0, lambda t: t + 0.5)
    ax.set_xlim(-0.4, T + 0.4)
    ax.set_ylim(-0.6, L + 0.5)
    ax.set_xticks([t + 0.5 for t in range(T)], [str(t) for t in range(T)])
    ax.set_xlabel("time step $t$")
    ax.set_yticks(range(1, L + 1), [f"layer {lay}" for lay in range(1, L + 1)])
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)


def _legend(ax, cut, mc, condensed, has_init, roles=_ROLES):
    from matplotlib.lines import Line2D

    handles = []
    if condensed:
        handles.append(Line2D([], [], marker="s", ls="", ms=9, mfc=ROLE_COLOURS["block"], mec="black",
                              label="layer × time block\n(×copies)"))
        if has_init:
            handles.append(Line2D([], [], marker="D", ls="", ms=5, mfc="white", mec="black", label="initial factor"))
        mk, col, _, text = _ROLE_STYLE["WO"]
        handles.append(Line2D([], [], marker=mk, ls="", ms=8, mfc=col, mec="black", label=text))
    else:
        for role in roles:
            mk, col, size, text = _ROLE_STYLE[role]
            handles.append(Line2D([], [], marker=mk, ls="", ms=math.sqrt(size), mfc=col, mec="black",
                                  label=text))
    if cut is None:
        handles.append(Line2D([], [], marker="^", ls="", ms=8, mfc=_NOSIDE, mec="black", label="input $x_t$"))
    else:
        handles.append(Line2D([], [], marker="^", ls="", ms=8, mfc=_START, mec="black", label="start-side input"))
        handles.append(Line2D([], [], marker="^", ls="", ms=8, mfc=_END, mec="black", label="end-side input"))
    if mc is not None:
        halo = 13 if condensed else 11
        drawn = {a.get_gid() for a in ax.findobj() if str(a.get_gid()).startswith("side:")}
        for gid, colour, text in (("side:start", _START, "start side"), ("side:end", _END, "end side"),
                                  ("side:both", _BOTH, "copies on both sides")):
            if gid in drawn:
                handles.append(Line2D([], [], marker="s" if condensed else "o", ls="", ms=halo, mfc=colour,
                                      alpha=0.3, mec="none", label=text))
        n = len(mc.bonds)
        text = f"min-cut bond{'s' if n != 1 else ''}: {n}"
        if condensed:
            text = f"min-cut bonds: {n};\nn×d: n bonds of dim. d"
        handles.append(Line2D([], [], color=_CUT, lw=2.6, label=text))
        if any(str(a.get_gid()).startswith("cut-fork:") for a in ax.findobj()):
            handles.append(Line2D([], [], color=_CUT, lw=2.6, marker="o", ms=6,
                                  label="a fork is one bond\nreaching two tensors"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False,
              borderaxespad=0.0, handlelength=1.6)


# drawing attaches itself to the network (the network does not import its drawing)
CircuitNetwork.draw = draw
