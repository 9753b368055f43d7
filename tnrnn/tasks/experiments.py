"""The depth x length grid: configurations, a resumable runner and summaries (figures: :mod:`tnrnn.tasks.grid_figures`).

Each grid point is one configuration (a dict, :func:`~tnrnn.tasks.training.make_config`)
and :func:`~tnrnn.tasks.training.run_config` maps it to one record, with no
shared state, so any runner (this in-process loop, or a distributed one) can
execute the configurations in any order.  :func:`run_grid` appends each record
to a JSON-lines file as soon as it finishes (flushed and synced), skips the
configurations whose key is already there, and leaves every finished line
valid when interrupted.

Budgets: the width given is that of the shallowest network; with
``budget="match"`` deeper ones get the width whose stored weights
(:func:`~tnrnn.tasks.models.count_parameters`) are closest to it, with
``budget="dof"`` the width whose degrees of freedom
(:func:`~tnrnn.tasks.models.count_degrees_of_freedom`: ``H(H-1)/2`` per
orthogonal matrix) are, and with ``budget="none"`` the same width.  Several
budgets in one grid share the shallowest network's runs (same config, same key).

Configurations that differ only in their seed are trained together, as one
stacked model (:func:`~tnrnn.tasks.training.run_seeds`), for the
architectures that support it (``ortho``, ``scornn``).

Statistics (:func:`summarize_runs`, :func:`compare_depths`, :mod:`tnrnn.stats`)
-------------------------------------------------------------------------------
Per configuration: the success rate (test accuracy -- for the copying task
the accuracy on the recalled symbols -- at least ``threshold``) with its
Wilson 95 % interval; the mean accuracy with its BCa bootstrap 95 % interval;
the fraction of runs stopped by the step cap (censored); the headline
Start-End rank (energy rank of the centred spectrum) of trained and untrained
networks.  Per length and depth ``L`` against the shallowest depth at each
budget: the difference of success rates (Newcombe interval, Fisher exact
test) and of mean accuracies (bootstrap interval, Mann-Whitney test).
Multiple comparisons: the comparisons of one table are one family per test
(all its Fisher tests; all its Mann-Whitney tests), and each p-value is
printed beside its Holm-adjusted value (family-wise 5 %;
``adjust="bh"``: Benjamini-Hochberg, false discovery rate), which is the one
to read a comparison by.  Intervals are per comparison (not simultaneous).

Examples
--------
>>> configs = grid("ses", depths=[1, 2], lengths=[12], seeds=[0], hidden=8, alphabet=4, window=3)
>>> [(c["depth"], c["hidden"]) for c in configs]
[(1, 8), (2, 5)]
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import InvalidParameterError
from ..records import read_records
from .data import TASKS, make_task
from .models import count_degrees_of_freedom, count_parameters, hidden_for_budget
from .training import config_key, make_config, same_shape

__all__ = ["PRESETS", "BUDGETS", "DEFAULT_THRESHOLD", "grid", "read_records", "run_grid", "summarize",
           "summarize_runs", "compare_depths", "format_summary"]

#: Budget rules of :func:`grid` (``tnrnn train --budget``).
BUDGETS = ("match", "dof", "none")

#: Accuracy at or above which a run counts as a success (``tnrnn train --success``).
DEFAULT_THRESHOLD = 0.9

#: Presets of ``tnrnn train --preset``: task parameters, widths, lengths and training budgets.
#: ``cpu`` runs the 3 depths x 3 lengths x 3 seeds SES grid in minutes on two cores, in float64 (so that
#: the orthogonal matrices stay orthogonal to 1e-12; float32 rounding leaves about ``H * 6e-8``);
#: ``gpu`` is the issue's full scale (alphabet 32, windows of 30, lengths up to 300), in float32.
#: ``repro-cpu`` and ``paper`` are the reproduction grids (docs: "Reproducing the paper"): the official SES
#: task, scoRNN as the paper trains it, 30 (CPU) / 32 (GPU) seeds per cell trained together, depths 1-3,
#: equal degrees of freedom and equal width, plateau decay of the learning rate.  Keys beyond the config's
#: (``lengths``, ``hidden``, ``seeds``, ``depths``, ``budgets``, ``arch``) are the grid's.
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
    "repro-cpu": {
        "ses": {"arch": "scornn", "alphabet": 4, "window": 4, "hidden": 16, "lengths": [8, 16, 24, 32],
                "seeds": 30, "depths": [1, 2, 3], "budgets": ["dof", "none"], "batch_size": 64,
                "max_steps": 3000, "eval_every": 100, "patience": 4, "lr_decays": 1, "lr": 1e-2,
                "lr_recurrent": 1e-3, "val_size": 256, "test_size": 1024, "spectrum_samples": 32},
    },
    # The stopping-rule sensitivity arm of the reproduction (docs: "Reproducing the paper"): the repro-cpu
    # cells at T = 16 (the one length where some depth succeeds and the depths are not all at 0 or 30 of 30)
    # with patience 10 (1000 steps without improvement, instead of 400) and a 6000-step cap (instead of
    # 3000).  The two single-factor arms are this preset with --patience 4 or --max-steps 3000.
    "repro-cpu-sensitivity": {
        "ses": {"arch": "scornn", "alphabet": 4, "window": 4, "hidden": 16, "lengths": [16],
                "seeds": 30, "depths": [1, 2, 3], "budgets": ["dof", "none"], "batch_size": 64,
                "max_steps": 6000, "eval_every": 100, "patience": 10, "lr_decays": 1, "lr": 1e-2,
                "lr_recurrent": 1e-3, "val_size": 256, "test_size": 1024, "spectrum_samples": 32},
    },
    "paper": {
        "ses": {"arch": "scornn", "alphabet": 32, "window": 30, "hidden": 64, "lengths": [64, 100, 150],
                "seeds": 32, "depths": [1, 2, 3], "budgets": ["dof"], "batch_size": 128, "max_steps": 1500,
                "eval_every": 250, "patience": 3, "lr_decays": 1, "val_size": 1024, "test_size": 2048,
                "spectrum_samples": 64, "device": "cuda"},
    },
}

#: The keys of a preset that describe the grid rather than one configuration.
GRID_KEYS = ("lengths", "hidden", "seeds", "depths", "budgets", "arch")


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
    budget : {"match", "dof", "none"} or a list of them
        Give deeper networks the stored-weight count of the shallowest, its
        degrees of freedom, or the same width; a list runs each (the shared
        configurations once).
    **params
        Further config keys (see :data:`tnrnn.tasks.training.DEFAULTS`).

    Returns
    -------
    list of dict
        Length-major, then depth, then seed.
    """
    if task not in TASKS:
        raise InvalidParameterError("task", task, "one of " + ", ".join(TASKS))
    budgets = [budget] if isinstance(budget, str) else list(budget)
    if not budgets or any(b not in BUDGETS for b in budgets):
        raise InvalidParameterError("budget", budget, "one of " + ", ".join(BUDGETS) + " (or a list of them)")
    depths, lengths, seeds = sorted(set(depths)), list(dict.fromkeys(lengths)), list(dict.fromkeys(seeds))
    if not depths or not lengths or not seeds:
        raise InvalidParameterError("grid", (depths, lengths, seeds), "at least one depth, length and seed")
    configs = []
    for T in lengths:
        shape = make_task(task, T, alphabet=params.get("alphabet"), window=params.get("window"),
                          classes=params.get("classes", 2), memory=params.get("memory"),
                          permuted=params.get("permuted", False), matches=params.get("matches", "official"),
                          layout=params.get("layout", "official"))
        for L in depths:
            widths = []
            for b in budgets:
                if b == "none" or L == depths[0]:
                    H = hidden
                else:
                    measure = "weights" if b == "match" else "dof"
                    count = count_parameters if b == "match" else count_degrees_of_freedom
                    target = count(arch, depths[0], hidden, shape.inputs, shape.outputs)
                    H = hidden_for_budget(arch, L, shape.inputs, shape.outputs, target, measure)
                if H not in widths:
                    widths.append(H)
            for H in widths:
                for s in seeds:
                    configs.append(make_config(task=task, arch=arch, depth=L, hidden=H, length=T, seed=s, **params))
    return configs


def run_grid(configs: Iterable[dict], path, *, resume: bool = True, progress: bool = False,
             runner: Callable[..., dict] | None = None, max_memory=None, log=None) -> list[dict]:
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
        ``runner(config, progress=...) -> record``; by default configurations
        that differ only in their seed train together
        (:func:`~tnrnn.tasks.training.run_seeds`, ``ortho``/``scornn``), the
        others one by one (:func:`~tnrnn.tasks.training.run_config`).
    max_memory : int or str, optional
        Memory limit of one group (checked before it is allocated).
    log : callable, optional
        Where progress lines go (default: stderr, one line each, no ``\\r``).

    Returns
    -------
    list of dict
        The records of ``configs``, finished earlier or now, in the order of ``configs``.
    """
    from ..records import JsonlWriter
    from .batched import STACKED_ARCHS
    from .training import run_config, run_seeds

    configs = list(configs)
    fspath = os.fspath(path)
    if not resume and os.path.exists(fspath):
        os.remove(fspath)
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    writer = JsonlWriter(fspath, resume=True, name="--out", kinds=("train",), rescue=True)
    done = {r["key"]: r for r in writer.existing}
    results = {}
    todo = [c for c in configs if config_key(c) not in done]
    groups: dict = {}
    for c in todo:
        stacked = runner is None and c["arch"] in STACKED_ARCHS and c["task"] != "digits"
        groups.setdefault(same_shape(c) if stacked else ("one", config_key(c)), []).append(c)
    if progress and done:
        say(f"tnrnn train: {len(configs) - len(todo)} of {len(configs)} configurations already in {fspath}")
    finished = len(configs) - len(todo)
    try:
        for n, group in enumerate(groups.values(), 1):
            c0 = group[0]
            if progress:
                say(f"tnrnn train: group {n}/{len(groups)}: {c0['task']} {c0['arch']} L={c0['depth']} "
                    f"H={c0['hidden']} T={c0['length']}, {len(group)} seed{'s' if len(group) > 1 else ''}")
            if runner is not None:
                records = [runner(c, progress=progress) for c in group]
            elif len(group) > 1 or c0["arch"] in STACKED_ARCHS and c0["task"] != "digits":
                records = run_seeds(group, progress=progress, max_memory=max_memory, log=say)
            else:
                records = [run_config(c0, progress=False)]
            for record in records:
                writer.write(record)
                results[record["key"]] = record
            finished += len(records)
            if progress:
                say(f"tnrnn train: {finished}/{len(configs)} configurations done")
    finally:
        writer.close()
    writer.raise_if_rescued()   # a full disk: exit 1 naming the rescue file
    every = {**done, **results}
    return [every[config_key(c)] for c in configs if config_key(c) in every]


def _metric(r: dict, metric: str):
    if metric == "trained_rank":
        return r["spectrum"]["trained"]["effective_rank"]
    if metric == "untrained_rank":
        return r["spectrum"]["untrained"]["effective_rank"]
    if metric in ("trained_headline", "untrained_headline"):
        spec = r["spectrum"][metric.split("_")[0]]
        return spec.get("rank", spec.get("effective_rank"))
    if metric == "accuracy":  # the task's headline accuracy
        return r["test_recall_accuracy"] if "test_recall_accuracy" in r else r["test_accuracy"]
    return r[metric]


def summarize(records: Iterable[dict], metric: str = "test_accuracy") -> list[dict]:
    """Mean and standard deviation (ddof=0) over seeds of ``metric`` per (task, arch, depth, length, hidden).

    ``metric`` is a top-level record key, ``"accuracy"`` (the recall accuracy
    for the copying task, else the test accuracy), ``"trained_rank"``/
    ``"untrained_rank"`` for the effective Start-End ranks, or
    ``"trained_headline"``/``"untrained_headline"`` for the headline ranks.

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
        groups.setdefault((c["task"], c["arch"], c["depth"], c["length"], c["hidden"]), []).append(
            (_metric(r, metric), r["params"]))
    rows = []
    for (task, arch, L, T, H), vals in sorted(groups.items()):
        v = np.array([x[0] for x in vals], dtype=float)
        rows.append({"task": task, "arch": arch, "depth": L, "length": T, "hidden": H,
                     "params": vals[0][1], "mean": float(v.mean()), "std": float(v.std()), "seeds": len(v)})
    return rows


def _groups(records):
    out: dict = {}
    for r in records:
        c = r["config"]
        out.setdefault((c["task"], c["arch"], c["length"], c["depth"], c["hidden"]), []).append(r)
    return out


def _budget_label(task, arch, T, L, H, shallow, inputs_outputs):
    """Which budget the width ``H`` of depth ``L`` realises against the shallowest network of width ``shallow``."""
    if L == shallow[0]:
        return "reference"
    if H == shallow[1]:
        return "equal width"
    labels = []
    if inputs_outputs is not None:
        M, C = inputs_outputs
        for name, count, measure in (("equal dof", count_degrees_of_freedom, "dof"),
                                     ("equal weights", count_parameters, "weights")):
            target = count(arch, shallow[0], shallow[1], M, C)
            if hidden_for_budget(arch, L, M, C, target, measure) == H:
                labels.append(name)
    return " / ".join(labels) or "other width"


def _io(r):
    t = r.get("task") or {}
    from .data import make_task

    c = r["config"]
    try:
        task = make_task(c["task"], c["length"], alphabet=c.get("alphabet"), window=c.get("window"),
                         classes=c.get("classes", 2), memory=c.get("memory"), permuted=c.get("permuted", False),
                         matches=c.get("matches", t.get("matches", "official")),
                         layout=c.get("layout", t.get("layout", "official")))
    except Exception:  # records written by other tnrnn versions: no budget label
        return None
    return task.inputs, task.outputs


def summarize_runs(records: Iterable[dict], threshold: float = DEFAULT_THRESHOLD) -> list[dict]:
    """Per configuration (task, arch, length, depth, width) the statistics of the module docstring.

    Returns
    -------
    list of dict
        ``task, arch, length, depth, hidden, params, dof, budget`` (which
        comparison the width belongs to), ``seeds``, ``successes``,
        ``success`` / ``success_low`` / ``success_high`` (Wilson 95 %),
        ``mean`` / ``mean_low`` / ``mean_high`` (bootstrap 95 %), ``std``,
        ``capped`` (fraction stopped by the step cap), ``median_steps``,
        ``rank_trained`` / ``rank_untrained`` (mean headline ranks) and their bootstrap 95 % intervals
        (``rank_trained_low`` / ``_high``, ``rank_untrained_low`` / ``_high``),
        ``threshold``.

    Examples
    --------
    >>> recs = [{"config": {"task": "ses", "arch": "scornn", "depth": 1, "length": 8, "hidden": 4}, "params": 50,
    ...          "test_accuracy": a, "train": {"stopped": "plateau", "steps": 100}} for a in (0.95, 0.5, 1.0, 0.92)]
    >>> row = summarize_runs(recs)[0]
    >>> row["successes"], row["seeds"], round(row["success_low"], 3), round(row["success_high"], 3)
    (3, 4, 0.301, 0.954)
    """
    from ..stats import bootstrap_interval, wilson_interval
    from ..validation import check_finite

    threshold = check_finite(threshold, "threshold", low=0, high=1)
    records = list(records)
    groups = _groups(records)
    shallow = {}
    for (task, arch, T, L, H) in groups:
        key = (task, arch, T)
        if key not in shallow or L < shallow[key][0]:
            shallow[key] = (L, H)
    rows = []
    for (task, arch, T, L, H), rs in sorted(groups.items()):
        acc = np.array([_metric(r, "accuracy") for r in rs], dtype=float)
        k = int(np.sum(acc >= threshold))
        w = wilson_interval(k, len(acc))
        b = bootstrap_interval(acc)
        stopped = [r.get("train", {}).get("stopped") for r in rs]
        steps = [r.get("train", {}).get("steps") for r in rs if r.get("train", {}).get("steps") is not None]
        ranks = {}
        for side in ("trained", "untrained"):
            vals = [_metric(r, f"{side}_headline") for r in rs if "spectrum" in r]
            ranks[side] = float(np.mean(vals)) if vals else None
            iv = bootstrap_interval(vals, n_resamples=999) if len(vals) > 1 else None
            ranks[side + "_low"] = iv.low if iv is not None and math.isfinite(iv.low) else ranks[side]
            ranks[side + "_high"] = iv.high if iv is not None and math.isfinite(iv.high) else ranks[side]
        io = _io(rs[0])
        rows.append({
            "task": task, "arch": arch, "length": T, "depth": L, "hidden": H, "params": rs[0].get("params"),
            "dof": rs[0].get("dof"), "budget": _budget_label(task, arch, T, L, H, shallow[(task, arch, T)], io),
            "seeds": len(acc), "successes": k, "success": w.estimate, "success_low": w.low, "success_high": w.high,
            "mean": b.estimate, "mean_low": b.low, "mean_high": b.high, "std": float(acc.std()),
            "capped": float(np.mean([s == "cap" for s in stopped])), "median_steps": float(np.median(steps)) if steps
            else None, "rank_trained": ranks["trained"], "rank_untrained": ranks["untrained"],
            "rank_trained_low": ranks["trained_low"], "rank_trained_high": ranks["trained_high"],
            "rank_untrained_low": ranks["untrained_low"], "rank_untrained_high": ranks["untrained_high"],
            "threshold": threshold,
        })
    return rows


def compare_depths(records: Iterable[dict], threshold: float = DEFAULT_THRESHOLD, *,
                   adjust: str = "holm") -> list[dict]:
    """Each depth against the shallowest, per length and budget: differences with intervals and tests.

    Parameters
    ----------
    adjust : {"holm", "bh", "none"}
        The multiple-comparison adjustment of each test's family (every comparison returned):
        :func:`tnrnn.stats.adjust_pvalues`.

    Returns
    -------
    list of dict
        ``task, arch, length, depth, hidden, budget, reference_depth, reference_hidden``,
        ``success_diff`` / ``_low`` / ``_high`` (Newcombe 95 %), ``fisher_p``, ``fisher_p_adjusted``,
        ``mean_diff`` / ``_low`` / ``_high`` (bootstrap 95 %), ``mann_whitney_p``, ``mann_whitney_p_adjusted``,
        ``adjustment`` (the method and the family size).
    """
    from ..stats import (
        ADJUSTMENTS,
        adjust_pvalues,
        bootstrap_difference,
        fisher_test,
        mann_whitney_test,
        newcombe_interval,
    )

    if adjust not in ADJUSTMENTS:
        raise InvalidParameterError("adjust", adjust, "one of " + ", ".join(ADJUSTMENTS))

    records = list(records)
    rows = summarize_runs(records, threshold)
    groups = _groups(records)
    out = []
    for row in rows:
        if row["budget"] == "reference":
            continue
        ref = [r for r in rows if r["budget"] == "reference" and (r["task"], r["arch"], r["length"]) ==
               (row["task"], row["arch"], row["length"])]
        if not ref:
            continue
        ref = ref[0]
        a = np.array([_metric(r, "accuracy") for r in groups[(row["task"], row["arch"], row["length"], row["depth"],
                                                               row["hidden"])]])
        b = np.array([_metric(r, "accuracy") for r in groups[(ref["task"], ref["arch"], ref["length"], ref["depth"],
                                                               ref["hidden"])]])
        nd = newcombe_interval(row["successes"], row["seeds"], ref["successes"], ref["seeds"])
        md = bootstrap_difference(a, b)
        out.append({
            "task": row["task"], "arch": row["arch"], "length": row["length"], "depth": row["depth"],
            "hidden": row["hidden"], "budget": row["budget"], "reference_depth": ref["depth"],
            "reference_hidden": ref["hidden"], "success_diff": nd.estimate, "success_diff_low": nd.low,
            "success_diff_high": nd.high,
            "fisher_p": fisher_test(row["successes"], row["seeds"], ref["successes"], ref["seeds"]).p_value,
            "mean_diff": md.estimate, "mean_diff_low": md.low, "mean_diff_high": md.high,
            "mann_whitney_p": mann_whitney_test(a, b).p_value,
        })
    for test in ("fisher_p", "mann_whitney_p"):
        for row, q in zip(out, adjust_pvalues([r[test] for r in out], adjust).tolist()):
            row[f"{test}_adjusted"] = q
    for row in out:
        row["adjustment"] = f"{adjust} over {len(out)}"
    return out


def _iv(est, lo, hi, spec=".2f"):
    if est is None or not math.isfinite(est):
        return "n/a"
    if lo is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return f"{est:{spec}}"
    return f"{est:{spec}} [{lo:{spec}}, {hi:{spec}}]"


def format_summary(records: Iterable[dict], threshold: float = DEFAULT_THRESHOLD, *, markdown: bool = False,
                   adjust: str = "holm") -> str:
    """The statistics as text tables: one row per configuration, then the depth comparisons.

    Copy-task records are scored on the recalled symbols, with the memoryless baseline in the header.
    Each p-value is printed with its adjusted value (``adjust``, over every comparison of the table).
    """
    from ..records import format_table

    records = list(records)
    rows = summarize_runs(records, threshold)
    copy = all("test_recall_accuracy" in r for r in records)
    what = "recall accuracy" if copy else "test accuracy"
    table = [{"T": r["length"], "L": r["depth"], "H": r["hidden"], "dof": r["dof"], "budget": r["budget"],
              "seeds": r["seeds"],
              f"success (>= {threshold:g}) [95% Wilson]": f"{r['successes']}/{r['seeds']} = "
                                                          + _iv(r["success"], r["success_low"], r["success_high"]),
              f"mean {what} [95% bootstrap]": _iv(r["mean"], r["mean_low"], r["mean_high"], ".3f"),
              "capped": f"{r['capped']:.2f}", "rank trained/untrained": (
                  "n/a" if r["rank_trained"] is None else f"{r['rank_trained']:.1f} / {r['rank_untrained']:.1f}"),
              "task": r["task"], "arch": r["arch"]} for r in rows]
    text = [format_table(table, drop_constant=len(table) > 1, markdown=markdown)]
    if copy:
        text.append(f"memoryless recall accuracy: {np.mean([r['baseline_recall_accuracy'] for r in records]):.3f}")
    cmp_rows = compare_depths(records, threshold, adjust=adjust)
    if cmp_rows:
        name = {"holm": "Holm", "bh": "BH", "none": "unadjusted"}[adjust]
        text.append("")
        text.append(format_table([{
            "T": c["length"], "L vs ref": f"{c['depth']} vs {c['reference_depth']}",
            "H vs ref": f"{c['hidden']} vs {c['reference_hidden']}", "budget": c["budget"],
            "success diff [95% Newcombe]": _iv(c["success_diff"], c["success_diff_low"], c["success_diff_high"]),
            "Fisher p": c["fisher_p"], f"Fisher p ({name})": c["fisher_p_adjusted"],
            "mean diff [95% bootstrap]": _iv(c["mean_diff"], c["mean_diff_low"], c["mean_diff_high"], ".3f"),
            "Mann-Whitney p": c["mann_whitney_p"], f"Mann-Whitney p ({name})": c["mann_whitney_p_adjusted"]}
            for c in cmp_rows], formats={"Fisher p": ".3g", "Mann-Whitney p": ".3g", f"Fisher p ({name})": ".3g",
                                         f"Mann-Whitney p ({name})": ".3g"},
            markdown=markdown))
        if adjust != "none":
            what = "family-wise error rate" if adjust == "holm" else "false discovery rate"
            text.append(f"({name}: p-values adjusted over the {len(cmp_rows)} comparisons of this table, per test; "
                        f"{what} 5 % where the adjusted value is below 0.05)")
    return "\n".join(text)
