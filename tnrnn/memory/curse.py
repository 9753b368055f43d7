r"""The curse-of-memory experiments (Li, Han, E, Li, ICLR 2021), as streams of JSON records.

Approximation (:func:`approximation_records`): for a target sampled as
``h_k = dt * rho(k dt)``, ``k < N = horizon / dt``, and each width ``m``, one
:class:`ApproximationRecord` with

* ``lower_bound``: ``sigma_{m+1}`` of the target's square Hankel section -- no
  width-m linear RNN has a smaller l1 error on the horizon (docs/memory.rst);
* ``bt_l1``: the l1 error on the horizon of the width-m balanced truncation of
  the target's finite-horizon gramians (Kung's algorithm on the ``N x N``
  Hankel section of the target sampled over twice the horizon,
  :func:`tnrnn.memory.hankel.realize_section`), which does not see a cut at the
  horizon;
* ``fir_l1``: the same error for the balanced truncation (exact gramians) of the
  target cut at the horizon (its FIR realisation); ``fir_l1_all`` its l1 error
  against the cut target over the lags ``0 .. 2N - 2`` (the table's
  ``fir-bt l1 (lags < 2N-1)``: not the sum over every lag, the truncated model's
  kernel goes on beyond), where that truncation's certified lower bound holds
  (the ``N x N`` section of the error has spectral norm ``>= sigma_{m+1}``): ``aak_lower = sigma_{m+1}`` of the FIR
  operator (Hankel norm, hence H-infinity and l1) and ``bt_upper = 2
  sum_{i>m} sigma_i`` (H-infinity);
* ``trained_l1``: the *best* l1 error on the horizon of width-m linear RNNs
  trained with Adam over a small learning-rate sweep (``lrs``), several seeds
  (``seeds``) and initialisations (``inits``, default the multi-timescale one of
  :func:`~tnrnn.memory.training.fit_linear_rnn`, from which long memories are
  reachable), each trained to convergence by the plateau/decay rule of
  :func:`tnrnn.memory.training.fit_linear_rnn`; ``trained_seed_l1`` the best over
  the learning rates for each seed (the spread over seeds), ``trained_lr`` the
  learning rate of the best run, ``trained_converged`` how many runs the rule
  stopped before the step budget (needs torch; ``None`` without training).

Paper 001's approximation result is about the best width-m error, which is
why the trained column is a minimum over a sweep and seeds, not one run.

Every record carries its numerical ``noise_floor`` (``N * eps * sigma_1``,
:func:`tnrnn.memory.hankel.noise_floor`): a bound at or below it is listed in
``at_floor`` ("at the noise floor": it certifies nothing), and ``violations``
lists the bounds that an error beats by more than the floor (none, if the
theory and the code are right; the property tests check it).

Optimisation (:func:`plateau_records`): train a linear RNN by gradient descent on
targets whose memory sits later and later (``shift:delay``, ``airy:delay``),
for several seeds, and record each plateau length
(:func:`tnrnn.memory.training.plateau_length`); :func:`plateau_summary` gives the
median and range over seeds per delay, censored at the step budget.

Both stream: :func:`run_records` appends each record to a JSON-lines file as it
finishes, skips the configurations already there (resume), and leaves the file
valid when interrupted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import JsonlWriter, Record, read_records
from .hankel import at_noise_floor, noise_floor, realize_section, truncate_kernel
from .targets import sample_kernel, target
from .widths import kernel_error

__all__ = ["ApproximationRecord", "PlateauRecord", "PRESETS", "approximation_records", "plateau_records",
           "plateau_summary", "run_records", "read_records", "bound_status", "training_memory"]

#: Named settings of the approximation experiment (``tnrnn memory curse --preset``).
#: ``quick`` finishes in a few minutes on 2 cores; ``paper`` is the run behind docs/memory.rst.
PRESETS: dict = {
    "quick": {"targets": ("exp", "pol"), "widths": (1, 2, 4, 8), "horizon": 128.0, "dt": 1.0,
              "lrs": (1e-2, 3e-2), "seeds": (0, 1, 2), "steps": 1000, "patience": 200,
              "inits": ("timescales",)},
    "paper": {"targets": ("exp", "pol"), "widths": (1, 2, 4, 8, 16), "horizon": 1024.0, "dt": 1.0,
              "lrs": (1e-2, 3e-2), "seeds": (0, 1, 2), "steps": 3000, "patience": 300,
              "inits": ("timescales", "decay")},
}

#: (bound, errors it bounds from below) of an :class:`ApproximationRecord`.
LOWER_BOUNDS = (("lower_bound", ("bt_l1", "fir_l1", "trained_l1")), ("aak_lower", ("fir_l1_all",)))


def bound_status(record) -> tuple[tuple, tuple]:
    """``(at_floor, violations)`` of an approximation record (a record or its dict).

    ``at_floor``: the bounds (``lower_bound``, ``aak_lower``, ``bt_upper``) at or
    below the record's noise floor.  ``violations``: ``"error<bound"`` for each
    lower bound above the floor that an error beats by more than the floor
    (and a relative ``1e-9``).

    Examples
    --------
    >>> bound_status({"noise_floor": 1e-14, "lower_bound": 1e-16, "aak_lower": 0.1, "bt_upper": 0.3,
    ...               "bt_l1": 0.0, "fir_l1": 0.2, "trained_l1": None, "fir_l1_all": 0.2})
    (('lower_bound',), ())
    """
    d = record if isinstance(record, dict) else record.to_dict()
    floor = float(d["noise_floor"])
    at_floor = tuple(b for b in ("lower_bound", "aak_lower", "bt_upper") if at_noise_floor(d.get(b), floor))
    bad = []
    for bound, errors in LOWER_BOUNDS:
        b = d.get(bound)
        if b is None or bound in at_floor:
            continue
        for e in errors:
            v = d.get(e)
            if v is not None and v < b * (1 - 1e-9) - floor:
                bad.append(f"{e}<{bound}")
    return at_floor, tuple(bad)


@dataclass(frozen=True)
class ApproximationRecord(Record):
    """Errors of width-m approximations of one target (see the module docstring).

    The ``trained_*`` fields are ``None`` (and the tuples empty) when no model was trained.
    """

    target: str
    width: int
    horizon: float
    dt: float
    samples: int
    noise_floor: float
    lower_bound: float
    aak_lower: float
    bt_upper: float
    bt_l1: float
    bt_width: int
    fir_l1: float
    fir_l1_all: float
    trained_l1: float | None
    trained_seed_l1: tuple
    trained_lr: float | None
    trained_converged: int | None
    trained_runs: int
    lrs: tuple
    seeds: tuple
    inits: tuple
    steps: int
    at_floor: tuple = ()
    violations: tuple = ()
    kind: str = "approximation"

    def key(self) -> tuple:
        """What identifies the configuration (for resuming)."""
        return record_key(self.to_dict())

    def table_row(self) -> dict:
        """The columns of the ``tnrnn memory curse`` table (values at the noise floor shown as ``floor``)."""
        return approximation_row(self.to_dict())


def _cell(value, floor):
    if value is None:
        return None
    return "floor" if at_noise_floor(value, floor) else f"{value:.3e}"


def approximation_row(d: dict) -> dict:
    """One table row of an approximation record dict (``floor`` for values at its noise floor)."""
    f = d["noise_floor"]
    seeds = [v for v in d.get("trained_seed_l1") or [] if v is not None]
    spread = None
    if seeds:
        lo, med, hi = np.min(seeds), np.median(seeds), np.max(seeds)
        spread = f"{_cell(med, f)} [{_cell(lo, f)}, {_cell(hi, f)}]"
    return {"target": d["target"], "m": d["width"], "lower bound": _cell(d["lower_bound"], f),
            "bt l1": _cell(d["bt_l1"], f), "trained best": _cell(d.get("trained_l1"), f),
            "trained per seed: median [range]": spread, "fir-bt l1 (lags < 2N-1)": _cell(d["fir_l1_all"], f),
            "AAK": _cell(d["aak_lower"], f), "BT H-inf <=": _cell(d["bt_upper"], f),
            "violations": ", ".join(d.get("violations") or []) or "none"}


@dataclass(frozen=True)
class PlateauRecord(Record):
    """The loss curve of one training run on a delayed target, and its plateau length."""

    target: str
    delay: float
    width: int
    horizon: float
    dt: float
    optimizer: str
    lr: float
    steps: int
    seed: int | None
    threshold: float
    plateau: int | None
    final_loss: float
    curve_steps: tuple
    curve: tuple
    kind: str = "plateau"

    def key(self) -> tuple:
        """What identifies the configuration (for resuming)."""
        return record_key(self.to_dict())

    def table_row(self) -> dict:
        """Target, delay, seed, plateau (``> steps`` when never reached), final loss."""
        return {"target": self.target, "delay": self.delay, "seed": self.seed,
                "plateau": f">{self.steps}" if self.plateau is None else self.plateau,
                "final loss": f"{self.final_loss:.3e}"}


def _check_grid(horizon, dt):
    sample_kernel("exp", horizon, dt)  # validates horizon and dt


def training_memory(width: int, samples: int) -> float:
    """Estimated bytes of training one width-``width`` linear RNN on ``samples`` lags (autograd included).

    The doubling kernel keeps about ``log2(N) + 2`` blocks of ``W^k U`` (m x N)
    and as many m x m powers, each saved for the backward pass (x4).
    """
    levels = int(np.ceil(np.log2(max(samples, 2)))) + 2
    return 4 * 8.0 * levels * (width * samples + width * width)


def _sweep(h, m, *, dt, lrs, seeds, steps, patience, inits):
    from .training import fit_linear_rnn

    per_seed, best, best_lr, converged = [], None, None, 0
    for seed in seeds:
        seed_best = None
        for init, lr in ((i, r) for i in inits for r in lrs):
            fit = fit_linear_rnn(h, m, steps=steps, lr=lr, dt=dt, seed=seed, patience=patience, init=init)
            converged += int(fit.converged)
            err = kernel_error(h, fit.model).l1 if np.all(np.isfinite(fit.model.W)) else None
            if err is None or not np.isfinite(err):
                continue
            if seed_best is None or err < seed_best:
                seed_best = err
            if best is None or err < best:
                best, best_lr = err, float(lr)
        per_seed.append(seed_best)
    return best, tuple(per_seed), best_lr, converged


def approximation_records(targets: Iterable, widths: Iterable[int], *, horizon: float = 256.0, dt: float = 1.0,
                          train: bool = True, steps: int = 2000, lrs=(3e-3, 1e-2, 3e-2), seeds=(0, 1, 2),
                          patience: int | None = 300, inits=("timescales",), skip=frozenset(), max_memory=None,
                          on_start: Callable | None = None) -> Iterator[ApproximationRecord]:
    """Yield an :class:`ApproximationRecord` per target and width (configurations in ``skip`` are left out).

    ``inits`` x ``lrs`` x ``seeds`` linear RNNs are trained per width (``train=True``,
    needs torch; ``inits`` from :data:`tnrnn.memory.training.INITS`), each for at
    most ``steps`` Adam steps with the plateau/decay rule
    (``patience``; ``None``: exactly ``steps``).  The training memory of the widest
    model and the Hankel SVDs are estimated before anything is allocated
    (``max_memory``, default 4 GiB).  ``on_start(target, width)`` is called before
    each configuration (progress).

    Examples
    --------
    >>> recs = list(approximation_records(["exp"], [1, 2], horizon=40.0, dt=1.0, train=False))
    >>> [(r.width, r.bt_l1 < 1e-12, r.at_floor, r.violations) for r in recs]
    [(1, True, ('lower_bound', 'aak_lower', 'bt_upper'), ()), (2, True, ('lower_bound', 'aak_lower', 'bt_upper'), ())]
    """
    from scipy.linalg import svd, svdvals

    from ..limits import check_memory
    from ..validation import check_finite, check_positive_int, check_seed
    from .hankel import hankel_matrix

    specs = [target(t) for t in targets]
    ws = [check_positive_int(w, "widths") for w in widths]
    if not ws:
        raise InvalidParameterError("widths", widths, "at least one width")
    _check_grid(horizon, dt)
    N = int(round(horizon / dt))
    if train:  # before anything else: a huge width is refused at once, with the estimate
        check_memory(f"training a width-{max(ws)} linear RNN on {N} lags", training_memory(max(ws), N), max_memory,
                     "use smaller --hidden or fewer samples (a larger --dt)")
    if max(ws) > N:
        raise InvalidParameterError("widths", max(ws), f"widths <= {N} (the samples on the horizon; the width-{N} "
                                    "FIR realisation is already exact)")
    # the N x N SVDs (FIR operator, and Kung's section of twice the horizon)
    check_memory(f"the {N}x{N} Hankel SVDs", 6 * 8.0 * N * N, max_memory, "use a larger --dt or a shorter --horizon")
    lrs = tuple(check_finite(v, "lrs", low=0, open_low=True) for v in lrs) if train else ()
    seeds = tuple(check_seed(s, "seeds") for s in seeds) if train else ()
    inits = tuple(inits) if train else ()
    steps = check_positive_int(steps, "steps") if train else 0
    if train:
        if not lrs or not seeds:
            raise InvalidParameterError("lrs" if not lrs else "seeds", (), "at least one value")
        from .training import INITS

        inits = tuple(inits)
        for i in inits or ("",):
            if i not in INITS:
                raise InvalidParameterError("inits", i, "one or more of " + ", ".join(INITS))
        check_memory(f"training a width-{max(ws)} linear RNN on {N} lags", training_memory(max(ws), N), max_memory,
                     "use smaller --hidden or fewer samples (a larger --dt)")
        from .training import require_torch

        require_torch("training linear RNNs (memory curse; --no-train skips it)")
    for spec in specs:
        h = sample_kernel(spec, horizon, dt)
        todo = [m for m in ws if record_key({"kind": "approximation", "target": spec.name, "width": m,
                                              "horizon": float(horizon), "dt": float(dt), "steps": steps,
                                              "lrs": lrs, "seeds": seeds, "inits": inits}) not in skip]
        if not todo:
            continue
        h2 = sample_kernel(spec, 2 * N * dt, dt)[:2 * N - 1]
        factors = svd(hankel_matrix(h))
        floor = noise_floor(samples=N, sigma_1=float(factors[1][0]))
        sec = svdvals(hankel_matrix(h, section=True))
        for m in todo:
            if on_start is not None:
                on_start(spec.name, m)
            fir = truncate_kernel(h, m, svd=factors)
            bt = realize_section(h2, m)
            lower = float(sec[m]) if m < sec.size else 0.0
            trained = (None, (), None, None)
            if train:
                trained = _sweep(h, m, dt=dt, lrs=lrs, seeds=seeds, steps=steps, patience=patience, inits=inits)
            fields = dict(target=spec.name, width=m, horizon=float(horizon), dt=float(dt), samples=N,
                          noise_floor=floor, lower_bound=lower, aak_lower=fir.lower_bound,
                          bt_upper=fir.upper_bound, bt_l1=kernel_error(h, bt.model).l1, bt_width=bt.width,
                          fir_l1=kernel_error(h, fir.model).l1, fir_l1_all=kernel_error(h, fir.model, 2 * N - 1).l1,
                          trained_l1=trained[0], trained_seed_l1=trained[1], trained_lr=trained[2],
                          trained_converged=trained[3], trained_runs=len(inits) * len(lrs) * len(seeds), lrs=lrs,
                          seeds=seeds, inits=inits, steps=steps)
            at_floor, bad = bound_status(fields | {"kind": "approximation"})
            yield ApproximationRecord(**fields, at_floor=at_floor, violations=bad)


def plateau_records(name: str, delays: Iterable[float], *, width: int = 8, horizon: float = 16.0, dt: float = 0.1,
                    optimizer: str = "gd", lr: float = 0.05, steps: int = 2000, threshold: float = 0.5,
                    seeds=(0, 1, 2), points: int = 200, skip=frozenset(),
                    on_start: Callable | None = None) -> Iterator[PlateauRecord]:
    """Yield a :class:`PlateauRecord` per delay of the target ``name`` (``"shift"``, ``"airy"``, ``"twoparts"``) and seed.

    The loss curve is kept at ``points`` log-spaced steps from step 1 (for
    plots on a log axis; the loss before training is ``curve[0]`` at step 0).
    ``on_start(target, seed)`` is called before each run (progress).
    """
    from ..validation import check_finite, check_positive_int, check_seed
    from .training import fit_linear_rnn, plateau_length, require_torch

    require_torch("training linear RNNs (memory plateau)")
    base = name.partition(":")[0]
    if target(base).delay is None:
        raise InvalidParameterError("target", name, "a target with a delay: shift, twoparts or airy")
    _check_grid(horizon, dt)
    check_finite(threshold, "threshold", low=0, high=1, open_low=True)
    seeds = tuple(check_seed(s, "seeds") for s in ([seeds] if np.isscalar(seeds) or seeds is None else seeds))
    steps = check_positive_int(steps, "steps")
    for d in delays:
        spec = target(f"{base}:{check_finite(d, 'delays', low=0):g}")
        h = sample_kernel(spec, horizon, dt)
        for seed in seeds:
            key = record_key({"kind": "plateau", "target": spec.name, "width": int(width), "horizon": float(horizon),
                              "dt": float(dt), "steps": steps, "seed": seed, "optimizer": optimizer,
                              "lr": float(lr)})
            if key in skip:
                continue
            if on_start is not None:
                on_start(spec.name, seed)
            fit = fit_linear_rnn(h, width, steps=steps, lr=lr, optimizer=optimizer, dt=dt, seed=seed)
            losses = np.asarray(fit.losses)
            idx = np.unique(np.concatenate([[0], np.geomspace(1, max(len(losses) - 1, 1), points).astype(int)]))
            idx = idx[idx < len(losses)]
            yield PlateauRecord(spec.name, float(spec.delay), int(width), float(horizon), float(dt), optimizer,
                                float(lr), steps, seed, float(threshold), plateau_length(losses, threshold),
                                fit.final_loss, tuple(int(i) for i in idx), tuple(float(v) for v in losses[idx]))


def plateau_summary(records) -> list[dict]:
    """Per target and delay: the plateau lengths over seeds, their median and range, censored at the budget.

    A run that never reached the threshold counts as ``> steps`` (censored):
    the median is then ``None`` when half or more of the runs are censored
    (``median_censored``), and ``high`` is ``None`` when any is.

    Examples
    --------
    >>> recs = [{"kind": "plateau", "target": "shift:2", "delay": 2.0, "steps": 100, "plateau": p, "seed": s}
    ...         for s, p in enumerate([10, 30, None])]
    >>> s = plateau_summary(recs)[0]
    >>> s["median"], s["low"], s["high"], s["censored"]
    (30.0, 10, None, 1)
    """
    recs = [r if isinstance(r, dict) else r.to_dict() for r in records]
    recs = [r for r in recs if r.get("kind") == "plateau"]
    out = []
    for name in dict.fromkeys(r["target"] for r in sorted(recs, key=lambda r: (r["target"].partition(":")[0],
                                                                                r["delay"]))):
        group = [r for r in recs if r["target"] == name]
        steps = max(r["steps"] for r in group)
        vals = [np.inf if r["plateau"] is None else r["plateau"] for r in group]
        med = float(np.median(vals))
        done = [v for v in vals if np.isfinite(v)]
        out.append({"target": name, "delay": group[0]["delay"], "seeds": len(group), "steps": steps,
                    "plateaus": [None if not np.isfinite(v) else int(v) for v in vals],
                    "median": med if np.isfinite(med) else None, "median_censored": not np.isfinite(med),
                    "low": int(min(done)) if done else None,
                    "high": int(max(vals)) if all(np.isfinite(vals)) else None,
                    "censored": len(vals) - len(done)})
    return out


#: The fields that identify a configuration of each record kind (for resuming).
KEY_FIELDS = {
    "approximation": ("target", "width", "horizon", "dt", "steps", "lrs", "seeds", "inits"),
    "plateau": ("target", "width", "horizon", "dt", "steps", "seed", "optimizer", "lr"),
}


def record_key(d: dict) -> tuple:
    """The resume key of a record (or its dict read back from JSON: lists become tuples)."""
    def frozen(v):
        return tuple(frozen(x) for x in v) if isinstance(v, (list, tuple)) else v

    kind = d.get("kind")
    return (kind,) + tuple(frozen(d.get(f)) for f in KEY_FIELDS.get(kind, ()))


def run_records(make, path=None, *, resume: bool = True, report: Callable | None = None,
                kinds: tuple[str, ...] | None = None) -> list:
    """Run a record generator, appending each record to ``path`` (JSON lines) as it finishes.

    ``make(skip)`` must return an iterator of records that leaves out the keys in
    ``skip`` (those already in ``path``; with ``resume=False`` an existing
    non-empty ``path`` is refused instead).  ``report(record)`` is called as
    each record finishes (progress lines).  Returns the records read back from
    ``path`` plus those of this run (as dicts).  Interrupting leaves every
    finished record in the file.  ``kinds``: the record kinds ``path`` may
    hold (another command's records are refused, :class:`~tnrnn.records.JsonlWriter`).
    """
    writer = JsonlWriter(path, resume=resume, name="--out", kinds=kinds) if path is not None else None
    done = writer.existing if writer is not None else []
    skip = frozenset(record_key(d) for d in done)
    fresh = []
    try:
        for rec in make(skip):
            d = rec.to_dict()
            fresh.append(d)
            if writer is not None:
                writer.write(d)
            if report is not None:
                report(rec)
    finally:
        if writer is not None:
            writer.close()
    return done + fresh
