r"""The comparison: memory measures of recurrent units trained on one task at several lengths, and untrained.

Zhang, Li, Hua, Song (ECAI 2020) ask how a unit's memory depends on the
*external* factor (the sequence length used in training) and the *internal*
one (the unit).  This module trains every unit of :data:`UNITS` on the
Start-End Similarity task of :mod:`tnrnn.tasks` at every training length, for
every seed, measures each trained network (and the untrained one, training
length 0), and summarises mean ± std over seeds:

==============  =================================================================
unit            model (width ``H`` for all)
==============  =================================================================
``rnn``         vanilla Elman tanh RNN (``torch.nn.RNN``, torch's default init)
``lstm``        ``torch.nn.LSTM``
``gru``         ``torch.nn.GRU``
``ortho1..3``   deep orthogonal tanh RNN of depth 1, 2, 3 (:func:`tnrnn.tasks.models.build_model`, ``"ortho"``)
``mirnn``       multiplicative-integration RNN (tanh, biases; :class:`tnrnn.bridge.nn.MIRNN`)
``rac``         recurrent arithmetic circuit (:class:`tnrnn.bridge.nn.RACModule`)
==============  =================================================================

Every model but ``rnn`` comes from :func:`tnrnn.tasks.models.build_model`;
``rnn`` is the same body (``nn.RNN`` + linear readout ``fc``) without the
orthogonal constraint, since the tasks track has no unconstrained Elman RNN.

Training (this module's own loop, so that every unit gets the same, bounded
budget): Adam, cross-entropy on the label read at the last step, ``steps``
batches of ``batch_size`` fresh sequences from :func:`tnrnn.tasks.batches`
(seeded by :func:`tnrnn.tasks.split_seeds`), float64, one CPU thread; the
weights after the last step are kept (no early stopping).  Test accuracy on
``test_size`` held-out sequences of the training length.

Measures per network (all on the same imported weights, see :mod:`tnrnn.measures.drive`):

* ``accuracy``: test accuracy on the task at the training length (untrained: at the largest length);
* ``memory_length`` and ``semantic_length``: :func:`~tnrnn.measures.lag_retention` on i.i.d. one-hot
  symbols over the task's inputs (``lags`` lags, semantic window = the task's window, threshold 0.5);
* ``capacity``: :func:`~tnrnn.measures.memory_capacity` (lags ``2H``, series along a seeded unit direction);
* ``effective_rank``: the effective rank (exp of the entropy of the normalised squared singular values)
  of the empirical Start-End spectrum, :func:`tnrnn.bridge.empirical_spectrum`, at length ``rank_length``
  for every network (one fixed length so that the units compare), one-hot templates;
* ``horizon``: the gradient horizon at 1e-2 of the maximum (:func:`~tnrnn.measures.gradient_horizon`,
  one-hot inputs, ``lags`` lags; ``lags`` when it reaches past them);
* ``lyapunov``: the largest Lyapunov exponent (nats per step, one-hot inputs).

Records stream to ``out/compare.jsonl`` as each network finishes; a rerun skips
the keys already there (resume), and Ctrl-C leaves the finished records valid.
:func:`summarize` groups them by unit and training length; :func:`format_table`
prints the table and :func:`plot_comparison` draws the figures.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Iterable

import numpy as np

from ..errors import InvalidParameterError
from ..records import JsonlWriter, read_records

__all__ = ["UNITS", "PRESETS", "METRICS", "run_comparison", "measure_network", "read_records", "summarize",
           "format_table", "plot_comparison", "comparison_configs", "config_key"]

#: Unit name -> (tasks arch, depth); ``rnn`` is the unconstrained Elman RNN built here.
UNITS = {"rnn": ("rnn", 1), "lstm": ("lstm", 1), "gru": ("gru", 1), "ortho1": ("ortho", 1),
         "ortho2": ("ortho", 2), "ortho3": ("ortho", 3), "mirnn": ("mirnn", 1), "rac": ("rac", 1)}

#: The measures in a record, in table order.
METRICS = ("accuracy", "memory_length", "semantic_length", "capacity", "effective_rank", "horizon", "lyapunov")

#: ``cpu``: the documented run (8 units x 3 lengths + untrained x 3 seeds; about 10 minutes on 2 cores).
#: ``smoke``: a seconds-long run of the same code (tests, trying the command).
PRESETS = {
    "cpu": {"units": list(UNITS), "lengths": [8, 16, 32], "seeds": [0, 1, 2], "hidden": 16, "alphabet": 4,
            "window": 2, "steps": 800, "batch_size": 64, "lr": 3e-3, "test_size": 512, "lags": 16,
            "rank_length": 8, "spectrum_samples": 64, "sequences": 128},
    "smoke": {"units": ["gru", "ortho1"], "lengths": [8], "seeds": [0], "hidden": 6, "alphabet": 3,
              "window": 2, "steps": 20, "batch_size": 16, "lr": 3e-3, "test_size": 64, "lags": 6,
              "rank_length": 4, "spectrum_samples": 16, "sequences": 32},
}


def _torch():
    from .horizon import _torch as need

    return need("the comparison (training)")


def comparison_configs(preset: str = "cpu", **overrides) -> list[dict]:
    """One config per (unit, training length or 0 = untrained, seed) of a preset (overrides replace its keys).

    Examples
    --------
    >>> cs = comparison_configs("smoke")
    >>> [(c["unit"], c["length"], c["seed"]) for c in cs]
    [('gru', 0, 0), ('gru', 8, 0), ('ortho1', 0, 0), ('ortho1', 8, 0)]
    """
    if preset not in PRESETS:
        raise InvalidParameterError("preset", preset, "one of " + ", ".join(PRESETS))
    unknown = sorted(set(overrides) - set(PRESETS[preset]))
    if unknown:
        raise InvalidParameterError(unknown[0], overrides[unknown[0]], "one of " + ", ".join(PRESETS[preset]))
    p = {**PRESETS[preset], **{k: v for k, v in overrides.items() if v is not None}}
    for u in p["units"]:
        if u not in UNITS:
            raise InvalidParameterError("units", u, "names from " + ", ".join(UNITS))
    lengths = sorted({int(t) for t in p["lengths"]})
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
    ['gru', 'T8', 's0']
    """
    import hashlib

    rest = {k: v for k, v in c.items() if k not in ("unit", "length", "seed")}
    digest = hashlib.sha1(json.dumps(rest, sort_keys=True).encode()).hexdigest()[:8]
    return f"{c['unit']}-T{c['length']}-s{c['seed']}-{digest}"


def _build(c: dict, inputs: int, outputs: int, torch):
    from ..tasks.models import build_model

    arch, depth = UNITS[c["unit"]]
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


def _train(model, task, c: dict, torch) -> float:
    from ..tasks.data import batches, split_seeds

    g_train, _, _ = split_seeds(c["seed"])
    opt = torch.optim.Adam(model.parameters(), lr=c["lr"])
    stream = batches(task, c["batch_size"], g_train)
    loss = float("nan")
    for _ in range(c["steps"]):
        b = next(stream)
        logits = model(torch.as_tensor(b.x, dtype=torch.float64))
        out = torch.nn.functional.cross_entropy(logits, torch.as_tensor(b.y, dtype=torch.long))
        opt.zero_grad(set_to_none=True)
        out.backward()
        opt.step()
        loss = float(out.detach())
    return loss


def measure_network(model, task, c: dict) -> dict:
    """The measures of one network (see the module docstring), as a dict of floats."""
    from ..bridge import empirical_spectrum
    from ..tasks.data import split_seeds
    from .capacity import memory_capacity
    from .drive import stepper
    from .horizon import gradient_horizon
    from .lyapunov import lyapunov_spectrum
    from .retention import lag_retention

    st = stepper(model)
    _, _, g_test = split_seeds(c["seed"])
    test = task.batch(c["test_size"], g_test)
    with np.errstate(all="ignore"):
        pred = np.argmax(st(test.x.astype(np.float64)), axis=1)
    ret = lag_retention(st, c["lags"], window=c["window"], sequences=c["sequences"], seed=c["seed"])
    mc = memory_capacity(st, 2 * c["hidden"], length=2 * c["hidden"] + 40 * c["hidden"], seed=c["seed"])
    spec = empirical_spectrum(_imported(model), c["rank_length"], samples=c["spectrum_samples"], seed=c["seed"])
    gh = gradient_horizon(st, c["lags"], sequences=8, inputs="onehot", seed=c["seed"], tol=1e-2)
    h = gh.horizon()
    ly = lyapunov_spectrum(st, 100, washout=50, sequences=2, inputs="onehot", exponents=1, seed=c["seed"])

    def num(v):
        return None if v is None or not math.isfinite(v) else float(v)

    return {"accuracy": float(np.mean(pred == test.y)), "memory_length": ret.length,
            "semantic_length": ret.semantic_length, "capacity": num(mc.total),
            "effective_rank": num(spec.effective_rank), "horizon": float(c["lags"] if h is None else h),
            "lyapunov": num(ly.maximal)}


def _imported(model):
    """The bridge's import of a task model (for the empirical spectrum)."""
    from ..bridge.mapping import from_state_dict
    from ..tasks.models import ARCHS, bridge_arch, export_state_dict

    if model.arch in ARCHS:
        return from_state_dict(export_state_dict(model), bridge_arch(model.arch))
    return from_state_dict({k: v.detach() for k, v in model.state_dict().items()}, "rnn_tanh")


def run_comparison(configs: Iterable[dict], path, *, progress: bool = False) -> list[dict]:
    """Train and measure every config, appending one JSON line per network to ``path``; skip keys already there.

    Returns every record of the file afterwards (old and new).
    """
    torch = _torch()
    from tqdm.auto import tqdm

    from ..tasks.data import make_task

    configs = list(configs)
    writer = JsonlWriter(path, resume=True, name="--out")
    done = {r["key"] for r in writer.existing}
    todo = [c for c in configs if config_key(c) not in done]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with writer as f:
            for c in tqdm(todo, desc="compare", file=sys.stderr, disable=not progress, unit="net"):
                t0 = time.perf_counter()
                T = c["length"] or c["max_length"]
                task = make_task("ses", T, alphabet=c["alphabet"], window=c["window"])
                with torch.random.fork_rng(devices=[]):
                    model = _build(c, task.inputs, task.outputs, torch)
                    loss = _train(model, task, c, torch) if c["length"] else None
                model.eval()
                record = {"key": config_key(c), "unit": c["unit"], "length": c["length"], "seed": c["seed"],
                          "trained": bool(c["length"]), "config": c, "final_loss": loss,
                          **measure_network(model, task, c), "seconds": time.perf_counter() - t0}
                f.write(record)
    finally:
        torch.set_num_threads(threads)
    return read_records(path)


def summarize(records: Iterable[dict]) -> list[dict]:
    """Mean and (population) std over seeds of every metric, per (unit, training length).

    Examples
    --------
    >>> recs = [{"unit": "gru", "length": 8, "seed": s, **{m: float(s) for m in METRICS}} for s in (0, 1, 2)]
    >>> row = summarize(recs)[0]
    >>> row["unit"], row["length"], row["seeds"], row["capacity"]
    ('gru', 8, 3, (1.0, 0.816496580927726))
    """
    groups: dict = {}
    for r in records:
        groups.setdefault((r["unit"], r["length"]), []).append(r)
    order = {u: i for i, u in enumerate(UNITS)}
    rows = []
    for (unit, length), rs in sorted(groups.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])):
        row = {"unit": unit, "length": length, "seeds": len(rs)}
        for m in METRICS:
            v = np.array([r[m] for r in rs if r.get(m) is not None], dtype=np.float64)
            row[m] = (float(v.mean()), float(v.std())) if v.size else (float("nan"), float("nan"))
        rows.append(row)
    return rows


def format_table(rows: list[dict], markdown: bool = False) -> str:
    """The summary as a text (or Markdown) table: ``mean ± std`` per metric; training length 0 = untrained."""
    head = ["unit", "T_train", "seeds", *METRICS]
    body = [[r["unit"], "untrained" if r["length"] == 0 else str(r["length"]), str(r["seeds"]),
             *[f"{r[m][0]:.3g} ± {r[m][1]:.2g}" for m in METRICS]] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return "\n".join(lines + ["| " + " | ".join(b) + " |" for b in body])
    widths = [max(len(x) for x in col) for col in zip(head, *body)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head)] + [fmt.format(*b) for b in body])


def plot_comparison(rows: list[dict], path=None):
    """Three panels: memory length vs training length per unit; capacity per unit; effective rank per unit.

    Training length 0 is the untrained network.  Error bars are the std over seeds.
    """
    from ..plotting.figure import figure_format, save_figure

    fmt = figure_format(path, "path") if path is not None else None
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 3.8), layout="constrained")
    axes = fig.subplots(1, 3)
    units = [u for u in UNITS if any(r["unit"] == u for r in rows)]
    lengths = sorted({r["length"] for r in rows})
    for u in units:
        rs = sorted((r for r in rows if r["unit"] == u), key=lambda r: r["length"])
        x = [r["length"] for r in rs]
        axes[0].errorbar(x, [r["memory_length"][0] for r in rs], yerr=[r["memory_length"][1] for r in rs],
                         marker="o", ms=3, capsize=2, label=u)
    axes[0].set_xlabel("training length (0 = untrained)")
    axes[0].set_ylabel("memory length (lags, retention >= 0.5)")
    axes[0].legend(fontsize=7, ncol=2)
    width = 0.8 / max(len(lengths), 1)
    for panel, metric, label in ((1, "capacity", "memory capacity MC"),
                                 (2, "effective_rank", "Start-End effective rank")):
        ax = axes[panel]
        for j, t in enumerate(lengths):
            vals = [next((r[metric] for r in rows if r["unit"] == u and r["length"] == t), (np.nan, np.nan))
                    for u in units]
            ax.bar(np.arange(len(units)) + j * width, [v[0] for v in vals], width, yerr=[v[1] for v in vals],
                   capsize=2, label="untrained" if t == 0 else f"T={t}")
        ax.set_xticks(np.arange(len(units)) + width * (len(lengths) - 1) / 2, units, rotation=30, fontsize=8)
        ax.set_ylabel(label)
        ax.legend(fontsize=7)
    save_figure(fig, path, fmt)
    return fig
