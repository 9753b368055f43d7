"""The depth x length grid: configurations, a resumable runner, summaries and figures.

Each grid point is one configuration (a dict, :func:`~tnrnn.tasks.training.make_config`)
and :func:`~tnrnn.tasks.training.run_config` maps it to one record, with no
shared state, so any runner (this in-process loop, or a distributed one) can
execute the configurations in any order.  :func:`run_grid` appends each record
to a JSON-lines file as soon as it finishes (flushed and synced), skips the
configurations whose key is already there, and leaves every finished line
valid when interrupted.

*Same parameter budget* (``budget="match"``): the width given is that of the
shallowest network; deeper ones get the width :func:`~tnrnn.tasks.models.hidden_for_budget`
chooses so that their :func:`~tnrnn.tasks.models.count_parameters` is closest.

Examples
--------
>>> configs = grid("ses", depths=[1, 2], lengths=[12], seeds=[0], hidden=8, alphabet=4, window=3)
>>> [(c["depth"], c["hidden"]) for c in configs]
[(1, 8), (2, 5)]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import InvalidParameterError
from ..plotting.figure import figure_format, new_figure, save_figure
from ..records import read_records
from .data import TASKS, make_task
from .models import count_parameters, hidden_for_budget
from .training import config_key, make_config

__all__ = ["PRESETS", "grid", "read_records", "run_grid", "summarize", "format_summary", "plot_accuracy",
           "plot_effective_rank"]

#: Presets of ``tnrnn train --preset``: task parameters, widths, lengths and training budgets.
#: ``cpu`` runs the 3 depths x 3 lengths x 3 seeds SES grid in minutes on two cores, in float64 (so that
#: the orthogonal matrices stay orthogonal to 1e-12; float32 rounding leaves about ``H * 6e-8``);
#: ``gpu`` is the issue's full scale (alphabet 32, windows of 30, lengths up to 300), in float32.
PRESETS = {
    "cpu": {
        "ses": {"alphabet": 4, "window": 2, "hidden": 16, "lengths": [8, 16, 32], "batch_size": 128,
                "max_steps": 3000, "eval_every": 100, "patience": 8, "lr": 3e-3, "val_size": 512,
                "test_size": 1024, "spectrum_samples": 64, "dtype": "float64"},
        "copy": {"alphabet": 4, "memory": 5, "hidden": 32, "lengths": [20, 40, 80], "batch_size": 64,
                 "max_steps": 1500, "eval_every": 100, "patience": 4, "lr": 3e-3, "val_size": 256,
                 "test_size": 512, "spectrum_samples": 64, "dtype": "float64"},
        "digits": {"hidden": 32, "lengths": [64], "batch_size": 64, "max_steps": 1500, "eval_every": 100,
                   "patience": 4, "lr": 3e-3, "spectrum_samples": 64, "dtype": "float64"},
    },
    "gpu": {
        "ses": {"alphabet": 32, "window": 30, "hidden": 256, "lengths": [60, 100, 150, 200, 300],
                "batch_size": 128, "max_steps": 20000, "eval_every": 500, "patience": 8, "lr": 1e-3,
                "val_size": 2048, "test_size": 8192, "spectrum_samples": 256},
        "copy": {"alphabet": 8, "memory": 30, "hidden": 256, "lengths": [100, 200, 300, 500], "batch_size": 128,
                 "max_steps": 20000, "eval_every": 500, "patience": 8, "lr": 1e-3, "val_size": 2048,
                 "test_size": 8192, "spectrum_samples": 256},
        "digits": {"hidden": 128, "lengths": [64], "batch_size": 128, "max_steps": 20000, "eval_every": 500,
                   "patience": 8, "lr": 1e-3, "spectrum_samples": 256},
    },
}


def grid(task: str, depths: Iterable[int], lengths: Iterable[int], seeds: Iterable[int], *, hidden: int,
         arch: str = "ortho", budget: str = "match", **params) -> list[dict]:
    """The configurations of a depth x length x seed grid.

    Parameters
    ----------
    task : {"ses", "copy", "digits"}
    depths, lengths, seeds : iterables of int
    hidden : int
        The width of the shallowest network (of every network with ``budget="none"``).
    arch : str
        The model (see :mod:`tnrnn.tasks.models`).
    budget : {"match", "none"}
        Give deeper networks the parameter count of the shallowest, or the same width.
    **params
        Further config keys (see :data:`tnrnn.tasks.training.DEFAULTS`).

    Returns
    -------
    list of dict
        Length-major, then depth, then seed.
    """
    if task not in TASKS:
        raise InvalidParameterError("task", task, "one of " + ", ".join(TASKS))
    if budget not in ("match", "none"):
        raise InvalidParameterError("budget", budget, "'match' or 'none'")
    depths, lengths, seeds = sorted(set(depths)), list(dict.fromkeys(lengths)), list(dict.fromkeys(seeds))
    if not depths or not lengths or not seeds:
        raise InvalidParameterError("grid", (depths, lengths, seeds), "at least one depth, length and seed")
    configs = []
    for T in lengths:
        shape = make_task(task, T, alphabet=params.get("alphabet"), window=params.get("window"),
                          classes=params.get("classes", 2), memory=params.get("memory"),
                          permuted=params.get("permuted", False), matches=params.get("matches", "official"),
                          layout=params.get("layout", "official"))
        target = count_parameters(arch, depths[0], hidden, shape.inputs, shape.outputs)
        for L in depths:
            H = hidden if budget == "none" or L == depths[0] else hidden_for_budget(
                arch, L, shape.inputs, shape.outputs, target)
            for s in seeds:
                configs.append(make_config(task=task, arch=arch, depth=L, hidden=H, length=T, seed=s, **params))
    return configs


def run_grid(configs: Iterable[dict], path, *, resume: bool = True, progress: bool = False,
             runner: Callable[..., dict] | None = None) -> list[dict]:
    """Run configurations, appending each record to ``path`` (JSON lines) as soon as it finishes.

    Parameters
    ----------
    configs : iterable of dict
    path : str or os.PathLike
        The records file; created if missing.
    resume : bool
        Skip the configurations whose key is already in ``path``; without it
        the file is started afresh.
    progress : bool
        tqdm bars (configurations, and steps within one) on stderr.
    runner : callable, optional
        ``runner(config, progress=...) -> record``; :func:`~tnrnn.tasks.training.run_config` by default.

    Returns
    -------
    list of dict
        The records of ``configs``, finished earlier or now, in the order of ``configs``.
    """
    from tqdm.auto import tqdm

    if runner is None:
        from .training import run_config as runner
    configs = list(configs)
    from ..records import JsonlWriter

    fspath = os.fspath(path)
    if not resume and os.path.exists(fspath):
        os.remove(fspath)
    writer = JsonlWriter(fspath, resume=True, name="--out")
    done = {r["key"]: r for r in writer.existing}
    results = {}
    todo = [c for c in configs if config_key(c) not in done]
    bar = tqdm(total=len(configs), initial=len(configs) - len(todo), desc="grid", file=sys.stderr,
               disable=not progress, unit="config")
    try:
        for c in todo:
            record = runner(c, progress=progress)
            writer.write(record)
            results[record["key"]] = record
            bar.update(1)
    finally:
        bar.close()
        writer.close()
    every = {**done, **results}
    return [every[config_key(c)] for c in configs if config_key(c) in every]


def summarize(records: Iterable[dict], metric: str = "test_accuracy") -> list[dict]:
    """Mean and standard deviation (ddof=0) over seeds of ``metric`` per (task, arch, depth, length).

    ``metric`` is a top-level record key, or ``"trained_rank"``/``"untrained_rank"``
    for the effective Start-End ranks.

    Examples
    --------
    >>> recs = [{"config": {"task": "ses", "arch": "ortho", "depth": 1, "length": 8, "hidden": 4}, "params": 50,
    ...          "test_accuracy": a} for a in (0.5, 0.7)]
    >>> row = summarize(recs)[0]
    >>> row["depth"], round(row["mean"], 3), round(row["std"], 3), row["seeds"]
    (1, 0.6, 0.1, 2)
    """
    groups: dict = {}
    for r in records:
        c = r["config"]
        if metric == "trained_rank":
            v = r["spectrum"]["trained"]["effective_rank"]
        elif metric == "untrained_rank":
            v = r["spectrum"]["untrained"]["effective_rank"]
        else:
            v = r[metric]
        groups.setdefault((c["task"], c["arch"], c["depth"], c["length"]), []).append((v, c["hidden"], r["params"]))
    rows = []
    for (task, arch, L, T), vals in sorted(groups.items()):
        v = np.array([x[0] for x in vals], dtype=float)
        rows.append({"task": task, "arch": arch, "depth": L, "length": T, "hidden": vals[0][1],
                     "params": vals[0][2], "mean": float(v.mean()), "std": float(v.std()), "seeds": len(v)})
    return rows


def format_summary(records: Iterable[dict]) -> str:
    """A text table: per (depth, length), test accuracy and effective ranks (mean ± std over seeds).

    Copy-task records add the accuracy on the recalled symbols and the memoryless baselines.
    """
    records = list(records)

    def index(metric):
        return {(r["task"], r["arch"], r["depth"], r["length"]): r for r in summarize(records, metric)}

    acc = summarize(records)
    tr, un = index("trained_rank"), index("untrained_rank")
    copy = all("test_recall_accuracy" in r for r in records)
    recall = index("test_recall_accuracy") if copy else {}
    base = index("baseline_accuracy") if copy else {}
    base_recall = index("baseline_recall_accuracy") if copy else {}
    head = (f"{'task':<7}{'arch':<7}{'L':>2}{'T':>5}{'H':>5}{'params':>8}{'seeds':>6}  {'test accuracy':<16}"
            + (f"{'recalled':<16}{'memoryless all/recalled':<25}" if copy else "") + f"{'eff. rank trained':<19}{'untrained':<14}")
    lines = [head, "-" * len(head)]
    for a in acc:
        k = (a["task"], a["arch"], a["depth"], a["length"])
        extra = (f"{recall[k]['mean']:.3f} ± {recall[k]['std']:.3f}   "
                 f"{base[k]['mean']:.3f} / {base_recall[k]['mean']:.3f}" + " " * 12 if copy else "")
        lines.append(f"{a['task']:<7}{a['arch']:<7}{a['depth']:>2}{a['length']:>5}{a['hidden']:>5}{a['params']:>8}"
                     f"{a['seeds']:>6}  {a['mean']:.3f} ± {a['std']:.3f}   {extra}"
                     f"{tr[k]['mean']:7.2f} ± {tr[k]['std']:<6.2f}   {un[k]['mean']:6.2f} ± {un[k]['std']:.2f}")
    return "\n".join(lines)


def _by_depth(rows):
    out: dict = {}
    for r in rows:
        out.setdefault((r["arch"], r["depth"]), []).append(r)
    return out


def plot_accuracy(records: Iterable[dict], path=None, *, ax=None):
    """Test accuracy against ``T``, one line per depth (mean ± std over seeds): the paper's figure.

    For the copy task, the accuracy on the recalled symbols, beside the memoryless ``1/n``.
    Returns the ``Figure``; saved to ``path`` (``.png``, ``.svg``, ``.pdf``) when given.
    """
    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one record")
    fig, ax = new_figure((5.0, 3.6)) if ax is None else (ax.figure, ax)
    copy = all("test_recall_accuracy" in r for r in records)
    metric = "test_recall_accuracy" if copy else "test_accuracy"
    for (arch, L), rows in sorted(_by_depth(summarize(records, metric)).items()):
        T = [r["length"] for r in rows]
        ax.errorbar(T, [r["mean"] for r in rows], yerr=[r["std"] for r in rows], marker="o", capsize=3,
                    label=f"{arch} L={L}")
    task = records[0]["config"]["task"]
    if task == "ses":
        C = records[0]["config"]["classes"]
        ax.axhline(1.0 / (C + 1), color="grey", linestyle=":", label="chance")
    elif copy:
        ax.axhline(float(np.mean([r["baseline_recall_accuracy"] for r in records])), color="grey", linestyle=":",
                   label="memoryless")
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel("test accuracy on the recalled symbols" if copy else "test accuracy")
    ax.set_title(f"{task}: accuracy by depth (mean ± std over seeds)")
    ax.legend()
    save_figure(fig, path, fmt)
    return fig


def plot_effective_rank(records: Iterable[dict], path=None, *, ax=None):
    """Effective Start-End rank against ``T`` by depth, trained (solid) and untrained (dashed).

    Returns the ``Figure``; saved to ``path`` when given.
    """
    fmt = figure_format(path)
    records = list(records)
    if not records:
        raise InvalidParameterError("records", records, "at least one record")
    fig, ax = new_figure((5.0, 3.6)) if ax is None else (ax.figure, ax)
    untrained = _by_depth(summarize(records, "untrained_rank"))
    for i, ((arch, L), rows) in enumerate(sorted(_by_depth(summarize(records, "trained_rank")).items())):
        color = f"C{i}"
        ax.errorbar([r["length"] for r in rows], [r["mean"] for r in rows], yerr=[r["std"] for r in rows],
                    marker="o", capsize=3, color=color, label=f"{arch} L={L} trained")
        u = untrained[(arch, L)]
        ax.errorbar([r["length"] for r in u], [r["mean"] for r in u], yerr=[r["std"] for r in u], marker="s",
                    capsize=3, color=color, linestyle="--", alpha=0.6, label=f"{arch} L={L} untrained")
    ax.set_xlabel("sequence length $T$")
    ax.set_ylabel("effective Start-End rank")
    ax.set_title(f"{records[0]['config']['task']}: empirical Start-End rank by depth")
    ax.legend(fontsize="small")
    save_figure(fig, path, fmt)
    return fig
