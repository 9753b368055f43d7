"""Train one configuration: a pure function from a config dict to a JSON-safe record.

A configuration (:func:`make_config`) names the task and its parameters, the
model (architecture, depth, width), the optimiser and the stopping rule, the
seed, and where to write the checkpoint.  :func:`run_config` trains the
model on a seeded stream of batches (Adam or RMSProp, cross-entropy), evaluates
a fixed validation set every ``eval_every`` steps, keeps the best weights and
stops after ``patience`` evaluations without improvement (or once validation
accuracy reaches 1, or at ``max_steps``), then measures:

* test accuracy (copy: also on the recalled symbols, beside the memoryless
  baselines of :class:`~tnrnn.tasks.data.CopyMemory`);
* the empirical Start-End spectrum of the trained and of the untrained network
  (:func:`tnrnn.bridge.empirical_spectrum` on the weights re-imported through
  the bridge, at the task's length rounded up to even; one-hot templates, or
  the pixel values 0 and 1 for digits; output channel 0, read at the last
  step), centred: its headline ``rank`` is the energy rank of the centred
  matrix, with the constant part (``constant``, ``constant_share``) and the
  raw spectrum (``raw_rank``, ``raw_singular_values``, ``numerical_rank``)
  beside it, and the effective rank of the centred spectrum;
* for one-layer ``ssm``/``gla`` models (ses, copy), the exact GF(p) Start-End
  rank of the trained layer on the one-hot inputs at the spectrum's length,
  output channel 0 (:func:`tnrnn.bridge.automaton.automaton_rank`);
* for ``rac``/``mirnn`` models, the certified GF(p) rank of the trained
  weights (:func:`tnrnn.cut_rank`, Start-End cut at ``rank_length`` steps,
  default ``min(T, 6)``: the exact rank at the training length is out of reach).

With ``out`` set, the best weights are written to
``out/checkpoints/KEY.safetensors`` (torch's plain names, see
:func:`~tnrnn.tasks.models.export_state_dict`) and a JSON sidecar
``KEY.json`` (config, metrics, and the ``arch`` to import it with), both
atomically (written to a temporary name, then renamed).

The same config always gives the same record except for the timings (one
thread, CPU; GPU kernels may differ in the last bits).
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import sys
import time

import numpy as np

from ..errors import InvalidParameterError, MemoryLimitError
from ..validation import check_finite, check_positive_int
from .batched import STACKED_ARCHS, SeedStack, StackedOptimizer, stack_memory_bytes
from .data import TASKS, CopyMemory, Digits, batches, make_task, split_seeds
from .models import (
    ARCHS,
    CIRCUIT_ARCHS,
    ORTHOGONAL_MAPS,
    _torch,
    bridge_arch,
    build_model,
    count_degrees_of_freedom,
    count_parameters,
    export_state_dict,
)

__all__ = ["DEFAULTS", "OPTIMIZERS", "STOP_REASONS", "make_config", "config_key", "run_config", "run_seeds",
           "same_shape", "load_checkpoint"]

#: Why a run stopped: it reached validation accuracy 1, its validation plateaued after every learning-rate
#: decay, or it reached the step cap (``max_steps``) first -- a censored run.
STOP_REASONS = ("solved", "plateau", "cap")

#: Optimisers a config may name.
OPTIMIZERS = ("adam", "rmsprop")

#: Every config key and its default.
DEFAULTS = {
    "task": "ses", "arch": "ortho", "depth": 1, "hidden": 16, "length": 64, "seed": 0,
    "alphabet": None, "window": None, "classes": 2, "memory": None, "permuted": False,
    "matches": "official", "layout": "official",
    "optimizer": None, "lr": None, "lr_recurrent": None, "clip": None, "lr_decays": 0, "batch_size": 64, "max_steps": 2000, "eval_every": 100, "patience": 5,
    "val_size": 512, "test_size": 1024, "orthogonal_map": "matrix_exp", "dtype": "float32",
    "spectrum_samples": 64, "rank_length": None, "device": "cpu", "out": None,
}

#: Keys that do not change what is computed (left out of :func:`config_key`).
_RUNTIME = ("device", "out")


def make_config(**kwargs) -> dict:
    """A complete, validated configuration: :data:`DEFAULTS` updated with ``kwargs``.

    Raises
    ------
    InvalidParameterError
        For an unknown key or a bad value.

    Examples
    --------
    >>> c = make_config(task="ses", depth=2, length=12, alphabet=4, window=3)
    >>> c["depth"], c["optimizer"], config_key(c).split("-")[:5]
    (2, 'adam', ['ses', 'ortho', 'L2', 'H16', 'T12'])
    """
    unknown = sorted(set(kwargs) - set(DEFAULTS))
    if unknown:
        raise InvalidParameterError(unknown[0], kwargs[unknown[0]], "one of the keys " + ", ".join(DEFAULTS))
    c = {**DEFAULTS, **kwargs}
    if c["task"] not in TASKS:
        raise InvalidParameterError("task", c["task"], "one of " + ", ".join(TASKS))
    if c["arch"] not in ARCHS:
        raise InvalidParameterError("arch", c["arch"], "one of " + ", ".join(ARCHS))
    if c["arch"] == "scornn":  # the paper's optimiser (module docstring of tnrnn.tasks.batched)
        c["optimizer"] = c["optimizer"] or "rmsprop"
        c["lr"] = 1e-3 if c["lr"] is None else c["lr"]
        c["lr_recurrent"] = 1e-4 if c["lr_recurrent"] is None else c["lr_recurrent"]
        c["clip"] = 1.0 if c["clip"] is None else c["clip"]
    c["optimizer"] = c["optimizer"] or "adam"
    c["lr"] = 1e-3 if c["lr"] is None else c["lr"]
    if c["optimizer"] not in OPTIMIZERS:
        raise InvalidParameterError("optimizer", c["optimizer"], "one of " + ", ".join(OPTIMIZERS))
    if c["orthogonal_map"] not in ORTHOGONAL_MAPS:
        raise InvalidParameterError("orthogonal_map", c["orthogonal_map"], "one of " + ", ".join(ORTHOGONAL_MAPS))
    if c["dtype"] not in ("float32", "float64"):
        raise InvalidParameterError("dtype", c["dtype"], "'float32' or 'float64'")
    if c["device"] not in ("cpu", "cuda") and not str(c["device"]).startswith("cuda:"):
        raise InvalidParameterError("device", c["device"], "'cpu', 'cuda' or 'cuda:N'")
    for name in ("depth", "hidden", "batch_size", "max_steps", "eval_every", "patience", "val_size", "test_size",
                 "spectrum_samples"):
        c[name] = check_positive_int(c[name], name)
    if isinstance(c["seed"], bool) or not isinstance(c["seed"], (int, np.integer)) or c["seed"] < 0:
        raise InvalidParameterError("seed", c["seed"], "an integer >= 0")
    c["seed"] = int(c["seed"])
    if not (isinstance(c["lr"], (int, float)) and math.isfinite(c["lr"]) and c["lr"] > 0):
        raise InvalidParameterError("lr", c["lr"], "a finite number > 0")
    c["lr"] = float(c["lr"])
    for name in ("lr_recurrent", "clip"):
        if c[name] is not None:
            c[name] = check_finite(c[name], name, low=0, open_low=True)
    if isinstance(c["lr_decays"], bool) or not isinstance(c["lr_decays"], (int, np.integer)) or not 0 <= c["lr_decays"] <= 10:
        raise InvalidParameterError("lr_decays", c["lr_decays"], "an integer in 0..10")
    c["lr_decays"] = int(c["lr_decays"])
    if c["task"] == "digits":
        c["length"] = 64
    if c["task"] == "copy" and c["arch"] in CIRCUIT_ARCHS:
        raise InvalidParameterError("arch", c["arch"], "ortho, lstm or gru for the copy task (a per-step readout)")
    if c["rank_length"] is not None:
        c["rank_length"] = check_positive_int(c["rank_length"], "rank_length", 2)
    _task(c)  # validates the task's own parameters
    return c


def config_key(config: dict) -> str:
    """A readable, unique name of a configuration: task, arch, depth, width, length, seed and a hash of the rest.

    Runtime-only keys (``device``, ``out``) are left out, so a run resumed on
    another device or into another folder finds its finished configurations.
    """
    c = {k: v for k, v in config.items() if k not in _RUNTIME}
    digest = hashlib.sha1(json.dumps(c, sort_keys=True).encode()).hexdigest()[:8]
    return f"{c['task']}-{c['arch']}-L{c['depth']}-H{c['hidden']}-T{c['length']}-s{c['seed']}-{digest}"


def _task(c):
    return make_task(c["task"], c["length"], alphabet=c["alphabet"], window=c["window"], classes=c["classes"],
                     memory=c["memory"], permuted=c["permuted"], matches=c["matches"], layout=c["layout"])


def _task_dict(task) -> dict:
    if isinstance(task, CopyMemory):
        return {"name": "copy", "memory": task.memory, "blanks": task.blanks, "alphabet": task.alphabet,
                "length": task.length, "layout": task.layout}
    if isinstance(task, Digits):
        return {"name": "digits", "permuted": task.permuted, "permutation_seed": task.permutation_seed,
                "length": 64}
    return {"name": "ses", "length": task.length, "alphabet": task.alphabet, "window": task.window,
            "classes": task.classes, "matches": task.matches}


def _metrics(model, x, y, per_step, recall, batch, torch):
    """Mean cross-entropy and accuracy (and accuracy on the recall window) on fixed arrays."""
    model.eval()
    losses, hits, rec_hits, count, rec_count = 0.0, 0, 0, 0, 0
    with torch.no_grad():
        for lo in range(0, len(x), batch):
            logits = model(x[lo:lo + batch])
            target = y[lo:lo + batch]
            if per_step:
                losses += float(torch.nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="sum"))
                pred = logits.argmax(-1)
                hits += int((pred == target).sum())
                count += target.numel()
                rec_hits += int((pred[:, recall] == target[:, recall]).sum())
                rec_count += target[:, recall].numel()
            else:
                losses += float(torch.nn.functional.cross_entropy(logits, target, reduction="sum"))
                hits += int((logits.argmax(-1) == target).sum())
                count += target.numel()
    model.train()
    out = {"loss": losses / count, "accuracy": hits / count}
    if per_step:
        out["recall_accuracy"] = rec_hits / rec_count
    return out


def _import(state, arch):
    """The trained weights through the bridge (scoRNN through its modReLU model: no RAC form)."""
    from ..bridge import from_state_dict

    if arch == "scornn":
        from ..bridge.modules import from_scornn_state

        return from_scornn_state(state)
    return from_state_dict(state, bridge_arch(arch))


def _spectrum(state, arch, length, samples, templates, device):
    from ..bridge import empirical_spectrum

    imported = _import(state, arch)
    # on a GPU run, evaluate there too (float64 either way); the numbers agree to rounding
    backend = "numpy" if device == "cpu" else "torch"
    spec = empirical_spectrum(imported, length, samples=samples, seed=0, templates=templates, backend=backend,
                              device=None if device == "cpu" else device, centre=True)
    from ..bridge import effective_rank

    # the headline: the energy rank of the centred spectrum; the constant part and the raw spectrum beside it
    return imported, {
        "rank": spec.rank, "energy": spec.energy, "centred": True, "effective_rank": spec.effective_rank,
        "gap_rank": spec.gap_rank, "gap": spec.gap, "constant": spec.constant, "constant_share": spec.constant_share,
        "raw_rank": spec.raw_rank, "raw_effective_rank": effective_rank(spec.raw_singular_values),
        "numerical_rank": spec.numerical_rank, "shape": list(spec.shape), "exhaustive": spec.exhaustive,
        "singular_values": [float(s) for s in spec.singular_values[:32]],
        "raw_singular_values": [float(s) for s in spec.raw_singular_values[:32]],
    }


def _certified(imported, rank_length):
    from ..ranks import cut_rank

    try:
        r = cut_rank(imported.rac, "start-end", length=rank_length, max_memory="2GiB")
    except MemoryLimitError as err:
        return {"length": rank_length, "error": str(err)}
    return {"length": rank_length, "lower": int(r.lower), "upper": int(r.upper), "exact": bool(r.exact),
            "rac_is_exact": bool(imported.exact), "dropped": list(imported.dropped)}


def _atomic_write(path, write):
    tmp = f"{path}.tmp{os.getpid()}"
    write(tmp)
    os.replace(tmp, path)


def _save_checkpoint(out, key, state, sidecar):
    from safetensors.torch import save_file

    folder = os.path.join(os.fspath(out), "checkpoints")
    os.makedirs(folder, exist_ok=True)
    weights = os.path.join(folder, f"{key}.safetensors")
    _atomic_write(weights, lambda p: save_file(state, p, metadata={"tnrnn": json.dumps(sidecar["config"])}))

    def _json(p):
        with open(p, "w") as f:
            json.dump(sidecar, f, indent=1)
    _atomic_write(os.path.join(folder, f"{key}.json"), _json)
    return weights


def _templates(task):
    if isinstance(task, Digits):
        return np.array([[0.0], [1.0]])
    return None  # one-hot vectors of every input symbol


def run_config(config: dict, *, progress: bool = False) -> dict:
    """Train and analyse one configuration; returns its record (a JSON-safe dict).

    Parameters
    ----------
    config : dict
        A configuration (completed and checked by :func:`make_config`).
    progress : bool
        Show a tqdm bar of the training steps on stderr.

    Returns
    -------
    dict
        ``key``, ``config``, ``task`` (its resolved parameters), ``params``
        (:func:`~tnrnn.tasks.models.count_parameters`), ``val_accuracy``,
        ``test_accuracy``, ``test_loss`` (copy: ``test_recall_accuracy``
        and the ``baseline_*`` values), ``train`` (steps, best step, why it
        stopped, seconds), ``orthogonality_error``, ``spectrum`` (trained and
        untrained), ``certified`` (RAC/MIRNN only, else ``None``),
        ``checkpoint`` (path or ``None``), ``torch`` and ``seconds``.

    Examples
    --------
    >>> c = make_config(task="ses", depth=1, hidden=4, length=6, alphabet=2, window=2, max_steps=5, eval_every=5,
    ...                 val_size=16, test_size=16, spectrum_samples=4)
    >>> r = run_config(c)
    >>> r["train"]["steps"], 0 <= r["test_accuracy"] <= 1, r["spectrum"]["trained"]["shape"]
    (5, True, [4, 4])
    """
    c = make_config(**config)
    if c["arch"] in STACKED_ARCHS and c["task"] != "digits":
        return run_seeds([c], progress=progress)[0]
    if c["arch"] == "scornn":
        raise InvalidParameterError("task", c["task"], "ses or copy for scornn (stacked training)")
    torch = _torch()
    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    key = config_key(c)
    task = _task(c)
    per_step = isinstance(task, CopyMemory)
    device = torch.device(c["device"])
    dtype = getattr(torch, c["dtype"])
    g_train, g_val, g_test = split_seeds(c["seed"])
    if isinstance(task, Digits):
        val, test = task.split("val"), task.split("test")
    else:
        val, test = task.batch(c["val_size"], g_val), task.batch(c["test_size"], g_test)

    def to(batch):
        return (torch.as_tensor(batch.x, dtype=dtype, device=device),
                torch.as_tensor(batch.y, dtype=torch.long, device=device))

    xv, yv = to(val)
    xt, yt = to(test)
    recall = slice(task.recall_start, None) if per_step else None
    model = build_model(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs, per_step=per_step,
                        orthogonal_map=c["orthogonal_map"], seed=c["seed"], dtype=dtype).to(device)
    untrained = export_state_dict(model)
    opt_cls = {"adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}[c["optimizer"]]
    opt = opt_cls(model.parameters(), lr=c["lr"])
    stream = batches(task, c["batch_size"], g_train)
    best = (-1.0, math.inf)
    best_state, best_step, since, stopped, step, last_loss = None, 0, 0, "cap", 0, float("nan")
    eval_batch = 1024
    t_train = time.perf_counter()
    bar = tqdm(total=c["max_steps"], desc=key, file=sys.stderr, leave=False, disable=not progress, unit="step")
    try:
        for step in range(1, c["max_steps"] + 1):
            x, y = to(next(stream))
            logits = model(x)
            loss = torch.nn.functional.cross_entropy(logits.transpose(1, 2) if per_step else logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            last_loss = float(loss.detach())
            bar.update(1)
            if step % c["eval_every"] == 0 or step == c["max_steps"]:
                m = _metrics(model, xv, yv, per_step, recall, eval_batch, torch)
                score = (m["recall_accuracy"] if per_step else m["accuracy"], -m["loss"])
                bar.set_postfix(loss=f"{last_loss:.3f}", val=f"{score[0]:.3f}")
                if score > best:
                    best, best_step, since = score, step, 0
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    since += 1
                if score[0] >= 1.0:
                    stopped = "solved"
                    break
                if since >= c["patience"]:
                    stopped = "plateau"
                    break
    finally:
        bar.close()
    train_seconds = time.perf_counter() - t_train
    model.load_state_dict(best_state)
    test_m = _metrics(model, xt, yt, per_step, recall, eval_batch, torch)
    from .models import orthogonality_error

    record = {
        "kind": "train", "key": key, "config": c, "task": _task_dict(task),
        "params": count_parameters(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs),
        "dof": count_degrees_of_freedom(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs),
        "val_accuracy": best[0], "test_accuracy": test_m["accuracy"], "test_loss": test_m["loss"],
        "train": {"steps": step, "best_step": best_step, "stopped": stopped, "last_loss": last_loss,
                  "lr_decays": 0, "seconds": train_seconds, "seeds_together": 1},
        "orthogonality_error": orthogonality_error(model),
    }
    if per_step:
        record.update(test_recall_accuracy=test_m["recall_accuracy"], baseline_accuracy=task.baseline_accuracy(),
                      baseline_recall_accuracy=task.baseline_recall_accuracy(), baseline_loss=task.baseline_loss())
    trained = export_state_dict(model)
    templates = _templates(task)
    T_cut = task.length + task.length % 2  # the Start-End cut needs an even length
    imported, spec_trained = _spectrum(trained, c["arch"], T_cut, c["spectrum_samples"], templates, c["device"])
    _, spec_untrained = _spectrum(untrained, c["arch"], T_cut, c["spectrum_samples"], templates, c["device"])
    record["spectrum"] = {"length": T_cut, "trained": spec_trained, "untrained": spec_untrained}
    record["certified"] = None
    if c["arch"] in ("rac", "mirnn"):
        rank_length = c["rank_length"] or min(task.length, 6)
        record["certified"] = _certified(imported, rank_length + rank_length % 2)
    elif c["arch"] in ("ssm", "gla") and c["depth"] == 1 and not isinstance(task, Digits):
        # one layer on tokens: the exact Start-End rank of the trained layer from its automaton (no grid), at the
        # cut length of the spectrum (tnrnn.bridge.automaton; tokens are the task's one-hot inputs)
        from ..bridge.automaton import automaton_rank

        exact = automaton_rank(imported, T_cut)
        record["certified"] = {"length": T_cut, "automaton_rank": exact.rank, "prime": exact.prime,
                               "states": exact.states, "channel": 0, "of": exact.of}
    record["checkpoint"] = None
    record["torch"] = torch.__version__
    record["seconds"] = time.perf_counter() - t_start
    if c["out"] is not None:
        sidecar = {"key": key, "arch": bridge_arch(c["arch"]),
                   "import": f"tnrnn import {key}.safetensors --length {T_cut} --spectrum",
                   **{k: record[k] for k in ("config", "task", "params", "val_accuracy", "test_accuracy",
                                             "test_loss")}}
        record["checkpoint"] = _save_checkpoint(c["out"], key, trained, sidecar)
    return record


#: Config keys that may differ between the seeds trained together (everything else is the shape).
_PER_SEED = ("seed",)


def same_shape(config: dict) -> tuple:
    """The key of the group a config trains in: every key but the seed (and the runtime keys)."""
    return tuple(sorted((k, json.dumps(v)) for k, v in config.items() if k not in _PER_SEED))


def _stack_metrics(stack, x, y, per_step, recall, torch, chunk=512):
    """Per-seed mean cross-entropy and accuracy (and recall accuracy) on fixed stacked arrays (S, N, ...)."""
    S, N = y.shape[:2]
    loss = torch.zeros(S, dtype=torch.float64)
    hits = torch.zeros(S, dtype=torch.float64)
    rec = torch.zeros(S, dtype=torch.float64)
    with torch.no_grad():
        for lo in range(0, N, chunk):
            logits = stack(x[:, lo:lo + chunk])
            target = y[:, lo:lo + chunk]
            C = logits.shape[-1]
            ce = torch.nn.functional.cross_entropy(logits.reshape(-1, C), target.reshape(-1), reduction="none")
            loss += ce.reshape(S, -1).sum(1).double().cpu()
            pred = logits.argmax(-1)
            hits += (pred == target).reshape(S, -1).sum(1).double().cpu()
            if per_step:
                rec += (pred[:, :, recall] == target[:, :, recall]).reshape(S, -1).sum(1).double().cpu()
    count = y[0].numel()
    out = {"loss": (loss / count).numpy(), "accuracy": (hits / count).numpy()}
    if per_step:
        out["recall_accuracy"] = (rec / y[0, :, recall].numel()).numpy()
    return out


def run_seeds(configs, *, progress: bool = False, max_memory=None, log=None) -> list[dict]:
    """Train configurations that differ only in their seed as one stacked model (:mod:`tnrnn.tasks.batched`).

    Each seed's record is what training it alone gives (the same data,
    initialisation and stopping rule; to float tolerance).  Only the
    architectures of :data:`~tnrnn.tasks.batched.STACKED_ARCHS`.

    Stopping rule, per seed: validation every ``eval_every`` steps; the best
    weights (validation accuracy, then loss) are kept; after ``patience``
    validations without improvement the learning rate is divided by 10, up to
    ``lr_decays`` times, and the run stops at the next plateau
    (``stopped="plateau"``); it stops at validation accuracy 1
    (``"solved"``) or at ``max_steps`` (``"cap"``: censored, still improving
    or not).

    Parameters
    ----------
    configs : list of dict
        Configurations (:func:`make_config`) equal except for ``seed``.
    progress : bool
        One line per validation on stderr (``log``, default ``print`` to stderr).
    max_memory : int or str, optional
        Refuse (before allocating) a group whose estimated training memory is above it.

    Returns
    -------
    list of dict
        One record per config, in order (the keys of :func:`run_config`'s records).
    """
    torch = _torch()
    t_start = time.perf_counter()
    cs = [make_config(**c) for c in configs]
    if not cs:
        raise InvalidParameterError("configs", configs, "at least one configuration")
    if len({same_shape(c) for c in cs}) != 1:
        raise InvalidParameterError("configs", "configurations of different shapes",
                                    "configurations equal except for their seed")
    if len({c["seed"] for c in cs}) != len(cs):
        raise InvalidParameterError("configs", [c["seed"] for c in cs], "distinct seeds")
    c0 = cs[0]
    if c0["arch"] not in STACKED_ARCHS:
        raise InvalidParameterError("arch", c0["arch"], "one of " + ", ".join(STACKED_ARCHS) + " (train the others "
                                    "with run_config)")
    task = _task(c0)
    if isinstance(task, Digits):
        raise InvalidParameterError("task", "digits", "ses or copy for stacked training")
    per_step = isinstance(task, CopyMemory)
    S, T = len(cs), task.length
    device = torch.device(c0["device"])
    dtype = getattr(torch, c0["dtype"])
    itemsize = 8 if c0["dtype"] == "float64" else 4
    from ..limits import check_memory

    need = stack_memory_bytes(S, c0["batch_size"], T, c0["hidden"], c0["depth"], task.inputs, task.outputs, per_step,
                              itemsize)
    need += itemsize * S * (c0["val_size"] + c0["test_size"]) * T * task.inputs
    need += stack_memory_bytes(S, min(512, max(c0["val_size"], c0["test_size"])), T, c0["hidden"], c0["depth"],
                               task.inputs, task.outputs, per_step, itemsize) // 3
    check_memory(f"training {S} seeds together (T={T}, H={c0['hidden']}, L={c0['depth']})", need, max_memory,
                 "train fewer seeds at once, or lower --batch-size")
    gens = [split_seeds(c["seed"]) for c in cs]
    streams = [batches(task, c0["batch_size"], g[0]) for g in gens]

    def stacked(parts):
        x = torch.as_tensor(np.stack([p.x for p in parts]), dtype=dtype, device=device)
        y = torch.as_tensor(np.stack([p.y for p in parts]), dtype=torch.long, device=device)
        return x, y

    xv, yv = stacked([task.batch(c0["val_size"], g[1]) for g in gens])
    xt, yt = stacked([task.batch(c0["test_size"], g[2]) for g in gens])
    recall = slice(task.recall_start, None) if per_step else None
    stack = SeedStack(c0["arch"], c0["depth"], c0["hidden"], task.inputs, task.outputs, [c["seed"] for c in cs],
                      per_step=per_step, dtype=dtype, device=device)
    untrained = [stack.export(i) for i in range(S)]
    opt = StackedOptimizer(stack, c0["optimizer"], c0["lr"], lr_recurrent=c0["lr_recurrent"], clip=c0["clip"])
    best_acc = np.full(S, -1.0)
    best_loss = np.full(S, np.inf)
    best = stack.snapshot()
    best_step = np.zeros(S, dtype=int)
    since = np.zeros(S, dtype=int)
    decays = np.zeros(S, dtype=int)
    steps = np.zeros(S, dtype=int)
    last_loss = np.full(S, np.nan)
    stopped: list = [None] * S
    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t_train = time.perf_counter()
    step = 0
    for step in range(1, c0["max_steps"] + 1):
        x, y = stacked([next(s) for s in streams])
        logits = stack(x)
        C = logits.shape[-1]
        ce = torch.nn.functional.cross_entropy(logits.reshape(-1, C), y.reshape(-1), reduction="none")
        loss = ce.reshape(S, -1).mean(1)
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        live = np.array([r is None for r in stopped])
        last_loss[live] = loss.detach().double().cpu().numpy()[live]
        if step % c0["eval_every"] == 0 or step == c0["max_steps"]:
            m = _stack_metrics(stack, xv, yv, per_step, recall, torch)
            acc = m["recall_accuracy"] if per_step else m["accuracy"]
            improved = live & ((acc > best_acc) | ((acc == best_acc) & (m["loss"] < best_loss)))
            best_acc = np.where(improved, acc, best_acc)
            best_loss = np.where(improved, m["loss"], best_loss)
            best_step = np.where(improved, step, best_step)
            since = np.where(improved, 0, since + live)
            stack.keep(best, torch.as_tensor(improved, device=device))
            for i in np.flatnonzero(live):
                if acc[i] >= 1.0:
                    stopped[i] = "solved"
                elif since[i] >= c0["patience"]:
                    if decays[i] < c0["lr_decays"]:
                        decays[i] += 1
                        since[i] = 0
                        opt.scale[i] = opt.scale[i] / 10
                    else:
                        stopped[i] = "plateau"
                if stopped[i] is not None:
                    steps[i] = step
                    opt.scale[i] = 0.0
            if progress:
                done = sum(r is not None for r in stopped)
                say(f"  {c0['task']} {c0['arch']} L={c0['depth']} H={c0['hidden']} T={T}: step {step}/"
                    f"{c0['max_steps']}, {S} seeds, validation accuracy median {float(np.median(best_acc)):.3f}, "
                    f"{done} stopped, {time.perf_counter() - t_train:.0f} s")
            if all(r is not None for r in stopped):
                break
    for i in range(S):
        if stopped[i] is None:
            stopped[i], steps[i] = "cap", step
    train_seconds = time.perf_counter() - t_train
    stack.restore(best)
    test_m = _stack_metrics(stack, xt, yt, per_step, recall, torch)
    ortho = stack.orthogonality_errors()
    templates = _templates(task)
    T_cut = T + T % 2
    records = []
    for i, c in enumerate(cs):
        key = config_key(c)
        trained = stack.export(i)
        record = {
            "kind": "train", "key": key, "config": c, "task": _task_dict(task),
            "params": count_parameters(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs),
            "dof": count_degrees_of_freedom(c["arch"], c["depth"], c["hidden"], task.inputs, task.outputs),
            "val_accuracy": float(best_acc[i]), "test_accuracy": float(test_m["accuracy"][i]),
            "test_loss": float(test_m["loss"][i]),
            "train": {"steps": int(steps[i]), "best_step": int(best_step[i]), "stopped": stopped[i],
                      "last_loss": float(last_loss[i]), "lr_decays": int(decays[i]), "seconds": train_seconds / S,
                      "seeds_together": S, "group_seconds": train_seconds},
            "orthogonality_error": ortho[i],
        }
        if per_step:
            record.update(test_recall_accuracy=float(test_m["recall_accuracy"][i]),
                          baseline_accuracy=task.baseline_accuracy(),
                          baseline_recall_accuracy=task.baseline_recall_accuracy(), baseline_loss=task.baseline_loss())
        _, spec_trained = _spectrum(trained, c["arch"], T_cut, c["spectrum_samples"], templates, c["device"])
        _, spec_untrained = _spectrum(untrained[i], c["arch"], T_cut, c["spectrum_samples"], templates, c["device"])
        record["spectrum"] = {"length": T_cut, "trained": spec_trained, "untrained": spec_untrained}
        record["certified"] = None
        record["checkpoint"] = None
        record["torch"] = torch.__version__
        record["seconds"] = (time.perf_counter() - t_start) / S
        if c["out"] is not None:
            sidecar = {"key": key, "arch": bridge_arch(c["arch"]),
                       "import": f"tnrnn import {key}.safetensors --length {T_cut} --spectrum",
                       **{k: record[k] for k in ("config", "task", "params", "val_accuracy", "test_accuracy",
                                                 "test_loss")}}
            record["checkpoint"] = _save_checkpoint(c["out"], key, trained, sidecar)
        records.append(record)
    return records


def load_checkpoint(path):
    """Import a checkpoint written by :func:`run_config` through the bridge, with the arch its sidecar names.

    Returns
    -------
    (Imported, dict)
        The imported network and the sidecar's contents.
    """
    from ..bridge import load_weights

    fspath = os.fspath(path)
    sidecar_path = os.path.splitext(fspath)[0] + ".json"
    from ..safe_io import read_json_file

    sidecar = read_json_file(sidecar_path, name="sidecar") if os.path.isfile(sidecar_path) else None
    if not isinstance(sidecar, dict) or not isinstance(sidecar.get("arch"), str):
        raise InvalidParameterError("path", fspath, "a checkpoint with its JSON sidecar (KEY.safetensors + KEY.json "
                                    "holding an object with an 'arch')")
    if sidecar["arch"] == "scornn":
        from ..bridge import read_state_dict
        from ..bridge.modules import from_scornn_state

        return from_scornn_state(read_state_dict(fspath), source=fspath), sidecar
    return load_weights(fspath, arch=sidecar["arch"]), sidecar
