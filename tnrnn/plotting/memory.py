"""Figures of the memory track: memory functions, Hankel spectra, error vs width, plateaus."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .figure import figure_format, new_figure, save_figure

__all__ = ["plot_memory_function", "plot_hankel", "plot_approximation", "plot_plateaus"]


def _panels(n: int, figsize_each=(4.2, 3.2)):
    from matplotlib.figure import Figure

    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig = Figure(figsize=(figsize_each[0] * cols, figsize_each[1] * rows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def plot_memory_function(mf, path=None, *, closed_form=None, channel: int = 0, title: str | None = None):
    """Plot ``|rho(t)|`` (mean over directions, with the spread as a band) on a log scale.

    Parameters
    ----------
    mf : tnrnn.memory.MemoryFunction
    path : str or path-like, optional
        Also save the figure (``.png``, ``.svg`` or ``.pdf``).
    closed_form : array (K,), optional
        A reference ``|rho|`` at ``mf.times`` (dashed).

    Examples
    --------
    >>> from tnrnn.memory import LinearRNN, memory_function
    >>> mf = memory_function(LinearRNN([[0.5]], [1.0], [1.0]), lags=8, directions=2, seed=0)
    >>> ax = plot_memory_function(mf).axes[0]
    >>> ax.get_yscale(), ax.get_xlabel()
    ('log', 'lag')
    """
    fmt = figure_format(path)
    fig, ax = new_figure((6.0, 3.8))
    t, m, s = mf.times, mf.mean[:, channel], mf.spread[:, channel]
    tiny = np.finfo(np.float64).tiny
    ax.plot(t, np.maximum(m, tiny), label="estimate (mean over directions)")
    ax.fill_between(t, np.maximum(m - s, tiny), m + s, alpha=0.25, label="spread (1 std)")
    if closed_form is not None:
        ax.plot(t, np.maximum(np.abs(np.asarray(closed_form)), tiny), "k--", lw=1, label="closed form")
    ax.set_yscale("log")
    ax.set_xlabel("lag" if mf.time == "discrete" else "t")
    ax.set_ylabel("|memory function|")
    ax.set_title(title or str(mf.decay(channel)).split(" (")[0])
    ax.legend(fontsize="small")
    save_figure(fig, path, fmt)
    return fig


def plot_hankel(spectra: dict, path=None, *, eps=(), floor: float = 1e-14, title: str | None = None):
    """Hankel singular values of several targets (one line each) on a log scale, with ``eps`` levels.

    ``spectra`` maps a label to a sequence of singular values; values below
    ``floor`` times the largest (float rounding) are not drawn.

    Examples
    --------
    >>> ax = plot_hankel({"a": [1.0, 0.1, 0.01]}, eps=[0.05]).axes[0]
    >>> ax.get_yscale(), len(ax.lines)
    ('log', 2)
    """
    fmt = figure_format(path)
    if not isinstance(spectra, dict) or not spectra:
        raise InvalidParameterError("spectra", type(spectra).__name__, "a non-empty dict label -> singular values")
    fig, ax = new_figure((6.0, 3.8))
    for label, s in spectra.items():
        s = np.asarray(s, dtype=np.float64)
        keep = s > floor * (s.max() if s.size else 0.0)
        ax.plot(np.arange(1, s.size + 1)[keep], s[keep], marker=".", ms=3, label=label)
    for e in eps:
        ax.axhline(e, color="grey", ls=":", lw=0.8)
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlabel("index i")
    ax.set_ylabel("Hankel singular value")
    ax.set_title(title or "Hankel singular values")
    ax.legend(fontsize="small")
    save_figure(fig, path, fmt)
    return fig


def plot_approximation(records, path=None):
    """Error vs width, one panel per target: balanced truncation, trained RNN, Hankel lower bound.

    ``records`` are :class:`~tnrnn.memory.curse.ApproximationRecord` dicts (or records).

    Examples
    --------
    >>> recs = [{"target": "exp", "width": 1, "lower_bound": 0.0, "bt_l1": 1e-3, "trained_l1": 2e-3},
    ...         {"target": "exp", "width": 2, "lower_bound": 1e-5, "bt_l1": 1e-4, "trained_l1": None}]
    >>> fig = plot_approximation(recs)
    >>> [ax.get_title() for ax in fig.axes]
    ['exp']
    """
    fmt = figure_format(path)
    recs = [r if isinstance(r, dict) else r.to_dict() for r in records]
    recs = [r for r in recs if r.get("kind", "approximation") == "approximation"]
    if not recs:
        raise InvalidParameterError("records", "no approximation records", "at least one record")
    names = list(dict.fromkeys(r["target"] for r in recs))
    fig, axes = _panels(len(names))
    tiny = 1e-300
    for ax, name in zip(axes, names):
        rs = sorted((r for r in recs if r["target"] == name), key=lambda r: r["width"])
        w = np.array([r["width"] for r in rs])
        ax.plot(w, np.maximum([r["bt_l1"] for r in rs], tiny), "o-", ms=3, label="balanced truncation")
        tr = [(r["width"], r["trained_l1"]) for r in rs if r.get("trained_l1") is not None]
        if tr:
            ax.plot(*zip(*tr), "s-", ms=3, label="trained (Adam)")
        lb = [(r["width"], r["lower_bound"]) for r in rs if r["lower_bound"] > 0]
        if lb:
            ax.plot(*zip(*lb), "k--", lw=1, marker=".", ms=4, label="Hankel lower bound")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("width m")
        ax.set_ylabel("l1 error on the horizon")
        ax.set_title(name)
        ax.legend(fontsize="x-small")
    save_figure(fig, path, fmt)
    return fig


def plot_plateaus(records, path=None):
    """Two panels: the loss curves per delay, and the plateau length vs delay.

    Examples
    --------
    >>> recs = [{"kind": "plateau", "target": "shift:2", "delay": 2.0, "plateau": 10, "steps": 100,
    ...          "curve_steps": [0, 10, 100], "curve": [1.0, 0.4, 0.1], "threshold": 0.5}]
    >>> fig = plot_plateaus(recs)
    >>> fig.axes[1].get_xlabel()
    'delay (memory position)'
    """
    fmt = figure_format(path)
    recs = [r if isinstance(r, dict) else r.to_dict() for r in records]
    recs = sorted((r for r in recs if r.get("kind") == "plateau"), key=lambda r: r["delay"])
    if not recs:
        raise InvalidParameterError("records", "no plateau records", "at least one record")
    fig, (a, b) = _panels(2)
    for r in recs:
        steps = np.asarray(r["curve_steps"], dtype=np.float64)
        a.plot(np.maximum(steps, 0.5), r["curve"], label=r["target"])
    a.axhline(recs[0]["threshold"], color="grey", ls=":", lw=0.8)
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("step")
    a.set_ylabel("relative loss")
    a.legend(fontsize="x-small")
    for base in dict.fromkeys(r["target"].partition(":")[0] for r in recs):
        group = [r for r in recs if r["target"].partition(":")[0] == base]
        d = [r["delay"] for r in group if r["plateau"] is not None]
        p = [r["plateau"] for r in group if r["plateau"] is not None]
        b.plot(d, p, "o-", label=base)
        never = [r["delay"] for r in group if r["plateau"] is None]
        if never:
            b.plot(never, [group[0]["steps"]] * len(never), "rx", label=f"{base}: not reached")
    b.legend(fontsize="x-small")
    b.set_yscale("log")
    b.set_xlabel("delay (memory position)")
    b.set_ylabel("plateau length (steps)")
    save_figure(fig, path, fmt)
    return fig
