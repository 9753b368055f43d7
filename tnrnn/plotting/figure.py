"""The one figure helper every tnrnn plot uses: file formats, new figures, saving.

Figures are built without ``pyplot`` (no global state, no GUI backend needed)
and saved as PNG, SVG or PDF; matplotlib is imported only when a figure is made.
:func:`figure_format` refuses a bad extension or an unwritable place before any
work, and :func:`save_figure` writes atomically (a temporary file in the same
folder, then ``os.replace``), so a failed save never leaves a partial figure.
"""

from __future__ import annotations

import os

from ..errors import InvalidParameterError
from ..limits import check_writable
from ..typing import PathLike
from .palette import REFERENCE, SERIES

__all__ = [
    "FIGURE_FORMATS",
    "LINE_STYLES",
    "dodge",
    "figure_format",
    "integer_ticks",
    "interval_bars",
    "legend_outside",
    "line_style",
    "new_figure",
    "new_grid",
    "positive_for_log",
    "reference_line",
    "save_figure",
]

#: File formats that the ``path=`` arguments accept (by extension).
FIGURE_FORMATS = ("png", "svg", "pdf")


def figure_format(path: PathLike | None, name: str = "path") -> str | None:
    """The format (``"png"``, ``"svg"`` or ``"pdf"``) that ``path``'s extension names.

    Commands call it before computing anything, to refuse a bad file name at once;
    ``name`` is the parameter's name in the error (``"--plot"``).

    Raises
    ------
    InvalidParameterError
        If the extension is not one of :data:`FIGURE_FORMATS`, or no file
        can be written at ``path`` (see :func:`tnrnn.limits.check_writable`).

    Examples
    --------
    >>> figure_format("ranks.PNG"), figure_format(None)
    ('png', None)
    >>> figure_format("ranks.jpg")
    Traceback (most recent call last):
    ...
    tnrnn.errors.InvalidParameterError: invalid path='ranks.jpg': expected a file name ending in .png, .svg or .pdf
    """
    if path is None:
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(name, path, "a file name ending in .png, .svg or .pdf")
    ext = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if ext not in FIGURE_FORMATS:
        raise InvalidParameterError(name, os.fspath(path), "a file name ending in .png, .svg or .pdf")
    check_writable(path, name)
    return ext


def new_figure(figsize: tuple[float, float]):
    """A constrained-layout ``Figure`` (no pyplot) and its one ``Axes``."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def new_grid(n: int, cols: int | None = None, size_each: tuple[float, float] = (4.2, 3.4), *,
             sharey: bool = False):
    """A constrained-layout ``Figure`` with ``n`` panels in a grid and the flat list of used ``Axes``.

    Panels beyond ``n`` are removed. ``sharey=True`` puts every panel on one
    y range, which is what a reader comparing panels expects.
    """
    import math

    from matplotlib.figure import Figure

    n = max(1, int(n))
    cols = max(1, min(n, cols or min(n, 3)))
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(size_each[0] * cols, size_each[1] * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=sharey).ravel()
    for ax in axes[n:]:
        ax.remove()
    return fig, list(axes[:n])


#: Distinguishable (colour, marker, dash) triples: curves that overlap stay
#: readable in print and for colour-blind readers (owned by :mod:`tnrnn.plotting.palette`).
LINE_STYLES = SERIES


def line_style(i: int) -> dict:
    """Keyword arguments (``color``, ``marker``, ``linestyle``) for the ``i``-th curve of a panel.

    Examples
    --------
    >>> line_style(0)["marker"], line_style(len(LINE_STYLES))["marker"]
    ('o', 'o')
    >>> len({(st[0], st[1]) for st in LINE_STYLES}) == len(LINE_STYLES)
    True
    """
    color, marker, dash = LINE_STYLES[i % len(LINE_STYLES)]
    return {"color": color, "marker": marker, "linestyle": dash, "markersize": 4.5}


def dodge(i: int, n: int, step: float) -> float:
    """The horizontal offset of the ``i``-th of ``n`` series, ``step`` apart and centred on 0.

    Series that share x values (lengths, widths) are drawn side by side, so that
    equal values never hide each other; the tick stays at the true x.

    Examples
    --------
    >>> [dodge(i, 3, 0.1) for i in range(3)]
    [-0.1, 0.0, 0.1]
    >>> dodge(0, 1, 0.1)
    0.0
    """
    return round((i - (n - 1) / 2) * step, 12)


def integer_ticks(ax, axis: str = "x") -> None:
    """Only integer tick labels on ``axis`` (``"x"``, ``"y"`` or ``"both"``): lengths, depths, ranks."""
    from matplotlib.ticker import MaxNLocator

    for name in ("x", "y") if axis == "both" else (axis,):
        getattr(ax, name + "axis").set_major_locator(MaxNLocator(integer=True))


def legend_outside(ax, title: str | None = None, **kwargs) -> None:
    """A legend to the right of the axes, outside the data (no-op when nothing is labelled)."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    ax.legend(handles, labels, title=title, loc="upper left", bbox_to_anchor=(1.02, 1.0),
              borderaxespad=0.0, frameon=False, fontsize="small", **kwargs)


def interval_bars(ax, x, center, low, high, *, bounds: tuple[float | None, float | None] = (None, None),
                  **kwargs):
    """Points with an interval ``[low, high]`` drawn as error bars, clipped to the quantity's range.

    ``bounds`` is the range the quantity can take (``(0, 1)`` for an accuracy
    or a success rate): no bar is drawn outside it. Intervals are given as
    endpoints (Wilson, bootstrap), not as symmetric spreads.
    """
    import numpy as np

    lo_b, hi_b = bounds
    center = np.asarray(center, dtype=float)
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    if lo_b is not None:
        low = np.maximum(low, lo_b)
    if hi_b is not None:
        high = np.minimum(high, hi_b)
    yerr = np.vstack([np.maximum(center - low, 0.0), np.maximum(high - center, 0.0)])
    kwargs.setdefault("capsize", 2.5)
    return ax.errorbar(np.asarray(x), center, yerr=yerr, **kwargs)


def reference_line(ax, y: float, label: str, *, axis: str = "y", **kwargs) -> None:
    """A labelled horizontal (``axis="y"``) or vertical (``axis="x"``) reference line."""
    kwargs.setdefault("color", REFERENCE)
    kwargs.setdefault("linestyle", ":")
    kwargs.setdefault("linewidth", 1.0)
    if axis == "y":
        ax.axhline(y, label=label, **kwargs)
    else:
        ax.axvline(y, label=label, **kwargs)


def positive_for_log(x, y, floor: float | None = None):
    """The points of ``(x, y)`` that a log axis can show: ``y > 0`` and above ``floor``.

    Values at or below ``floor`` (a numerical noise floor) are dropped rather
    than drawn as data; the caller should draw the floor as a
    :func:`reference_line` so the reader sees where the measurement ends.

    Examples
    --------
    >>> positive_for_log([1, 2, 3], [0.0, 1e-17, 0.5], floor=1e-15)
    ([3], [0.5])
    """
    keep = [(a, b) for a, b in zip(x, y) if b is not None and b == b and b > 0 and (floor is None or b > floor)]
    return [a for a, _ in keep], [b for _, b in keep]


def save_figure(fig, path: PathLike | None, fmt: str | None) -> None:
    """Save ``fig`` to ``path`` (if given) in ``fmt``; PNGs at 150 dpi.

    The figure is written to a temporary file in the same folder and moved
    into place with ``os.replace``: ``path`` holds either its old content or
    the whole new figure, never a partial one.

    Raises
    ------
    OSError
        If writing fails (the temporary file is removed).
    """
    if path is None:
        return
    import tempfile

    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tnrnn-", suffix="." + (fmt or "tmp"), dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fig.savefig(fh, format=fmt, dpi=150 if fmt == "png" else None)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
