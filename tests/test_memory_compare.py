"""The comparison's configs, summaries, table and figure on hand-made records (training is in the CLI test)."""

import numpy as np
import pytest

from tnrnn.errors import InvalidParameterError
from tnrnn.measures.compare import METRICS, UNITS, comparison_configs, config_key, format_table, summarize


def test_cpu_preset_grid():
    cs = comparison_configs("cpu")
    assert len(cs) == len(UNITS) * 4 * 3  # units x (untrained + 3 lengths) x seeds
    assert len({config_key(c) for c in cs}) == len(cs)
    assert {c["length"] for c in cs} == {0, 8, 16, 32} and all(c["max_length"] == 32 for c in cs)
    assert config_key(comparison_configs("cpu", steps=10)[0]) != config_key(cs[0])


@pytest.mark.parametrize("kwargs, name", [({"units": ["transformer"]}, "units"), ({"lengths": [7]}, "lengths"),
                                          ({"lengths": [2]}, "lengths"), ({"depth": 2}, "depth")])
def test_invalid_configs(kwargs, name):
    with pytest.raises(InvalidParameterError) as err:
        comparison_configs("cpu", **kwargs)
    assert err.value.name == name
    with pytest.raises(InvalidParameterError):
        comparison_configs("huge")


def _records():
    rng = np.random.default_rng(0)
    return [{"unit": u, "length": t, "seed": s, **{m: float(rng.normal()) for m in METRICS}}
            for u in ("rac", "lstm") for t in (0, 8) for s in range(3)]


def test_summary_against_numpy():
    recs = _records()
    recs[0]["capacity"] = None  # a non-finite measure is left out of its mean
    rows = summarize(recs)
    assert [(r["unit"], r["length"]) for r in rows] == [("lstm", 0), ("lstm", 8), ("rac", 0), ("rac", 8)]
    for row in rows:
        for m in METRICS:
            v = [r[m] for r in recs if (r["unit"], r["length"]) == (row["unit"], row["length"]) and r[m] is not None]
            assert row[m] == pytest.approx((np.mean(v), np.std(v)))
    md = format_table(rows, markdown=True).splitlines()
    assert md[0].startswith("| unit | T_train") and "| untrained |" in md[2] and len(md) == 2 + len(rows)


def test_figure(tmp_path):
    pytest.importorskip("matplotlib")
    from tnrnn.measures.compare import plot_comparison

    path = tmp_path / "cmp.svg"
    fig = plot_comparison(summarize(_records()), path)
    assert len(fig.axes) == 3 and path.read_text().startswith("<?xml")
