"""When a measured number means nothing: degenerate states, non-finite values, censored summaries.

Every measure of :mod:`tnrnn.measures` asks these functions before it reports
a number, and reports ``n/a`` with the reason they give instead (the
*Statistics are part of a result* principle of the architecture):

* :func:`state_degeneracy`: a state that is not finite, collapses to 0, or
  does not vary with the input carries no information about the input, so a
  readout of it scores 0 *by construction*; the measure says so instead of
  printing ``7.75e-32``;
* :func:`jackknife`: the delete-one-block jackknife standard error of a
  statistic of blocked data (the capacity's per-lag and total errors);
* :class:`Censored`: a value known only to be at least ``K`` (a horizon that
  reaches the probe limit) prints as ``>= K`` and is never averaged as a number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..records import Record

__all__ = ["RELATIVE_SPREAD", "COLLAPSE", "state_degeneracy", "jackknife", "Censored", "single_threaded"]

#: A state feature whose spread over time is below this fraction of the state's scale is constant.
RELATIVE_SPREAD = 1e-12
#: A state whose largest entry is below this has collapsed to 0 (products of many factors < 1 underflow).
COLLAPSE = 1e-150


def state_degeneracy(S, what: str = "the state") -> str | None:
    """Why the rows of ``S`` (samples x features) cannot carry input information, or ``None`` when they can.

    Rows are time steps (or samples) in order: a state that has collapsed to 0
    on the later half of the rows (a product of many factors below 1
    underflows) is degenerate even when its first rows are not.

    Examples
    --------
    >>> state_degeneracy(np.zeros((5, 2)))
    'the state does not depend on the input: it collapses to 0 (max |h| = 0)'
    >>> state_degeneracy(np.ones((5, 2)))
    'the state does not depend on the input: every feature is constant (relative spread 0 <= 1e-12)'
    >>> state_degeneracy(np.arange(10.0).reshape(5, 2)) is None
    True
    >>> state_degeneracy(np.array([[1.0], [np.inf]]))
    'the state is not finite (overflow or nan in 1 of 2 entries)'
    """
    S = np.asarray(S, dtype=np.float64)
    if S.size == 0:
        return f"{what} is empty"
    bad = ~np.isfinite(S)
    if bad.any():
        return f"{what} is not finite (overflow or nan in {int(bad.sum())} of {S.size} entries)"
    S2 = S.reshape(S.shape[0], -1)
    scale = float(np.max(np.abs(S2)))
    late = float(np.max(np.abs(S2[S2.shape[0] // 2:])))
    if late < COLLAPSE:
        where = "" if scale < COLLAPSE else f" on the later half of the rows (from max |h| = {scale:.3g})"
        return f"{what} does not depend on the input: it collapses to 0{where} (max |h| = {late:.3g})"
    spread = float(np.max(S2.max(axis=0) - S2.min(axis=0))) / scale
    if spread <= RELATIVE_SPREAD:
        return (f"{what} does not depend on the input: every feature is constant "
                f"(relative spread {spread:.3g} <= {RELATIVE_SPREAD:g})")
    return None


def jackknife(replicates) -> np.ndarray:
    """The delete-one-block jackknife standard error from the ``B`` leave-one-out replicates (axis 0).

    :math:`\\mathrm{SE} = \\sqrt{\\tfrac{B-1}{B} \\sum_b (\\theta_{(b)} - \\bar\\theta)^2}`.

    Examples
    --------
    The jackknife of the mean is the usual standard error of the mean:

    >>> x = np.array([1.0, 2.0, 4.0, 7.0])
    >>> loo = np.array([np.delete(x, b).mean() for b in range(4)])
    >>> round(float(jackknife(loo)), 12) == round(float(x.std(ddof=1) / 2), 12)
    True
    """
    r = np.asarray(replicates, dtype=np.float64)
    B = r.shape[0]
    return np.sqrt((B - 1) / B * np.sum((r - r.mean(axis=0)) ** 2, axis=0))


@dataclass(frozen=True)
class Censored(Record):
    """A value known only to be at least ``bound`` (e.g. a horizon at the probe limit).

    Examples
    --------
    >>> c = Censored(16)
    >>> str(c), c.to_dict()
    ('>= 16', {'value': None, 'at_least': 16, 'censored': True})
    """

    KIND = None   # a value inside other records, which carry the kind


    bound: float

    def __str__(self) -> str:
        return f">= {self.bound:g}"

    def to_dict(self) -> dict:
        """JSON-safe: no number in ``value``, the bound in ``at_least``."""
        return {"value": None, "at_least": self.bound, "censored": True}


def single_threaded():
    """A context in which BLAS/LAPACK use one thread (threadpoolctl, when installed; else no change).

    The probes factor many small matrices (a few hundred rows); multi-threaded
    OpenBLAS spends most of such a call waiting for its threads, up to 100
    times slower on a loaded machine (measured: an SVD of 768 x 256, 0.03 s
    on one thread, 3 s on two).
    """
    import contextlib
    import importlib.util

    if importlib.util.find_spec("threadpoolctl") is None:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
