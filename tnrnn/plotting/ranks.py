"""Certified separation ranks against sequence length, one series per architecture."""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InvalidParameterError
from ..ranks.records import RankBounds
from ..typing import PathLike
from .figure import dodge, figure_format, integer_ticks, legend_outside, line_style, new_figure, save_figure
from .palette import GREY, REFERENCE

__all__ = ["plot_ranks"]


def plot_ranks(records: Iterable[RankBounds], ax=None, path: PathLike | None = None, *, title: str | None = None,
               figsize: tuple[float, float] = (7.2, 4.2)):
    """Plot certified separation ranks against the sequence length.

    One series per architecture (per depth ``L`` when the records share
    ``R``, ``M`` and the cut): markers on the certified lower bound joined by
    a line (distinct colour, marker and dash per series), the open interval
    ``[lower, upper]`` as a shaded band with the upper bound dotted (only where
    the rank is not exact), and the paper's lower bound (``theorem_lower``)
    dashed in the same colour.  The y axis is logarithmic.

    Parameters
    ----------
    records : iterable of RankBounds
        From :func:`tnrnn.rank_bounds` (or ``RankBounds.from_dict`` of the
        ``tnrnn bounds --json`` output).
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; otherwise a new ``Figure`` is made.
    path : str or path-like, optional
        Also save the figure (``.png``, ``.svg`` or ``.pdf``).
    title : str, optional
        Replaces the default title.
    figsize : (float, float)
        Inches, for a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from tnrnn import rank_bounds
    >>> recs = [rank_bounds(L, 3, 3, T, method="closed-form") for L in (1, 2) for T in (2, 4, 6)]
    >>> ax = plot_ranks(recs).axes[0]
    >>> ax.get_yscale(), ax.get_xlabel()
    ('log', 'sequence length $T$')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['L=1', 'L=2', 'proven upper bound', 'open interval [lower, upper]', "paper's lower bound"]
    """
    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one RankBounds record")
    for r in records:
        if not all(hasattr(r, a) for a in ("depth", "length", "lower", "upper")):
            raise InvalidParameterError("records", type(r).__name__, "RankBounds records")
    keys = sorted({(r.depth, r.hidden, r.inputs, r.cut) for r in records})
    vary = [len({k[i] for k in keys}) > 1 for i in range(4)]

    def label(key):
        L, R, M, cut = key
        parts = [f"L={L}"]
        if vary[1]:
            parts.append(f"R={R}")
        if vary[2]:
            parts.append(f"M={M}")
        if vary[3]:
            parts.append(cut)
        return ", ".join(parts)

    fig, ax = new_figure(figsize) if ax is None else (ax.figure, ax)
    any_paper = any_interval = False
    all_T = sorted({r.length for r in records})
    gap = min((b - a for a, b in zip(all_T, all_T[1:])), default=1)
    step = min(0.3 * gap / max(len(keys) - 1, 1), 0.12 * gap)   # series side by side: equal ranks stay visible
    for i, key in enumerate(keys):
        style = line_style(i)
        colour = style["color"]
        rs = sorted((r for r in records if (r.depth, r.hidden, r.inputs, r.cut) == key), key=lambda r: r.length)
        Ts = [r.length + dodge(i, len(keys), step) for r in rs]
        lo = [r.lower for r in rs]
        hi = [r.upper for r in rs]
        open_ = any(a != b for a, b in zip(lo, hi))
        if open_:
            any_interval = True
            ax.fill_between(Ts, lo, hi, color=colour, alpha=0.22, lw=0, zorder=1, gid=f"band:{label(key)}")
            ax.plot(Ts, hi, color=colour, lw=0.8, ls=":", zorder=2, gid=f"upper:{label(key)}")
        ax.plot(Ts, lo, lw=1.6, zorder=3, label=label(key), gid=f"lower:{label(key)}", **style)
        paper = [(r.length, r.theorem_lower) for r in rs if r.theorem_lower is not None]
        if paper:
            any_paper = True
            ax.plot([p[0] + dodge(i, len(keys), step) for p in paper], [p[1] for p in paper], ls=(0, (4, 2)), lw=1.0, color=colour, zorder=2,
                    alpha=0.8, gid=f"paper:{label(key)}")
    ax.set_yscale("log")
    ax.set_xlabel("sequence length $T$")
    cuts = {r.cut for r in records}
    ax.set_ylabel(f"separation rank ({cuts.pop()} cut)" if len(cuts) == 1 else "separation rank")
    Ts = sorted({r.length for r in records})
    if len(Ts) <= 16:
        ax.set_xticks(Ts)
    else:
        integer_ticks(ax, "x")
    ax.grid(True, which="major", alpha=0.3)
    from matplotlib.lines import Line2D

    if any_interval:
        ax.plot([], [], color=REFERENCE, lw=0.8, ls=":", label="proven upper bound")
        ax.fill_between([], [], [], color=GREY, alpha=0.3, lw=0, label="open interval [lower, upper]")
    if any_paper:
        ax.add_line(Line2D([], [], ls=(0, (4, 2)), lw=1.0, color=REFERENCE, label="paper's lower bound"))
    legend_outside(ax, title="certified (lower = upper)" if not any_interval else None)
    if title is None:
        shared = []
        if not vary[1]:
            shared.append(f"R={keys[0][1]}")
        if not vary[2]:
            shared.append(f"M={keys[0][2]}")
        kinds = sorted({getattr(r, "circuit", "rac") for r in records})
        if kinds != ["rac"]:   # name the layer kinds (records of one sweep share one)
            shared.insert(0, "/".join(kinds))
        title = "Certified separation ranks" + (f" ({', '.join(shared)})" if shared else "")
    ax.set_title(title, fontsize=10)
    save_figure(fig, path, fmt)
    return fig
