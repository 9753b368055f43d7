"""The teacher-student experiment: students of depth 1, 2, 3 fitted to a teacher's grid, against certified floors.

Students are circuits of one registered kind each (``rac`` by default;
``ssm``, ``gla``: ``--student-circuit``), kinds whose certified Start-End
upper bound applies.  For each teacher (:mod:`tnrnn.tasks.teacher`), length
``T``, student kind and shape (depth ``L``, width ``H``), the seeds are
trained together (:class:`CircuitStack`: one module of the kind per seed,
:class:`tnrnn.bridge.nn.RACModule` or :class:`tnrnn.bridge.nn.CircuitModule`,
stacked with :func:`torch.func.stack_module_state` and run with
:func:`torch.vmap`, so the forward pass is the module's own; the optimiser is
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

Record (``kind: "teacher-student"``, one per student): ``student_circuit``
(the kind; records written before other kinds existed lack it and are
``rac``), ``depth``, ``hidden``, ``seed``, ``length``, ``inputs``, ``test_error`` (relative
squared error ``||A - B||_F^2 / ||A||_F^2`` over the full grid, float64,
``test_error_method: "full grid"``), ``rank_upper`` (the certified Start-End
upper bound of the student's shape, :func:`tnrnn.ranks.kinds.certified_upper`:
:func:`tnrnn.ranks.bounds.closed_form_upper` for ``rac``,
:func:`tnrnn.ranks.kinds.kind_upper` for the other kinds, and its
``rank_upper_source``), ``floor`` (the teacher's Eckart-Young floor at
``rank_upper``), ``floor_depth1`` (at the bound of the depth-1 student of the
same kind and the reference width, ``rank_upper_depth1``),
``teacher`` (kind, depth, hidden, inputs, seed, init, file), ``width_rule``,
``params``, ``train`` (steps, best step, stop reason, seconds), ``config`` and
``weights`` (the student as :func:`~tnrnn.tasks.teacher.teacher_arrays`
names a circuit's parameters, the names of ``teacher.npz``: ``WH1..``,
``WI1..``, ``WO`` in the RAC convention; ``A1``, ``B1``, ``C1``, ... for
``ssm``; ``A1``, ``K1``, ``V1``, ``Q1``, ... for ``gla``; the readout on the
teacher's own scale).
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
on the trained states, and every student is still a circuit of its kind and
shape, so its floor applies.

Student initialisation: the ``spread`` construction of
:func:`~tnrnn.tasks.teacher.draw_teacher` with the student's own seed
(Haar-orthogonal square and upper-layer weights, ``+-1`` first-layer input
weights), loaded into the kind's module (``init="gaussian"``: ``N(0,
1/fan_in)`` with the first layer's input weights times ``sqrt(M)``).
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

from ..circuits.kinds import DEFAULT_KIND
from ..errors import InvalidParameterError
from .batched import SeedStack, StackedOptimizer
from .data import split_seeds
from .models import _torch, count_parameters, hidden_for_budget
from .teacher import floor_at

__all__ = ["TEACHER_PRESETS", "SOLVED_ERROR", "TRAIN_DEFAULTS", "CircuitStack", "DEFAULT_STUDENT", "student_widths", "width_rule",
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


#: The students' kind when none is named (``--student-circuit``); records without ``student_circuit`` are of it.
DEFAULT_STUDENT = DEFAULT_KIND


def width_rule(depth: int, hidden: int, reference: int, inputs: int, kind: str = DEFAULT_STUDENT) -> str:
    """Which budget the width of a depth-``depth`` student of ``kind`` realises against the depth-1 width
    ``reference`` (parameters counted by :func:`~tnrnn.tasks.models.count_parameters` for the kind).

    Examples
    --------
    >>> width_rule(1, 2, 2, 3), width_rule(2, 2, 2, 3), width_rule(3, 1, 2, 3)
    ('reference', 'equal width', 'equal parameters')
    >>> width_rule(2, 1, 2, 3, "gla")                 # 42 parameters at width 1 against 26 at depth 1, width 2
    'equal parameters'
    """
    if depth == 1:
        return "reference"
    labels = []
    if hidden == reference:
        labels.append("equal width")
    if hidden == hidden_for_budget(kind, depth, inputs, 1, count_parameters(kind, 1, reference, inputs, 1)):
        labels.append("equal parameters")
    return " / ".join(labels) or "other width"


def student_widths(depths, hidden: int, inputs: int, budgets, kind: str = DEFAULT_STUDENT) -> list[tuple[int, int]]:
    """``(depth, width)`` of every student of ``kind``: ``none`` the same width, ``dof`` the width whose parameter
    count (the kind's, :func:`~tnrnn.tasks.models.count_parameters`) is closest to the depth-1 student's.

    Examples
    --------
    >>> student_widths([1, 2, 3], 3, 3, ["none", "dof"])
    [(1, 3), (2, 3), (2, 2), (3, 3), (3, 2)]
    >>> student_widths([1, 2, 3], 3, 3, ["none", "dof"], "ssm")      # 3 * 3 * 3 + 3 = 30 parameters at depth 1
    [(1, 3), (2, 3), (2, 2), (3, 3), (3, 1)]
    """
    out = []
    target = count_parameters(kind, 1, hidden, inputs, 1)
    for L in sorted(set(depths)):
        for b in budgets:
            if b not in ("none", "dof"):
                raise InvalidParameterError("--budget", b, "none or dof (or a comma list of them)")
            H = hidden if (b == "none" or L == 1) else hidden_for_budget(kind, L, inputs, 1, target)
            if (L, H) not in out:
                out.append((L, H))
    return out


def student_key(teacher: dict, config: dict) -> str:
    """A readable, unique name of one student: teacher, kind, depth, width, length, seed, and a hash of everything.

    A config without ``student_circuit`` is a :data:`DEFAULT_STUDENT` student (the runs before other kinds
    keep their keys, so ``--resume`` continues them).
    """
    blob = json.dumps({"teacher": teacher, "config": config}, sort_keys=True)
    digest = hashlib.sha1(blob.encode()).hexdigest()[:8]
    kind = config.get("student_circuit", DEFAULT_STUDENT)
    return (f"teacher-{teacher['circuit']}-L{teacher['depth']}-R{teacher['hidden']}-s{teacher['seed']}-"
            f"{kind}-L{config['depth']}-H{config['hidden']}-T{config['length']}-s{config['seed']}-{digest}")


def student_config(kind: str, depth: int, hidden: int, length: int, seed: int, reference_hidden: int,
                   train: dict) -> dict:
    """The config of one student (its ``config`` field and the input of :func:`student_key`).

    The kind is named only when it is not :data:`DEFAULT_STUDENT`, so a ``rac`` student's config, and its key,
    are those of the runs made before students of other kinds existed.
    """
    named = {} if kind == DEFAULT_STUDENT else {"student_circuit": kind}
    return {"depth": depth, "hidden": hidden, "length": length, "seed": seed, "reference_hidden": reference_hidden,
            **named, **train}


class CircuitStack:
    """``S`` students of one kind and shape, weights stacked along a seed axis.

    Each seed's student is its kind's trainable module
    (:func:`tnrnn.bridge.nn.circuit_module`: :class:`~tnrnn.bridge.nn.RACModule`
    for ``rac``, :class:`~tnrnn.bridge.nn.CircuitModule` for ``ssm``, ``gla``
    and the kinds users register); the modules are stacked with
    :func:`torch.func.stack_module_state` and run with :func:`torch.vmap`, so
    the forward pass is the module's own.  Duck-typed for
    :class:`~tnrnn.tasks.batched.StackedOptimizer` (``params``, ``seeds``,
    ``device``, ``arch``); ``snapshot``, ``keep`` and ``restore`` are
    :class:`~tnrnn.tasks.batched.SeedStack`'s.

    Parameters
    ----------
    kind : str
        A registered layer kind (:func:`tnrnn.circuits.list_kinds`).
    depth, hidden, inputs : int
        ``L``, ``H`` and ``M``; one output.
    seeds : sequence of int
        One student per seed, initialised by ``init`` with that seed.
    init : {"spread", "gaussian"}
        ``spread``: :func:`~tnrnn.tasks.teacher.draw_teacher`'s construction;
        ``gaussian``: :func:`tnrnn.circuits.random_circuit` with the first
        layer's input parameters (those not ``R x R``) times ``sqrt(M)``.

    Examples
    --------
    >>> import torch
    >>> stack = CircuitStack("gla", 2, 3, 4, seeds=[0, 1], dtype=torch.float64)
    >>> x = torch.eye(4, dtype=torch.float64)[torch.randint(0, 4, (2, 5, 6))]
    >>> stack(x).shape
    torch.Size([2, 5])
    >>> bool(torch.allclose(stack(x)[1], stack.module(1)(x[1])[:, 0]))
    True
    >>> stack.features(x).shape                      # top-layer outputs, the readout left out
    torch.Size([2, 5, 3])
    """

    snapshot = SeedStack.snapshot
    keep = SeedStack.keep
    restore = SeedStack.restore

    def __init__(self, kind: str, depth: int, hidden: int, inputs: int, seeds, *, init: str = "spread", dtype=None,
                 device="cpu"):
        torch = _torch()
        from torch.func import stack_module_state

        from ..bridge.nn import circuit_module
        from ..circuits import layer_kind
        from ..validation import check_choice
        from .teacher import TEACHER_INITS

        self.kind = self.arch = layer_kind(kind).name   # ``arch``: what StackedOptimizer asks of a stack
        self.depth, self.hidden, self.inputs = depth, hidden, inputs
        self.seeds = [int(s) for s in seeds]
        if not self.seeds:
            raise InvalidParameterError("seeds", seeds, "at least one seed")
        init = check_choice(init, "init", TEACHER_INITS)
        self.dtype = torch.float64 if dtype is None else dtype
        self.device = torch.device(device)
        modules = [circuit_module(_initial_student(self.kind, depth, hidden, inputs, s, init),
                                  dtype=torch.float64).to(self.device, self.dtype) for s in self.seeds]
        params, _ = stack_module_state(modules)
        self.params = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
        self._template = copy.deepcopy(modules[0])
        self._base = copy.deepcopy(modules[0]).to("meta")

    def __call__(self, x):
        """Outputs (S, N) of inputs ``x`` (S, N, T, M)."""
        torch = _torch()
        from torch.func import functional_call

        def one(p, xs):
            return functional_call(self._base, (p,), (xs,))[:, 0]

        return torch.vmap(one)(self.params, x)

    def features(self, x):
        """Top-layer last outputs (S, N, H) of inputs ``x`` (S, N, T, M): the modules run with ``W^O = I``."""
        torch = _torch()
        from torch.func import functional_call

        eye = torch.eye(self.hidden, dtype=self.dtype, device=self.device)
        params = {k: v for k, v in self.params.items() if k != "output_weights"}

        def one(p, xs):
            return functional_call(self._base, ({**p, "output_weights": eye},), (xs,))

        return torch.vmap(one)(params, x)

    def module(self, index: int):
        """Seed ``index``'s student as its kind's module (a copy)."""
        torch = _torch()

        m = copy.deepcopy(self._template)
        with torch.no_grad():
            m.load_state_dict({k: v[index].detach() for k, v in self.params.items()})
        return m


def _initial_student(kind: str, depth: int, hidden: int, inputs: int, seed: int, init: str):
    """The circuit a student starts from (:class:`CircuitStack`'s ``init``)."""
    from ..circuits import random_circuit
    from .teacher import circuit_from_layers, draw_teacher

    if init == "spread":
        return draw_teacher(kind, depth, hidden, inputs, seed, "spread")
    c = random_circuit(kind, depth, hidden, inputs, 1, seed=seed)
    square = c.layer_kind.square
    layers = [{name: np.asarray(lp[name]) * (math.sqrt(inputs) if layer == 0 and name not in square else 1.0)
               for name in c.layer_kind.params} for layer, lp in enumerate(c.layer_params())]
    return circuit_from_layers(kind, layers, c.output_weights)


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


def shape_label(kind: str, depth: int, hidden: int) -> str:
    """``L2-H3`` for a :data:`DEFAULT_STUDENT` student (the label of the runs before other kinds), else
    ``ssm-L2-H3``: the keys of a ``teacher-spectrum`` record's ``rank_upper``.

    Examples
    --------
    >>> shape_label("rac", 2, 3), shape_label("gla", 1, 2)
    ('L2-H3', 'gla-L1-H2')
    """
    return f"L{depth}-H{hidden}" if kind == DEFAULT_STUDENT else f"{kind}-L{depth}-H{hidden}"


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
        Keys ``depth``, ``hidden``, ``length``, ``seed``, ``reference_hidden``, ``student_circuit`` (absent:
        :data:`DEFAULT_STUDENT`) and the training settings of :data:`TRAIN_DEFAULTS` (:func:`student_config`).
    floors : dict
        ``rank_upper`` (int), ``rank_upper_source``, ``floor``, ``floor_depth1`` of this student shape.

    Returns
    -------
    list of dict
        One ``teacher-student`` record per config, in order.
    """
    torch = _torch()
    from ..circuits import layer_kind
    from ..limits import check_memory
    from .teacher import circuit_from_layers, grid_values, teacher_arrays

    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    t_start = time.perf_counter()
    c0 = configs[0]
    L, H, T, M = c0["depth"], c0["hidden"], c0["length"], teacher_info["inputs"]
    kind = layer_kind(c0.get("student_circuit", DEFAULT_STUDENT))
    S = len(configs)
    dtype = getattr(torch, c0["dtype"])
    device = torch.device(device)
    itemsize = 8 if c0["dtype"] == "float64" else 4
    rows = min(max(c0["batch_size"], c0["val_size"]), M ** T)   # a batch of the whole grid is the grid
    need = itemsize * S * rows * T * (M + 8 * L * kind.state_size(H))
    check_memory(f"training {S} {kind.name} students together (T={T}, H={H}, L={L})", need, max_memory,
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
    stack = CircuitStack(kind.name, L, H, M, [c["seed"] for c in configs], dtype=dtype, device=device)
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
                say(f"  teacher R={teacher_info['hidden']} T={T}: student {kind.name} L={L} H={H}: step {step}/{c0['max_steps']}, "
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
        layers = stack.module(i).to_circuit().layer_params()
        F = grid_values(circuit_from_layers(kind.name, layers, np.eye(H)), T, outputs="all", max_memory=max_memory)
        wo = np.linalg.lstsq(F, A, rcond=None)[0] if np.all(np.isfinite(F)) else np.zeros(H)
        student = circuit_from_layers(kind.name, layers, wo[None, :])
        B = grid_values(student, T, max_memory=max_memory)
        test_error = float(np.sum((A - B) ** 2) / energy)
        records.append({
            "kind": "teacher-student", "key": student_key(teacher_info, c), "teacher": teacher_info,
            "student_circuit": kind.name, "depth": L, "hidden": H, "seed": c["seed"], "length": T, "inputs": M,
            "test_error": test_error, "test_error_method": "full grid",
            **floors,
            "below_floor_depth1": bool(test_error < floors["floor_depth1"]),
            "val_error": float(best_err[i]),
            "width_rule": width_rule(L, H, c["reference_hidden"], M, kind.name),
            "params": count_parameters(kind.name, L, H, M, 1),
            "train": {"steps": int(steps[i]), "best_step": int(best_step[i]), "stopped": stopped[i],
                      "lr_decays": int(decays[i]), "seconds": train_seconds / S, "seeds_together": S,
                      "group_seconds": train_seconds},
            "weights": {name: w.tolist() for name, w in teacher_arrays(student).items()},
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
        ``lengths``, ``depths``, ``hidden``, ``budgets``, ``seeds``, ``device``,
        ``student_circuits`` (a list of kinds; absent: ``[DEFAULT_STUDENT]``)
        and the training settings of :data:`TRAIN_DEFAULTS`.  Per teacher and
        length the kinds run in the order given, each with its own widths
        (:func:`student_widths`) and its own depth-1 reference.
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
    from ..circuits import CircuitSpec
    from ..cuts import Cut
    from ..ranks.kinds import certified_upper
    from ..records import JsonlWriter, read_records
    from .teacher import choose_teacher

    say = log or (lambda msg: print(msg, file=sys.stderr, flush=True))
    out = os.fspath(out)
    path = os.path.join(out, "records.jsonl")
    if not resume and os.path.exists(path):
        os.remove(path)
    M, R = spec["inputs"], spec["hidden"]
    kinds = list(dict.fromkeys(spec.get("student_circuits", [DEFAULT_STUDENT])))
    widths = {k: student_widths(spec["depths"], R, M, spec["budgets"], k) for k in kinds}
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
                bounds = {}
                for k in kinds:
                    for L, H in [*widths[k], (1, R)]:
                        bounds.setdefault((k, L, H), certified_upper(CircuitSpec(k, L, H, M), cut))
                sigma2 = info["spectra"][T]
                rec = spectrum_record(tinfo, T, sigma2, {shape_label(*kLH): b.value for kLH, b in bounds.items()},
                                      info["rule"], info["tries"])
                if rec["key"] not in done:
                    writer.write(rec)
                for k, (L, H) in ((kind, LH) for kind in kinds for LH in widths[kind]):
                    b, b1 = bounds[(k, L, H)], bounds[(k, 1, R)]
                    floor1 = floor_at(sigma2, b1.value)
                    floors = {"rank_upper": int(b.value), "rank_upper_source": b.source,
                              "floor": floor_at(sigma2, b.value), "floor_depth1": floor1,
                              "rank_upper_depth1": int(b1.value)}
                    configs = [student_config(k, L, H, T, s, R, train) for s in range(spec["seeds"])]
                    todo = [c for c in configs if student_key(tinfo, c) not in done]
                    if not todo:
                        continue
                    if progress:
                        say(f"tnrnn train teacher: teacher R={RT}, T={T}: {len(todo)} {k} students L={L} H={H} "
                            f"(rank <= {b.value}, floor {floors['floor']:.3g}; depth-1 floor {floor1:.3g})")
                    for r in train_students(tinfo, info["grids"][T], todo, floors=floors, progress=progress,
                                            log=say, max_memory=max_memory, device=spec.get("device", "cpu")):
                        writer.write(r)
    finally:
        writer.close()
    return read_records(path, name="--out")
