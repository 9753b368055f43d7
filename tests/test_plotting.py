"""Figures: what is drawn matches the network, the min-cut, the records and the spectrum.

Everything renders headless: the figures are plain ``matplotlib.figure.Figure``
objects saved through the Agg, SVG and PDF canvases.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from matplotlib.colors import to_hex  # noqa: E402

from tnrnn import RAC, draw, empirical_spectrum, plot_ranks, plot_spectrum, rank_bounds  # noqa: E402
from tnrnn.cli import main  # noqa: E402
from tnrnn.cuts import Cut  # noqa: E402
from tnrnn.errors import InvalidParameterError  # noqa: E402
from tnrnn.network.core import compile, copies_closed_form, num_tensors_closed_form  # noqa: E402
from tnrnn.plotting import palette  # noqa: E402
from tnrnn.plotting.palette import CUT  # noqa: E402

START, END = palette.START.lower(), palette.END.lower()


def by_gid(ax, prefix):
    """Artists of ``ax`` whose gid starts with ``prefix``."""
    return [a for a in ax.findobj() if isinstance(a.get_gid(), str) and a.get_gid().startswith(prefix)]


def n_points(artists):
    return sum(len(a.get_offsets()) for a in artists)


def n_paths(artists):
    return sum(len(a.get_paths()) for a in artists)


def face_colours(artists):
    return {to_hex(c) for a in artists for c in a.get_facecolors()}


def mincut(net, cut):
    from tnrnn.network.mincut import mincut_bound

    return mincut_bound(net, cut)


# -- networks -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth,length", [(1, 6), (2, 4), (2, 6), (3, 4)])
def test_detailed_view_draws_every_tensor_once(depth, length):
    net = compile(RAC.random(depth, 3, 3, seed=1), length)
    ax = draw(net, cut="start-end").axes[0]
    markers = by_gid(ax, "tensors:")
    # the count against the closed form, and role by role against the network's tags
    assert n_points(markers) == net.num_tensors == num_tensors_closed_form(depth, length)
    for role in ("WI", "WH", "INIT", "MUL", "WO"):
        (artist,) = by_gid(ax, f"tensors:{role}")
        assert len(artist.get_offsets()) == len(net.tn.tag_map[role])
    # no two tensors share a position
    xy = np.concatenate([a.get_offsets() for a in markers])
    assert len(np.unique(np.round(xy, 9), axis=0)) == len(xy)
    # one input marker per step; one leg per copy of each input
    assert n_points(by_gid(ax, "inputs:")) == length
    assert n_paths(by_gid(ax, "legs:")) == sum(copies_closed_form(depth, length))


@pytest.mark.parametrize("depth,length,cut", [(1, 6, "start-end"), (1, 6, "interleaved"), (2, 6, "start-end"),
                                              (2, 6, "interleaved"), (2, 5, "prefix:2"), (3, 4, "start-end")])
def test_highlighted_bonds_are_the_mincut(depth, length, cut):
    net = compile(RAC.random(depth, 3, 3, seed=2), length)
    mc = mincut(net, Cut.parse(cut, length))
    ax = draw(net, cut=cut).axes[0]
    assert sorted(a.get_gid() for a in by_gid(ax, "cut-bond:")) == sorted(f"cut-bond:{b}" for b in mc.bonds)
    # every cut bond carries one label with its dimension, and the title states the bound
    labels = [t.get_text() for t in ax.texts if t.get_color() == CUT]
    assert labels == ["3"] * len(mc.bonds)
    expected = f"$3^{{{len(mc.bonds)}}} = {mc.bound}$" if len(mc.bonds) > 1 else "$3$"
    assert f"min-cut bound {expected}" in ax.get_title()


def _custom(length):
    """Steps 0, 2, 3 against the rest: neither a prefix nor interleaved."""
    return Cut.from_sets([0, 2, 3], [t for t in range(length) if t not in (0, 2, 3)])


def _tensor_positions(net, ax):
    """Name of the tensor at every marker position, from the network's own order of tensors."""
    where = {}
    for role in ("WI", "WH", "INIT", "MUL", "WO"):
        names = [s.name for s in net.problem(hyper=False).specs if s.role == role]
        (artist,) = by_gid(ax, f"tensors:{role}")
        for name, xy in zip(names, artist.get_offsets()):
            where[tuple(np.round(xy, 9))] = name
    return where


_SHAPES = [(1, 3, 2, 6), (1, 2, 5, 6), (2, 3, 3, 6), (2, 2, 4, 6), (2, 2, 9, 4), (3, 3, 3, 4), (3, 2, 9, 4)]


@pytest.mark.parametrize("cut_name", ["start-end", "interleaved", "custom"])
@pytest.mark.parametrize("depth,hidden,inputs,length", _SHAPES)
def test_every_mincut_bond_is_drawn_in_the_detailed_view(depth, hidden, inputs, length, cut_name):
    net = compile(RAC.random(depth, hidden, inputs, seed=0), length)
    cut = _custom(length) if cut_name == "custom" else Cut.parse(cut_name, length)
    mc = mincut(net, cut)
    ax = draw(net, cut=cut, condensed=False).axes[0]
    drawn = {a.get_gid()[len("cut-bond:"):]: a for a in by_gid(ax, "cut-bond:")}
    assert set(drawn) == set(mc.bonds)
    side = {n: "start" for n in mc.start_tensors} | {n: "end" for n in mc.end_tensors}
    at = _tensor_positions(net, ax)
    inputs_x = {t: a.xy for t in range(length) for a in ax.texts if a.get_text() == f"$x_{{{t}}}$"}
    copies = copies_closed_form(depth, length)
    for bond, artist in drawn.items():
        assert {to_hex(c) for c in artist.get_colors()} == {CUT.lower()}
        paths = [np.round(p.vertices, 9) for p in artist.get_paths()]
        assert paths
        if bond.startswith("x"):
            t = int(bond[1:])
            # the hyperedge as a whole: one leg per copy, from a W^I to the marker of x_t
            assert len(paths) == copies[t]
            for v in paths:
                assert at[tuple(v[0])].startswith("WI")
                assert np.allclose(v[-1], inputs_x[t])
        else:
            # every drawn leg joins COPY tensor MUL{c} to a tensor on the other side of the cut
            c = int(bond[1:])
            for v in paths:
                ends = {at.get(tuple(v[0])), at.get(tuple(v[-1]))}
                assert f"MUL{c}" in ends
                (other,) = ends - {f"MUL{c}"}
                assert side[other] != side[f"MUL{c}"]
    # one label per bond, its dimension; their product is the bound the title states
    labels = [t.get_text() for t in ax.texts if t.get_color() == CUT]
    dims = sorted(inputs if b.startswith("x") else hidden for b in mc.bonds)
    assert sorted(map(int, labels)) == dims and math.prod(dims) == mc.bound
    assert ax.get_title().count("$") >= 4 and f"{mc.bound}$" in ax.get_title()
    # the two sides are shaded: every tensor sits on a halo of its side
    for s in ("start", "end"):
        halos = by_gid(ax, f"side:{s}")
        assert n_points(halos) == sum(1 for n in side.values() if n == s)
        assert face_colours(halos) <= {START if s == "start" else END}


@pytest.mark.parametrize("cut_name", ["start-end", "interleaved", "custom"])
@pytest.mark.parametrize("depth,hidden,inputs,length", _SHAPES)
def test_every_mincut_bond_is_drawn_in_the_condensed_view(depth, hidden, inputs, length, cut_name):
    net = compile(RAC.random(depth, hidden, inputs, seed=0), length)
    cut = _custom(length) if cut_name == "custom" else Cut.parse(cut_name, length)
    mc = mincut(net, cut)
    ax = draw(net, cut=cut, condensed=True).axes[0]
    drawn = {a.get_gid()[len("cut-bond:"):]: a for a in by_gid(ax, "cut-bond:")}
    assert set(drawn) == set(mc.bonds)
    nodes = {n.id: n for n in net.nodes}
    for bond, artist in drawn.items():
        ((a, b),) = [np.round(seg, 9) for seg in artist.get_segments()]
        if bond.startswith("x"):
            t = int(bond[1:])
            # from the input marker x_t up to block (layer 1, step t)
            assert np.allclose(a, (t + 0.5, 0.0)) and np.allclose(b, (t + 0.5, 1.0))
        else:
            node = nodes[int(bond[1:])]
            # the edge leaves the block of the node whose state crosses
            assert np.allclose(a, (node.time + 0.5, node.layer))
    # the labels count every bond once, with its dimension (M for inputs)
    labels = [t.get_text() for t in ax.texts if t.get_color() == CUT]
    counted = []
    for text in labels:
        n, d = text.split("×") if "×" in text else ("1", text)
        counted += [int(d)] * int(n)
    assert sorted(counted) == sorted(inputs if b.startswith("x") else hidden for b in mc.bonds)
    assert f"{mc.bound}$" in ax.get_title()
    assert by_gid(ax, "side:start") or by_gid(ax, "side:both")


def test_the_two_sides_have_their_colours():
    cut = Cut.from_sets([0, 3], [1, 2])
    ax = draw(RAC.random(2, 2, 2, seed=0), cut=cut, length=4).axes[0]
    (start,) = by_gid(ax, "inputs:start")
    (end,) = by_gid(ax, "inputs:end")
    assert face_colours([start]) == {START} and face_colours([end]) == {END}
    # start inputs at steps 0 and 3, end inputs at 1 and 2: left to right in time order
    x_start = sorted(start.get_offsets()[:, 0])
    x_end = sorted(end.get_offsets()[:, 0])
    assert x_start[0] < x_end[0] < x_end[1] < x_start[1]
    # the legs of each input copy carry its side's colour too
    assert n_paths(by_gid(ax, "legs:start")) == 4 + 1 and n_paths(by_gid(ax, "legs:end")) == 3 + 2
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "start-side input" in legend and "end-side input" in legend


def test_without_a_cut_nothing_is_highlighted():
    ax = draw(RAC.random(2, 2, 2, seed=0), length=4).axes[0]
    assert by_gid(ax, "cut-bond") == [] and by_gid(ax, "inputs:start") == [] and by_gid(ax, "side:") == []
    assert n_points(by_gid(ax, "inputs:none")) == 4
    assert ax.get_title() == r"$L=2,\ R=2,\ M=2,\ T=4$"


def test_large_networks_are_condensed_to_blocks():
    # M = 64 makes the min-cut run through hidden bonds between blocks, not only input legs
    net = compile(RAC.random(3, 2, 64, seed=0), 8)  # 493 tensors, 36 copies of layer 1's chain
    cut = Cut.start_end(8)
    mc = mincut(net, cut)
    ax = draw(net, cut=cut).axes[0]
    assert n_points(by_gid(ax, "blocks")) == 3 * 8
    assert by_gid(ax, "tensors:WI") == []
    copies = sorted(t.get_text() for t in ax.texts if t.get_text().startswith("×"))
    expected = sorted(f"×{math.comb(3 - lay + 7 - t, 3 - lay)}" for lay in (1, 2, 3) for t in range(8))
    assert copies == expected
    # the labels of the highlighted block edges count every cut bond once
    labels = [t.get_text() for t in ax.texts if t.get_color() == CUT]
    edges = {tuple(map(tuple, np.round(a.get_segments()[0], 9))) for a in by_gid(ax, "cut-bond:")}
    assert len(labels) == len(edges)
    assert sum(int(s.split("×")[0]) if "×" in s else 1 for s in labels) == len(mc.bonds)
    assert "condensed" in ax.get_title()
    # forcing the views
    assert by_gid(draw(RAC.random(1, 2, 2), length=4, condensed=True).axes[0], "blocks")
    assert by_gid(draw(net, condensed=False, show_mincut=False).axes[0], "tensors:WI")


def test_draw_into_given_axes_and_the_title_and_legend():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    out = draw(RAC.random(1, 3, 2), cut="start-end", length=4, ax=ax, title="mine", legend=False)
    assert out is fig and ax.get_title() == "mine" and ax.get_legend() is None
    assert ax.get_xlabel() == "time step $t$"


@pytest.mark.parametrize("ext,magic", [("png", b"\x89PNG"), ("svg", b"<?xml"), ("pdf", b"%PDF")])
def test_figures_are_written_in_each_format(tmp_path, ext, magic):
    rac = RAC.random(2, 2, 2, seed=0)
    paths = [tmp_path / f"net.{ext}", tmp_path / f"ranks.{ext}", tmp_path / f"spec.{ext}"]
    draw(rac, cut="start-end", length=4, path=paths[0])
    plot_ranks([rank_bounds(1, 2, 2, 4, method="closed-form")], path=str(paths[1]))
    plot_spectrum(empirical_spectrum(rac, 4), path=paths[2])
    for p in paths:
        assert p.read_bytes().startswith(magic) and p.stat().st_size > 1000


def test_invalid_input_is_refused(tmp_path):
    rac = RAC.random(2, 2, 2)
    with pytest.raises(InvalidParameterError, match="path"):
        draw(rac, cut="start-end", length=4, path=tmp_path / "net.jpg")
    assert not (tmp_path / "net.jpg").exists()
    with pytest.raises(InvalidParameterError, match="cut"):
        draw(rac, cut=Cut.start_end(6), length=4)
    with pytest.raises(InvalidParameterError, match="length"):
        draw(rac, cut="start-end", length=5)  # start-end needs an even length
    with pytest.raises(InvalidParameterError, match="length"):
        draw(rac, cut="start-end")
    with pytest.raises(InvalidParameterError, match="length"):
        draw(compile(rac, 4), length=6)
    with pytest.raises(InvalidParameterError, match="network_or_rac"):
        draw("rac", length=4)
    with pytest.raises(InvalidParameterError, match="records"):
        plot_ranks([])
    with pytest.raises(InvalidParameterError, match="result"):
        plot_spectrum(object())
    with pytest.raises(InvalidParameterError, match="path"):
        plot_ranks([rank_bounds(1, 2, 2, 4, method="closed-form")], path="ranks.gif")


# -- rank tables ----------------------------------------------------------------------------------


def test_plot_ranks_draws_series_bands_and_the_papers_bounds():
    records = [rank_bounds(L, 2, 2, T) for L in (1, 2) for T in (2, 4, 6)]
    records += [rank_bounds(3, 2, 2, T, method="closed-form") for T in (2, 4, 6)]  # lower < upper
    ax = plot_ranks(records).axes[0]
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "sequence length $T$"
    assert ax.get_ylabel() == "separation rank (start-end cut)"
    exact = {L for L in (1, 2, 3) if all(r.lower == r.upper for r in records if r.depth == L)}
    assert exact == {1, 2}  # depth 3 closed-form only: lower < upper
    # a band (and a dotted upper line) only where the rank is open
    assert sorted(a.get_gid() for a in by_gid(ax, "band:")) == ["band:L=3"]
    assert sorted(a.get_gid() for a in by_gid(ax, "upper:")) == ["upper:L=3"]
    for L in (1, 2, 3):
        (line,) = by_gid(ax, f"lower:L={L}")
        ys = [r.lower for r in records if r.depth == L]
        x = np.asarray(line.get_xdata(), float)   # depths side by side: one offset per series, below 1
        assert list(line.get_ydata()) == ys and np.allclose(x - x[0] + 2, [2, 4, 6]) and abs(x[0] - 2) < 1
    offsets = {round(float(by_gid(ax, f"lower:L={L}")[0].get_xdata()[0]) - 2, 9) for L in (1, 2, 3)}
    assert len(offsets) == 3   # equal ranks never drawn on top of each other
    (band,) = by_gid(ax, "band:L=3")
    verts = band.get_paths()[0].vertices
    assert verts[:, 1].min() == min(r.lower for r in records if r.depth == 3)
    assert verts[:, 1].max() == max(r.upper for r in records if r.depth == 3)
    # every series has its own marker (overlapping curves stay distinguishable)
    markers = {by_gid(ax, f"lower:L={L}")[0].get_marker() for L in (1, 2, 3)}
    assert len(markers) == 3
    # the paper's bounds are dashed, where the paper gives one (depth 1 and 2 here)
    paper = by_gid(ax, "paper:")
    assert sorted(a.get_gid() for a in paper) == ["paper:L=1", "paper:L=2"]
    (paper2,) = by_gid(ax, "paper:L=2")
    assert list(paper2.get_ydata()) == [r.theorem_lower for r in records if r.depth == 2]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["L=1", "L=2", "L=3", "proven upper bound", "open interval [lower, upper]",
                      "paper's lower bound"]
    # the legend sits outside the data
    assert ax.get_legend().get_bbox_to_anchor().x0 > ax.get_window_extent().x1 - 1


def test_plot_ranks_labels_the_varying_parameters():
    records = [rank_bounds(2, R, 2, 4, method="closed-form") for R in (2, 3)]
    ax = plot_ranks(records).axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["L=2, R=2", "L=2, R=3"]


# -- spectra --------------------------------------------------------------------------------------


class _Duck:
    """Anything with singular values, a tolerance and a numerical rank."""

    singular_values = np.array([3.0, 1.0, 1e-3, 1e-14, 0.0])
    tolerance = 1e-10
    numerical_rank = 3


def test_plot_spectrum_marks_the_tolerance_and_the_rank():
    ax = plot_spectrum(_Duck()).axes[0]
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("index $k$", "singular value")
    (above,) = by_gid(ax, "above")
    (below,) = by_gid(ax, "below")
    assert len(above.get_offsets()) == 3 and len(below.get_offsets()) == 1  # the zero is not drawn
    (tol,) = by_gid(ax, "tolerance")
    assert tol.get_ydata()[0] == 1e-10 and tol.get_linestyle() == "--"
    (rank,) = by_gid(ax, "numerical-rank")
    assert rank.get_xdata()[0] == 3.5
    assert [t.get_text() for t in ax.texts] == ["numerical rank 3"]
    assert "exact zeros not shown (1)" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plot_spectrum_of_an_empirical_spectrum():
    spec = empirical_spectrum(RAC.random(1, 3, 2, seed=0), 4)
    ax = plot_spectrum(spec).axes[0]
    (above,) = by_gid(ax, "above")
    assert len(above.get_offsets()) == spec.numerical_rank == 3
    np.testing.assert_allclose(above.get_offsets()[:, 1], spec.singular_values[:3])
    assert ax.get_title() == "Singular values (start-end cut, T=4, 4×4 matrix)"


def test_plot_spectrum_of_a_contracted_spectrum():
    spectrum = pytest.importorskip("tnrnn.network.spectrum")
    net = compile(RAC.random(1, 3, 2, seed=0), 4)
    result = spectrum.spectrum(net, "start-end")
    ax = plot_spectrum(result).axes[0]
    (rank,) = by_gid(ax, "numerical-rank")
    assert rank.get_xdata()[0] == result.numerical_rank + 0.5


# -- command line -----------------------------------------------------------------------------------


def test_cli_draw_writes_the_figure(tmp_path, capsys):
    out = tmp_path / "cut.svg"
    argv = ["draw", "--depth", "2", "--hidden", "3", "--inputs", "3", "--length", "6", "--cut", "start-end",
            "--plot", str(out)]
    assert main(argv) == 0
    assert out.read_bytes().startswith(b"<?xml")
    assert "min-cut bound" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["--length", "6", "--plot", "cut.bmp"], "--plot"),
    (["--length", "5", "--plot", "cut.png"], "length"),
    (["--length", "4", "--cut", "0,1|2,3,4", "--plot", "cut.png"], "cut"),
    (["--length", "0", "--plot", "cut.png"], "--length"),
])
def test_cli_draw_refuses_bad_input_with_one_line(tmp_path, capsys, argv, message):
    argv = ["draw", "-L", "2", "-R", "2", "-M", "2"] + [a if a[-4:] not in (".bmp", ".png") else str(tmp_path / a)
                                                        for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("tnrnn draw: error:") and message in err
    assert list(tmp_path.iterdir()) == []


def test_cli_bounds_plot(tmp_path, capsys):
    out = tmp_path / "ranks.png"
    assert main(["bounds", "-L", "1,2", "-R", "2", "-M", "2", "-T", "2:6:2", "--plot", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")
    assert main(["bounds", "-L", "1", "-R", "2", "-M", "2", "-T", "4", "--plot", str(tmp_path / "r.txt")]) == 2
    err = capsys.readouterr().err
    assert "--plot" in err and err.count("\n") == 1


def test_cli_import_spectrum_plot(tmp_path):
    rac = RAC.random(1, 3, 2, seed=0)
    weights = tmp_path / "rac.npz"
    np.savez(weights, **{"input_weights.0": rac.input_weights[0], "hidden_weights.0": rac.hidden_weights[0],
                         "output_weights": rac.output_weights})
    out = tmp_path / "spectrum.pdf"
    assert main(["import", str(weights), "--arch", "rac", "--length", "4", "--spectrum", "--plot", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert main(["import", str(weights), "--arch", "rac", "--length", "4", "--plot", str(out)]) == 2


def test_cli_spectrum_plot(tmp_path):
    pytest.importorskip("tnrnn.cli.spectrum")
    out = tmp_path / "spectrum.png"
    argv = ["spectrum", "--depth", "1", "--hidden", "3", "--inputs", "2", "--length", "4", "--plot", str(out)]
    assert main(argv) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_import_tnrnn_does_not_import_matplotlib():
    code = "import sys, tnrnn; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent).returncode == 0


def test_spectrum_plot_shows_the_certified_rank_and_the_disagreement():
    pytest.importorskip("matplotlib")
    import numpy as np

    from tnrnn.network.spectrum import Spectrum
    from tnrnn.plotting.spectra import plot_spectrum

    sv = np.array([1.0, 1e-3, 1e-9, 1e-20, 1e-21])
    s = Spectrum(sv, 3, 1e-15, "given", "dense", "numpy", "cpu", (5, 5), None, "start-end", 0.0,
                 certified={"lower": 5, "upper": 5, "exact": True, "source": "GF(p)"})
    ax = plot_spectrum(s).axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_gid() == "certified-rank"]
    assert len(lines) == 1 and lines[0].get_xdata()[0] == 5.5
    assert "certified rank 5 (float rank 3 disagrees)" in [t.get_text() for t in ax.get_legend().get_texts()]
