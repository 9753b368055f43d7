"""Figures of benchmark records: flops against length, time against flops, GPU speed-ups."""

from __future__ import annotations

from collections.abc import Iterable

from ..backends import GPU_LABELS
from ..bench.records import BenchRecord
from ..bench.report import fit_time_vs_flops, time_columns
from ..errors import InvalidParameterError
from ..typing import PathLike
from .figure import figure_format, integer_ticks, line_style, new_figure, new_grid, save_figure

__all__ = ["plot_bench"]

_PLOT_KINDS = ("flops", "time", "speedup")


def plot_bench(records: Iterable[BenchRecord], kind: str = "flops", path: PathLike | None = None, *,
               title: str | None = None, figsize: tuple[float, float] | None = None):
    """Plot benchmark records.

    Parameters
    ----------
    records : iterable of BenchRecord
    kind : {"flops", "time", "speedup"}
        ``"flops"``: log10 flops against ``T``, one line per strategy, one style per
        strategy in every panel (strategies whose paths cost the same at every
        length share one line and are named together in the panel), one panel per ``(L, R, M)`` on one y range.  ``"time"``: measured time against flops
        (log-log), one colour per strategy, one marker per backend, with the
        fitted line of :func:`fit_time_vs_flops` per backend.
        ``"speedup"``: CPU (numpy) time over GPU time against flops, only
        when some records were timed on a GPU backend.
    path : str or path-like, optional
        Also save the figure (``.png``, ``.svg`` or ``.pdf``).
    title : str, optional
    figsize : (float, float), optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    InvalidParameterError
        For an unknown ``kind``, no plottable records, or ``"speedup"``
        without GPU timings.

    Examples
    --------
    >>> from tnrnn.bench import bench
    >>> recs = bench([(1, 2, 2, T) for T in (3, 4)], ["greedy", "recurrence"], repeats=1, progress=False)
    >>> fig = plot_bench(recs, "flops")
    >>> ax = fig.axes[0]
    >>> ax.get_xlabel(), sorted(line.get_gid() for line in ax.get_lines())
    ('length $T$', ['strategy:greedy=tnrnn', 'strategy:recurrence'])
    >>> [t.get_text() for t in fig.legends[0].get_texts()]
    ['greedy', 'recurrence', 'tnrnn (default)']
    >>> plot_bench(recs, "time").axes[0].get_xscale()
    'log'
    """
    fmt = figure_format(path)
    if kind not in _PLOT_KINDS:
        raise InvalidParameterError("kind", kind, "one of " + ", ".join(_PLOT_KINDS))
    records = [r for r in records if isinstance(r, BenchRecord)]
    planned = [r for r in records if r.flops_log10 is not None]
    if not planned:
        raise InvalidParameterError("records", len(records), "BenchRecords with at least one planned path")
    strategies = list(dict.fromkeys(r.strategy for r in records))
    default = {r.strategy for r in records if r.default}
    colours = _colours(strategies)

    def name(s):
        return s + (" (default)" if s in default else "")

    if kind == "flops":
        fig = _plot_flops(planned, strategies, colours, name, figsize)
    elif kind == "time":
        fig = _plot_time(planned, strategies, colours, name, figsize)
    else:
        fig = _plot_speedup(planned, strategies, colours, name, figsize)
    if title is not None:
        fig.suptitle(title)
    save_figure(fig, path, fmt)
    return fig


def _colours(strategies):
    from .palette import series_colour

    return {s: series_colour(i) for i, s in enumerate(strategies)}


def _plot_flops(records, strategies, colours, name, figsize):
    from matplotlib.lines import Line2D

    families = sorted({r.network[:3] for r in records})
    ncols = min(len(families), 3)
    fig, axes = new_grid(len(families), cols=ncols, size_each=(4.2, 3.4), sharey=True)
    if figsize:
        fig.set_size_inches(*figsize)
    styles = {s: line_style(i) for i, s in enumerate(strategies)}
    for ax, fam in zip(axes, families):
        series = {}
        for s in strategies:
            pts = tuple(sorted((r.length, r.flops_log10) for r in records if r.network[:3] == fam and r.strategy == s))
            if pts:
                series.setdefault(pts, []).append(s)
        # strategies whose paths cost the same at every length are drawn once, in the style of
        # the first of them, and named together in the panel (five identical lines on top of
        # each other would show only the last one)
        same = []
        for k, (pts, group) in enumerate(sorted(series.items(), key=lambda kv: strategies.index(kv[1][0]))):
            x, y = zip(*pts)
            is_default = any(name(s) != s for s in group)
            ax.plot(x, y, gid="strategy:" + "=".join(group), lw=2.2 if is_default else 1.3, zorder=3 + k,
                    **styles[group[0]])
            if len(group) > 1:
                same.append(" = ".join(group))
        if same:
            ax.text(0.02, 0.98, "same cost:\n" + "\n".join(same), transform=ax.transAxes, va="top", ha="left",
                    fontsize="x-small", color="0.25", gid="same-cost")
        ax.set_title(f"L={fam[0]}, R={fam[1]}, M={fam[2]}")
        ax.set_xlabel("length $T$")
        ax.set_ylabel(r"$\log_{10}$ flops")
        integer_ticks(ax, "x")
        ax.grid(alpha=0.3)
    handles = [Line2D([], [], lw=2.2 if name(s) != s else 1.3, label=name(s), **styles[s]) for s in strategies]
    fig.legend(handles=handles, loc="outside right upper", fontsize="small", frameon=False)
    return fig


_MARKERS = {"numpy": "o", "torch": "s", "torch-cuda": "^", "cupy": "D"}


def _plot_time(records, strategies, colours, name, figsize):
    import numpy as np

    fig, ax = new_figure(figsize or (7.2, 4.6))
    backends = time_columns(records)
    if not backends:
        raise InvalidParameterError("records", len(records), "records with measured times")
    for b in backends:
        for s in strategies:
            pts = [(10 ** r.flops_log10, r.times[b]) for r in records if r.strategy == s and b in r.times]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, marker=_MARKERS[b], color=colours[s], s=22, alpha=0.8, gid=f"time:{b}:{s}",
                           label=name(s) if b == backends[0] else None)
        try:
            fit = fit_time_vs_flops(records, b)
        except InvalidParameterError:
            continue
        # the fit is drawn over the measured range of this backend only, never extrapolated
        measured = [r.flops_log10 for r in records if b in r.times]
        xs = np.array([min(measured), max(measured)])
        ax.plot(10 ** xs, 10 ** (fit.slope * xs + fit.intercept), color="black", lw=1,
                ls=("-", "--", ":", "-.")[backends.index(b) % 4], gid=f"fit:{b}",
                label=f"{b} ({_MARKERS[b]}): slope {fit.slope:.2f}, r={fit.correlation:.2f}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flops of the path")
    ax.set_ylabel("contraction time [s] (median)")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return fig


def _plot_speedup(records, strategies, colours, name, figsize):
    gpus = [b for b in GPU_LABELS if any(b in r.times for r in records)]
    if not gpus:
        raise InvalidParameterError("kind", "speedup", "records timed on a GPU backend (torch-cuda or cupy); "
                                    "these have none")
    fig, ax = new_figure(figsize or (7.2, 4.6))
    for b in gpus:
        for s in strategies:
            pts = [(10 ** r.flops_log10, r.times["numpy"] / r.times[b]) for r in records
                   if r.strategy == s and b in r.times and "numpy" in r.times and r.times[b] > 0]
            if pts:
                x, y = zip(*pts)
                ax.scatter(x, y, marker=_MARKERS[b], color=colours[s], s=22, gid=f"speedup:{b}:{s}",
                           label=f"{name(s)} ({b})")
    ax.axhline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("flops of the path")
    ax.set_ylabel("speed-up: numpy time / GPU time")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False)
    return fig
