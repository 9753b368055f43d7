"""The SES reproduction's report (tables and figures from per-seed records) and bit-reproducible training."""

import json

import numpy as np
import pytest

from tnrnn.stats import fisher_test, holm
from tnrnn.tasks.report import PRESET_ARM, arm_of, first_run_tables, main, sensitivity_rows

_TIMING = ("seconds", "group_seconds")


def _strip(record):
    """A record without its wall-clock fields (the only ones two identical runs may differ in)."""
    r = json.loads(json.dumps(record))
    r.pop("seconds", None)
    for k in _TIMING:
        r["train"].pop(k, None)
    return r


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_training_is_bit_reproducible_on_one_machine(dtype):
    """Two runs of the same seeds, same machine and thread count: identical records (accuracies, losses,
    steps, stopping reasons, spectra, orthogonality), every float equal bit for bit -- in float32 too."""
    torch = pytest.importorskip("torch")
    from tnrnn.tasks.training import make_config, run_seeds

    torch.set_num_threads(1)
    base = {"task": "ses", "arch": "scornn", "length": 8, "alphabet": 4, "window": 2, "hidden": 6, "depth": 2,
            "batch_size": 16, "val_size": 32, "test_size": 32, "spectrum_samples": 8, "eval_every": 10,
            "patience": 2, "lr_decays": 1, "max_steps": 40, "lr": 1e-2, "lr_recurrent": 1e-3, "dtype": dtype}
    configs = [make_config(**base, seed=s) for s in range(2)]
    first = [_strip(r) for r in run_seeds(configs)]
    second = [_strip(r) for r in run_seeds(configs)]
    assert json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)


def _record(T, L, H, patience, cap, acc, stopped="plateau", steps=900):
    return {"config": {"task": "ses", "arch": "scornn", "length": T, "depth": L, "hidden": H, "patience": patience,
                       "max_steps": cap, "alphabet": 4, "window": 4, "classes": 2},
            "params": 1, "dof": 1, "test_accuracy": acc, "train": {"stopped": stopped, "steps": steps},
            "spectrum": {"trained": {"rank": 2, "effective_rank": 2.0}, "untrained": {"rank": 1, "effective_rank": 1.0}}}


def _arms():
    rng = np.random.default_rng(3)
    recs = []
    for L, H in ((1, 16), (2, 9)):
        for arm, p in ((PRESET_ARM, 0.2), ((10, 6000), 0.5), ((4, 6000), 0.3)):
            for s in range(20):
                ok = rng.random() < p
                recs.append(_record(16, L, H, arm[0], arm[1], 0.95 if ok else 0.5, "cap" if s % 4 == 0 else "plateau"))
    return recs


def test_sensitivity_rows_against_independent_counts():
    """Counts, capped fractions and Fisher p-values recomputed by hand; Holm over the family of 4 comparisons."""
    recs = _arms()
    cells, tests = sensitivity_rows(recs)
    assert len(cells) == 6 and len(tests) == 4
    for c in cells:
        mine = [r for r in recs if (r["config"]["depth"], r["config"]["hidden"]) == (c["depth"], c["hidden"])
                and arm_of(r) == (c["patience"], c["max_steps"])]
        assert c["successes"] == sum(r["test_accuracy"] >= 0.9 for r in mine) and c["seeds"] == 20
        assert c["capped"] == pytest.approx(5 / 20)
    for t in tests:
        def k(arm, t=t):
            return sum(r["test_accuracy"] >= 0.9 for r in recs if arm_of(r) == arm and
                       (r["config"]["depth"], r["config"]["hidden"]) == (t["depth"], t["hidden"]))
        k1, k0 = k((t["patience"], t["max_steps"])), k(PRESET_ARM)
        assert t["fisher_p"] == pytest.approx(fisher_test(k1, 20, k0, 20).p_value)
        assert t["success_diff"] == pytest.approx((k1 - k0) / 20)
    np.testing.assert_allclose([t["fisher_p_adjusted"] for t in tests], holm([t["fisher_p"] for t in tests]))


def test_first_run_tables_adjust_the_recorded_p_values():
    rows = [{"kind": "train-summary", "length": 8, "depth": 1, "hidden": 16, "dof": 251, "budget": "reference",
             "seeds": 30, "successes": 27, "success": 0.9, "success_low": 0.74, "success_high": 0.97, "mean": 0.93,
             "mean_low": 0.82, "mean_high": 0.97, "capped": 0.03}]
    for p1, p2 in ((0.01, 0.02), (0.04, 0.5)):
        rows.append({"kind": "train-comparison", "length": 8, "depth": 2, "reference_depth": 1, "budget": "equal dof",
                     "success_diff": -0.3, "success_diff_low": -0.5, "success_diff_high": -0.1, "fisher_p": p1,
                     "mean_diff": -0.05, "mean_diff_low": -0.1, "mean_diff_high": 0.04, "mann_whitney_p": p2})
    text = first_run_tables(rows)
    assert "Fisher p (Holm)" in text and "0.04 " in text and "(Holm: p-values adjusted over the 2" in text


def test_report_command_writes_every_table_and_figure(tmp_path):
    """python -m tnrnn.tasks.report DATA --out OUT --figures FIG: the documented command, end to end."""
    pytest.importorskip("matplotlib")
    data = tmp_path / "data"
    data.mkdir()
    recs = _arms()
    for L, H in ((1, 16), (2, 9)):
        for s in range(5):
            recs.append(_record(8, L, H, *PRESET_ARM, 0.95 if s % 2 else 0.6))
    (data / "repro_records.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs))
    assert main([str(data), "--out", str(tmp_path / "out"), "--figures", str(tmp_path / "fig")]) == 0
    table = (tmp_path / "out" / "reproducing_table.txt").read_text()
    assert "Fisher p (Holm)" in table and "16 " in table
    sens = (tmp_path / "out" / "reproducing_sensitivity.txt").read_text()
    assert "p 10, cap 6000 vs p 4, cap 3000" in sens and "Holm over the 4 comparisons" in sens
    for name in ("reproducing_success.png", "reproducing_accuracy.png", "reproducing_rank.png"):
        assert (tmp_path / "fig" / name).stat().st_size > 1000
    assert main([str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 2
