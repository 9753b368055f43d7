"""The grid, summaries and figures on hand-made records (no torch needed)."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.tasks.experiments import PRESETS, format_summary, grid, summarize
from tnrnn.tasks.grid_figures import plot_accuracy, plot_effective_rank
from tnrnn.tasks.models import count_parameters
from tnrnn.tasks.training import config_key


def _records(task="ses"):
    rng = np.random.default_rng(0)
    out = []
    for L in (1, 2):
        for T in (8, 16):
            for s in range(3):
                r = {"config": {"task": task, "arch": "ortho", "depth": L, "length": T, "hidden": 4, "seed": s,
                                "classes": 2},
                     "params": 50, "test_accuracy": float(rng.random()),
                     "spectrum": {"trained": {"effective_rank": float(1 + rng.random())},
                                  "untrained": {"effective_rank": float(1 + rng.random() / 10)}}}
                if task == "copy":
                    r.update(test_recall_accuracy=float(rng.random()), baseline_accuracy=0.8,
                             baseline_recall_accuracy=0.25)
                out.append(r)
    return out


def test_summarize_against_numpy():
    recs = _records()
    rows = summarize(recs)
    for row in rows:
        vals = [r["test_accuracy"] for r in recs
                if r["config"]["depth"] == row["depth"] and r["config"]["length"] == row["length"]]
        assert row["mean"] == pytest.approx(np.mean(vals)) and row["std"] == pytest.approx(np.std(vals))
        assert row["seeds"] == 3
    ranks = summarize(recs, "trained_rank")
    assert ranks[0]["mean"] == pytest.approx(np.mean([r["spectrum"]["trained"]["effective_rank"] for r in recs[:3]]))


def _bars(container):
    """(x, y, low, high) of an errorbar container, read from the drawn artists."""
    line = container.lines[0]
    x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
    assert np.all(np.abs(x - np.round(x / 8) * 8) < 1)  # curves side by side, within one unit of the length run
    x = np.round(x / 8) * 8
    segs = container.lines[2][0].get_segments()
    return x, y, np.array([s[:, 1].min() for s in segs]), np.array([s[:, 1].max() for s in segs])


def test_figures_plot_the_summaries(tmp_path):
    recs = _records()
    fig = plot_accuracy(recs, tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 0
    ax = fig.axes[0]
    assert [c.get_label() for c in ax.containers] == ["ortho L=1", "ortho L=2 (equal width)"]
    for c, L in zip(ax.containers, (1, 2)):
        x, y, lo, hi = _bars(c)
        assert x.tolist() == [8, 16]
        want = [np.mean([r["test_accuracy"] for r in recs if (r["config"]["depth"], r["config"]["length"]) == (L, T)])
                for T in (8, 16)]
        assert y == pytest.approx(want)
        assert np.all(lo >= 0) and np.all(hi <= 1)  # no bar outside an accuracy's range
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)
    chance = [ln for ln in ax.get_lines() if ln.get_label() == "chance"][0]
    assert chance.get_ydata()[0] == pytest.approx(1 / 3)
    fig = plot_effective_rank(recs, tmp_path / "r.svg")
    trained, untrained = fig.axes[:2]   # two panels on one y range, hollow markers at initialisation
    assert [c.get_label() for c in trained.containers] == ["ortho L=1", "ortho L=2 (equal width)"]
    assert len(untrained.containers) == 2 and trained.get_shared_y_axes().joined(trained, untrained)
    assert all(c.lines[0].get_markerfacecolor() == "white" for c in untrained.containers)
    for c, L in zip(trained.containers, (1, 2)):
        x, y, lo, hi = _bars(c)
        want = [np.mean([r["spectrum"]["trained"].get("rank", r["spectrum"]["trained"].get("effective_rank"))
                         for r in recs if (r["config"]["depth"], r["config"]["length"]) == (L, T)]) for T in x]
        assert y == pytest.approx(want) and np.all(lo <= y) and np.all(y <= hi)
    one = plot_effective_rank(recs, ax=plot_accuracy(recs).axes[0])   # given axes: both sides in it
    assert "ortho L=1 untrained" in [c.get_label() for c in one.axes[0].containers]
    copy = plot_accuracy(_records("copy"))
    assert copy.axes[0].get_ylabel() == "test accuracy on the recalled symbols"
    with pytest.raises(InvalidParameterError, match="path"):
        plot_accuracy(recs, tmp_path / "a.jpg")
    with pytest.raises(InvalidParameterError, match="records"):
        plot_effective_rank([])


def test_success_figure_wilson_intervals_inside_unit_interval(tmp_path):
    from tnrnn.stats import wilson_interval
    from tnrnn.tasks.grid_figures import plot_success

    recs = _records()
    fig = plot_success(recs, tmp_path / "s.png", threshold=0.5)
    for c, L in zip(fig.axes[0].containers, (1, 2)):
        x, y, lo, hi = _bars(c)
        for T, yi, li, hi_ in zip(x, y, lo, hi):
            acc = [r["test_accuracy"] for r in recs if (r["config"]["depth"], r["config"]["length"]) == (L, T)]
            k = int(np.sum(np.array(acc) >= 0.5))
            iv = wilson_interval(k, len(acc))
            assert yi == pytest.approx(k / len(acc))
            assert (li, hi_) == pytest.approx((iv.low, iv.high))
            assert 0 <= li <= hi_ <= 1


def test_summarize_runs_and_compare_depths_against_scipy():
    from scipy import stats as st

    from tnrnn.tasks.experiments import compare_depths, summarize_runs

    rng = np.random.default_rng(5)
    recs = []
    for L, H, p in ((1, 16, 0.3), (2, 16, 0.7), (2, 9, 0.5)):
        for s in range(30):
            acc = float(rng.random() < p) * 0.6 + 0.35 + 0.05 * rng.random()
            recs.append({"key": f"{L}-{H}-{s}", "config": {"task": "ses", "arch": "scornn", "depth": L, "length": 8,
                                                          "hidden": H, "seed": s, "alphabet": 4, "window": 4,
                                                          "classes": 2},
                         "params": 1, "dof": 1, "test_accuracy": acc,
                         "train": {"stopped": "cap" if s % 3 == 0 else "plateau", "steps": 100 + s},
                         "spectrum": {"trained": {"rank": 2, "effective_rank": 1.5},
                                      "untrained": {"rank": 1, "effective_rank": 1.0}}})
    rows = summarize_runs(recs, threshold=0.9)
    assert [(r["depth"], r["hidden"], r["budget"]) for r in rows] == [
        (1, 16, "reference"), (2, 9, "equal dof"), (2, 16, "equal width")]
    for r in rows:
        acc = np.array([x["test_accuracy"] for x in recs if (x["config"]["depth"], x["config"]["hidden"]) ==
                        (r["depth"], r["hidden"])])
        assert r["successes"] == int(np.sum(acc >= 0.9)) and r["seeds"] == 30
        assert r["mean"] == pytest.approx(acc.mean()) and r["mean_low"] < acc.mean() < r["mean_high"]
        assert r["capped"] == pytest.approx(10 / 30)
        assert r["rank_trained"] == 2 and r["rank_untrained"] == 1
    cmp = {c["hidden"]: c for c in compare_depths(recs, threshold=0.9)}
    ref = np.array([x["test_accuracy"] for x in recs if x["config"]["depth"] == 1])
    for H in (9, 16):
        a = np.array([x["test_accuracy"] for x in recs if (x["config"]["depth"], x["config"]["hidden"]) == (2, H)])
        k1, k2 = int(np.sum(a >= 0.9)), int(np.sum(ref >= 0.9))
        assert cmp[H]["fisher_p"] == pytest.approx(st.fisher_exact([[k1, 30 - k1], [k2, 30 - k2]]).pvalue)
        assert cmp[H]["mann_whitney_p"] == pytest.approx(st.mannwhitneyu(a, ref, alternative="two-sided").pvalue)
        assert cmp[H]["success_diff"] == pytest.approx((k1 - k2) / 30)
        assert cmp[H]["mean_diff"] == pytest.approx(a.mean() - ref.mean())
        assert cmp[H]["success_diff_low"] < cmp[H]["success_diff"] < cmp[H]["success_diff_high"]
    # Holm over the table's two comparisons, per test, by hand: min(1, 2 p_(1)), then max(that, p_(2))
    for test in ("fisher_p", "mann_whitney_p"):
        lo, hi = sorted((cmp[9][test], cmp[16][test]))
        adj = [min(1.0, 2 * lo), max(min(1.0, 2 * lo), hi)]
        assert sorted([cmp[9][f"{test}_adjusted"], cmp[16][f"{test}_adjusted"]]) == pytest.approx(adj)
        assert all(cmp[H]["adjustment"] == "holm over 2" for H in (9, 16))
    text = format_summary(recs, 0.9)
    assert "Wilson" in text and "Fisher p" in text and "Mann-Whitney p" in text and "equal dof" in text
    assert "Fisher p (Holm)" in text and "Mann-Whitney p (Holm)" in text and "adjusted over the 2" in text
    assert "Fisher p (BH)" in format_summary(recs, 0.9, adjust="bh")


def test_format_summary_rows():
    text = format_summary(_records())
    lines = text.splitlines()
    assert any(line.startswith("T ") for line in lines) and "test accuracy" in text
    assert "memoryless" in format_summary(_records("copy"))


def test_grid_matches_budgets_and_keys():
    configs = grid("ses", [3, 1, 2], [16, 8], [0, 1], hidden=16, alphabet=4, window=2)
    assert len(configs) == 12 and len({config_key(c) for c in configs}) == 12
    assert [c["length"] for c in configs[:6]] == [16] * 6
    base = count_parameters("ortho", 1, 16, 5, 3)
    for c in configs:
        n = count_parameters("ortho", c["depth"], c["hidden"], 5, 3)
        # the closest budget: one unit of width more or less is never closer
        for h in (c["hidden"] - 1, c["hidden"] + 1):
            if h >= 1:
                assert abs(n - base) <= abs(count_parameters("ortho", c["depth"], h, 5, 3) - base)
    same = grid("ses", [1, 2], [8], [0], hidden=16, alphabet=4, window=2, budget="none")
    assert [c["hidden"] for c in same] == [16, 16]
    with pytest.raises(InvalidParameterError, match="budget"):
        grid("ses", [1], [8], [0], hidden=4, budget="equal")
    # equal degrees of freedom: H(H-1)/2 per orthogonal matrix; several budgets share the shallow runs
    from tnrnn.tasks.models import count_degrees_of_freedom

    both = grid("ses", [1, 3], [8], [0], hidden=16, alphabet=4, window=2, budget=["dof", "none"])
    assert [(c["depth"], c["hidden"]) for c in both] == [(1, 16), (3, 7), (3, 16)]
    dof1 = 16 * 5 + 16 * 15 // 2 + 16 + 3 * 16 + 3  # by hand: W_ih, skew generator, bias, readout
    assert count_degrees_of_freedom("ortho", 1, 16, 5, 3) == dof1
    H3 = 7
    assert count_degrees_of_freedom("ortho", 3, H3, 5, 3) == H3 * 5 + 3 * (H3 * (H3 - 1) // 2 + H3) + 2 * H3 * H3 + 3 * H3 + 3


def test_presets_are_valid_grids():
    from tnrnn.tasks.experiments import GRID_KEYS

    for scale in PRESETS:
        for task, p in PRESETS[scale].items():
            p = dict(p)
            keys = {k: p.pop(k) for k in GRID_KEYS if k in p}
            configs = grid(task, keys.get("depths", [1, 2, 3]), keys["lengths"], [0], hidden=keys["hidden"],
                           arch=keys.get("arch", "ortho"), budget=keys.get("budgets", "match"), **p)
            assert len(configs) >= 3 * len(keys["lengths"])
    repro = PRESETS["repro-cpu"]["ses"]
    assert repro["seeds"] >= 30 and repro["depths"] == [1, 2, 3] and len(repro["lengths"]) >= 4
    paper = PRESETS["paper"]["ses"]
    assert (paper["alphabet"], paper["window"], paper["hidden"]) == (32, 30, 64)


def test_figures_from_saved_summary_rows_match_the_records():
    """The rows of summary.jsonl (docs/data/repro_summary.jsonl) redraw the figures of the records."""
    from tnrnn.tasks.experiments import summarize_runs
    from tnrnn.tasks.grid_figures import plot_success

    recs = _records()
    rows = [{"kind": "train-summary", **r} for r in summarize_runs(recs)]
    rows.append({"kind": "train-comparison", "task": "ses"})   # comparison rows are skipped
    for plot in (plot_success, plot_accuracy, plot_effective_rank):
        a, b = plot(recs), plot(rows)
        assert [c.get_label() for c in a.axes[0].containers] == [c.get_label() for c in b.axes[0].containers]
        for ca, cb in zip(a.axes[0].containers, b.axes[0].containers):
            for u, v in zip(_bars(ca), _bars(cb)):
                assert u == pytest.approx(v)
    old = [{k: v for k, v in r.items() if not k.startswith("rank_") or k.count("_") == 1} for r in rows]
    assert "holds no intervals" in plot_effective_rank(old)._suptitle.get_text()
