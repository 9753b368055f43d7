"""The grid, summaries and figures on hand-made records (no torch needed)."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.tasks.experiments import PRESETS, format_summary, grid, plot_accuracy, plot_effective_rank, summarize
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


def test_figures_plot_the_summaries(tmp_path):
    recs = _records()
    fig = plot_accuracy(recs, tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 0
    ax = fig.axes[0]
    rows = summarize(recs)
    assert [c.get_label() for c in ax.containers] == ["ortho L=1", "ortho L=2"]
    assert [list(c.lines[0].get_ydata()) for c in ax.containers] == [
        [r["mean"] for r in rows if r["depth"] == L] for L in (1, 2)]
    chance = [ln for ln in ax.get_lines() if ln.get_label() == "chance"][0]
    assert chance.get_ydata()[0] == pytest.approx(1 / 3)
    fig = plot_effective_rank(recs, tmp_path / "r.svg")
    labels = [c.get_label() for c in fig.axes[0].containers]
    assert labels == ["ortho L=1 trained", "ortho L=1 untrained", "ortho L=2 trained", "ortho L=2 untrained"]
    copy = plot_accuracy(_records("copy"))
    assert copy.axes[0].get_ylabel() == "test accuracy on the recalled symbols"
    with pytest.raises(InvalidParameterError, match="path"):
        plot_accuracy(recs, tmp_path / "a.jpg")
    with pytest.raises(InvalidParameterError, match="records"):
        plot_effective_rank([])


def test_format_summary_rows():
    text = format_summary(_records())
    assert text.count("\n") == 2 + 4 - 1 and "test accuracy" in text
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


def test_presets_are_valid_grids():
    for scale in PRESETS:
        for task, p in PRESETS[scale].items():
            p = dict(p)
            configs = grid(task, [1, 2, 3], p.pop("lengths"), [0], hidden=p.pop("hidden"), **p)
            assert len(configs) == 3 * len(PRESETS[scale][task]["lengths"])
