"""The teacher-student experiment: RAC students of depth 1, 2, 3 fitted to a teacher's grid, against certified floors.

For each teacher (:mod:`tnrnn.tasks.teacher`), length ``T`` and student
(depth ``L``, width ``H``), the seeds are trained together
(:class:`RACStack`: one :class:`tnrnn.bridge.nn.RACModule` per seed, stacked
with :func:`torch.func.stack_module_state` and run with :func:`torch.vmap`,
so the forward pass is the module's own; the optimiser is
:class:`~tnrnn.tasks.batched.StackedOptimizer`, a learning rate per seed).

Data: sequences drawn uniformly (with replacement) from the ``M^T`` one-hot
sequences, each seed from its own stream (:func:`~tnrnn.tasks.data.split_seeds`),
targets the teacher's outputs divided by their root mean square over the
grid; loss the mean squared error (so about the relative error).  The fit is
a function-approximation problem: the test set is the whole grid, which
contains the training sequences.

Stopping rule, per seed (as :func:`~tnrnn.tasks.training.run_seeds`):
validation (``val_size`` fixed sequences of the seed's own) every
``eval_every`` steps, the best weights kept, after ``patience`` validations
without improvement the learning rate divided by 10 up to ``lr_decays``
times, then ``"plateau"``; ``"solved"`` at a validation relative error below
:data:`SOLVED_ERROR`; ``"cap"`` at ``max_steps`` (censored).

Record (``kind: "teacher-student"``, one per student): ``depth``,
``hidden``, ``seed``, ``length``, ``inputs``, ``test_error`` (relative
squared error ``||A - B||_F^2 / ||A||_F^2`` over the full grid, float64,
``test_error_method: "full grid"``), ``rank_upper`` (the student's certified
Start-End upper bound, :func:`tnrnn.ranks.bounds.closed_form_upper`, and its
``rank_upper_source``), ``floor`` (the teacher's Eckart-Young floor at
``rank_upper``), ``floor_depth1`` (at the depth-1 student's bound),
``teacher`` (kind, depth, hidden, inputs, seed, init, file), ``width_rule``,
``params``, ``train`` (steps, best step, stop reason, seconds), ``config`` and
``weights`` (the student as ``WH1..``, ``WI1..``, ``WO`` in the RAC
convention, readout on the teacher's own scale).
Per length and teacher one ``kind: "teacher-spectrum"`` record holds the
normalised spectrum ``sigma2``, the floors at ranks 0..64 and the rule the
teacher was chosen by.

Training: the readout is solved exactly (variable projection): at every
step, for each seed, ``W^O`` is the least-squares readout of the batch's
top-layer states (a relative ridge of 1e-8), and Adam trains the recurrent
and input weights through that solution, so the loss cannot fall by shrinking
the output (the collapse to the zero function that plain training of deep
multiplicative circuits falls into).  At the end ``W^O`` is the least-squares
readout over the full grid: the error reported is the best any readout gives
on the trained states, and every student is still a RAC of its shape, so its
floor applies.

Student initialisation: the ``spread`` construction of
:func:`~tnrnn.tasks.teacher.draw_teacher` with the student's own seed
(orthogonal hidden weights, ``+-1`` first-layer input weights), loaded into
:class:`~tnrnn.bridge.nn.RACModule` (``init="gaussian"``: ``N(0, 1/fan_in)``
with the first layer's input weights times ``sqrt(M)``).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import time

import numpy as np

from ..errors import InvalidParameterError
from .batched import SeedStack, StackedOptimizer
from .data import split_seeds
from .models import _torch, count_parameters, hidden_for_budget
from .teacher import floor_at

__all__ = ["TEACHER_PRESETS", "SOLVED_ERROR", "TRAIN_DEFAULTS", "RACStack", "student_widths", "width_rule",
           "student_key", "train_students", "run_experiment", "spectrum_record", "FLOOR_RANKS"]

#: Validation relative error at which a student counts as solved (stops).
SOLVED_ERROR = 1e-6

#: Ranks at which a teacher-spectrum record lists the floor (0..FLOOR_RANKS).
FLOOR_RANKS = 64

#: Training settings of ``tnrnn train teacher`` (explicit options override).
TRAIN_DEFAULTS = {"batch_size": 64, "max_steps": 2000, "eval_every": 100, "patience": 5, "lr_decays": 1,
                  "lr": 3e-3, "clip": 1.0, "val_size": 256, "dtype": "float64"}

#: Presets of ``tnrnn train teacher --preset``: the grid and the training budget.  ``cpu``: 20 seeds per cell,
#: depths 1-3 at equal width and equal parameter count, T = 4, 6, 8 on M = 3 symbols, rac teachers of depth 2
#: and widths 2 (which the equal-width students of depth 2 and 3 can represent exactly) and 3, students of
#: width 2 (docs/teacher.rst gives its time).  ``gpu``: 32 seeds, T up to 12, longer budgets
#: (benchmarks/device_check.sh).
TEACHER_PRESETS = {
    "cpu": {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [2, 3], "inputs": 3,
            "lengths": [4, 6, 8], "depths": [1, 2, 3], "hidden": 2, "budgets": ["none", "dof"], "seeds": 20,
            "max_steps": 2000, "batch_size": 64, "eval_every": 50, "patience": 6, "lr_decays": 1, "lr": 1e-2,
            "val_size": 256},
    "gpu": {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [2, 3, 4], "inputs": 3,
            "lengths": [4, 6, 8, 10, 12], "depths": [1, 2, 3], "hidden": 2, "budgets": ["none", "dof"],
            "seeds": 32, "max_steps": 6000, "batch_size": 256, "eval_every": 100, "patience": 10, "lr_decays": 2,
            "lr": 1e-2, "val_size": 1024},
}


def width_rule(depth: int, hidden: int, reference: int, inputs: int) -> str:
    """Which budget the width of a depth-``depth`` student realises against the depth-1 width ``reference``.

    Examples
    --------
    >>> width_rule(1, 2, 2, 3), width_rule(2, 2, 2, 3), width_rule(3, 1, 2, 3)
    ('reference', 'equal width', 'equal parameters')
    """
    if depth == 1:
        return "reference"
    labels = []
    if hidden == reference:
        labels.append("equal width")
    if hidden == hidden_for_budget("rac", depth, inputs, 1, count_parameters("rac", 1, reference, inputs, 1)):
        labels.append("equal parameters")
    return " / ".join(labels) or "other width"


def student_widths(depths, hidden: int, inputs: int, budgets) -> list[tuple[int, int]]:
    """``(depth, width)`` of every student: ``none`` the same width, ``dof`` the depth-1 parameter count.

    Examples
    --------
    >>> student_widths([1, 2, 3], 3, 3, ["none", "dof"])
    [(1, 3), (2, 3), (2, 2), (3, 3), (3, 2)]
    """
    out = []
    target = count_parameters("rac", 1, hidden, inputs, 1)
    for L in sorted(set(depths)):
        for b in budgets:
            if b not in ("none", "dof"):
                raise InvalidParameterError("--budget", b, "none or dof (or a comma list of them)")
            H = hidden if (b == "none" or L == 1) else hidden_for_budget("rac", L, inputs, 1, target)
            if (L, H) not in out:
                out.append((L, H))
    return out


def student_key(teacher: dict, config: dict) -> str:
    """A readable, unique name of one student: teacher, depth, width, length, seed, and a hash of everything."""
    blob = json.dumps({"teacher": teacher, "config": config}, sort_keys=True)
    digest = hashlib.sha1(blob.encode()).hexdigest()[:8]
    return (f"teacher-{teacher['circuit']}-L{teacher['depth']}-R{teacher['hidden']}-s{teacher['seed']}-"
            f"rac-L{config['depth']}-H{config['hidden']}-T{config['length']}-s{config['seed']}-{digest}")


class RACStack:
    """``S`` :class:`~tnrnn.bridge.nn.RACModule` students of one shape, weights stacked along a seed axis.

    Duck-typed for :class:`~tnrnn.tasks.batched.StackedOptimizer` (``params``,
    ``seeds``, ``device``, ``arch``); ``snapshot``, ``keep`` and ``restore``
    are :class:`~tnrnn.tasks.batched.SeedStack`'s.

    Examples
    --------
    >>> import torch
    >>> stack = RACStack(2, 3, 4, seeds=[0, 1], dtype=torch.float64)
    >>> x = torch.eye(4, dtype=torch.float64)[torch.randint(0, 4, (2, 5, 6))]
    >>> stack(x).shape
    torch.Size([2, 5])
    >>> bool(torch.allclose(stack(x)[1], stack.module(1)(x[1])[:, 0]))
    True
    """

    arch = "rac"
    snapshot = SeedStack.snapshot
    keep = SeedStack.keep
    restore = SeedStack.restore

    def __init__(self, depth: int, hidden: int, inputs: int, seeds, *, init: str = "spread", dtype=None,
                 device="cpu"):
        torch = _torch()
        from torch.func import stack_module_state

        from ..bridge.nn import RACModule

        self.depth, self.hidden, self.inputs = depth, hidden, inputs
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise InvalidParameterError("seeds", seeds, "at least one seed")
        self.dtype = torch.float64 if dtype is None else dtype
        self.device = torch.device(device)
        from ..circuits import RAC
        from .teacher import draw_teacher

        modules = []
        for s in self.seeds:
            if init == "spread":
                m = RACModule.from_rac(draw_teacher("rac", depth, hidden, inputs, s, "spread"), dtype=torch.float64)
            else:
                m = RACModule.from_rac(RAC.random(depth, hidden, inputs, 1, seed=s), dtype=torch.float64)
                with torch.no_grad():
                    m.input_weights[0].mul_(math.sqrt(inputs))
            modules.append(m.to(self.device, self.dtype))
        params, _ = stack_module_state(modules)
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self._base = RACModule(depth, hidden, inputs, 1, seed=0).to("meta")

    def __call__(self, x):
        """Outputs (S, N) of inputs ``x`` (S, N, T, M)."""
        torch = _torch()
        from torch.func import functional_call

        def one(p, xs):
            return functional_call(self._base, (p,), (xs,))[:, 0]

        return torch.vmap(one)(self.params, x)

    def features(self, x):
        """Top-layer last states (S, N, R) of inputs ``x`` (S, N, T, M): the module run with ``W^O = I``."""
        torch = _torch()
        from torch.func import functional_call

        eye = torch.eye(self.hidden, dtype=self.dtype, device=self.device)
        params = {k: v for k, v in self.params.items() if k != "output_weights"}

        def one(p, xs):
            return functional_call(self._base, ({**p, "output_weights": eye},), (xs,))

        return torch.vmap(one)(params, x)

    def module(self, index: int):
        """Seed ``index``'s student as a :class:`~tnrnn.bridge.nn.RACModule` (a copy)."""
        torch = _torch()
        from ..bridge.nn import RACModule

        m = RACModule(self.depth, self.hidden, self.inputs, 1, seed=0, dtype=self.dtype).to(self.device)
        with torch.no_grad():
            m.load_state_dict({k: v[index].detach() for k, v in self.params.items()})
        return m


def _projected_errors(F, y, torch, ridge=1e-8):
    """Per seed ``min_w ||F w - y||^2 / ||y||^2`` (the readout solved exactly, a ridge of ``ridge`` relative to
    the features' scale), differentiable in ``F`` (variable projection); ``F`` (S, N, R), ``y`` (S, N)."""
    G = F.transpose(1, 2) @ F
    R = G.shape[-1]
    eye = torch.eye(R, dtype=F.dtype, device=F.device)
    lam = ridge * (G.diagonal(dim1=1, dim2=2).sum(-1) / R + torch.finfo(F.dtype).tiny ** 0.5)
    w = torch.linalg.solve(G + lam[:, None, None] * eye, (F.transpose(1, 2) @ y[..., None]))[..., 0]
    resid = ((F @ w[..., None])[..., 0] - y) ** 2
    return resid.sum(1) / (y ** 2).sum(1)


def _onehot(seqs, inputs, torch, dtype, device):
    return torch.nn.functional.one_hot(torch.as_tensor(seqs, device=device), inputs).to(dtype)


def _sequences(index, inputs, length):
    """Symbols (N, T) of grid indices (``x_0`` most significant)."""
    powers = inputs ** np.arange(length - 1, -1, -1, dtype=np.int64)
    return (np.asarray(index, dtype=np.int64)[:, None] // powers[None, :]) % inputs


def spectrum_record(teacher_info: dict, length: int, sigma2, rank_uppers: dict, rule: str, tries) -> dict:
    """The ``teacher-spectrum`` record of one teacher at one length."""
    s = np.asarray(sigma2, dtype=np.float64)
    return {"kind": "teacher-spectrum", "key": f"spectrum-{teacher_info['file']}-T{length}",
            "teacher": teacher_info, "length": length, "inputs": teacher_info["inputs"],
            "sigma2": [float(v) for v in s], "floors": [floor_at(s, k) for k in range(FLOOR_RANKS + 1)],
            "rank_upper": {str(k): v for k, v in rank_uppers.items()}, "rule": rule, "tries": tries}


def train_students(teacher_info: dict, grid, configs, *, floors: dict, progress: bool = False, log=None,
                   max_memory=None, device="cpu") -> list[dict]:
    """Train the students of ``configs`` (equal except for ``seed``) together on the teacher's ``grid``.

    Parameters
    ----------
    teacher_info : dict
        The teacher's spec (kind, depth, hidden, inputs, seed, init, file), copied into each record.
    grid : numpy.ndarray
        The teacher's outputs on all ``M^T`` sequences (:func:`~tnrnn.tasks.teacher.grid_values`).
    configs : list of dict
        Keys ``depth``, ``hidden``, ``length``, ``seed`` and the training settings of :data:`TRAIN_DEFAULTS`.
    floors : dict
        ``rank_upper`` (int), ``rank_upper_source``, ``floor``, ``floor_depth1`` of this student shape.

    Returns
    -------
    list of dict
        One ``teacher-student`` record per config, in order.
    """
    torch = _torch()
    from ..circuits import RAC
    from ..limits import check_memory
    from .teacher import grid_values

    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t_start = time.perf_counter()
    c0 = configs[0]
    L, H, T, M = c0["depth"], c0["hidden"], c0["length"], teacher_info["inputs"]
    S = len(configs)
    dtype = getattr(torch, c0["dtype"])
    device = torch.device(device)
    itemsize = 8 if c0["dtype"] == "float64" else 4
    rows = min(max(c0["batch_size"], c0["val_size"]), M ** T)   # a batch of the whole grid is the grid
    need = itemsize * S * rows * T * (M + 8 * L * H)
    check_memory(f"training {S} students together (T={T}, H={H}, L={L})", need, max_memory,
                 "lower --n-seeds or --batch-size")
    A = np.asarray(grid, dtype=np.float64)
    scale = float(np.sqrt(np.mean(A ** 2)))
    target = torch.as_tensor(A / scale, dtype=dtype, device=device)
    gens = [split_seeds(c["seed"]) for c in configs]
    n = M ** T
    full = c0["batch_size"] >= n   # the whole grid fits one batch: full-batch training, validated on the grid
    if full:
        xv = _onehot(_sequences(np.arange(n), M, T), M, torch, dtype, device).expand(S, n, T, M)
        yv = target.expand(S, n)
    else:
        val_idx = torch.as_tensor(np.stack([g[1].integers(0, n, c0["val_size"]) for g in gens]), device=device)
        xv = _onehot(np.stack([_sequences(i, M, T) for i in val_idx.cpu().numpy()]), M, torch, dtype, device)
        yv = target[val_idx]
    stack = RACStack(L, H, M, [c["seed"] for c in configs], dtype=dtype, device=device)
    opt = StackedOptimizer(stack, "adam", c0["lr"], clip=c0["clip"])
    best_err = np.full(S, np.inf)
    best = stack.snapshot()
    best_step = np.zeros(S, dtype=int)
    since = np.zeros(S, dtype=int)
    decays = np.zeros(S, dtype=int)
    steps = np.zeros(S, dtype=int)
    stopped: list = [None] * S
    step = 0
    t_train = time.perf_counter()
    for step in range(1, c0["max_steps"] + 1):
        if full:
            x, y = xv, yv
        else:
            idx = np.stack([g[0].integers(0, n, c0["batch_size"]) for g in gens])
            x = _onehot(_sequences(idx.ravel(), M, T).reshape(S, -1, T), M, torch, dtype, device)
            y = target[torch.as_tensor(idx, device=device)]
        loss = _projected_errors(stack.features(x), y, torch) * (y ** 2).mean(1).detach()
        opt.zero_grad()
        loss.sum().backward()
        opt.step()
        if step % c0["eval_every"] == 0 or step == c0["max_steps"]:
            live = np.array([r is None for r in stopped])
            with torch.no_grad():
                err = _projected_errors(stack.features(xv), yv, torch).double().cpu().numpy()
            err = np.where(np.isfinite(err), err, np.inf)
            improved = live & (err < best_err)
            best_err = np.where(improved, err, best_err)
            best_step = np.where(improved, step, best_step)
            since = np.where(improved, 0, since + live)
            stack.keep(best, torch.as_tensor(improved, device=device))
            for i in np.flatnonzero(live):
                if best_err[i] < SOLVED_ERROR:
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
                say(f"  teacher R={teacher_info['hidden']} T={T}: student L={L} H={H}: step {step}/{c0['max_steps']}, "
                    f"{S} seeds, validation error median {float(np.median(best_err)):.3g}, "
                    f"{sum(r is not None for r in stopped)} stopped, {time.perf_counter() - t_train:.0f} s")
            if all(r is not None for r in stopped):
                break
    for i in range(S):
        if stopped[i] is None:
            stopped[i], steps[i] = "cap", step
    train_seconds = time.perf_counter() - t_train
    stack.restore(best)
    energy = float(np.sum(A ** 2))
    records = []
    for i, c in enumerate(configs):
        m = stack.module(i)
        wh = [w.detach().cpu().double().numpy() for w in m.hidden_weights]
        wi = [w.detach().cpu().double().numpy() for w in m.input_weights]
        F = grid_values(RAC(wh, wi, np.eye(H)), T, outputs="all", max_memory=max_memory)
        wo = np.linalg.lstsq(F, A, rcond=None)[0] if np.all(np.isfinite(F)) else np.zeros(H)
        rac = RAC(wh, wi, wo[None, :])
        B = grid_values(rac, T, max_memory=max_memory)
        test_error = float(np.sum((A - B) ** 2) / energy)
        records.append({
            "kind": "teacher-student", "key": student_key(teacher_info, c), "teacher": teacher_info,
            "depth": L, "hidden": H, "seed": c["seed"], "length": T, "inputs": M,
            "test_error": test_error, "test_error_method": "full grid",
            **floors,
            "below_floor_depth1": bool(test_error < floors["floor_depth1"]),
            "val_error": float(best_err[i]),
            "width_rule": width_rule(L, H, c["reference_hidden"], M),
            "params": count_parameters("rac", L, H, M, 1),
            "train": {"steps": int(steps[i]), "best_step": int(best_step[i]), "stopped": stopped[i],
                      "lr_decays": int(decays[i]), "seconds": train_seconds / S, "seeds_together": S,
                      "group_seconds": train_seconds},
            "weights": {**{f"WH{k}": w.tolist() for k, w in enumerate(wh, 1)},
                        **{f"WI{k}": w.tolist() for k, w in enumerate(wi, 1)}, "WO": [wo.tolist()]},
            "target_scale": scale, "config": c, "torch": torch.__version__,
            "seconds": (time.perf_counter() - t_start) / S,
        })
    return records


def reference_spec(teacher_info: dict) -> str:
    """``circuit L=.. R=.. M=.. seed ..`` of a teacher, for tables and titles."""
    t = teacher_info
    return f"{t['circuit']} L={t['depth']} R={t['hidden']} M={t['inputs']} seed {t['seed']}"


def write_teacher(out: str, name: str, teacher, meta: dict) -> str:
    """Save a teacher as ``out/name`` (:func:`~tnrnn.tasks.teacher.save_teacher`)."""
    from .teacher import save_teacher

    os.makedirs(out, exist_ok=True)
    return save_teacher(os.path.join(out, name), teacher, meta)


def run_experiment(spec: dict, out, *, resume: bool = True, progress: bool = False, log=None,
                   max_memory=None) -> list[dict]:
    """Choose the teachers, then train every student of ``spec``, streaming records to ``out/records.jsonl``.

    Parameters
    ----------
    spec : dict
        ``teacher_circuit``, ``teacher_depth``, ``teacher_hidden`` (list),
        ``teacher_seed``, ``teacher_init``, ``min_floor``, ``inputs``,
        ``lengths``, ``depths``, ``hidden``, ``budgets``, ``seeds``, ``device``
        and the training settings of :data:`TRAIN_DEFAULTS`.
    out : str or os.PathLike
        The folder: ``records.jsonl`` and one ``teacher.npz`` per teacher
        (``teacher-R{RT}.npz`` when several teacher widths run).
    resume : bool
        Skip the students (and spectra) whose key is already in the records.

    Returns
    -------
    list of dict
        Every record of the file, finished earlier or now.
    """
    from ..cuts import Cut
    from ..ranks.bounds import closed_form_upper
    from ..records import JsonlWriter, read_records
    from .teacher import choose_teacher

    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = os.fspath(out)
    path = os.path.join(out, "records.jsonl")
    if not resume and os.path.exists(path):
        os.remove(path)
    M, R = spec["inputs"], spec["hidden"]
    widths = student_widths(spec["depths"], R, M, spec["budgets"])
    train = {k: spec[k] for k in TRAIN_DEFAULTS}
    writer = JsonlWriter(path, resume=True, name="--out", key=lambda r: r.get("key"),
                         kinds=("teacher-spectrum", "teacher-student"))
    done = {r.get("key") for r in writer.existing}
    try:
        for RT in spec["teacher_hidden"]:
            name = "teacher.npz" if len(spec["teacher_hidden"]) == 1 else f"teacher-R{RT}.npz"
            teacher, info = choose_teacher(spec["teacher_circuit"], spec["teacher_depth"], RT, M, spec["lengths"],
                                           R, seed=spec["teacher_seed"], init=spec["teacher_init"],
                                           min_floor=spec["min_floor"], max_memory=max_memory)
            tinfo = {"circuit": spec["teacher_circuit"], "depth": spec["teacher_depth"], "hidden": RT, "inputs": M,
                     "seed": info["seed"], "first_seed": spec["teacher_seed"], "init": spec["teacher_init"],
                     "min_floor": spec["min_floor"], "file": name}
            write_teacher(out, name, teacher, {k: tinfo[k] for k in ("circuit", "depth", "hidden", "inputs", "seed",
                                                                      "init")} | {"kind": tinfo["circuit"],
                                                                                  "rule": info["rule"]})
            if progress:
                say(f"tnrnn train teacher: {reference_spec(tinfo)} after {len(info['tries'])} draw(s) "
                    f"({info['rule']}); saved {os.path.join(out, name)}")
            for T in spec["lengths"]:
                cut = Cut.start_end(T)
                bounds = {(L, H): closed_form_upper(L, H, M, cut) for L, H in widths}
                bounds.setdefault((1, R), closed_form_upper(1, R, M, cut))
                sigma2 = info["spectra"][T]
                rec = spectrum_record(tinfo, T, sigma2, {f"L{L}-H{H}": b.value for (L, H), b in bounds.items()},
                                      info["rule"], info["tries"])
                if rec["key"] not in done:
                    writer.write(rec)
                floor1 = floor_at(sigma2, bounds[(1, R)].value)
                for L, H in widths:
                    b = bounds[(L, H)]
                    floors = {"rank_upper": int(b.value), "rank_upper_source": b.source,
                              "floor": floor_at(sigma2, b.value), "floor_depth1": floor1,
                              "rank_upper_depth1": int(bounds[(1, R)].value)}
                    configs = [{"depth": L, "hidden": H, "length": T, "seed": s, "reference_hidden": R, **train}
                               for s in range(spec["seeds"])]
                    todo = [c for c in configs if student_key(tinfo, c) not in done]
                    if not todo:
                        continue
                    if progress:
                        say(f"tnrnn train teacher: teacher R={RT}, T={T}: {len(todo)} students L={L} H={H} "
                            f"(rank <= {b.value}, floor {floors['floor']:.3g}; depth-1 floor {floor1:.3g})")
                    for r in train_students(tinfo, info["grids"][T], todo, floors=floors, progress=progress,
                                            log=say, max_memory=max_memory, device=spec.get("device", "cpu")):
                        writer.write(r)
    finally:
        writer.close()
    return read_records(path, name="--out")
