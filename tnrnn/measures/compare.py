r"""The comparison: memory measures of recurrent units *trained* on one task, over seeds, with intervals.

Zhang, Li, Hua, Song (ECAI 2020) ask how a unit's memory depends on the
*external* factor (the sequence length used in training) and the *internal*
one (the unit).  This module trains every unit of :data:`UNITS` on the
Start-End Similarity task of :mod:`tnrnn.tasks` at every training length, for
every seed, measures each trained network (and the untrained one, training
length 0, as the reference), and summarises each (unit, length) over seeds
with a bootstrap 95 % interval:

==============  =================================================================
unit            model (width ``H`` for all)
==============  =================================================================
``rnn``         vanilla Elman tanh RNN (``torch.nn.RNN``, torch's default init)
``lstm``        ``torch.nn.LSTM``
``gru``         ``torch.nn.GRU``
``ortho1..3``   deep orthogonal tanh RNN of depth 1, 2, 3 (:func:`tnrnn.tasks.models.build_model`, ``"ortho"``)
``mirnn``       multiplicative-integration RNN (tanh, biases; :class:`tnrnn.bridge.nn.MIRNN`)
``rac``         recurrent arithmetic circuit (:class:`tnrnn.bridge.nn.RACModule`)
``ssm``         selective diagonal state-space layer (:class:`tnrnn.bridge.nn.CircuitModule`, ``"ssm"``)
``gla``         gated linear attention, matrix state (:class:`tnrnn.bridge.nn.CircuitModule`, ``"gla"``)
``mamba``       one mambapy ``Mamba`` layer (``d_model = H``, mambapy's other defaults: ``d_state`` 16,
                ``d_conv`` 4, expand 2) between an input map and a linear readout of the last step
==============  =================================================================

Every model but ``rnn`` and ``mamba`` comes from :func:`tnrnn.tasks.models.build_model`;
``rnn`` is the same body (``nn.RNN`` + linear readout ``fc``) without the
orthogonal constraint, since the tasks track has no unconstrained Elman RNN;
``mamba`` reads its one-hot inputs through an ``nn.Embedding``'s table (``x @ E``,
which the bridge folds in as it folds any embedding) and needs mambapy
(the ``torch`` extra).  The ``cpu`` preset runs the first eight units (the
documented run); ``cpu-modern`` runs the same protocol on all eleven.

**Training until clearly above chance.** Adam, cross-entropy on the label
read at the last step, batches of ``batch_size`` fresh sequences from
:func:`tnrnn.tasks.batches` (seeded by :func:`tnrnn.tasks.split_seeds`),
float64, one thread per network.  Every ``eval_every`` steps the accuracy
on ``val_size`` validation sequences is measured; training stops once it
reaches ``target`` or after ``max_steps`` steps, and the weights of the best
validation accuracy are kept; it also stops when ``patience`` evaluations
in a row bring no better validation accuracy (a unit that does not learn
the task in this budget is not trained for the whole budget).  The test accuracy on ``test_size`` held-out
sequences is reported with its Wilson 95 % interval; a network is **at
chance** when the lower end of that interval is below
``chance + margin`` (chance = 1 / classes).  A (unit, length) row is at
chance when the lower end of the bootstrap interval of its mean accuracy is
below ``chance + margin``; such rows are flagged in the table and excluded
from the significance tests (the conclusions).

**Measures per network** (all on the same weights, :mod:`tnrnn.measures.drive`;
probe inputs drawn from the task's own distribution: token sequences of the
SES task, of the length the probe needs):

* ``accuracy``: test accuracy at the training length (untrained: at the largest length);
* ``retention_area``, ``kernel_area``: the threshold-free areas under the
  lag-retention score of the linear and the kernel probe
  (:func:`~tnrnn.measures.lag_retention`, ``lags`` lags, semantic window =
  the task's window), with ``memory_length`` / ``kernel_length`` at
  threshold 0.5 beside them and ``semantic_area``;
* ``capacity``: :func:`~tnrnn.measures.memory_capacity` (scalar series along a
  seeded unit direction, bias-corrected; n/a with the reason when the state
  does not depend on the input);
* ``effective_rank``: the effective rank of the empirical Start-End spectrum
  (:func:`tnrnn.bridge.empirical_spectrum`, length ``rank_length`` for every
  network, one-hot templates);
  (a length equal to ``lags`` -- every probed lag retained -- is censored,
  ``>= lags``, shown and tested as the horizon's below);
* ``horizon``: the gradient horizon at 1e-2 of the maximum on task
  sequences of ``horizon_lags`` steps (:func:`~tnrnn.measures.gradient_horizon`); a
  horizon at the probe limit is censored (``>= horizon_lags``), and a row with any
  censored seed shows ``>= horizon_lags (c/n censored)``, never a mean;
  ``horizon_area`` (:math:`\sum_k g(k)/\max g`) is its threshold-free summary;
* ``lyapunov``: the largest Lyapunov exponent (nats per step) on task sequences.

**Flags.** A real-valued metric whose per-seed values are identical (to 1e-9 relative)
for two different units at the same training length is flagged
``identical to UNIT``: a value shared by different units is a property of
the measure's degenerate case, not of the units.

**Significance.** For every metric and training length, each pair of
units whose rows are above chance is compared with a two-sided
Mann-Whitney U test over seeds, and each trained row with its unit's
untrained row; the p-values of one metric are Holm-corrected together
(family-wise 5 %).  :func:`significant_differences` lists them.

Records stream to ``out/compare.jsonl`` as each network finishes; a rerun
skips the keys already there (resume), and Ctrl-C leaves the finished
records valid.  Networks run in ``jobs`` worker processes.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable, Iterable

import numpy as np

from ..errors import InvalidParameterError
from ..records import JsonlWriter, format_table, format_value, read_records

__all__ = ["UNITS", "PRESETS", "METRICS", "run_comparison", "measure_network", "read_records", "summarize",
           "format_table", "format_summary", "comparison_configs", "config_key", "significant_differences",
           "estimate_seconds", "BOOTSTRAP_RESAMPLES"]

#: Resamples of the percentile bootstrap interval of each (unit, length) mean (:func:`tnrnn.stats.bootstrap_interval`).
BOOTSTRAP_RESAMPLES = 4000

#: Unit name -> (tasks arch, depth); ``rnn`` is the unconstrained Elman RNN built here.
UNITS = {"rnn": ("rnn", 1), "lstm": ("lstm", 1), "gru": ("gru", 1), "ortho1": ("ortho", 1),
         "ortho2": ("ortho", 2), "ortho3": ("ortho", 3), "mirnn": ("mirnn", 1), "rac": ("rac", 1),
         "ssm": ("ssm", 1), "gla": ("gla", 1), "mamba": ("mamba", 1)}

#: The units of the documented ``cpu`` run (before the modern units were added).
CLASSIC_UNITS = ("rnn", "lstm", "gru", "ortho1", "ortho2", "ortho3", "mirnn", "rac")

#: The measures in a record, in table order: name -> (short heading, lower bound of its range or None,
#: upper bound or None).
METRICS = {
    "accuracy": ("accuracy", 0.0, 1.0),
    "retention_area": ("retention area", 0.0, None),
    "kernel_area": ("kernel area", 0.0, None),
    "memory_length": ("length@0.5", 0.0, None),
    "kernel_length": ("kernel length@0.5", 0.0, None),
    "semantic_area": ("semantic area", 0.0, None),
    "capacity": ("capacity", None, None),
    "effective_rank": ("eff. rank", 1.0, None),
    "horizon": ("horizon", 0.0, None),
    "horizon_area": ("horizon area", 0.0, None),
    "lyapunov": ("lyapunov", None, None),
}

#: Metrics whose values are real numbers (the integer memory lengths coincide across units at 0 or at the
#: number of lags without meaning anything: they are not checked for identical values).
CONTINUOUS = tuple(m for m in METRICS if m not in ("memory_length", "kernel_length"))

#: ``cpu``: the documented run (8 units x (untrained + 2 lengths) x 10 seeds = 240 networks); ``cpu-modern``:
#: the same with the ssm, gla and mamba units (11 units, 330 networks).
#: ``smoke``: a seconds-long run of the same code (tests, trying the command).
PRESETS: dict = {
    "cpu": {"units": list(CLASSIC_UNITS), "lengths": [8, 16], "seeds": list(range(10)), "hidden": 16, "alphabet": 4,
            "window": 2, "max_steps": 3000, "eval_every": 100, "patience": 10, "target": 0.95, "batch_size": 64, "lr": 1e-2,
            "val_size": 256, "test_size": 512, "margin": 0.1, "lags": 12, "horizon_lags": 32, "rank_length": 8,
            "spectrum_samples": 64, "sequences": 128, "capacity_rows": 10000},
    "smoke": {"units": ["gru", "ortho1"], "lengths": [8], "seeds": [0, 1, 2], "hidden": 6, "alphabet": 3,
              "window": 2, "max_steps": 40, "eval_every": 20, "patience": 2, "target": 0.95, "batch_size": 16, "lr": 1e-2,
              "val_size": 64, "test_size": 64, "margin": 0.1, "lags": 6, "horizon_lags": 8, "rank_length": 4,
              "spectrum_samples": 16, "sequences": 32, "capacity_rows": 1000},
}
PRESETS["cpu-modern"] = {**PRESETS["cpu"], "units": list(UNITS)}


def _torch():
    from .horizon import _torch as need

    return need("the comparison (training)")


def comparison_configs(preset: str = "cpu", **overrides) -> list[dict]:
    """One config per (unit, training length or 0 = untrained, seed) of a preset (overrides replace its keys).

    Examples
    --------
    >>> cs = comparison_configs("smoke", seeds=[0])
    >>> [(c["unit"], c["length"], c["seed"]) for c in cs]
    [('gru', 0, 0), ('gru', 8, 0), ('ortho1', 0, 0), ('ortho1', 8, 0)]
    """
    from ..validation import check_finite, check_positive_int, check_seed

    if preset not in PRESETS:
        raise InvalidParameterError("preset", preset, "one of " + ", ".join(PRESETS))
    unknown = sorted(set(overrides) - set(PRESETS[preset]))
    if unknown:
        raise InvalidParameterError(unknown[0], overrides[unknown[0]], "one of " + ", ".join(PRESETS[preset]))
    p = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
    if not p["units"]:
        raise InvalidParameterError("units", p["units"], "at least one unit of " + ", ".join(UNITS))
    for u in p["units"]:
        if u not in UNITS:
            raise InvalidParameterError("units", u, "names from " + ", ".join(UNITS))
    for s in p["seeds"]:
        check_seed(s, "seeds")
    for name in ("hidden", "max_steps", "eval_every", "patience", "batch_size", "val_size", "test_size", "lags",
                 "horizon_lags", "rank_length",
                 "spectrum_samples", "capacity_rows"):
        check_positive_int(p[name], name)
    check_positive_int(p["sequences"], "sequences", 4)
    check_finite(p["lr"], "lr", low=0, open_low=True)
    check_finite(p["target"], "target", low=0, high=1, open_low=True)
    check_finite(p["margin"], "margin", low=0, high=1)
    lengths = sorted({int(t) for t in p["lengths"]})
    if not lengths:
        raise InvalidParameterError("lengths", p["lengths"], "at least one training length")
    for t in lengths:
        if t < 2 or t % 2 or t // 2 < p["window"]:
            raise InvalidParameterError("lengths", t, f"even lengths >= {2 * p['window']} (the SES task)")
    base = {k: v for k, v in p.items() if k not in ("units", "lengths", "seeds")}
    base["max_length"] = max(lengths)
    return [{**base, "unit": u, "length": t, "seed": int(s)}
            for u in p["units"] for t in [0, *lengths] for s in p["seeds"]]


def config_key(c: dict) -> str:
    """A readable, unique name of a config: unit, training length, seed and a hash of everything else.

    Examples
    --------
    >>> config_key(comparison_configs("smoke")[1]).split("-")[:3]
    ['gru', 'T0', 's1']
    """
    import hashlib

    rest = {k: v for k, v in c.items() if k not in ("unit", "length", "seed")}
    digest = hashlib.sha1(json.dumps(rest, sort_keys=True).encode()).hexdigest()[:8]
    return f"{c['unit']}-T{c['length']}-s{c['seed']}-{digest}"


def estimate_memory(configs: list[dict]) -> float:
    """Bytes the largest of ``configs`` needs at once: its data batches (tokens, one-hot inputs) and the
    autograd graph of one batch (states and gates of every step), as float64.

    Examples
    --------
    >>> estimate_memory(comparison_configs("smoke")) < 2**30
    True
    """
    worst = 0.0
    for c in configs:
        T = max(int(c["max_length"]), int(c["length"]), 1)
        rows = max(c["batch_size"], c["val_size"], c["test_size"], c["sequences"], c["capacity_rows"])
        worst = max(worst, 8.0 * rows * T * (2 + c["alphabet"] + 16 * c["hidden"]))
    return worst


def estimate_seconds(configs: list[dict], seconds_per_step: float = 4e-3, seconds_per_measure: float = 6.0) -> float:
    """A rough upper estimate of the CPU seconds of ``configs`` (every trained network runs ``max_steps``)."""
    total = 0.0
    for c in configs:
        scale = (c["hidden"] / 16) * (c["batch_size"] / 64) * (max(c["length"], 8) / 8)
        total += seconds_per_measure * c["hidden"] / 16 + (c["max_steps"] * seconds_per_step * scale
                                                          if c["length"] else 0.0)
    return total


def _build(c: dict, inputs: int, outputs: int, torch):
    from ..tasks.models import build_model

    arch, depth = UNITS[c["unit"]]
    if arch == "mamba":
        return _mamba_unit(c, inputs, outputs, torch)
    if arch != "rnn":
        return build_model(arch, depth, c["hidden"], inputs, outputs, seed=c["seed"], dtype=torch.float64)
    from torch import nn

    class VanillaRNN(nn.Module):
        """``nn.RNN`` (tanh) and a linear readout of the last state, as the tasks' models."""

        def __init__(self):
            super().__init__()
            self.arch, self.depth, self.hidden, self.per_step = "rnn", 1, c["hidden"], False
            self.rnn = nn.RNN(inputs, c["hidden"], batch_first=True, dtype=torch.float64)
            self.fc = nn.Linear(c["hidden"], outputs, dtype=torch.float64)

        def forward(self, x):
            out, _ = self.rnn(x)
            return self.fc(out[:, -1])

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(c["seed"]))
        return VanillaRNN()


def _mamba_unit(c: dict, inputs: int, outputs: int, torch):
    """One mambapy Mamba layer of width ``H`` between an embedding table (read as ``x @ E``) and a readout."""
    import importlib.util

    if importlib.util.find_spec("mambapy") is None:
        from ..errors import MissingDependencyError

        raise MissingDependencyError("mambapy", "the mamba unit of the comparison", extra="torch")
    from mambapy.mamba import Mamba, MambaConfig
    from torch import nn

    class MambaUnit(nn.Module):
        def __init__(self):
            super().__init__()
            self.arch, self.depth, self.hidden, self.per_step = "mamba", 1, c["hidden"], False
            self.emb = nn.Embedding(inputs, c["hidden"], dtype=torch.float64)
            self.mamba = Mamba(MambaConfig(d_model=c["hidden"], n_layers=1)).double()
            self.fc = nn.Linear(c["hidden"], outputs, dtype=torch.float64)

        def forward(self, x):
            return self.fc(self.mamba(x @ self.emb.weight)[:, -1])

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(c["seed"]))
        return MambaUnit()


def _accuracy(model, batch, torch) -> float:
    with torch.no_grad():
        logits = model(torch.as_tensor(batch.x, dtype=torch.float64))
    return float((logits.argmax(dim=1).numpy() == batch.y).mean())


def _train(model, task, c: dict, torch) -> dict:
    """Adam until the validation accuracy reaches ``target``, stalls for ``patience`` evaluations, or ``max_steps``;
    the weights of the best validation accuracy are kept."""
    import copy

    from ..tasks.data import batches, split_seeds

    g_train, g_val, _ = split_seeds(c["seed"])
    val = task.batch(c["val_size"], g_val)
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    stream = batches(task, c["batch_size"], g_train)
    best, best_state, loss, step, stale = -1.0, None, float("nan"), 0, 0
    while step < c["max_steps"]:
        b = next(stream)
        logits = model(torch.as_tensor(b.x, dtype=torch.float64))
        out = torch.nn.functional.cross_entropy(logits, torch.as_tensor(b.y, dtype=torch.long))
        opt.zero_grad(set_to_none=True)
        out.backward()
        opt.step()
        loss = float(out.detach())
        step += 1
        if step % c["eval_every"] == 0 or step == c["max_steps"]:
            if not math.isfinite(loss):
                break
            acc = _accuracy(model, val, torch)
            if acc > best:
                best, best_state, stale = acc, copy.deepcopy(model.state_dict()), 0
            else:
                stale += 1
            if acc >= c["target"] or stale >= c["patience"]:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"steps": step, "final_loss": loss if math.isfinite(loss) else None, "val_accuracy": best}


def _task_tokens(c: dict, length: int, n: int, rng):
    """``n`` token sequences of the SES task at an even length >= ``length`` (its own distribution)."""
    from ..tasks.data import make_task

    T = max(2 * c["window"], length + (length % 2))
    return make_task("ses", T, alphabet=c["alphabet"], window=c["window"]).sample(n, rng).tokens


def measure_network(model, task, c: dict) -> dict:
    """The measures of one network (see the module docstring): a dict of numbers or ``None``, and the reasons."""
    from ..bridge import empirical_spectrum
    from ..tasks.data import split_seeds
    from .capacity import memory_capacity
    from .drive import stepper
    from .horizon import gradient_horizon
    from .lyapunov import lyapunov_spectrum
    from .retention import lag_retention

    torch = _torch()
    st = stepper(model)
    _, _, g_test = split_seeds(c["seed"])
    test = task.batch(c["test_size"], g_test)
    correct = int(round(_accuracy(model, test, torch) * c["test_size"]))
    from ..stats import wilson_interval

    w = wilson_interval(correct, c["test_size"])
    lo, hi = w.low, w.high
    chance = 1.0 / task.outputs
    rng = np.random.default_rng([c["seed"], 7])
    M = task.inputs
    onehot = np.eye(M)
    rows = 8
    toks = _task_tokens(c, c["lags"] + c["window"] + rows, c["sequences"], rng)
    ret = lag_retention(st, c["lags"], window=c["window"], sequences=c["sequences"], rows=rows, tokens=toks,
                        templates=onehot, seed=c["seed"])
    mc = memory_capacity(st, 2 * c["hidden"], length=2 * c["hidden"] + c["capacity_rows"], seed=c["seed"])
    spec = empirical_spectrum(_imported(model), c["rank_length"], samples=c["spectrum_samples"], seed=c["seed"])
    hx = onehot[_task_tokens(c, c["horizon_lags"], 8, rng)[:, -c["horizon_lags"]:]]
    gh = gradient_horizon(st, X=hx, tol=1e-2)
    lx = onehot[_task_tokens(c, 150, 2, rng)[:, -150:]]
    ly = lyapunov_spectrum(st, X=lx, washout=50, exponents=1)

    def num(v):
        return None if v is None or not math.isfinite(v) else float(v)

    reasons = {}
    if ret.reason:
        for m in ("retention_area", "kernel_area", "memory_length", "kernel_length", "semantic_area"):
            reasons[m] = ret.reason
    if mc.reason:
        reasons["capacity"] = mc.reason
    if gh.reason:
        reasons["horizon"] = reasons["horizon_area"] = gh.reason
    if ly.reason:
        reasons["lyapunov"] = ly.reason
    return {"accuracy": correct / c["test_size"], "accuracy_interval": [lo, hi], "chance": chance,
            "at_chance": bool(lo < chance + c["margin"]),
            "retention_area": num(ret.area), "kernel_area": num(ret.kernel_area),
            "memory_length": ret.length, "kernel_length": ret.kernel_length, "semantic_area": num(ret.semantic_area),
            "memory_length_censored": ret.length is not None and ret.length >= c["lags"],
            "kernel_length_censored": ret.kernel_length is not None and ret.kernel_length >= c["lags"],
            "capacity": num(mc.total), "capacity_stderr": num(mc.total_stderr),
            "effective_rank": num(spec.effective_rank),
            "horizon": gh.horizon(), "horizon_censored": gh.censored(),
            "horizon_at_least": c["horizon_lags"] if gh.censored() else None, "horizon_area": num(gh.area),
            "lyapunov": num(ly.maximal) if ly.reason is None else None, "reasons": reasons}


def _imported(model):
    """The bridge's import of a task model (for the empirical spectrum)."""
    from ..bridge.mapping import from_state_dict
    from ..tasks.models import ARCHS, bridge_arch, export_state_dict

    if model.arch == "mamba":
        from ..bridge import from_module

        return from_module(model)
    if model.arch in ARCHS:
        return from_state_dict(export_state_dict(model), bridge_arch(model.arch))
    return from_state_dict({k: v.detach() for k, v in model.state_dict().items()}, "rnn_tanh")


def run_network(c: dict) -> dict:
    """Train (unless ``length`` is 0) and measure one config: its record."""
    torch = _torch()

    from .quality import single_threaded

    torch.set_num_threads(1)
    with single_threaded():
        return _run_network(c, torch)


def _run_network(c: dict, torch) -> dict:
    from ..tasks.data import make_task

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    T = c["length"] or c["max_length"]
    task = make_task("ses", T, alphabet=c["alphabet"], window=c["window"])
    with torch.random.fork_rng(devices=[]):
        model = _build(c, task.inputs, task.outputs, torch)
        training = _train(model, task, c, torch) if c["length"] else {"steps": 0, "final_loss": None,
                                                                      "val_accuracy": None}
    model.eval()
    t1 = time.perf_counter()
    with np.errstate(all="ignore"):
        measured = measure_network(model, task, c)
    return {"kind": "compare", "key": config_key(c), "unit": c["unit"], "length": c["length"], "seed": c["seed"],
            "trained": bool(c["length"]), "config": c, **training, **measured,
            "train_seconds": t1 - t0, "seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu0}


def run_comparison(configs: Iterable[dict], path, *, jobs: int = 1,
                   report: Callable[[int, int, dict], None] | None = None, resume: bool = True) -> list[dict]:
    """Train and measure every config, appending one JSON line per network to ``path``; skip keys already there.

    ``jobs`` worker processes (spawned) share the networks; ``report(done, total, record)`` is called as each
    finishes.  Returns every record of the file afterwards (old and new).
    """
    from ..validation import check_positive_int

    _torch()
    jobs = check_positive_int(jobs, "jobs")
    configs = list(configs)
    writer = JsonlWriter(path, resume=resume, name="--out", kinds=("compare",), rescue=True)
    done = {r.get("key") for r in writer.existing}
    todo = [c for c in configs if config_key(c) not in done]
    with writer as f:
        if jobs == 1 or len(todo) <= 1:
            for i, c in enumerate(todo):
                rec = run_network(c)
                f.write(rec)
                if report:
                    report(i + 1, len(todo), rec)
        else:
            import concurrent.futures as cf
            import multiprocessing

            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futures = [pool.submit(run_network, c) for c in todo]
                try:
                    for i, fut in enumerate(cf.as_completed(futures)):
                        rec = fut.result()
                        f.write(rec)
                        if report:
                            report(i + 1, len(todo), rec)
                except BaseException:
                    for fut in futures:
                        fut.cancel()
                    raise
    writer.raise_if_rescued()   # a full disk: exit 1 naming the rescue file
    return read_records(path)


# -- statistics (tnrnn.stats owns every interval and test) -------------------------------------------------
def _reason(text):
    """A reason without its per-network numbers (the parenthesised details), so that seeds group."""
    if not text:
        return None
    return text.split(" (")[0]


def _identical(a: list, b: list) -> bool:
    if len(a) != len(b) or not a or any(x is None for x in a + b):
        return False
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return bool(np.all(np.abs(x - y) <= 1e-9 * np.maximum(1e-300, np.maximum(np.abs(x), np.abs(y)))))


#: Metrics measured up to a probe limit, and the config key of that limit: a value at the limit is censored.
CENSORED_AT = {"horizon": "horizon_lags", "memory_length": "lags", "kernel_length": "lags"}


def _censored(r: dict, m: str) -> bool:
    """Whether the record's ``m`` reached its probe limit (``>= limit``, not a number).

    The horizon says so itself (``horizon_censored``); a memory length equal to the number of probed lags
    (every lag retained above the threshold) is censored too (``memory_length_censored`` in new records;
    older ones are recognised by the value).
    """
    if m not in CENSORED_AT:
        return False
    if r.get(f"{m}_censored") is not None:
        return bool(r[f"{m}_censored"])
    limit = (r.get("config") or {}).get(CENSORED_AT[m])
    return m != "horizon" and limit is not None and r.get(m) is not None and r[m] >= limit


def _at_least(r: dict, m: str):
    return r.get(f"{m}_at_least") or (r.get("config") or {}).get(CENSORED_AT[m])


def summarize(records: Iterable[dict]) -> list[dict]:
    """Per (unit, training length): every metric's mean, bootstrap 95 % interval, count, reasons and flags.

    Each row has ``unit``, ``length``, ``seeds``, ``chance``, ``at_chance`` (trained rows whose interval of
    mean accuracy does not clear ``chance + margin``) and, per metric, a dict ``{"mean", "low", "high", "n",
    "na", "reason", "censored", "identical_to"}``.

    Examples
    --------
    >>> recs = [{"unit": "gru", "length": 8, "seed": s, "accuracy": 0.9, "chance": 1 / 3, "config": {"margin": 0.1},
    ...          "capacity": float(s)} for s in range(4)]
    >>> row = summarize(recs)[0]
    >>> row["capacity"]["mean"], row["capacity"]["n"], row["at_chance"]
    (1.5, 4, False)
    """
    from ..stats import bootstrap_interval

    records = list(records)
    groups: dict = {}
    for r in records:
        groups.setdefault((r["unit"], r["length"]), []).append(r)
    order = {u: i for i, u in enumerate(UNITS)}
    rows = []
    for (unit, length), rs in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        rs = sorted(rs, key=lambda r: r["seed"])
        chance = rs[0].get("chance", float("nan"))
        margin = rs[0].get("config", {}).get("margin", 0.1)
        row = {"unit": unit, "length": length, "seeds": len(rs), "seed_list": [r["seed"] for r in rs],
               "chance": chance}
        for m in METRICS:
            vals = [r.get(m) for r in rs]
            good = [float(r[m]) for r in rs if r.get(m) is not None and math.isfinite(r[m]) and not _censored(r, m)]
            why = [_reason(r.get("reasons", {}).get(m)) for r in rs]
            reasons = [f"{w} ({why.count(w)}/{len(rs)} seeds)" for w in sorted(set(why) - {None})]
            censored = sum(_censored(r, m) for r in rs)
            iv = bootstrap_interval(good, n_resamples=BOOTSTRAP_RESAMPLES, seed=[order.get(unit, 99), length, len(m)],
                                    method="percentile")
            lo, hi = iv.low, iv.high
            row[m] = {"mean": float(np.mean(good)) if good and not censored else None,
                      "low": lo if not censored else None, "high": hi if not censored else None,
                      "n": len(good), "na": len(vals) - len(good) - censored, "reason": "; ".join(reasons) or None,
                      "censored": censored,
                      "at_least": (next((_at_least(r, m) for r in rs if _censored(r, m)), None)
                                   if censored else None),
                      "values": vals, "identical_to": []}
        acc = row["accuracy"]
        if not length:
            row["at_chance"] = False  # the untrained reference
        elif acc["low"] is not None and math.isfinite(acc["low"]):
            row["at_chance"] = bool(acc["low"] < chance + margin)
        else:  # fewer than 2 seeds: every network's own Wilson interval decides
            row["at_chance"] = all(r.get("at_chance", True) for r in rs)
        rows.append(row)
    for m in CONTINUOUS:
        for a in rows:
            for b in rows:
                if a is not b and a["unit"] != b["unit"] and a["length"] == b["length"] and \
                        a["seed_list"] == b["seed_list"] and _identical(a[m]["values"], b[m]["values"]):
                    a[m]["identical_to"].append(b["unit"])
    return rows


def significant_differences(rows: list[dict], *, alpha: float = 0.05) -> list[dict]:
    """Mann-Whitney U tests between units (rows above chance) per metric and length, and trained vs untrained.

    Holm-corrected per metric.  Each entry: ``metric``, ``length``, ``a``, ``b``, ``mean_a``, ``mean_b``,
    ``p``, ``p_holm``, ``significant``.  Metrics with censored or identical values are not tested.
    """
    from ..stats import holm, mann_whitney_test

    out = []
    for m in METRICS:
        if m == "accuracy":
            continue
        tests = []
        by_key = {(r["unit"], r["length"]): r for r in rows}
        trained = [r for r in rows if r["length"] and not r["at_chance"]]
        pairs = [(a, b) for i, a in enumerate(trained) for b in trained[i + 1:] if a["length"] == b["length"]]
        pairs += [(r, by_key[(r["unit"], 0)]) for r in trained if (r["unit"], 0) in by_key]
        for a, b in pairs:
            va = [v for v in a[m]["values"] if v is not None]
            vb = [v for v in b[m]["values"] if v is not None]
            if a[m]["censored"] or b[m]["censored"] or len(va) < 3 or len(vb) < 3 or b["unit"] in a[m]["identical_to"]:
                continue
            p = mann_whitney_test(va, vb).p_value  # 1 when every value is equal
            tests.append({"metric": m, "length": a["length"], "a": a["unit"],
                          "b": b["unit"] if b["length"] else f"{b['unit']} untrained",
                          "mean_a": float(np.mean(va)), "mean_b": float(np.mean(vb)), "p": p})
        if tests:
            for t, ph in zip(tests, holm([t["p"] for t in tests]).tolist()):
                t["p_holm"] = ph
                t["significant"] = bool(ph < alpha)
            out += tests
    return out


def _cell(stat: dict, metric: str) -> str:
    if stat["censored"]:
        return f">= {format_value(stat['at_least'])} ({stat['censored']}/{stat['n'] + stat['censored'] + stat['na']} censored)"
    if stat["mean"] is None:
        return "n/a"
    spec = ".2f" if metric in ("accuracy",) else ".3g"
    text = format_value(stat["mean"], spec)
    if stat["low"] is not None and math.isfinite(stat["low"]):
        text += f" [{format_value(stat['low'], spec)}, {format_value(stat['high'], spec)}]"
    if stat["na"]:
        text += f" ({stat['na']} n/a)"
    if stat["identical_to"]:
        text += " =" + "=".join(stat["identical_to"])
    return text


def format_summary(rows: list[dict], markdown: bool = False) -> str:
    """The summary as a text (or Markdown) table: mean [bootstrap 95 %] per metric, status per row.

    Training length 0 is the untrained network (the reference); ``AT CHANCE`` rows are excluded from the
    conclusions; ``n/a`` cells give their reason below the table; ``=UNIT`` marks values identical to
    another unit's.
    """
    table = []
    for r in rows:
        status = "untrained" if r["length"] == 0 else ("AT CHANCE" if r["at_chance"] else "trained")
        table.append({"unit": r["unit"], "T_train": r["length"] or "-", "seeds": r["seeds"], "status": status,
                      **{METRICS[m][0]: _cell(r[m], m) for m in METRICS}})
    text = format_table(table, markdown=markdown)
    notes = []
    for r in rows:
        for m in METRICS:
            if r[m]["reason"]:
                notes.append(f"{r['unit']} T={r['length']}: {METRICS[m][0]} n/a: {r[m]['reason']}")
    seen, lines = set(), []
    for n in notes:
        if n not in seen:
            seen.add(n)
            lines.append(n)
    return text + ("\n" + "\n".join(lines) if lines else "")


def summary_json(rows: list[dict]) -> list[dict]:
    """The summary rows without the per-seed values (what ``--json`` prints)."""
    out = []
    for r in rows:
        row = {k: v for k, v in r.items() if k not in METRICS}
        for m in METRICS:
            row[m] = {k: v for k, v in r[m].items() if k != "values"}
        out.append(row)
    return out


def _progress_line(done: int, total: int, rec: dict) -> str:
    acc = rec.get("accuracy")
    return (f"compare: {done}/{total} {rec['unit']} T={rec['length'] or 'untrained'} seed {rec['seed']}: "
            f"accuracy {format_value(acc, '.2f')}, {rec['seconds']:.1f} s")


def print_progress(done: int, total: int, rec: dict) -> None:
    """A plain progress line on stderr (no ``\\r``)."""
    print(_progress_line(done, total, rec), file=sys.stderr, flush=True)
