"""tnrnn.stats against closed forms and brute force (never against its own output)."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tnrnn.errors import InvalidParameterError
from tnrnn.stats import (
    bootstrap_difference,
    bootstrap_interval,
    fisher_test,
    mann_whitney_test,
    newcombe_interval,
    wilson_interval,
)

Z95 = 1.959963984540054  # Phi^{-1}(0.975)


def wilson_closed_form(k, n, z=Z95):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@given(st.integers(1, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
@settings(max_examples=60, deadline=None)
def test_wilson_matches_closed_form(kn):
    k, n = kn
    iv = wilson_interval(k, n)
    lo, hi = wilson_closed_form(k, n)
    assert iv.estimate == pytest.approx(k / n)
    assert iv.low == pytest.approx(max(lo, 0.0), abs=1e-12)
    assert iv.high == pytest.approx(min(hi, 1.0), abs=1e-12)
    assert 0.0 <= iv.low <= iv.estimate <= iv.high <= 1.0


def test_wilson_other_confidence_and_empty():
    z99 = 2.5758293035489004
    iv = wilson_interval(3, 7, confidence=0.99)
    lo, hi = wilson_closed_form(3, 7, z99)
    assert (iv.low, iv.high) == pytest.approx((lo, hi))
    empty = wilson_interval(0, 0)
    assert math.isnan(empty.estimate) and empty.format() == "n/a"


@pytest.mark.parametrize("args,name", [((5, 3), "successes"), ((-1, 3), "successes"), ((1, 2.5), "trials")])
def test_wilson_refuses(args, name):
    with pytest.raises(InvalidParameterError, match=name):
        wilson_interval(*args)
    with pytest.raises(InvalidParameterError, match="confidence"):
        wilson_interval(1, 2, confidence=1.0)


def test_newcombe_matches_closed_form():
    for k1, n1, k2, n2 in [(9, 10, 3, 10), (0, 30, 30, 30), (15, 30, 14, 31), (56, 70, 48, 80)]:
        l1, u1 = wilson_closed_form(k1, n1)
        l2, u2 = wilson_closed_form(k2, n2)
        p1, p2 = k1 / n1, k2 / n2
        d = p1 - p2
        lo = d - math.sqrt((p1 - max(l1, 0)) ** 2 + (min(u2, 1) - p2) ** 2)
        hi = d + math.sqrt((min(u1, 1) - p1) ** 2 + (p2 - max(l2, 0)) ** 2)
        iv = newcombe_interval(k1, n1, k2, n2)
        assert iv.estimate == pytest.approx(d)
        assert (iv.low, iv.high) == pytest.approx((max(lo, -1), min(hi, 1)), abs=1e-12)
    # Newcombe (1998) Table II, example (a): 56/70 vs 48/80 -> [0.0524, 0.3339]
    iv = newcombe_interval(56, 70, 48, 80)
    assert (round(iv.low, 4), round(iv.high, 4)) == (0.0524, 0.3339)


def fisher_brute(k1, n1, k2, n2):
    """Two-sided Fisher p-value: sum of hypergeometric probabilities no larger than the observed one."""
    m = k1 + k2
    def prob(a):
        return math.comb(n1, a) * math.comb(n2, m - a) / math.comb(n1 + n2, m)
    obs = prob(k1)
    lo, hi = max(0, m - n2), min(n1, m)
    return sum(prob(a) for a in range(lo, hi + 1) if prob(a) <= obs * (1 + 1e-7))


@given(st.integers(1, 25), st.integers(1, 25), st.data())
@settings(max_examples=40, deadline=None)
def test_fisher_matches_hypergeometric_sum(n1, n2, data):
    k1 = data.draw(st.integers(0, n1))
    k2 = data.draw(st.integers(0, n2))
    assert fisher_test(k1, n1, k2, n2).p_value == pytest.approx(min(1.0, fisher_brute(k1, n1, k2, n2)), rel=1e-9)


def mw_brute(x, y):
    """U of x and the exact two-sided permutation p-value (no ties)."""
    def u(a, b):
        return sum((ai > bi) + 0.5 * (ai == bi) for ai in a for bi in b)
    pooled = list(x) + list(y)
    u_obs = u(x, y)
    centre = len(x) * len(y) / 2
    count = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(x)):
        a = [pooled[i] for i in idx]
        b = [pooled[i] for i in range(len(pooled)) if i not in idx]
        total += 1
        count += abs(u(a, b) - centre) >= abs(u_obs - centre) - 1e-12
    return u_obs, count / total


@given(st.lists(st.floats(0, 1), min_size=2, max_size=5, unique=True),
       st.lists(st.floats(0, 1), min_size=2, max_size=5, unique=True))
@settings(max_examples=40, deadline=None)
def test_mann_whitney_matches_permutation_enumeration(x, y):
    if set(x) & set(y):
        return
    r = mann_whitney_test(x, y)
    u, p = mw_brute(x, y)
    assert r.statistic == pytest.approx(u)
    assert r.p_value == pytest.approx(p, rel=1e-9)


def test_mann_whitney_degenerate():
    assert mann_whitney_test([1.0, 1.0], [1.0, 1.0]).p_value == 1.0
    assert math.isnan(mann_whitney_test([], [1.0]).p_value)


def test_bootstrap_mean_close_to_normal_theory():
    rng = np.random.default_rng(1)
    x = rng.normal(0.6, 0.1, size=400)
    iv = bootstrap_interval(x, n_resamples=4000)
    se = x.std(ddof=1) / math.sqrt(x.size)
    assert iv.estimate == pytest.approx(x.mean())
    assert iv.low == pytest.approx(x.mean() - Z95 * se, abs=0.25 * se)
    assert iv.high == pytest.approx(x.mean() + Z95 * se, abs=0.25 * se)
    assert iv.method == "bca"


def test_bootstrap_difference_close_to_normal_theory():
    rng = np.random.default_rng(2)
    x, y = rng.normal(0.7, 0.1, 300), rng.normal(0.5, 0.2, 300)
    iv = bootstrap_difference(x, y, n_resamples=4000)
    se = math.sqrt(x.var(ddof=1) / x.size + y.var(ddof=1) / y.size)
    d = x.mean() - y.mean()
    assert iv.estimate == pytest.approx(d)
    assert (iv.low, iv.high) == pytest.approx((d - Z95 * se, d + Z95 * se), abs=0.25 * se)


def test_bootstrap_degenerate_and_reproducible():
    iv = bootstrap_interval([1.0] * 5)
    assert (iv.estimate, iv.low, iv.high) == (1.0, 1.0, 1.0)
    assert math.isnan(bootstrap_interval([]).estimate)
    assert math.isnan(bootstrap_interval([0.3]).low)
    a = bootstrap_interval([0.5, 0.6, 0.9, 1.0, 0.55], seed=3)
    b = bootstrap_interval([0.5, 0.6, 0.9, 1.0, 0.55], seed=3)
    assert a == b
    d = bootstrap_difference([1.0, 1.0, 1.0], [1.0, 1.0])
    assert (d.estimate, d.low, d.high) == (0.0, 0.0, 0.0)
    with pytest.raises(InvalidParameterError, match="values"):
        bootstrap_interval([1.0, float("nan")])


def test_intervals_are_records():
    import json

    iv = wilson_interval(3, 4)
    assert json.loads(iv.to_json())["method"] == "wilson"
    assert "estimate" in str(iv)


def test_percentile_bootstrap_against_scipy_and_normal_theory():
    """The percentile interval: close to scipy.stats.bootstrap(method="percentile") (different draws: Monte
    Carlo error of a 95 % quantile of 20000 resamples) and to mean +- 1.96 se; one value has no interval."""
    from scipy.stats import bootstrap

    from tnrnn.stats import bootstrap_interval

    x = np.random.default_rng(0).normal(2.0, 1.0, 12)
    iv = bootstrap_interval(x, n_resamples=20000, method="percentile")
    ref = bootstrap((x,), np.mean, method="percentile", n_resamples=20000, random_state=1).confidence_interval
    assert iv.method == "percentile" and iv.low == pytest.approx(ref.low, abs=0.03)
    assert iv.high == pytest.approx(ref.high, abs=0.03)
    se = x.std(ddof=0) / np.sqrt(len(x))
    assert iv.low == pytest.approx(x.mean() - 1.96 * se, abs=0.15)
    assert np.isnan(bootstrap_interval([1.0], method="percentile").low)
    with pytest.raises(InvalidParameterError, match="method"):
        bootstrap_interval(x, method="studentized")


def _holm_brute(p):
    """Holm by its definition: reject H_(i) at level a iff p_(j) <= a / (m - j + 1) for every j <= i; the
    adjusted p-value is the smallest a <= 1 that rejects it (searched over the candidate levels), else 1."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    cands = sorted({min(1.0, (m - j) * p[order[j]]) for j in range(m)} | {1.0})
    out = [None] * m
    for rank, i in enumerate(order):
        ok = [a for a in cands if all(p[order[j]] <= a / (m - j) + 1e-15 for j in range(rank + 1))]
        out[i] = min(ok) if ok else 1.0  # never rejected at any level <= 1: adjusted p-value 1
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_holm_matches_its_definition(p):
    from tnrnn.stats import holm

    np.testing.assert_allclose(holm(p), _holm_brute(p), atol=1e-12)
    assert np.all(holm(p) >= np.asarray(p) - 1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=8))
def test_benjamini_hochberg_matches_scipy(p):
    from scipy.stats import false_discovery_control

    from tnrnn.stats import benjamini_hochberg

    np.testing.assert_allclose(benjamini_hochberg(p), false_discovery_control(p, method="bh"), atol=1e-12)


def test_adjustments_keep_nan_out_of_the_family():
    from tnrnn.stats import adjust_pvalues, holm

    out = holm([0.01, float("nan"), 0.02])
    assert np.isnan(out[1]) and out[0] == pytest.approx(0.02) and out[2] == pytest.approx(0.02)
    assert adjust_pvalues([0.01, 0.02], "bh").tolist() == pytest.approx([0.02, 0.02])
    with pytest.raises(InvalidParameterError, match="method"):
        adjust_pvalues([0.1], "bonferroni-ish")
    with pytest.raises(InvalidParameterError, match="pvalues"):
        holm([1.5])
