"""Figures of the memory measures: capacity, retention, horizon and Lyapunov profiles, and the unit comparison.

Every figure is drawn from records (the dicts the measures' ``to_dict()``
and ``tnrnn memory compare`` write), so ``tnrnn plot FILE`` re-draws a saved
result without computing anything again.  All use the style helpers of
:mod:`tnrnn.plotting.figure`: distinguishable line styles, integer ticks on
integer axes, legends outside the data, intervals clipped to the quantity's
range, labelled reference lines.  A value that is n/a (a degenerate state)
is not drawn and the panel says so; a censored horizon is drawn as an open
triangle at its bound, never as a value.
"""

from __future__ import annotations

import numpy as np

from .figure import (
    figure_format,
    integer_ticks,
    interval_bars,
    legend_outside,
    line_style,
    new_grid,
    reference_line,
    save_figure,
)
from .palette import REFERENCE

__all__ = ["plot_capacity", "plot_retention", "plot_horizon", "plot_lyapunov", "plot_compare"]


def _arr(values):
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _label(r: dict, i: int) -> str:
    import os

    name = r.get("file")
    return os.path.basename(str(name)) if name else str(r.get("model") or f"record {i + 1}")


def _na_note(ax, records, what: str) -> None:
    bad = [f"{_label(r, i)}: {r['reason']}" for i, r in enumerate(records) if r.get("reason")]
    if bad:
        ax.text(0.02, 0.02, f"{what} n/a for " + "; ".join(bad), transform=ax.transAxes, fontsize="x-small",
                va="bottom", wrap=True)


def _finish(fig, path, title=None):
    if title:
        fig.suptitle(title)
    save_figure(fig, path, figure_format(path, "path") if path is not None else None)
    return fig


def plot_capacity(records: list[dict], path=None, *, title: str | None = None):
    """``MC_k`` against the lag, with ±1.96 standard errors clipped to [0, 1], one curve per record."""
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    for i, r in enumerate(records):
        if r.get("reason"):
            continue
        k, mc, se = np.asarray(r["lags"]), _arr(r["profile"]), _arr(r.get("stderr") or [0.0] * len(r["lags"]))
        style = line_style(i)
        interval_bars(ax, k, mc, mc - 1.96 * se, mc + 1.96 * se, bounds=(0.0, 1.0), label=
                      f"{_label(r, i)}: $\\mathrm{{MC}}$ = {r['total']:.3g} ± {r.get('total_stderr') or 0:.2g}", **style)
    ax.set_xlabel("lag $k$")
    ax.set_ylabel(r"memory capacity $\mathrm{MC}_k$ (bias-corrected)")
    ax.set_ylim(-0.05, 1.05)
    integer_ticks(ax, "x")
    _na_note(ax, records, "capacity")
    legend_outside(ax)
    return _finish(fig, path, title or "short-term memory capacity (95 % intervals: ±1.96 SE)")


def plot_retention(records: list[dict], path=None, *, title: str | None = None):
    """Retention score and semantic recoverability against the lag, linear and kernel probes."""
    fig, axes = new_grid(2, cols=2, size_each=(4.6, 3.6), sharey=True)
    curves = (("score", "kernel_score", "lag retention (normalised to chance)"),
              ("semantic", "kernel_semantic", "semantic recoverability ($R^2$)"))
    for ax, (lin, ker, ylabel) in zip(axes, curves):
        n = 0
        for i, r in enumerate(records):
            if r.get("reason"):
                continue
            k = np.asarray(r["lags"])
            ax.plot(k, _arr(r[lin]), label=f"{_label(r, i)}, linear probe", **line_style(2 * n))
            if r.get(ker) and any(v is not None for v in r[ker]):
                ax.plot(k, _arr(r[ker]), label=f"{_label(r, i)}, kernel probe", **line_style(2 * n + 1))
            n += 1
        if records:
            reference_line(ax, records[0].get("threshold", 0.5), f"threshold {records[0].get('threshold', 0.5):g}")
        ax.set_xlabel("lag $k$")
        ax.set_ylabel(ylabel)
        integer_ticks(ax, "x")
        _na_note(ax, records, "retention")
    axes[0].set_ylim(-0.1, 1.05)
    legend_outside(axes[-1])
    return _finish(fig, path, title or "what a probe of $h_t$ recovers, per lag (held-out sequences)")


def plot_horizon(records: list[dict], path=None, *, title: str | None = None):
    """``g(k) = E ||dy_T/dx_(T-k)||`` against the lag on a log axis, with the horizon tolerance."""
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    for i, r in enumerate(records):
        if r.get("reason"):
            continue
        k, g = np.asarray(r["lags"]), _arr(r["mean"])
        keep = g > 0
        h = r.get("horizon")
        tag = f">= {r['horizon_at_least']} (censored)" if r.get("censored") else ("n/a" if h is None else f"{h:g}")
        ax.semilogy(k[keep], g[keep], label=f"{_label(r, i)}: horizon {tag}", **line_style(i))
    if records and not all(r.get("reason") for r in records):
        gmax = max(np.nanmax(_arr(r["mean"])) for r in records if not r.get("reason"))
        reference_line(ax, records[0]["tol"] * gmax, f"tolerance {records[0]['tol']:g} x max")
    ax.set_xlabel("lag $k$")
    ax.set_ylabel(r"gradient norm $g(k) = \mathrm{E}\,\|\partial y_T / \partial x_{T-k}\|$")
    integer_ticks(ax, "x")
    _na_note(ax, records, "horizon")
    legend_outside(ax)
    return _finish(fig, path, title or "gradient memory horizon")


def plot_lyapunov(records: list[dict], path=None, *, title: str | None = None):
    """The Lyapunov exponents (nats per step) by index, with their spread over sequences."""
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    for i, r in enumerate(records):
        if r.get("reason"):
            continue
        e, s = _arr(r["exponents"]), _arr(r["spread"])
        idx = np.arange(1, len(e) + 1)
        ok = np.isfinite(e)
        interval_bars(ax, idx[ok], e[ok], (e - s)[ok], (e + s)[ok], label=_label(r, i), **line_style(i))
    reference_line(ax, 0.0, "0 (marginal stability)")
    ax.set_xlabel("exponent index $i$")
    ax.set_ylabel(r"$\lambda_i$ (nats per step)")
    integer_ticks(ax, "x")
    _na_note(ax, records, "spectrum")
    legend_outside(ax)
    return _finish(fig, path, title or "Lyapunov spectrum (bars: std over sequences)")


#: The panels of the comparison figure: metric, y label.
COMPARE_PANELS = (("accuracy", "task test accuracy"),
                  ("retention_area", "retention area, linear probe (lags)"),
                  ("kernel_area", "retention area, kernel probe (lags)"),
                  ("capacity", r"memory capacity $\mathrm{MC}$"),
                  ("effective_rank", "Start-End effective rank"),
                  ("horizon_area", "gradient horizon area (lags)"))


def plot_compare(rows: list[dict], path=None, *, title: str | None = None):
    """The comparison: each metric against the training length per unit, bootstrap 95 % intervals.

    ``rows`` are :func:`tnrnn.measures.compare.summarize` rows (or records, which are summarised here).
    Training length 0 is the untrained network; rows at chance are drawn with open markers; values that are
    n/a are not drawn.
    """
    from ..measures.compare import METRICS, UNITS, summarize

    if rows and "seeds" not in rows[0]:
        rows = summarize(rows)
    fig, axes = new_grid(len(COMPARE_PANELS), cols=3, size_each=(4.2, 3.2))
    units = [u for u in UNITS if any(r["unit"] == u for r in rows)] + \
        sorted({r["unit"] for r in rows} - set(UNITS))
    lengths = sorted({r["length"] for r in rows})
    pos = {t: j for j, t in enumerate(lengths)}
    width = 0.6 / max(len(units), 1)
    for ax, (metric, ylabel) in zip(axes, COMPARE_PANELS):
        lo_b, hi_b = METRICS[metric][1], METRICS[metric][2]
        for i, u in enumerate(units):
            rs = sorted((r for r in rows if r["unit"] == u and r[metric]["mean"] is not None),
                        key=lambda r: r["length"])
            if not rs:
                continue
            x = np.array([pos[r["length"]] for r in rs]) + (i - (len(units) - 1) / 2) * width
            mean = np.array([r[metric]["mean"] for r in rs])
            low = np.array([r[metric]["low"] if r[metric]["low"] is not None else r[metric]["mean"] for r in rs])
            high = np.array([r[metric]["high"] if r[metric]["high"] is not None else r[metric]["mean"] for r in rs])
            style = line_style(i)
            interval_bars(ax, x, mean, low, high, bounds=(lo_b, hi_b), label=u, color=style["color"],
                          marker=style["marker"], markersize=style["markersize"], linestyle=style["linestyle"],
                          linewidth=0.8)
            chance = [k for k, r in enumerate(rs) if r["at_chance"]]
            if chance:
                ax.plot(x[chance], mean[chance], linestyle="none", marker=style["marker"], markersize=7,
                        markerfacecolor="white", markeredgecolor=style["color"])
        missing = [u for u in units if not any(r["unit"] == u and r[metric]["mean"] is not None for r in rows)]
        if missing:
            ax.text(0.98, 0.97, "n/a: " + ", ".join(missing), transform=ax.transAxes, ha="right", va="top",
                    fontsize="small", color=REFERENCE)
        if metric == "accuracy" and rows:
            reference_line(ax, rows[0]["chance"], "chance")
            ax.set_ylim(0.0, 1.02)
        elif lo_b is not None:
            ax.set_ylim(bottom=lo_b)
        ax.set_xticks(range(len(lengths)), ["untrained" if t == 0 else str(t) for t in lengths])
        ax.set_xlabel("training length")
        ax.set_ylabel(ylabel)
    from matplotlib.lines import Line2D

    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], linestyle="none", marker="o", markerfacecolor="white", markeredgecolor=REFERENCE))
    labels.append("at chance (excluded)")
    fig.legend(handles, labels, loc="outside right upper", frameon=False, fontsize="small")
    seeds = sorted({r["seeds"] for r in rows})
    return _finish(fig, path, title or f"memory measures of units trained on SES\nmean and bootstrap 95 % interval "
                                        f"over {'/'.join(map(str, seeds))} seeds; open markers: at chance")
