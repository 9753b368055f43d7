"""Figures of the depth x length grid: success rate, mean accuracy and Start-End rank against ``T``.

Each takes the per-seed records of ``tnrnn train`` (summarised by
:func:`tnrnn.tasks.experiments.summarize_runs`) or the rows of its
``summary.jsonl`` as they are.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..errors import InvalidParameterError
from ..plotting.figure import (
    dodge,
    figure_format,
    integer_ticks,
    interval_bars,
    legend_outside,
    line_style,
    new_figure,
    new_grid,
    reference_line,
    save_figure,
)
from .experiments import DEFAULT_THRESHOLD, _groups, _metric, summarize_runs

__all__ = ["plot_success", "plot_accuracy", "plot_effective_rank"]


def _curves(rows):
    out: dict = {}
    for r in rows:
        label = f"{r['arch']} L={r['depth']}" + ("" if r["budget"] == "reference" else f" ({r['budget']})")
        out.setdefault(label, []).append(r)
    return out


def _is_summary(r: dict) -> bool:
    return r.get("kind") == "train-summary" or ("successes" in r and "config" not in r)


def _summary(records: list, threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """The per-configuration rows of ``records``: per-seed records summarised, or the rows of a saved
    ``summary.jsonl`` (``kind: train-summary``; its comparison rows are skipped) as they are."""
    if records and all(_is_summary(r) or r.get("kind") == "train-comparison" for r in records):
        return [r for r in records if _is_summary(r)]
    return summarize_runs(records, threshold)


def _task(records) -> str:
    r = records[0]
    return r["config"]["task"] if "config" in r else r["task"]


def _is_copy(records) -> bool:
    return _task(records) == "copy" or all("test_recall_accuracy" in r for r in records)


def _length_ticks(ax, rows):
    """Integer ticks at the lengths that were run (a few lengths: each one labelled)."""
    lengths = sorted({r["length"] for r in rows})
    integer_ticks(ax, "x")
    if len(lengths) <= 12:
        ax.set_xticks(lengths)
    if len(lengths) == 1:   # one length: the curves side by side around it, not across the whole axis
        ax.set_xlim(lengths[0] - 0.5, lengths[0] + 0.5)


def _offsets(rows, n: int) -> float:
    """The horizontal step between the ``n`` curves of one figure: side by side around each length."""
    lengths = sorted({r["length"] for r in rows})
    gap = min((b - a for a, b in zip(lengths, lengths[1:])), default=1)
    return min(0.3 * gap / max(n - 1, 1), 0.12 * gap)


def _chance(ax, records, copy):
    task = _task(records)
    if task == "ses":
        C = records[0]["config"].get("classes", 2) if "config" in records[0] else records[0].get("classes", 2)
        reference_line(ax, 1.0 / (C + 1), "chance")
    elif copy and any("baseline_recall_accuracy" in r for r in records):
        reference_line(ax, float(np.mean([r["baseline_recall_accuracy"] for r in records
                                          if "baseline_recall_accuracy" in r])), "memoryless")


def plot_success(records: Iterable[dict], path=None, *, threshold: float = DEFAULT_THRESHOLD, ax=None):
    """Success rate (Wilson 95 % intervals) against ``T``, one curve per depth and budget: the paper's figure.

    ``records`` are the per-seed records of ``tnrnn train`` or the rows of its ``summary.jsonl``.
    Curves are drawn side by side around each length, so equal rates never hide each other.
    Returns the ``Figure``; saved to ``path`` (``.png``, ``.svg``, ``.pdf``) when given.
    """
    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one record")
    fig, ax = new_figure((6.4, 3.6)) if ax is None else (ax.figure, ax)
    summary = _summary(records, threshold)
    curves = _curves(summary)
    step = _offsets(summary, len(curves))
    for i, (label, rows) in enumerate(curves.items()):
        interval_bars(ax, [r["length"] + dodge(i, len(curves), step) for r in rows], [r["success"] for r in rows],
                      [r["success_low"] for r in rows], [r["success_high"] for r in rows], bounds=(0, 1),
                      label=label, **line_style(i))
    ax.set_ylim(-0.03, 1.03)
    _length_ticks(ax, summary)
    ax.set_xlabel("sequence length $T$")
    copy = _is_copy(records)
    threshold = summary[0].get("threshold", threshold)
    ax.set_ylabel(f"success rate ({'recall ' if copy else ''}accuracy $\\geq$ {threshold:g})")
    n = summary[0]["seeds"]
    ax.set_title(f"{_task(records)}: success rate by depth ({n} seeds, Wilson 95 %)")
    legend_outside(ax)
    save_figure(fig, path, fmt)
    return fig


def plot_accuracy(records: Iterable[dict], path=None, *, ax=None):
    """Mean test accuracy (bootstrap 95 % intervals, clipped to [0, 1]) against ``T`` by depth.

    For the copy task, the accuracy on the recalled symbols, beside the memoryless ``1/n``.
    ``records`` are the per-seed records of ``tnrnn train`` or the rows of its ``summary.jsonl``;
    curves are drawn side by side around each length.
    Returns the ``Figure``; saved to ``path`` (``.png``, ``.svg``, ``.pdf``) when given.
    """
    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one record")
    fig, ax = new_figure((6.4, 3.6)) if ax is None else (ax.figure, ax)
    copy = _is_copy(records)
    summary = _summary(records)
    curves = _curves(summary)
    step = _offsets(summary, len(curves))
    for i, (label, rows) in enumerate(curves.items()):
        interval_bars(ax, [r["length"] + dodge(i, len(curves), step) for r in rows], [r["mean"] for r in rows],
                      [r["mean_low"] if math.isfinite(r["mean_low"]) else r["mean"] for r in rows],
                      [r["mean_high"] if math.isfinite(r["mean_high"]) else r["mean"] for r in rows],
                      bounds=(0, 1), label=label, **line_style(i))
    _chance(ax, records, copy)
    _length_ticks(ax, summary)
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel("test accuracy on the recalled symbols" if copy else "test accuracy")
    ax.set_title(f"{_task(records)}: mean accuracy by depth (bootstrap 95 %)")
    legend_outside(ax)
    save_figure(fig, path, fmt)
    return fig


def plot_effective_rank(records: Iterable[dict], path=None, *, ax=None):
    """The headline Start-End rank (energy rank of the centred spectrum) against ``T`` by depth, trained and
    untrained.

    Two panels on one y range, trained (left, filled markers, solid) and at initialisation (right, hollow
    markers, dashed); given ``ax``, both in it.  From per-seed records: the mean with a bootstrap 95 %
    interval; from the rows of a ``summary.jsonl``: the mean, with the interval where the row has one
    (``rank_trained_low`` ...).  Curves are drawn side by side around each length.
    Returns the ``Figure``; saved to ``path`` when given.
    """
    from ..stats import bootstrap_interval

    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one record")
    if ax is None:
        fig, axes = new_grid(2, cols=2, size_each=(4.3, 3.6), sharey=True)
        panels = {"trained": axes[0], "untrained": axes[1]}
    else:
        fig, panels = ax.figure, {"trained": ax, "untrained": ax}
    summary = _summary(records)
    groups = None if _is_summary(records[0]) else _groups(records)
    curves = _curves(summary)
    step = _offsets(summary, len(curves))
    intervals = True
    for i, (label, rows) in enumerate(curves.items()):
        x = [r["length"] + dodge(i, len(curves), step) for r in rows]
        for side in ("trained", "untrained"):
            if groups is not None:
                ivs = [bootstrap_interval([_metric(r, f"{side}_headline") for r in
                                           groups[(r0["task"], r0["arch"], r0["length"], r0["depth"], r0["hidden"])]],
                                          n_resamples=999) for r0 in rows]
                mean = [v.estimate for v in ivs]
                low = [v.low if math.isfinite(v.low) else v.estimate for v in ivs]
                high = [v.high if math.isfinite(v.high) else v.estimate for v in ivs]
            else:
                mean = [r[f"rank_{side}"] for r in rows]
                low = [r.get(f"rank_{side}_low", m) for r, m in zip(rows, mean)]
                high = [r.get(f"rank_{side}_high", m) for r, m in zip(rows, mean)]
                intervals = intervals and all(f"rank_{side}_low" in r for r in rows)
            style = line_style(i)
            if side == "untrained":
                style.update(linestyle="--", markerfacecolor="white")
            text = label if ax is None else f"{label} {side}"
            interval_bars(panels[side], x, mean, low, high, bounds=(0, None),
                          label=text if (ax is not None or side == "trained") else None, **style)
    what = "mean, bootstrap 95 %" if intervals else "means over seeds: this summary holds no intervals"
    for side, a in panels.items():
        integer_ticks(a, "y")
        _length_ticks(a, summary)
        a.set_xlabel("sequence length $T$")
        if ax is None:
            a.set_title("trained" if side == "trained" else "at initialisation (untrained)", fontsize=10)
    panels["trained"].set_ylabel("Start-End rank (centred, energy)")
    title = f"{_task(records)}: empirical Start-End rank by depth ({what})"
    if ax is None:
        fig.suptitle(title, fontsize=10.5)
        fig.legend(*panels["trained"].get_legend_handles_labels(), loc="outside lower center", frameon=False,
                   fontsize="small", ncols=3)
    else:
        ax.set_title(title)
        legend_outside(ax)
    save_figure(fig, path, fmt)
    return fig
