"""The curse records: the noise floor, bound checks, plateau summaries (independent computations)."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tnrnn.memory import hankel_matrix, sample_kernel
from tnrnn.memory.curse import approximation_records, bound_status, plateau_summary
from tnrnn.memory.targets import Target


def _target(name, weights, rates, bump):
    def rho(t, d):
        out = sum(w * np.exp(-r * t) for w, r in zip(weights, rates))
        return out + bump * np.exp(-((t - 3.0) ** 2))

    return Target(name, "random", None, rho)


@settings(max_examples=25, deadline=None)
@given(weights=st.lists(st.floats(-2, 2), min_size=1, max_size=4),
       rates=st.lists(st.floats(0.05, 3.0), min_size=4, max_size=4),
       bump=st.sampled_from([0.0, 0.0, 0.5]),
       n=st.integers(6, 40), widths=st.lists(st.integers(1, 6), min_size=1, max_size=3, unique=True))
@example(weights=[2.2250738585e-313], rates=[0.0625, 1.0, 1.0, 1.0], bump=0.0, n=6, widths=[1])  # subnormal
def test_no_record_reports_a_violation_below_the_noise_floor(weights, rates, bump, n, widths):
    """Low-rank kernels (sums of few exponentials) put bounds at the floor: flagged, never violated."""
    spec = _target("random", weights, rates, bump)
    h = spec(np.arange(n, dtype=float))
    if not np.any(h):
        return
    h = sample_kernel(spec, float(n), 1.0)
    widths = [w for w in widths if w <= n]
    for rec in approximation_records([spec], widths, horizon=float(n), dt=1.0, train=False):
        d = rec.to_dict()
        assert rec.violations == ()
        floor = np.linalg.svd(hankel_matrix(h), compute_uv=False)[0] * n * np.finfo(float).eps
        floor += n * np.finfo(float).tiny     # a subnormal kernel has no relative precision left
        assert rec.noise_floor == pytest.approx(floor, rel=1e-12)
        for b in ("lower_bound", "aak_lower", "bt_upper"):
            assert (b in rec.at_floor) == (abs(d[b]) <= rec.noise_floor)
        # every bound above the floor really holds (recomputed here)
        if "lower_bound" not in rec.at_floor:
            assert min(rec.bt_l1, rec.fir_l1) >= rec.lower_bound * (1 - 1e-9) - rec.noise_floor
        if "aak_lower" not in rec.at_floor:
            assert rec.fir_l1_all >= rec.aak_lower * (1 - 1e-9) - rec.noise_floor


def test_the_issue_case_exp_bounds_are_at_the_floor_not_violated():
    """issue 21: 8 exp records had fir_l1 < aak_lower (4.9e-16 < 1.3e-14) reported as a bound."""
    recs = list(approximation_records(["exp"], [1, 2, 4, 8], horizon=32.0, dt=0.1, train=False))
    for r in recs:
        assert "aak_lower" in r.at_floor and "lower_bound" in r.at_floor and r.violations == ()
        assert r.noise_floor > 1e-15


def test_bound_status_checker():
    base = {"noise_floor": 1e-14, "lower_bound": 0.1, "aak_lower": 0.2, "bt_upper": 0.5, "bt_l1": 0.05,
            "fir_l1": 0.3, "trained_l1": None, "fir_l1_all": 0.3}
    assert bound_status(base) == ((), ("bt_l1<lower_bound",))
    assert bound_status(base | {"bt_l1": 0.1 - 1e-15}) == ((), ())       # within the floor: not a violation
    assert bound_status(base | {"lower_bound": 5e-15, "bt_l1": 0.0}) == (("lower_bound",), ())


def test_plateau_summary_against_numpy():
    plateaus = {2.0: [10, 14, 12], 4.0: [40, None, 90], 6.0: [None, None, 300]}
    recs = [{"kind": "plateau", "target": f"shift:{d:g}", "delay": d, "steps": 500, "plateau": p, "seed": s}
            for d, ps in plateaus.items() for s, p in enumerate(ps)]
    out = {s["delay"]: s for s in plateau_summary(recs)}
    assert out[2.0]["median"] == np.median([10, 14, 12]) and (out[2.0]["low"], out[2.0]["high"]) == (10, 14)
    assert out[4.0]["median"] == 90.0 and out[4.0]["high"] is None and out[4.0]["censored"] == 1
    assert out[6.0]["median"] is None and out[6.0]["median_censored"] and out[6.0]["low"] == 300


def test_trained_sweep_is_the_best_of_its_runs():
    pytest.importorskip("torch")
    from tnrnn.memory import kernel_error
    from tnrnn.memory.training import fit_linear_rnn

    (rec,) = approximation_records(["pol"], [2], horizon=16.0, dt=1.0, steps=150, lrs=(0.01, 0.03), seeds=(0, 1),
                                   patience=50)
    h = sample_kernel("pol", 16.0, 1.0)
    errs = [[kernel_error(h, fit_linear_rnn(h, 2, steps=150, lr=lr, dt=1.0, seed=s, patience=50,
                                            init="timescales").model).l1 for lr in (0.01, 0.03)] for s in (0, 1)]
    np.testing.assert_allclose(rec.trained_seed_l1, [min(e) for e in errs], rtol=1e-9)
    assert rec.trained_l1 == pytest.approx(min(map(min, errs)), rel=1e-9) and rec.trained_runs == 4
    assert rec.trained_l1 >= rec.lower_bound and rec.violations == ()
