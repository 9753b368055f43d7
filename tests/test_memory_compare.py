"""The comparison's configs, statistics, flags, table and figure on hand-made records (training: the CLI test)."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.measures.compare import (
    METRICS,
    PRESETS,
    UNITS,
    comparison_configs,
    config_key,
    format_summary,
    significant_differences,
    summarize,
)
from tnrnn.stats import bootstrap_interval, wilson_interval


def test_cpu_preset_grid_has_ten_seeds():
    cs = comparison_configs("cpu")
    assert len(cs) == len(PRESETS["cpu"]["units"]) * 3 * 10  # units x (untrained + 2 lengths) x 10 seeds
    assert len(comparison_configs("cpu-modern")) == len(UNITS) * 3 * 10   # with the ssm, gla and mamba units
    assert len({config_key(c) for c in cs}) == len(cs)
    assert {c["length"] for c in cs} == {0, 8, 16} and all(c["max_length"] == 16 for c in cs)
    assert config_key(comparison_configs("cpu", max_steps=10)[0]) != config_key(cs[0])


@pytest.mark.parametrize("kwargs, name", [({"units": ["transformer"]}, "units"), ({"lengths": [7]}, "lengths"),
                                          ({"lengths": [2]}, "lengths"), ({"depth": 2}, "depth"),
                                          ({"seeds": [-1]}, "seeds"), ({"target": 2.0}, "target"),
                                          ({"lr": 0.0}, "lr")])
def test_invalid_configs(kwargs, name):
    with pytest.raises(InvalidParameterError) as err:
        comparison_configs("cpu", **kwargs)
    assert err.value.name == name
    with pytest.raises(InvalidParameterError):
        comparison_configs("huge")


def test_the_comparison_uses_the_one_statistics_module():
    """No second Wilson, bootstrap or Holm: compare's row intervals are tnrnn.stats' percentile bootstrap
    (the statistics themselves are tested against scipy and their definitions in tests/test_stats.py)."""
    import tnrnn.measures.compare as compare

    assert not hasattr(compare, "wilson_interval") and not hasattr(compare, "_holm")
    assert not hasattr(compare, "bootstrap_interval")
    recs = [{"unit": "gru", "length": 8, "seed": s, "accuracy": 0.9, "chance": 1 / 3, "config": {"margin": 0.1},
             "capacity": float(s * s)} for s in range(6)]
    row = summarize(recs)[0]
    order = list(UNITS).index("gru")
    ref = bootstrap_interval([float(s * s) for s in range(6)], n_resamples=compare.BOOTSTRAP_RESAMPLES,
                             seed=[order, 8, len("capacity")], method="percentile")
    assert (row["capacity"]["low"], row["capacity"]["high"]) == (ref.low, ref.high)


def _records(seeds=10):
    rng = np.random.default_rng(0)
    recs = []
    for u, shift in (("lstm", 0.0), ("gru", 3.0), ("rac", 0.0)):
        for t in (0, 8):
            for s in range(seeds):
                r = {"kind": "compare", "unit": u, "length": t, "seed": s, "chance": 1 / 3,
                     "config": {"margin": 0.1, "lags": 12}, "reasons": {}}
                for m in METRICS:
                    r[m] = float(rng.normal() + (shift if t else 0.0))
                r["accuracy"] = float(0.9 if t else 0.33) + 0.01 * rng.normal()
                r["horizon_censored"] = False
                recs.append(r)
    return recs


def test_summary_means_and_intervals_against_numpy():
    recs = _records()
    recs[0]["capacity"] = None  # an n/a value is left out of its mean, and counted
    recs[0]["reasons"] = {"capacity": "the state does not depend on the input"}
    rows = summarize(recs)
    assert [(r["unit"], r["length"]) for r in rows] == [("lstm", 0), ("lstm", 8), ("gru", 0), ("gru", 8),
                                                         ("rac", 0), ("rac", 8)]
    for row in rows:
        for m in METRICS:
            v = [r[m] for r in recs if (r["unit"], r["length"]) == (row["unit"], row["length"]) and r[m] is not None]
            assert row[m]["mean"] == pytest.approx(np.mean(v)) and row[m]["n"] == len(v)
            assert row[m]["low"] <= row[m]["mean"] <= row[m]["high"]
    assert rows[0]["capacity"]["na"] == 1 and "does not depend" in rows[0]["capacity"]["reason"]
    md = format_summary(rows, markdown=True).splitlines()
    assert md[0].startswith("| unit | T_train | seeds | status | accuracy") and "(1 n/a)" in md[2]
    assert any("capacity n/a: the state does not depend on the input" in line for line in md)


def test_at_chance_rows_are_flagged_and_excluded_from_the_tests():
    recs = _records()
    for r in recs:
        if r["unit"] == "rac" and r["length"]:
            r["accuracy"] = 0.34
    rows = summarize(recs)
    flagged = {(r["unit"], r["length"]) for r in rows if r["at_chance"]}
    assert flagged == {("rac", 8)}
    assert "AT CHANCE" in format_summary(rows)
    tests = significant_differences(rows)
    assert tests and all("rac" not in t["a"] and "rac" != t["b"] for t in tests)
    # gru's metrics were shifted by 3 standard deviations: every gru-lstm difference is significant
    gl = [t for t in tests if {t["a"], t["b"]} == {"lstm", "gru"}]
    assert len(gl) == len(METRICS) - 1 and all(t["significant"] for t in gl)  # every metric but accuracy
    assert all(0 <= t["p"] <= t["p_holm"] <= 1 for t in tests)


def test_identical_values_of_different_units_are_flagged():
    recs = _records()
    for r in recs:
        if r["unit"] == "rac":
            twin = next(q for q in recs if q["unit"] == "lstm" and q["length"] == r["length"] and q["seed"] == r["seed"])
            r["lyapunov"] = twin["lyapunov"]
    rows = summarize(recs)
    rac = next(r for r in rows if r["unit"] == "rac" and r["length"] == 8)
    assert rac["lyapunov"]["identical_to"] == ["lstm"] and "=lstm" in format_summary(rows)
    assert not any(t["metric"] == "lyapunov" and {t["a"], t["b"]} == {"lstm", "rac"}
                   for t in significant_differences(rows))


def test_censored_horizons_are_never_averaged():
    recs = _records()
    for r in recs[:3]:
        r["horizon"], r["horizon_censored"], r["horizon_at_least"] = None, True, 12
    rows = summarize(recs)
    h = rows[0]["horizon"]
    assert h["mean"] is None and h["censored"] == 3 and h["at_least"] == 12
    assert ">= 12 (3/10 censored)" in format_summary(rows)


def test_figure(tmp_path):
    pytest.importorskip("matplotlib")
    from tnrnn.plotting.measures import plot_compare

    path = tmp_path / "cmp.svg"
    fig = plot_compare(summarize(_records()), path)
    assert len(fig.axes) == 6 and path.read_text().startswith("<?xml")
    assert fig.axes[1].get_ylim()[0] >= 0  # areas are never drawn below 0
    assert fig.legends and not fig.axes[0].get_legend()  # one legend, outside the panels


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=15))
def test_bootstrap_interval_lies_within_the_data(values):
    iv = bootstrap_interval(values, n_resamples=500, method="percentile")
    lo, hi = iv.low, iv.high
    eps = 1e-9 * (1 + max(abs(v) for v in values))
    assert min(values) - eps <= lo <= hi <= max(values) + eps


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 200), st.integers(1, 200))
def test_wilson_interval_contains_the_proportion(k, extra):
    n = k + extra
    iv = wilson_interval(k, n)
    lo, hi = iv.low, iv.high
    assert 0 <= lo <= k / n <= hi <= 1


def test_memory_lengths_at_the_lag_cap_are_censored_never_averaged_nor_tested():
    """A memory length equal to the number of probed lags means 'every lag retained': >= lags, not a number;
    a row with one censored seed shows '>= K (c/n censored)', has no mean, and its metric is not tested."""
    from tnrnn.measures.compare import format_summary, significant_differences, summarize

    recs = []
    for unit, lengths in (("gru", [3, 4, 5, 6]), ("lstm", [12, 12, 4, 5])):  # lags = 12: two lstm seeds at the cap
        for s, v in enumerate(lengths):
            recs.append({"unit": unit, "length": 8, "seed": s, "accuracy": 0.9, "chance": 1 / 3,
                         "config": {"margin": 0.1, "lags": 12, "horizon_lags": 30}, "memory_length": v,
                         "kernel_length": v})
    recs[4]["memory_length_censored"] = True  # new records say so; old ones are recognised by the value
    rows = summarize(recs)
    lstm = next(r for r in rows if r["unit"] == "lstm")
    gru = next(r for r in rows if r["unit"] == "gru")
    assert lstm["memory_length"]["censored"] == 2 and lstm["memory_length"]["mean"] is None
    assert lstm["memory_length"]["at_least"] == 12 and lstm["memory_length"]["n"] == 2
    assert gru["memory_length"]["censored"] == 0 and gru["memory_length"]["mean"] == 4.5
    assert ">= 12 (2/4 censored)" in format_summary(rows)
    assert not [t for t in significant_differences(rows) if t["metric"] in ("memory_length", "kernel_length")]
