"""Figures of the memory track: memory functions, Hankel spectra, error vs width, plateaus."""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from .figure import figure_format, new_figure, save_figure
from .palette import LIGHT_GREY

__all__ = ["plot_memory_function", "plot_hankel", "plot_approximation", "plot_plateaus", "rising"]


def plot_memory_function(mf, path=None, *, closed_form=None, channel: int = 0, title: str | None = None):
    """Plot ``|rho(t)|`` (mean over directions, with the spread as a band) on a log scale.

    Parameters
    ----------
    mf : tnrnn.memory.MemoryFunction or dict
        The estimate, or its record (``MemoryFunction.to_dict()``, as ``--out`` writes it).
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
    from .figure import legend_outside, line_style

    fmt = figure_format(path)
    fig, ax = new_figure((7.2, 3.8))
    if isinstance(mf, dict):
        t = np.asarray(mf["times"], dtype=np.float64)
        m = np.asarray(mf["mean"][channel], dtype=np.float64)
        s = np.asarray(mf["spread"][channel], dtype=np.float64)
        discrete, decay_kind = mf.get("time") == "discrete", (mf.get("decay") or {}).get("kind", "")
    else:
        t, m, s = mf.times, mf.mean[:, channel], mf.spread[:, channel]
        discrete, decay_kind = mf.time == "discrete", str(mf.decay(channel)).split(" (")[0]
    tiny = np.finfo(np.float64).tiny
    style = line_style(0)
    style["markevery"] = max(1, len(t) // 16)
    pos = m > 0
    ax.plot(t[pos], m[pos], label="estimate (mean over directions)", **style)
    ax.fill_between(t[pos], np.maximum(m - s, tiny)[pos], (m + s)[pos], alpha=0.25, color=style["color"],
                    label="spread (1 std)")
    if closed_form is not None:
        cf = np.abs(np.asarray(closed_form))
        ref = line_style(6)
        ref.update(marker=None, linewidth=1.2)
        ax.plot(t[cf > 0], cf[cf > 0], label="closed form", **ref)
    ax.set_yscale("log")
    ax.set_xlabel("lag" if discrete else "$t$")
    ax.set_ylabel(r"memory function $|\rho(t)|$")
    ax.set_title(title or (decay_kind if isinstance(mf, dict) is False else f"decay: {decay_kind}"))
    legend_outside(ax)
    save_figure(fig, path, fmt)
    return fig


def plot_hankel(spectra: dict, path=None, *, eps=(), floors: dict | None = None, title: str | None = None):
    """Hankel singular values of several targets (one line each, markers always visible) on log axes.

    ``spectra`` maps a label to a sequence of singular values.  Values at or
    below the noise floor of their matrix (``floors[label]``, default
    :func:`tnrnn.validation.rank_tolerance` of a square matrix of that many
    values) are rounding and are not drawn; the largest floor is drawn as a
    labelled reference line, and the ``eps`` levels as labelled lines too.

    Examples
    --------
    >>> ax = plot_hankel({"a": [1.0, 0.1, 0.01]}, eps=[0.05]).axes[0]
    >>> ax.get_yscale(), len(ax.lines), ax.lines[0].get_marker()
    ('log', 3, 'o')
    """
    from ..validation import rank_tolerance
    from .figure import legend_outside, line_style, positive_for_log, reference_line

    fmt = figure_format(path)
    if not isinstance(spectra, dict) or not spectra:
        raise InvalidParameterError("spectra", type(spectra).__name__, "a non-empty dict label -> singular values")
    fig, ax = new_figure((7.2, 3.9))
    top_floor, most = 0.0, 1
    for i, (label, s) in enumerate(spectra.items()):
        s = np.asarray(s, dtype=np.float64)
        floor = (floors or {}).get(label)
        if floor is None:
            floor = rank_tolerance((s.size, s.size), float(s.max()) if s.size else 0.0)
        top_floor = max(top_floor, floor)
        x, y = positive_for_log(list(range(1, s.size + 1)), s.tolist(), floor=floor)
        most = max(most, len(x))
        style = line_style(i)
        # hollow markers, earlier series larger: coinciding values (exp's section and FIR) stay visible
        style.update(markerfacecolor="none", markersize=4.5 + 2.5 * max(len(spectra) - 1 - i, 0))
        if len(x) > 40:
            style["markevery"] = np.unique(np.geomspace(1, len(x), 30).astype(int) - 1).tolist()
        ax.plot(x, y, label=f"{label} ({len(x)} above its floor)", **style)
    reference_line(ax, top_floor, f"noise floor $N\\varepsilon\\sigma_1$ = {top_floor:.1e}")
    for k, e in enumerate(eps):
        reference_line(ax, e, r"$\varepsilon$ levels of $m(\varepsilon)$" if k == 0 else None, color=LIGHT_GREY, linestyle="--")
    ax.set_yscale("log")
    ax.set_xscale("log")
    ax.set_xlim(0.8, max(most, 2) * 1.25)
    ax.set_xlabel("index $i$")
    ax.set_ylabel(r"Hankel singular value $\sigma_i$")
    ax.set_title(title or "Hankel singular values")
    legend_outside(ax)
    save_figure(fig, path, fmt)
    return fig


def plot_approximation(records, path=None, *, title: str | None = None):
    """Error vs width, one panel per target: best trained RNN (range over seeds), balanced truncation, bound.

    ``records`` are :class:`~tnrnn.memory.curse.ApproximationRecord` dicts (or
    records).  Values at or below a record's ``noise_floor`` are not data: they
    are drawn as hollow markers on the labelled noise-floor line (never
    dropped silently, never plotted as numbers).  A panel whose trained error
    rises with the width (:func:`rising`) says on the figure that this is the
    optimiser's limit, not the approximation's.

    Examples
    --------
    >>> recs = [{"target": "exp", "width": 1, "lower_bound": 1e-17, "bt_l1": 1e-3, "trained_l1": 2e-3,
    ...          "trained_seed_l1": [2e-3, 3e-3, 5e-3], "noise_floor": 1e-14},
    ...         {"target": "exp", "width": 2, "lower_bound": 1e-5, "bt_l1": 1e-4, "trained_l1": None,
    ...          "noise_floor": 1e-14}]
    >>> fig = plot_approximation(recs)
    >>> [ax.get_title() for ax in fig.axes]
    ['exp']
    """
    from .figure import integer_ticks, interval_bars, line_style, new_grid, reference_line

    fmt = figure_format(path)
    recs = [r if isinstance(r, dict) else r.to_dict() for r in records]
    recs = [r for r in recs if r.get("kind", "approximation") == "approximation"]
    if not recs:
        raise InvalidParameterError("records", "no approximation records", "at least one record")
    names = list(dict.fromkeys(r["target"] for r in recs))
    fig, axes = new_grid(len(names), size_each=(4.6, 3.6), sharey=True)
    series = (("trained_l1", "trained, best of lrs × seeds"), ("bt_l1", "balanced truncation (Kung)"),
              ("lower_bound", r"Hankel lower bound $\sigma_{m+1}$"))
    for ax, name in zip(axes, names):
        rs = sorted((r for r in recs if r["target"] == name), key=lambda r: r["width"])
        floor = max(float(r.get("noise_floor", 0.0)) for r in rs)
        for i, (field, label) in enumerate(series):
            style = line_style(i)
            pts = [(r["width"], r.get(field)) for r in rs if r.get(field) is not None]
            above = [(w, v) for w, v in pts if v > floor]
            at = [w for w, v in pts if v <= floor]
            if above:
                ax.plot(*zip(*above), label=label, **style)
            if at:
                ax.plot(at, [floor] * len(at), linestyle="none", marker=style["marker"], markersize=7,
                        markerfacecolor="none", markeredgecolor=style["color"],
                        label=f"{label.split(',')[0]}: at the noise floor")
            if field == "trained_l1":
                spread = [(r["width"], [v for v in r.get("trained_seed_l1") or [] if v is not None]) for r in rs]
                spread = [(w, v) for w, v in spread if len(v) > 1]
                if spread:
                    w = [a for a, _ in spread]
                    med = [max(float(np.median(v)), floor) for _, v in spread]
                    interval_bars(ax, w, med, [max(min(v), floor) for _, v in spread],
                                  [max(max(v), floor) for _, v in spread], fmt="none", ecolor=style["color"],
                                  alpha=0.6, label="trained: median and range over seeds")
        reference_line(ax, floor, f"noise floor $N\\varepsilon\\sigma_1$ = {floor:.1e}")
        trained = [(r["width"], r["trained_l1"]) for r in rs if r.get("trained_l1") is not None]
        if rising(trained):   # the caveat the docs give, on the figure itself
            ax.text(0.03, 0.97, "trained error rises with width:\nthe optimiser's limit (extra units are\n"
                    "not switched off exactly), not the\napproximation's; trained = upper bounds",
                    transform=ax.transAxes, ha="left", va="top", fontsize="x-small", gid="caveat",
                    bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": LIGHT_GREY, "alpha": 0.9})
        ax.set_yscale("log")
        integer_ticks(ax, "x")
        ax.set_xlabel("width $m$")
        ax.set_ylabel(r"$\ell_1$ error on the horizon")
        horizon = rs[0].get("horizon")
        ax.set_title(name if horizon is None else f"{name} (horizon {horizon:g}, dt {rs[0].get('dt'):g})")
    handles = {}
    for ax in axes:  # one legend for every panel (a series may appear in one panel only)
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if not lab.startswith("noise floor"):
                handles.setdefault(lab, h)
    floors = ", ".join(f"{n} {max(float(r.get('noise_floor', 0.0)) for r in recs if r['target'] == n):.1e}"
                       for n in names)
    axes[-1].legend(list(handles.values()), list(handles), title=f"dotted: noise floor $N\\varepsilon\\sigma_1$ ({floors})",
                    title_fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                    frameon=False, fontsize="small")
    if title:
        fig.suptitle(title)
    save_figure(fig, path, fmt)
    return fig


def rising(points, factor: float = 10.0) -> bool:
    """Whether ``(width, error)`` points rise with the width: the widest error above ``factor`` times the least.

    A best-of-sweep error can only fall as units are added (a wider model contains the narrower one), so
    a rise says the optimiser did not find what the width allows.

    Examples
    --------
    >>> rising([(1, 6e-13), (8, 1e-4), (16, 1.5e-4)]), rising([(1, 19.0), (16, 0.44)])
    (True, False)
    """
    pts = sorted(points)
    return len(pts) > 1 and pts[-1][1] > factor * min(v for _, v in pts)


def plot_plateaus(records, path=None, *, title: str | None = None):
    """Two panels: the loss curves per delay (first seed), and the plateau length vs delay over seeds.

    The curves start at step 1 (a log axis has no step 0); the threshold is a
    labelled line.  The plateau panel shows the median over seeds with the
    range as bars; runs that never reach the threshold are censored at the
    step budget (drawn as triangles on the labelled budget line).

    Examples
    --------
    >>> recs = [{"kind": "plateau", "target": "shift:2", "delay": 2.0, "plateau": 10, "steps": 100, "seed": 0,
    ...          "curve_steps": [0, 10, 100], "curve": [1.0, 0.4, 0.1], "threshold": 0.5}]
    >>> fig = plot_plateaus(recs)
    >>> fig.axes[1].get_xlabel(), bool(min(fig.axes[0].lines[0].get_xdata()) >= 1)
    ('delay (memory position)', True)
    """
    from ..memory.curse import plateau_summary
    from .figure import integer_ticks, interval_bars, legend_outside, line_style, new_grid, reference_line

    fmt = figure_format(path)
    recs = [r if isinstance(r, dict) else r.to_dict() for r in records]
    recs = sorted((r for r in recs if r.get("kind") == "plateau"), key=lambda r: (r["delay"], r.get("seed") or 0))
    if not recs:
        raise InvalidParameterError("records", "no plateau records", "at least one record")
    fig, (a, b) = new_grid(2, cols=2, size_each=(4.8, 3.7))
    first_seed = recs[0].get("seed")
    shown = {}
    for r in recs:
        if r["target"] in shown or r.get("seed") != first_seed:
            continue
        shown[r["target"]] = True
        steps = np.asarray(r["curve_steps"], dtype=np.float64)
        keep = steps >= 1
        style = line_style(len(shown) - 1)
        style["markevery"] = max(1, int(keep.sum()) // 8)
        a.plot(steps[keep], np.asarray(r["curve"])[keep], label=r["target"], **style)
    threshold = recs[0]["threshold"]
    reference_line(a, threshold, f"threshold {threshold:g} (plateau ends)")
    a.set_xscale("log")
    a.set_yscale("log")
    a.set_xlabel("step")
    a.set_ylabel("relative loss (1 = zero model)")
    a.set_title(f"loss curves (seed {first_seed})")
    legend_outside(a)
    summary = plateau_summary(recs)
    budget = max(s["steps"] for s in summary)
    for i, base in enumerate(dict.fromkeys(s["target"].partition(":")[0] for s in summary)):
        group = [s for s in summary if s["target"].partition(":")[0] == base]
        style = line_style(i)
        ok = [s for s in group if not s["median_censored"]]
        if ok:
            interval_bars(b, [s["delay"] for s in ok], [s["median"] for s in ok],
                          [s["low"] for s in ok], [budget if s["high"] is None else s["high"] for s in ok],
                          label=f"{base}: median, range over {max(s['seeds'] for s in group)} seeds",
                          **style)
        cens = [s["delay"] for s in group if s["median_censored"]]
        if cens:
            b.plot(cens, [budget] * len(cens), linestyle="none", marker="^", markersize=8, color=style["color"],
                   label=f"{base}: median not reached (censored)")
    reference_line(b, budget, f"step budget {budget}")
    b.set_yscale("log")
    b.set_xlabel("delay (memory position)")
    if all(float(s["delay"]).is_integer() for s in summary):
        integer_ticks(b, "x")
    b.set_ylabel("plateau length (steps)")
    b.set_title("plateau length vs delay")
    legend_outside(b)
    fig.suptitle(title or "Training plateaus of linear RNNs (curse of memory, optimisation)")
    save_figure(fig, path, fmt)
    return fig
