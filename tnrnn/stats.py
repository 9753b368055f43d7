"""Intervals and tests for empirical results: the one owner of tnrnn's statistics.

Every empirical number tnrnn reports over seeds (a success rate, a mean
accuracy, a difference between two depths, a memory measure across units)
carries an interval from this module, and every comparison a test from it.
The computations are scipy's wherever scipy has them
(:func:`scipy.stats.binomtest` for the Wilson interval,
:func:`scipy.stats.bootstrap`, :func:`scipy.stats.mannwhitneyu`,
:func:`scipy.stats.fisher_exact`); this module fixes the choices (two-sided,
95 %, the bootstrap method and seed) and the degenerate cases (no data, all
values equal) so that every track makes them the same way.

Definitions
-----------
Wilson score interval
    For ``k`` successes in ``n`` trials, :math:`\\hat p = k/n` and
    :math:`z = \\Phi^{-1}(1 - \\alpha/2)`, the interval is

    .. math:: \\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}.

    It stays inside ``[0, 1]`` and keeps close to its nominal coverage for
    small ``n`` and rates near 0 or 1, where the normal (Wald) interval fails.
Newcombe interval of a difference of two rates
    Newcombe's hybrid score interval (method 10 of Newcombe 1998) built from
    the two Wilson intervals ``(l1, u1)``, ``(l2, u2)``:
    :math:`\\hat d - \\sqrt{(\\hat p_1 - l_1)^2 + (u_2 - \\hat p_2)^2}` to
    :math:`\\hat d + \\sqrt{(u_1 - \\hat p_1)^2 + (\\hat p_2 - l_2)^2}`.
Bootstrap interval
    The BCa (bias-corrected and accelerated) bootstrap of scipy with a fixed
    seed; when BCa is undefined (every resample gives the same value, e.g. all
    seeds reached accuracy 1.0) the percentile interval is used, which is then
    the point itself.  ``method="percentile"`` gives the plain percentile
    interval (the quantiles of the resampled means), which the unit
    comparison (:mod:`tnrnn.measures.compare`) reports.
Multiple comparisons
    :func:`holm` (Holm 1979: the family-wise error rate, any dependence) and
    :func:`benjamini_hochberg` (Benjamini and Hochberg 1995: the false
    discovery rate, independent or positively dependent tests) adjust the
    p-values of one family of comparisons; a comparison is significant at
    level :math:`\\alpha` when its adjusted p-value is below :math:`\\alpha`.
    Holm: sort :math:`p_{(1)} \\le \\dots \\le p_{(m)}`,
    :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m - j + 1)\\, p_{(j)})`.
    BH: :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m\\, p_{(j)} / j)`.
    NaN p-values (untestable comparisons) stay NaN and do not count in :math:`m`.

Examples
--------
>>> iv = wilson_interval(8, 10)
>>> round(iv.low, 4), round(iv.high, 4)
(0.4902, 0.9433)
>>> round(fisher_test(9, 10, 3, 10).p_value, 4)
0.0198
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .errors import InvalidParameterError
from .records import Record
from .validation import check_finite, check_positive_int

__all__ = ["Interval", "TestResult", "wilson_interval", "newcombe_interval", "bootstrap_interval",
           "bootstrap_difference", "mann_whitney_test", "fisher_test", "holm", "benjamini_hochberg",
           "adjust_pvalues", "ADJUSTMENTS", "DEFAULT_CONFIDENCE", "DEFAULT_RESAMPLES"]

#: The confidence level of every interval unless asked otherwise.
DEFAULT_CONFIDENCE = 0.95
#: Bootstrap resamples unless asked otherwise (enough for the second decimal of a 95 % bound).
DEFAULT_RESAMPLES = 9999


@dataclass(frozen=True)
class Interval(Record):
    """A point estimate with a confidence interval.

    Attributes
    ----------
    estimate : float
        The point estimate (a rate, a mean, a difference); ``nan`` without data.
    low, high : float
        The interval's bounds (``nan`` without data).
    confidence : float
        Its nominal coverage, e.g. 0.95.
    method : str
        How it was computed (``"wilson"``, ``"newcombe"``, ``"bca"``, ``"percentile"``, ``"none"``).
    n : int
        The number of observations (for a difference: of the smaller sample).
    """

    estimate: float
    low: float
    high: float
    confidence: float
    method: str
    n: int

    def table_row(self) -> dict:
        return {"estimate": self.estimate, "low": self.low, "high": self.high, "method": self.method, "n": self.n}

    def format(self, spec: str = ".2f") -> str:
        """``"0.80 [0.49, 0.94]"``: the estimate and its bounds in one cell (``n/a`` without data).

        Examples
        --------
        >>> wilson_interval(8, 10).format()
        '0.80 [0.49, 0.94]'
        """
        if not math.isfinite(self.estimate):
            return "n/a"
        return f"{self.estimate:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"


@dataclass(frozen=True)
class TestResult(Record):
    """A two-sided test of no difference between two samples.

    Attributes
    ----------
    statistic : float
        The test statistic (Mann–Whitney U of the first sample; Fisher: the sample odds ratio).
    p_value : float
        Two-sided p-value (``nan`` when a sample is empty).
    method : str
        ``"mann-whitney"`` or ``"fisher"``.
    """

    __test__ = False  # not a pytest class

    statistic: float
    p_value: float
    method: str


def _confidence(confidence: float) -> float:
    return check_finite(confidence, "confidence", low=0, high=1, open_low=True, open_high=True)


def _counts(successes, trials, name: str) -> tuple[int, int]:
    n = check_positive_int(trials, f"{name}trials", minimum=0)
    k = check_positive_int(successes, f"{name}successes", minimum=0)
    if k > n:
        raise InvalidParameterError(f"{name}successes", successes, f"an integer in [0, {n}] (the number of trials)")
    return k, n


def wilson_interval(successes: int, trials: int, confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """The Wilson score interval of a success rate (:func:`scipy.stats.binomtest`).

    Parameters
    ----------
    successes, trials : int
        ``0 <= successes <= trials``; ``trials = 0`` gives ``nan`` bounds.
    confidence : float
        Nominal coverage in ``(0, 1)``.

    Returns
    -------
    Interval
        ``estimate = successes / trials``.

    Examples
    --------
    >>> iv = wilson_interval(0, 30)
    >>> iv.low, round(iv.high, 4)
    (0.0, 0.1135)
    """
    k, n = _counts(successes, trials, "")
    c = _confidence(confidence)
    if n == 0:
        return Interval(float("nan"), float("nan"), float("nan"), c, "wilson", 0)
    from scipy.stats import binomtest

    ci = binomtest(k, n).proportion_ci(confidence_level=c, method="wilson")
    return Interval(k / n, float(max(0.0, ci.low)), float(min(1.0, ci.high)), c, "wilson", n)


def newcombe_interval(successes1: int, trials1: int, successes2: int, trials2: int,
                      confidence: float = DEFAULT_CONFIDENCE) -> Interval:
    """Newcombe's hybrid score interval of the difference of two success rates ``p1 - p2``.

    Examples
    --------
    >>> iv = newcombe_interval(9, 10, 3, 10)
    >>> round(iv.estimate, 2), round(iv.low, 4), round(iv.high, 4)
    (0.6, 0.1705, 0.809)
    """
    k1, n1 = _counts(successes1, trials1, "1")
    k2, n2 = _counts(successes2, trials2, "2")
    c = _confidence(confidence)
    if n1 == 0 or n2 == 0:
        return Interval(float("nan"), float("nan"), float("nan"), c, "newcombe", min(n1, n2))
    a, b = wilson_interval(k1, n1, c), wilson_interval(k2, n2, c)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high), c, "newcombe", min(n1, n2))


def _sample(values, name: str) -> np.ndarray:
    x = np.asarray(values, dtype=float).ravel()
    if not np.all(np.isfinite(x)):
        raise InvalidParameterError(name, values, "finite numbers")
    return x


def _bootstrap(data, statistic, estimate: float, c: float, n_resamples: int, seed: int, n: int) -> Interval:
    from scipy.stats import bootstrap

    if all(np.ptp(x) == 0 for x in data):  # every resample equals the estimate: the interval is the point
        return Interval(estimate, estimate, estimate, c, "percentile", n)
    kwargs = dict(confidence_level=c, n_resamples=n_resamples, vectorized=True, axis=-1,
                  random_state=np.random.default_rng(seed))
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy warns when BCa is degenerate; we fall back below
            res = bootstrap(data, statistic, method="BCa", **kwargs)
            low, high, method = float(res.confidence_interval.low), float(res.confidence_interval.high), "bca"
            if not (math.isfinite(low) and math.isfinite(high)):
                res = bootstrap(data, statistic, method="percentile", **kwargs)
                low, high, method = float(res.confidence_interval.low), float(res.confidence_interval.high), "percentile"
    return Interval(estimate, low, high, c, method, n)


def _percentile(x: np.ndarray, c: float, n_resamples: int, seed) -> Interval:
    """The percentile bootstrap of the mean: quantiles of ``n_resamples`` means of resamples with replacement."""
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, x.size, size=(n_resamples, x.size))].mean(axis=1)
    a = (1 - c) / 2
    return Interval(float(np.mean(x)), float(np.quantile(means, a)), float(np.quantile(means, 1 - a)), c,
                    "percentile", x.size)


def bootstrap_interval(values, confidence: float = DEFAULT_CONFIDENCE, *, n_resamples: int = DEFAULT_RESAMPLES,
                       seed=0, method: str = "bca") -> Interval:
    """The bootstrap interval of a mean: BCa (:func:`scipy.stats.bootstrap`, fixed seed) or percentile.

    Parameters
    ----------
    values : array_like
        Finite observations (one per seed); an empty sample gives ``nan``.
    confidence : float
        Nominal coverage.
    n_resamples : int
        Bootstrap resamples.
    seed : int or sequence of int
        Seed of the resampling (the same data always give the same interval).
    method : {"bca", "percentile"}
        BCa (default; the percentile interval where BCa is undefined) or the
        plain percentile interval.

    Examples
    --------
    >>> iv = bootstrap_interval([0.5, 0.5, 1.0, 1.0])
    >>> iv.estimate, 0.5 <= iv.low <= iv.high <= 1.0
    (0.75, True)
    >>> bootstrap_interval([1.0, 1.0, 1.0]).format()
    '1.00 [1.00, 1.00]'
    """
    if method not in ("bca", "percentile"):
        raise InvalidParameterError("method", method, "bca or percentile")
    x = _sample(values, "values")
    c = _confidence(confidence)
    check_positive_int(n_resamples, "n_resamples", minimum=2)
    if x.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"), c, "none", 0)
    est = float(np.mean(x))
    if x.size == 1:
        return Interval(est, float("nan"), float("nan"), c, "none", 1)
    if method == "percentile":
        return _percentile(x, c, n_resamples, seed)
    return _bootstrap((x,), lambda s, axis=-1: np.mean(s, axis=axis), est, c, n_resamples, seed, x.size)


def bootstrap_difference(values1, values2, confidence: float = DEFAULT_CONFIDENCE, *,
                         n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> Interval:
    """The BCa bootstrap interval of ``mean(values1) - mean(values2)`` for two independent samples.

    Examples
    --------
    >>> iv = bootstrap_difference([1.0, 0.9, 1.0, 0.95], [0.5, 0.55, 0.5, 0.6])
    >>> round(iv.estimate, 4), iv.low > 0
    (0.425, True)
    """
    x, y = _sample(values1, "values1"), _sample(values2, "values2")
    c = _confidence(confidence)
    check_positive_int(n_resamples, "n_resamples", minimum=2)
    if x.size < 2 or y.size < 2:
        est = float(np.mean(x) - np.mean(y)) if x.size and y.size else float("nan")
        return Interval(est, float("nan"), float("nan"), c, "none", min(x.size, y.size))
    est = float(np.mean(x) - np.mean(y))
    return _bootstrap((x, y), lambda a, b, axis=-1: np.mean(a, axis=axis) - np.mean(b, axis=axis), est, c,
                      n_resamples, seed, min(x.size, y.size))


def mann_whitney_test(values1, values2) -> TestResult:
    """Two-sided Mann–Whitney U test (:func:`scipy.stats.mannwhitneyu`; exact for small samples without ties).

    Examples
    --------
    >>> r = mann_whitney_test([1, 2, 3], [4, 5, 6])
    >>> r.statistic, round(r.p_value, 4)
    (0.0, 0.1)
    """
    x, y = _sample(values1, "values1"), _sample(values2, "values2")
    if x.size == 0 or y.size == 0:
        return TestResult(float("nan"), float("nan"), "mann-whitney")
    if np.ptp(np.concatenate([x, y])) == 0:  # all equal: no evidence of any difference
        return TestResult(x.size * y.size / 2.0, 1.0, "mann-whitney")
    from scipy.stats import mannwhitneyu

    res = mannwhitneyu(x, y, alternative="two-sided")
    return TestResult(float(res.statistic), float(res.pvalue), "mann-whitney")


def fisher_test(successes1: int, trials1: int, successes2: int, trials2: int) -> TestResult:
    """Two-sided Fisher exact test of equal success rates (:func:`scipy.stats.fisher_exact`).

    Examples
    --------
    >>> round(fisher_test(5, 10, 5, 10).p_value, 4)
    1.0
    """
    k1, n1 = _counts(successes1, trials1, "1")
    k2, n2 = _counts(successes2, trials2, "2")
    if n1 == 0 or n2 == 0:
        return TestResult(float("nan"), float("nan"), "fisher")
    from scipy.stats import fisher_exact

    res = fisher_exact([[k1, n1 - k1], [k2, n2 - k2]], alternative="two-sided")
    return TestResult(float(res.statistic), float(res.pvalue), "fisher")


#: Multiple-comparison adjustments of :func:`adjust_pvalues`: name -> what it controls.
ADJUSTMENTS = {"holm": "family-wise error rate (Holm)", "bh": "false discovery rate (Benjamini-Hochberg)",
               "none": "nothing (per-comparison p-values)"}


def _pvalues(pvalues) -> np.ndarray:
    p = np.asarray(pvalues, dtype=float).ravel()
    ok = np.isfinite(p)
    if np.any((p[ok] < 0) | (p[ok] > 1)):
        raise InvalidParameterError("pvalues", pvalues, "numbers in [0, 1] (or nan for an untestable comparison)")
    return p


def holm(pvalues) -> np.ndarray:
    """Holm's step-down adjusted p-values of one family (family-wise error rate; NaN entries kept, not counted).

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.09, 0.09, 0.5]
    """
    p = _pvalues(pvalues)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    if m:
        order = idx[np.argsort(p[idx], kind="stable")]
        adj = np.minimum(1.0, (m - np.arange(m)) * p[order])
        out[order] = np.maximum.accumulate(adj)
    return out


def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values of one family (false discovery rate; NaN entries kept, not counted).

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    p = _pvalues(pvalues)
    out = np.full(p.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(p))
    m = idx.size
    if m:
        order = idx[np.argsort(p[idx], kind="stable")]
        adj = np.minimum(1.0, m * p[order] / np.arange(1, m + 1))
        out[order] = np.minimum.accumulate(adj[::-1])[::-1]
    return out


def adjust_pvalues(pvalues, method: str = "holm") -> np.ndarray:
    """The p-values of one family adjusted by ``method`` (:data:`ADJUSTMENTS`: ``holm``, ``bh`` or ``none``).

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.02], "none").tolist()
    [0.01, 0.02]
    """
    if method not in ADJUSTMENTS:
        raise InvalidParameterError("method", method, "one of " + ", ".join(ADJUSTMENTS))
    if method == "holm":
        return holm(pvalues)
    if method == "bh":
        return benjamini_hochberg(pvalues)
    return _pvalues(pvalues).copy()
