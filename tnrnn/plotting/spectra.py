"""Singular values across a cut, with the tolerance and the numerical rank."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import InvalidParameterError
from ..typing import PathLike
from .figure import figure_format, new_figure, save_figure
from .palette import BLUE, GREEN, PURPLE, VERMILLION

if TYPE_CHECKING:
    from ..bridge.empirical import EmpiricalSpectrum
    from ..network.spectrum import Spectrum

__all__ = ["plot_spectra", "plot_spectrum"]




def plot_spectrum(result: Spectrum | EmpiricalSpectrum, ax=None, path: PathLike | None = None, *,
                  title: str | None = None, figsize: tuple[float, float] = (6.4, 4.0)):
    """Plot singular values across a cut, the tolerance and the numerical rank.

    Accepts anything with ``singular_values``, ``tolerance`` and
    ``numerical_rank`` attributes: a :class:`tnrnn.network.spectrum.Spectrum`, a
    :class:`tnrnn.bridge.EmpiricalSpectrum`.  Singular values are drawn on a
    log scale against their index (from 1); exact zeros, which a log scale
    cannot show, are counted in the legend.  The tolerance is a dashed
    horizontal line and the numerical rank a vertical line after the last
    singular value above it; where the result carries a certified rank
    (``certified``, see :func:`tnrnn.ranks.certified_rank`) it is a solid
    line too, and the legend says when the float rank disagrees.

    Parameters
    ----------
    result : Spectrum or EmpiricalSpectrum
    ax : matplotlib.axes.Axes, optional
        Draw into these axes; otherwise a new ``Figure`` is made.
    path : str or path-like, optional
        Also save the figure (``.png``, ``.svg`` or ``.pdf``).
    title : str, optional
        Replaces the default title (the cut, the length and the matrix shape
        where the result has them).
    figsize : (float, float)
        Inches, for a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from tnrnn import RAC, empirical_spectrum
    >>> spec = empirical_spectrum(RAC.random(depth=1, hidden=3, inputs=2, seed=0), length=4)
    >>> ax = plot_spectrum(spec).axes[0]
    >>> ax.get_yscale(), ax.get_ylabel()
    ('log', 'singular value')
    >>> [t.get_text() for t in ax.texts]
    ['numerical rank 3']
    """
    import numpy as np

    fmt = figure_format(path)
    try:
        s = np.asarray(result.singular_values, dtype=np.float64).ravel()
        tol = float(result.tolerance)
        rank = int(result.numerical_rank)
    except (AttributeError, TypeError, ValueError):
        raise InvalidParameterError("result", type(result).__name__,
                                    "a spectrum with singular_values, tolerance and numerical_rank") from None
    if s.size == 0:
        raise InvalidParameterError("result", "no singular values", "at least one singular value")
    s = np.sort(s)[::-1]
    fig, ax = new_figure(figsize) if ax is None else (ax.figure, ax)
    idx = np.arange(1, s.size + 1)
    positive = s > 0
    above = positive & (s > tol)
    below = positive & ~(s > tol)
    ax.plot(idx[positive], s[positive], color=BLUE, lw=1.0, zorder=2, gid="singular-values")
    ax.scatter(idx[above], s[above], s=18, color=BLUE, zorder=3, label=f"above tolerance ({int(above.sum())})",
               gid="above")
    if below.any():
        ax.scatter(idx[below], s[below], s=18, facecolors="white", edgecolors=BLUE, zorder=3,
                   label=f"below tolerance ({int(below.sum())})", gid="below")
    zeros = int((~positive).sum())
    if tol > 0:
        ax.axhline(tol, ls="--", color=VERMILLION, lw=1.1, zorder=1, label=f"tolerance {tol:.2e}", gid="tolerance")
    ax.axvline(rank + 0.5, ls=":", color=GREEN, lw=1.4, zorder=1, gid="numerical-rank")
    right = rank + 0.5 > 0.6 * s.size  # keep the label inside the axes
    ax.annotate(f"numerical rank {rank}", (rank + 0.5, 1.0), xycoords=("data", "axes fraction"),
                xytext=(-4 if right else 4, -4), textcoords="offset points", ha="right" if right else "left",
                va="top", fontsize=8.5, color=GREEN)
    certified = getattr(result, "certified", None) or {}
    if "lower" in certified:   # the certified rank of the same weights, beside the float one
        lo, hi = int(certified["lower"]), int(certified["upper"])
        agree = lo <= rank <= hi
        what = f"certified rank {lo}" if lo == hi else f"certified rank {lo}–{hi}"
        ax.axvline(lo + 0.5, ls="-", color=PURPLE, lw=1.4, zorder=1, gid="certified-rank",
                   label=what + ("" if agree else f" (float rank {rank} disagrees)"))
    elif "reason" in certified:
        ax.plot([], [], ls="", label="certified rank not computed")
    if zeros:
        ax.plot([], [], ls="", label=f"exact zeros not shown ({zeros})")
    ax.set_yscale("log")
    ax.set_xlabel("index $k$")
    ax.set_ylabel("singular value")
    ax.set_xlim(0.3, s.size + 0.7)
    if s.size <= 20:
        ax.set_xticks(idx)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="lower left")
    if title is None:
        bits = []
        cut = getattr(result, "cut", None)
        T = getattr(result, "length", None)
        shape = getattr(result, "shape", None)
        if cut is not None:
            bits.append(f"{cut} cut")
        if T is not None:
            bits.append(f"T={T}")
        if shape is not None and len(shape) == 2:
            bits.append(f"{shape[0]}×{shape[1]} matrix")
        title = "Singular values" + (" (" + ", ".join(bits) + ")" if bits else "")
    ax.set_title(title, fontsize=10)
    save_figure(fig, path, fmt)
    return fig


def plot_spectra(results, labels=None, ax=None, path=None, *, title: str | None = None, figsize=(6.8, 4.2)):
    """Overlay several spectra, each normalised by its largest singular value (``s_k / s_1``).

    One line per spectrum (trained against untrained, one architecture
    against another), on a log scale against the index ``k``.  Where a
    result has a headline ``rank`` (an :class:`~tnrnn.bridge.EmpiricalSpectrum`)
    it is marked on its line and given in the legend with its energy share;
    each tolerance, divided by ``s_1``, is a short dashed tick of the line's
    colour at the right edge.

    Parameters
    ----------
    results : sequence of Spectrum or EmpiricalSpectrum
    labels : sequence of str, optional
        One per result (default ``"1"``, ``"2"``, ...).
    ax, path, title, figsize
        As in :func:`plot_spectrum`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from tnrnn import RAC, empirical_spectrum
    >>> specs = [empirical_spectrum(RAC.random(depth=d, hidden=3, inputs=2, seed=0), length=4) for d in (1, 2)]
    >>> ax = plot_spectra(specs, ["depth 1", "depth 2"]).axes[0]
    >>> [line.get_gid() for line in ax.lines if line.get_gid().startswith("spectrum")]
    ['spectrum:0', 'spectrum:1']
    >>> ax.get_yscale()
    'log'
    """
    import numpy as np

    fmt = figure_format(path)
    results = list(results)
    if not results:
        raise InvalidParameterError("results", "an empty sequence", "one or more spectra")
    if labels is None:
        labels = [str(k + 1) for k in range(len(results))]
    labels = list(labels)
    if len(labels) != len(results):
        raise InvalidParameterError("labels", len(labels), f"{len(results)} labels, one per spectrum")
    fig, ax = new_figure(figsize) if ax is None else (ax.figure, ax)
    n_max = 1
    for k, (result, label) in enumerate(zip(results, labels)):
        try:
            s = np.sort(np.asarray(result.singular_values, dtype=np.float64).ravel())[::-1]
        except (AttributeError, TypeError, ValueError):
            raise InvalidParameterError("results", type(result).__name__, "spectra with singular_values") from None
        if s.size == 0 or not s[0] > 0:
            raise InvalidParameterError("results", f"spectrum {label!r} without a positive singular value",
                                        "spectra with s_1 > 0")
        r = s / s[0]
        idx = np.arange(1, s.size + 1)
        positive = r > 0
        n_max = max(n_max, s.size)
        rank = getattr(result, "rank", None)
        text = label
        if rank:
            text += f": rank {rank} ({100 * float(getattr(result, 'energy', 1.0)):g}% of $\\sum\\sigma^2$)"
        (line,) = ax.plot(idx[positive], r[positive], marker="o", ms=3.5, lw=1.2, label=text, gid=f"spectrum:{k}")
        if rank:
            ax.plot([rank], [r[rank - 1]], marker="o", ms=9, mfc="none", mec=line.get_color(), mew=1.6,
                    ls="", zorder=4, gid=f"rank:{k}")
        tol = getattr(result, "tolerance", None)
        if tol:
            ax.plot([0.97, 1.0], [tol / s[0]] * 2, transform=ax.get_yaxis_transform(), ls="--",
                    color=line.get_color(), lw=1.4, gid=f"tolerance:{k}")
    ax.set_yscale("log")
    ax.set_xlabel("index $k$")
    ax.set_ylabel("$\\sigma_k / \\sigma_1$")
    ax.set_xlim(0.3, n_max + 0.7)
    ax.grid(True, which="major", alpha=0.3)
    # below the axes, outside the data: long labels (file names, ranks) no longer squeeze the plot's width
    handles, texts = ax.get_legend_handles_labels()
    fig.legend(handles, texts, fontsize=8, loc="outside lower center", ncol=1 if len(texts) > 4 else min(2, len(texts)),
               frameon=False)
    ax.set_title(title if title is not None else "Normalised singular values (circles: headline rank)",
                 fontsize=10)
    save_figure(fig, path, fmt)
    return fig
