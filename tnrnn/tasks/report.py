"""The SES reproduction's tables and figures, recomputed from the shipped per-seed records (docs/reproducing.rst).

One command redraws every table and figure of the docs page from ``docs/data/``::

    python -m tnrnn.tasks.report docs/data --out docs/data --figures docs/images

It reads

* ``repro_records.jsonl``: the per-seed records of ``tnrnn train ses --preset repro-cpu`` (the cells that
  run finished) and of its stopping-rule arms (``--preset repro-cpu-sensitivity``, with ``--patience 4`` or
  ``--max-steps 3000``), one JSON line per trained network, as ``tnrnn train`` writes them;
* ``repro_summary.jsonl``: the statistics of the first run of the preset (another CPU), whose per-seed records
  were not kept: its cell rows are printed as they are, its comparisons with Holm-adjusted p-values computed
  here from the p-values it recorded;

and writes ``reproducing_table.txt`` (the preset's cells and depth comparisons, :func:`format_summary`, Holm
over each test's family), ``reproducing_first_run.txt`` (the first run, adjusted likewise),
``reproducing_sensitivity.txt`` (every arm of the stopping rule per cell, and each arm against the preset's
rule: Fisher's exact test on the success counts, Holm over the family) and the figures
``reproducing_success.png``, ``reproducing_accuracy.png``, ``reproducing_rank.png`` (the preset's records).

The arm of a record is its ``(patience, max_steps)``; the preset's is ``(4, 3000)``.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from ..errors import InvalidParameterError

__all__ = ["PRESET_ARM", "arm_of", "sensitivity_rows", "format_sensitivity", "first_run_tables", "write_report",
           "main"]

#: ``(patience, max_steps)`` of the ``repro-cpu`` preset: the arm of the main table.
PRESET_ARM = (4, 3000)


def arm_of(record: dict) -> tuple[int, int]:
    """``(patience, max_steps)`` of a training record.

    Examples
    --------
    >>> arm_of({"config": {"patience": 10, "max_steps": 6000}})
    (10, 6000)
    """
    c = record["config"]
    return int(c["patience"]), int(c["max_steps"])


def _accuracy(r):
    return r.get("test_recall_accuracy", r["test_accuracy"])


def sensitivity_rows(records, threshold: float = 0.9, adjust: str = "holm") -> tuple[list[dict], list[dict]]:
    """Per cell (length, depth, width) and arm: success with its Wilson interval, the capped fraction, steps;
    and each other arm against :data:`PRESET_ARM` in the same cell (Newcombe interval, Fisher p, adjusted over
    the family of those comparisons).

    Examples
    --------
    >>> recs = [{"config": {"length": 16, "depth": 1, "hidden": 16, "patience": p, "max_steps": 3000},
    ...          "test_accuracy": a, "train": {"stopped": "plateau", "steps": 900}}
    ...         for p in (4, 10) for a in (0.95, 0.5, 0.97)]
    >>> cells, tests = sensitivity_rows(recs)
    >>> [(c["patience"], c["successes"], c["seeds"]) for c in cells], round(tests[0]["fisher_p"], 3)
    ([(4, 2, 3), (10, 2, 3)], 1.0)
    """
    from ..stats import adjust_pvalues, fisher_test, newcombe_interval, wilson_interval

    groups: dict = {}
    for r in records:
        c = r["config"]
        groups.setdefault((c["length"], c["depth"], c["hidden"]), {}).setdefault(arm_of(r), []).append(r)
    cells, tests = [], []
    for (T, L, H), arms in sorted(groups.items()):
        counts = {}
        for arm, rs in sorted(arms.items()):
            acc = np.array([_accuracy(r) for r in rs], dtype=float)
            k = int(np.sum(acc >= threshold))
            w = wilson_interval(k, len(rs))
            stopped = [r.get("train", {}).get("stopped") for r in rs]
            steps = [r.get("train", {}).get("steps") for r in rs]
            counts[arm] = (k, len(rs))
            cells.append({"length": T, "depth": L, "hidden": H, "patience": arm[0], "max_steps": arm[1],
                          "seeds": len(rs), "successes": k, "success": w.estimate, "success_low": w.low,
                          "success_high": w.high, "mean": float(acc.mean()),
                          "capped": float(np.mean([s == "cap" for s in stopped])),
                          "plateau": float(np.mean([s == "plateau" for s in stopped])),
                          "median_steps": float(np.median([s for s in steps if s is not None])) if any(
                              s is not None for s in steps) else None})
        if PRESET_ARM not in counts:
            continue
        k0, n0 = counts[PRESET_ARM]
        for arm, (k, n) in counts.items():
            if arm == PRESET_ARM:
                continue
            d = newcombe_interval(k, n, k0, n0)
            tests.append({"length": T, "depth": L, "hidden": H, "patience": arm[0], "max_steps": arm[1],
                          "success_diff": d.estimate, "success_diff_low": d.low, "success_diff_high": d.high,
                          "fisher_p": fisher_test(k, n, k0, n0).p_value})
    for t, q in zip(tests, adjust_pvalues([t["fisher_p"] for t in tests], adjust).tolist()):
        t["fisher_p_adjusted"] = q
    return cells, tests


def format_sensitivity(records, threshold: float = 0.9, adjust: str = "holm") -> str:
    """The stopping-rule arms as text tables (see :func:`sensitivity_rows`)."""
    from ..records import format_table

    cells, tests = sensitivity_rows(records, threshold, adjust)
    name = {"holm": "Holm", "bh": "BH", "none": "unadjusted"}[adjust]
    text = [format_table([{
        "T": c["length"], "L": c["depth"], "H": c["hidden"], "patience": c["patience"], "cap": c["max_steps"],
        f"success (>= {threshold:g}) [95% Wilson]": f"{c['successes']}/{c['seeds']} = {c['success']:.2f} "
                                                    f"[{c['success_low']:.2f}, {c['success_high']:.2f}]",
        "mean acc.": f"{c['mean']:.3f}", "capped": f"{c['capped']:.2f}", "plateau": f"{c['plateau']:.2f}",
        "median steps": "n/a" if c["median_steps"] is None else f"{c['median_steps']:.0f}"} for c in cells])]
    if tests:
        text.append("")
        text.append(format_table([{
            "T": t["length"], "L": t["depth"], "H": t["hidden"],
            "arm vs preset": f"p {t['patience']}, cap {t['max_steps']} vs p {PRESET_ARM[0]}, cap {PRESET_ARM[1]}",
            "success diff [95% Newcombe]": f"{t['success_diff']:.2f} [{t['success_diff_low']:.2f}, "
                                           f"{t['success_diff_high']:.2f}]",
            "Fisher p": t["fisher_p"], f"Fisher p ({name})": t["fisher_p_adjusted"]} for t in tests],
            formats={"Fisher p": ".3g", f"Fisher p ({name})": ".3g"}))
        text.append(f"({name} over the {len(tests)} comparison{'s' if len(tests) != 1 else ''} of this table)")
    return "\n".join(text)


def first_run_tables(summary_rows: list[dict], adjust: str = "holm") -> str:
    """The first run's cells and comparisons (its ``summary.jsonl``), p-values adjusted over each test's family."""
    from ..records import format_table
    from ..stats import adjust_pvalues

    cells = [r for r in summary_rows if r.get("kind") == "train-summary"]
    comps = [r for r in summary_rows if r.get("kind") == "train-comparison"]
    if not cells:
        raise InvalidParameterError("summary", "no train-summary rows", "the summary.jsonl of tnrnn train")
    name = {"holm": "Holm", "bh": "BH", "none": "unadjusted"}[adjust]

    def iv(e, lo, hi, spec):
        return f"{e:{spec}} [{lo:{spec}}, {hi:{spec}}]"

    text = [format_table([{
        "T": r["length"], "L": r["depth"], "H": r["hidden"], "dof": r["dof"], "budget": r["budget"],
        "success [95% Wilson]": f"{r['successes']}/{r['seeds']} = " + iv(r["success"], r["success_low"],
                                                                         r["success_high"], ".2f"),
        "mean accuracy [95% bootstrap]": iv(r["mean"], r["mean_low"], r["mean_high"], ".3f"),
        "capped": f"{r['capped']:.2f}",
        "rank trained/untrained": "n/a" if r.get("rank_trained") is None else
        f"{r['rank_trained']:.1f} / {r['rank_untrained']:.1f}"} for r in cells])]
    if comps:
        fa = adjust_pvalues([c["fisher_p"] for c in comps], adjust)
        ma = adjust_pvalues([c["mann_whitney_p"] for c in comps], adjust)
        text.append("")
        text.append(format_table([{
            "T": c["length"], "L vs ref": f"{c['depth']} vs {c['reference_depth']}", "budget": c["budget"],
            "success diff [95% Newcombe]": iv(c["success_diff"], c["success_diff_low"], c["success_diff_high"],
                                              ".2f"),
            "Fisher p": c["fisher_p"], f"Fisher p ({name})": float(f),
            "mean diff [95% bootstrap]": iv(c["mean_diff"], c["mean_diff_low"], c["mean_diff_high"], ".3f"),
            "Mann-Whitney p": c["mann_whitney_p"], f"Mann-Whitney p ({name})": float(m)}
            for c, f, m in zip(comps, fa, ma)],
            formats={k: ".3g" for k in ("Fisher p", "Mann-Whitney p", f"Fisher p ({name})",
                                        f"Mann-Whitney p ({name})")}))
        text.append(f"({name}: p-values adjusted over the {len(comps)} comparisons of this table, per test)")
    return "\n".join(text)


def _read_jsonl(path):
    from ..records import read_records

    return read_records(path, missing_ok=False)


#: The reproduction's figures, drawn from the preset arm's per-seed records (``docs/figures.py`` draws them too).
FIGURES = ("reproducing_success", "reproducing_accuracy", "reproducing_rank")


def preset_records(data_dir) -> list[dict]:
    """The per-seed records of the preset rule (patience 4, cap 3000) in ``data_dir/repro_records.jsonl``."""
    records_path = os.path.join(data_dir, "repro_records.jsonl")
    if not os.path.isfile(records_path):
        raise InvalidParameterError("data_dir", os.fspath(data_dir), "a folder with repro_records.jsonl")
    return [r for r in _read_jsonl(records_path) if arm_of(r) == PRESET_ARM]


def draw_figure(name: str, preset: list[dict], path, *, threshold: float = 0.9) -> None:
    """Draw the reproduction's figure ``name`` (one of :data:`FIGURES`) from the preset arm's records."""
    from .grid_figures import plot_accuracy, plot_effective_rank, plot_success

    draw = {"reproducing_success": lambda p: plot_success(preset, p, threshold=threshold),
            "reproducing_accuracy": lambda p: plot_accuracy(preset, p),
            "reproducing_rank": lambda p: plot_effective_rank(preset, p)}
    if name not in draw:
        raise InvalidParameterError("name", name, "one of " + ", ".join(FIGURES))
    draw[name](path)


def write_report(data_dir, out_dir, figures_dir=None, *, threshold: float = 0.9, adjust: str = "holm") -> list[str]:
    """Write the tables (and the figures, with ``figures_dir``) from ``data_dir``; returns the paths written."""
    from .experiments import format_summary

    records = _read_jsonl(os.path.join(data_dir, "repro_records.jsonl")) if os.path.isfile(
        os.path.join(data_dir, "repro_records.jsonl")) else []
    preset = preset_records(data_dir)
    written = []

    def put(name, text):
        path = os.path.join(out_dir, name)
        with open(path, "w") as f:
            f.write(text.rstrip() + "\n")
        written.append(path)

    os.makedirs(out_dir, exist_ok=True)
    put("reproducing_table.txt", format_summary(preset, threshold, adjust=adjust))
    lengths = sorted({r["config"]["length"] for r in records if arm_of(r) != PRESET_ARM})
    put("reproducing_sensitivity.txt",
        format_sensitivity([r for r in records if r["config"]["length"] in lengths], threshold, adjust))
    summary_path = os.path.join(data_dir, "repro_summary.jsonl")
    if os.path.isfile(summary_path):
        put("reproducing_first_run.txt", first_run_tables(_read_jsonl(summary_path), adjust))
    if figures_dir is not None:
        os.makedirs(figures_dir, exist_ok=True)
        for name in FIGURES:
            path = os.path.join(figures_dir, name + ".png")
            draw_figure(name, preset, path, threshold=threshold)
            written.append(path)
    return written


def main(argv=None) -> int:
    """``python -m tnrnn.tasks.report DATA_DIR --out DIR [--figures DIR]``."""
    p = argparse.ArgumentParser(prog="python -m tnrnn.tasks.report", description=__doc__.splitlines()[0])
    p.add_argument("data", help="the folder with repro_records.jsonl (and repro_summary.jsonl)")
    p.add_argument("--out", required=True, help="where the tables (.txt) go")
    p.add_argument("--figures", default=None, help="where the figures (.png) go (default: no figures)")
    p.add_argument("--adjust", choices=("holm", "bh", "none"), default="holm",
                   help="multiple-comparison adjustment of each table's family (default holm)")
    args = p.parse_args(argv)
    try:
        for path in write_report(args.data, args.out, args.figures, adjust=args.adjust):
            print(path)
    except InvalidParameterError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
