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
  target cut at the horizon (its FIR realisation), with that truncation's
  certified bounds against the cut target: ``aak_lower = sigma_{m+1}`` (Hankel
  norm, hence H-infinity and l1 over all lags) and ``bt_upper = 2 sum_{i>m}
  sigma_i`` (H-infinity);
* ``trained_l1``: the l1 error on the horizon of a linear RNN trained with Adam
  (seeded, :func:`tnrnn.memory.training.fit_linear_rnn`, kernel loss), when
  training is asked for (needs torch).

Optimisation (:func:`plateau_records`): train a linear RNN by gradient descent on
targets whose memory sits later and later (``shift:delay``, ``airy:delay``) and
record the plateau length (:func:`tnrnn.memory.training.plateau_length`).

Both stream: :func:`run_records` appends each record to a JSON-lines file as it
finishes, skips the configurations already there (resume), and leaves the file
valid when interrupted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from ..errors import InvalidParameterError
from ..records import JsonlWriter, Record, read_records
from .hankel import kernel_error, realize_section, truncate_kernel
from .targets import sample_kernel, target

__all__ = ["ApproximationRecord", "PlateauRecord", "approximation_records", "plateau_records", "run_records",
           "read_records"]


@dataclass(frozen=True)
class ApproximationRecord(Record):
    """Errors of width-m approximations of one target (see the module docstring).

    ``trained_l1``/``trained_loss`` are ``None`` when no model was trained.
    """

    target: str
    width: int
    horizon: float
    dt: float
    lower_bound: float
    aak_lower: float
    bt_upper: float
    bt_l1: float
    bt_width: int
    fir_l1: float
    trained_l1: float | None
    trained_loss: float | None
    steps: int
    seed: int | None
    kind: str = "approximation"

    def key(self) -> tuple:
        """What identifies the configuration (for resuming)."""
        return (self.kind, self.target, self.width, self.horizon, self.dt, self.steps, self.seed)

    def to_dict(self) -> dict:
        """JSON-safe."""
        return asdict(self)

    def __str__(self) -> str:
        tr = "-" if self.trained_l1 is None else f"{self.trained_l1:.3e}"
        return (f"{self.target:>10} m={self.width:<3} lower {self.lower_bound:.3e}  bt {self.bt_l1:.3e}  "
                f"fir-bt {self.fir_l1:.3e}  "
                f"trained {tr}  (AAK {self.aak_lower:.3e}, BT H-inf <= {self.bt_upper:.3e})")


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
        return (self.kind, self.target, self.width, self.horizon, self.dt, self.steps, self.seed)

    def to_dict(self) -> dict:
        """JSON-safe."""
        d = asdict(self)
        d["curve_steps"], d["curve"] = list(self.curve_steps), list(self.curve)
        return d

    def __str__(self) -> str:
        p = f">{self.steps}" if self.plateau is None else str(self.plateau)
        return f"{self.target:>10} delay {self.delay:g}: plateau {p} steps, final loss {self.final_loss:.3e}"


def _check_grid(horizon, dt):
    sample_kernel("exp", horizon, dt)  # validates horizon and dt


def approximation_records(targets: Iterable, widths: Iterable[int], *, horizon: float = 32.0, dt: float = 0.1,
                          train: bool = True, steps: int = 1000, lr: float = 1e-2, seed=0,
                          skip=frozenset()) -> Iterator[ApproximationRecord]:
    """Yield an :class:`ApproximationRecord` per target and width (configurations in ``skip`` are left out).

    Examples
    --------
    >>> recs = list(approximation_records(["exp"], [1, 2], horizon=40.0, dt=1.0, train=False))
    >>> [(r.width, r.lower_bound < 1e-12, r.bt_l1 < 1e-12) for r in recs]
    [(1, True, True), (2, True, True)]
    """
    from scipy.linalg import svd, svdvals

    from ..validation import check_positive_int
    from .hankel import hankel_matrix

    specs = [target(t) for t in targets]
    ws = [check_positive_int(w, "widths") for w in widths]
    _check_grid(horizon, dt)
    if train:
        from .training import fit_linear_rnn, require_torch

        require_torch("training linear RNNs (memory curse)")
    for spec in specs:
        todo = [m for m in ws if ("approximation", spec.name, m, float(horizon), float(dt),
                                  int(steps) if train else 0, seed) not in skip]
        if not todo:
            continue
        h = sample_kernel(spec, horizon, dt)
        N = h.size
        h2 = sample_kernel(spec, 2 * N * dt, dt)[:2 * N - 1]
        factors = svd(hankel_matrix(h))
        sec = svdvals(hankel_matrix(h, section=True))
        for m in todo:
            fir = truncate_kernel(h, m, svd=factors)
            bt = realize_section(h2, m)
            lower = float(sec[m]) if m < sec.size and sec[m] > sec[0] * 1e-13 else 0.0
            trained_l1 = trained_loss = None
            if train:
                fit = fit_linear_rnn(h, m, steps=steps, lr=lr, dt=dt, seed=seed)
                trained_l1, trained_loss = kernel_error(h, fit.model).l1, fit.final_loss
            yield ApproximationRecord(spec.name, m, float(horizon), float(dt), lower, fir.lower_bound,
                                      fir.upper_bound, kernel_error(h, bt.model).l1, bt.width,
                                      kernel_error(h, fir.model).l1, trained_l1, trained_loss,
                                      int(steps) if train else 0, seed)


def plateau_records(name: str, delays: Iterable[float], *, width: int = 8, horizon: float = 16.0, dt: float = 0.1,
                    optimizer: str = "gd", lr: float = 0.05, steps: int = 2000, threshold: float = 0.5, seed=0,
                    points: int = 200, skip=frozenset()) -> Iterator[PlateauRecord]:
    """Yield a :class:`PlateauRecord` per delay of the target ``name`` (``"shift"``, ``"airy"``, ``"twoparts"``).

    The loss curve is kept at ``points`` log-spaced steps (for plots).
    """
    from .training import fit_linear_rnn, plateau_length, require_torch

    require_torch("training linear RNNs (memory plateau)")
    base = name.partition(":")[0]
    target(base)
    if target(base).delay is None:
        raise InvalidParameterError("target", name, "a target with a delay: shift, twoparts or airy")
    _check_grid(horizon, dt)
    for d in delays:
        spec = target(f"{base}:{float(d):g}")
        key = ("plateau", spec.name, int(width), float(horizon), float(dt), int(steps), seed)
        if key in skip:
            continue
        h = sample_kernel(spec, horizon, dt)
        fit = fit_linear_rnn(h, width, steps=steps, lr=lr, optimizer=optimizer, dt=dt, seed=seed)
        losses = np.asarray(fit.losses)
        idx = np.unique(np.concatenate([[0], np.geomspace(1, max(len(losses) - 1, 1), points).astype(int)]))
        idx = idx[idx < len(losses)]
        yield PlateauRecord(spec.name, float(spec.delay), int(width), float(horizon), float(dt), optimizer, float(lr),
                            int(steps), seed, float(threshold), plateau_length(losses, threshold),
                            fit.final_loss, tuple(int(i) for i in idx), tuple(float(v) for v in losses[idx]))


def record_key(d: dict) -> tuple:
    """The resume key of a record read back from JSON."""
    return (d.get("kind"), d.get("target"), d.get("width"), d.get("horizon"), d.get("dt"), d.get("steps"),
            d.get("seed"))


def run_records(make, path=None, *, progress: bool = False, total: int | None = None) -> list:
    """Run a record generator, appending each record to ``path`` (JSON lines) as it finishes.

    ``make(skip)`` must return an iterator of records that leaves out the keys in
    ``skip`` (those already in ``path``).  Returns the records of this run plus
    the ones read back from ``path`` (as dicts).  Interrupting leaves every
    finished record in the file.
    """
    writer = JsonlWriter(path, resume=True, name="--out") if path is not None else None
    done = writer.existing if writer is not None else []
    skip = frozenset(record_key(d) for d in done)
    bar = None
    if progress:
        import sys

        from tqdm import tqdm

        bar = tqdm(total=None if total is None else max(total - len(skip), 0), file=sys.stderr, leave=False)
    fresh = []
    try:
        for rec in make(skip):
            d = rec.to_dict()
            fresh.append(d)
            if writer is not None:
                writer.write(d)
            if bar is not None:
                bar.update(1)
    finally:
        if writer is not None:
            writer.close()
        if bar is not None:
            bar.close()
    return done + fresh
