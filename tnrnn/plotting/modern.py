"""Figures of the exact results for today's recurrent layers: single-layer token ranks, exact capacities, degrees.

Each drawer takes a list of records (the ``to_dict`` of :class:`~tnrnn.bridge.automaton.AutomatonRank`,
:class:`~tnrnn.measures.kalman.ExactCapacity`, :class:`~tnrnn.memory.diagonal.McMillanDegree`) and a path.
"""

from __future__ import annotations

import numpy as np

from .figure import figure_format, integer_ticks, legend_outside, line_style, new_grid, save_figure

__all__ = ["plot_automaton_rank", "plot_exact_capacity", "plot_mcmillan"]


def _finish(fig, path, title):
    fig.suptitle(title)
    save_figure(fig, path, figure_format(path, "path") if path is not None else None)
    return fig


def _label(r: dict, i: int) -> str:
    return r.get("label") or r.get("file") or r.get("arch") or f"record {i}"


def plot_automaton_rank(records: list[dict], path=None, *, title: str | None = None):
    """The float Start-End spectrum (``s_k / s_1``) of each layer, its exact GF(p) rank marked beside it.

    Examples
    --------
    >>> fig = plot_automaton_rank([{"rank": 3, "prime": 7, "length": 6, "arch": "ssm",
    ...                              "spectrum": {"singular_values": [2.0, 1.0, 1e-3, 1e-17]}}])
    >>> len(fig.axes)
    1
    """
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    for i, r in enumerate(records):
        style = line_style(i)
        name = f"{_label(r, i)} T={r['length']}"
        spec = r.get("spectrum")
        if spec:
            s = np.asarray(spec["singular_values"], dtype=np.float64)
            s = np.maximum(s / s[0], 1e-18) if s.size and s[0] > 0 else s
            ax.semilogy(np.arange(1, s.size + 1), s, label=f"{name}: float s_k/s_1", **style)
        ax.axvline(r["rank"], color=style.get("color"), linestyle=":",
                   label=f"{name}: exact rank {r['rank']} over GF({r['prime']})")
    ax.set_xlabel("k")
    ax.set_ylabel("s_k / s_1")
    integer_ticks(ax, "x")
    legend_outside(ax)
    return _finish(fig, path, title or "Exact single-layer Start-End rank beside the float spectrum")


def plot_exact_capacity(records: list[dict], path=None, *, title: str | None = None):
    """Exact total capacity (Kalman rank) and the estimator's total (±1.96 standard errors) per model.

    Examples
    --------
    >>> fig = plot_exact_capacity([{"rank": 5, "state_size": 6, "prime": 7, "estimate": 4.2,
    ...                             "estimate_stderr": 0.1, "label": "esn"}])
    >>> len(fig.axes)
    1
    """
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    x = np.arange(len(records))
    ax.bar(x - 0.2, [r["rank"] for r in records], width=0.4, label="exact: rank of the Kalman matrix")
    est = [r.get("estimate") for r in records]
    if any(e is not None for e in est):
        vals = [np.nan if e is None else e for e in est]
        err = [1.96 * (r.get("estimate_stderr") or 0.0) for r in records]
        ax.bar(x + 0.2, vals, width=0.4, yerr=err, label="estimator (sum of MC_k)")
    ax.plot(x, [r["state_size"] for r in records], "k_", markersize=30, label="state size")
    ax.set_xticks(x, [_label(r, i) for i, r in enumerate(records)], rotation=20)
    ax.set_ylabel("total memory capacity")
    legend_outside(ax)
    return _finish(fig, path, title or "Memory capacity of linear reservoirs: exact and estimated")


def plot_mcmillan(records: list[dict], path=None, *, title: str | None = None):
    """McMillan degree (exact minimal width) against the state size per layer.

    Examples
    --------
    >>> fig = plot_mcmillan([{"degree": 4, "state_size": 6, "prime": 7}])
    >>> len(fig.axes)
    1
    """
    fig, (ax,) = new_grid(1, size_each=(6.0, 3.8))
    x = np.arange(len(records))
    ax.bar(x - 0.2, [r["state_size"] for r in records], width=0.4, label="state size")
    ax.bar(x + 0.2, [r["degree"] for r in records], width=0.4, label="McMillan degree over GF(p)")
    ax.set_xticks(x, [_label(r, i) for i, r in enumerate(records)], rotation=20)
    ax.set_ylabel("states")
    legend_outside(ax)
    return _finish(fig, path, title or "Exact minimal width of diagonal linear recurrences")
