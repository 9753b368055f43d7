"""``tnrnn train teacher``: students of depth 1-3 (rac, ssm, gla) fitted to a teacher circuit, against certified
error floors.

The options shared with the other tasks (``--depth``, ``--hidden``,
``--length``, ``--budget``, ``--n-seeds`` (``--seeds`` is its deprecated spelling), ``--max-steps``, ``--out``, the
training settings) are ``tnrnn train``'s; :func:`add_teacher_arguments`
adds the teacher's own, and ``tnrnn train`` hands ``teacher`` runs to
:func:`run`.  The experiment: :mod:`tnrnn.tasks.teacher_train`; the table
and figure: :mod:`tnrnn.tasks.teacher_report`.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys

from ..errors import InvalidParameterError, MissingDependencyError
from ..validation import parse_float, parse_int
from ._common import int_list
from .plot import register_kind

__all__ = ["add_teacher_arguments", "run", "plan", "TEACHER_EXAMPLES"]

TEACHER_EXAMPLES = """\
  tnrnn train teacher --preset cpu --out results/teacher          # 20 seeds per cell, depths 1-3 (docs/teacher)
  tnrnn train teacher --teacher-circuit rac --teacher-depth 2 --teacher-hidden 3 --inputs 3 --length 6,8 \\
      --depth 1,2,3 --hidden 2 --budget none,dof --n-seeds 20 --max-steps 1000 --out results/t
  tnrnn train teacher --student-circuit rac,ssm,gla --length 4,6 --n-seeds 5 --out results/kinds
"""

#: Options of the other tasks that mean nothing for ``teacher`` (refused when given).
_OTHER_TASKS = ("alphabet", "window", "classes", "memory", "matches", "layout", "optimizer", "lr_recurrent",
                "orthogonal_map", "spectrum_samples", "test_size", "arch")
#: Options that mean nothing for the other tasks (refused there).
TEACHER_ONLY = ("teacher_circuit", "teacher_depth", "teacher_hidden", "teacher_seed", "teacher_init", "inputs",
                "min_floor", "student_circuit")


def add_teacher_arguments(p) -> None:
    """Add the teacher's options to the ``tnrnn train`` parser (a group of their own)."""
    g = p.add_argument_group("teacher (tnrnn train teacher)")
    g.add_argument("--teacher-circuit", default=None, help="the teacher's layer kind: rac (default), ssm or gla")
    g.add_argument("--teacher-depth", default=None, help="the teacher's depth LT (default 2)")
    g.add_argument("--teacher-hidden", default=None,
                   help="the teacher's width RT, or a comma list (one teacher each; default 3)")
    g.add_argument("--teacher-seed", default=None, help="the first teacher seed tried (default 0)")
    g.add_argument("--teacher-init", choices=("spread", "gaussian"), default=None,
                   help="spread (default: orthogonal and +-1 weights) or gaussian (N(0, 1/fan_in))")
    g.add_argument("--min-floor", default=None,
                   help="keep the first teacher whose floor at the depth-1 width is at least this (default 0.05)")
    from ._common import add_term

    add_term(g, "inputs", default=None, help="input symbols M (default 3)")
    add_term(g, "student-circuit", default=None,
             help="the students' layer kind: rac (default), ssm or gla; a comma list (rac,ssm) trains each kind, "
                  "with its own widths and depth-1 reference, against the same teachers")


def reject_teacher_options(args) -> None:
    """Refuse the teacher's options on another task (one error line)."""
    for name in TEACHER_ONLY:
        if getattr(args, name, None) is not None:
            raise InvalidParameterError("--" + name.replace("_", "-"), getattr(args, name),
                                        "only with tnrnn train teacher")


def _int(text, option, low, high):
    try:
        v = parse_int(str(text))
    except ValueError:
        raise InvalidParameterError(option, text, f"an integer in {low}..{high}") from None
    if not low <= v <= high:
        raise InvalidParameterError(option, v, f"an integer in {low}..{high}")
    return v


def _kinds(text, option: str, allowed) -> list[str]:
    """A comma list of registered kinds, each once, in the order given; else one line naming the allowed ones."""
    kinds = [k.strip() for k in str(text).split(",")]
    if not kinds or any(k not in allowed for k in kinds):
        raise InvalidParameterError(option, text, "one of " + ", ".join(allowed) + " (or a comma list of them)")
    return list(dict.fromkeys(kinds))


def plan(args) -> dict:
    """The experiment's settings from ``args`` (the preset, then explicit options), every value checked.

    The ranges of the options shared with the other tasks are checked by ``tnrnn train`` before it calls
    :func:`run`.
    """
    from ..circuits import list_kinds
    from ..tasks.teacher import DEFAULT_MIN_FLOOR, grid_memory
    from ..tasks.teacher_train import DEFAULT_STUDENT, TEACHER_PRESETS, TRAIN_DEFAULTS, student_widths
    for name in _OTHER_TASKS:
        if getattr(args, name, None) not in (None, False):
            raise InvalidParameterError("--" + name.replace("_", "-"), getattr(args, name),
                                        "not with tnrnn train teacher (ses, copy and digits only)")
    if args.preset not in (None, "cpu", "gpu"):
        raise InvalidParameterError("--preset", args.preset, "cpu or gpu for the teacher task")
    spec = {"teacher_circuit": "rac", "teacher_depth": 2, "teacher_hidden": [3], "teacher_seed": 0,
            "teacher_init": "spread", "min_floor": DEFAULT_MIN_FLOOR, "inputs": 3, "lengths": None,
            "depths": [1, 2, 3], "hidden": 2, "budgets": ["none", "dof"], "seeds": 3,
            "student_circuits": [DEFAULT_STUDENT], **TRAIN_DEFAULTS}
    if args.preset:
        spec.update(TEACHER_PRESETS[args.preset])
    if args.teacher_circuit is not None:
        if args.teacher_circuit not in list_kinds():
            raise InvalidParameterError("--teacher-circuit", args.teacher_circuit, "one of " + ", ".join(list_kinds()))
        spec["teacher_circuit"] = args.teacher_circuit
    if args.student_circuit is not None:
        spec["student_circuits"] = _kinds(args.student_circuit, "--student-circuit", list_kinds())
    if args.teacher_depth is not None:
        spec["teacher_depth"] = _int(args.teacher_depth, "--teacher-depth", 1, 8)
    if args.teacher_hidden is not None:
        spec["teacher_hidden"] = int_list(args.teacher_hidden, "--teacher-hidden", minimum=1, max_values=16)
        if max(spec["teacher_hidden"]) > 256:
            raise InvalidParameterError("--teacher-hidden", max(spec["teacher_hidden"]), "widths <= 256")
    if args.teacher_seed is not None:
        spec["teacher_seed"] = _int(args.teacher_seed, "--teacher-seed", 0, 2**31 - 1)
    if args.teacher_init is not None:
        spec["teacher_init"] = args.teacher_init
    if args.min_floor is not None:
        try:
            v = parse_float(args.min_floor)
        except ValueError:
            v = float("nan")
        if not (math.isfinite(v) and 0 <= v < 1):
            raise InvalidParameterError("--min-floor", args.min_floor, "a number in [0, 1)")
        spec["min_floor"] = v
    if args.inputs is not None:
        spec["inputs"] = _int(args.inputs, "--inputs", 2, 64)
    if args.length is not None:
        spec["lengths"] = int_list(args.length, "--length", minimum=2, max_values=64)
    if not spec["lengths"]:
        raise InvalidParameterError("--length", None, "sequence lengths (or a --preset)")
    for T in spec["lengths"]:
        if T % 2:
            raise InvalidParameterError("--length", T, "even lengths (the Start-End cut halves them)")
    if args.depth is not None:
        spec["depths"] = int_list(args.depth, "--depth", minimum=1, max_values=8)
        if max(spec["depths"]) > 3:
            raise InvalidParameterError("--depth", max(spec["depths"]), "depths 1, 2 or 3 (certified bounds)")
    if args.hidden is not None:
        spec["hidden"] = args.hidden
    if args.budget is not None:
        spec["budgets"] = [b.strip() for b in str(args.budget).split(",") if b.strip()]
        if not spec["budgets"] or any(b not in ("none", "dof") for b in spec["budgets"]):
            raise InvalidParameterError("--budget", args.budget, "none, dof or none,dof")
    if args.seeds is not None:
        spec["seeds"] = args.seeds
    for name in ("batch_size", "max_steps", "eval_every", "patience", "lr_decays", "lr", "clip", "val_size", "dtype"):
        if getattr(args, name, None) is not None:
            spec[name] = getattr(args, name)
    device = args.device or "cpu"
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise InvalidParameterError("--device", device, "cpu, cuda or cuda:N")
    spec["device"] = device
    from ..limits import check_memory
    from ..tasks.teacher import draw_teacher

    probe = draw_teacher(spec["teacher_circuit"], spec["teacher_depth"], max(spec["teacher_hidden"]), spec["inputs"])
    for T in spec["lengths"]:
        check_memory(f"the grid of {spec['inputs']}^{T} sequences", grid_memory(probe, T), args.max_memory,
                     "lower --length or --inputs")
    spec["students"] = [(k, L, H) for k in spec["student_circuits"]
                        for L, H in student_widths(spec["depths"], spec["hidden"], spec["inputs"], spec["budgets"], k)]
    return spec


def run(args) -> int:
    """Run ``tnrnn train teacher`` with parsed arguments; returns the exit code."""
    spec = plan(args)
    say_enabled = args.progress is not False

    def say(msg):
        if say_enabled:
            print(msg, file=sys.stderr, flush=True)

    out = os.fspath(args.out)
    groups = len(spec["teacher_hidden"]) * len(spec["lengths"]) * len(spec["students"])
    say(f"tnrnn train teacher: {len(spec['teacher_hidden'])} teacher(s) x {len(spec['lengths'])} lengths x "
        f"{len(spec['students'])} students (kind, depth, width) = {groups} groups of {spec['seeds']} seeds trained together")
    if args.dry_run:
        rows = [{"teacher R": RT, "T": T, "student": k, "L": L, "H": H, "seeds": spec["seeds"],
                 "max_steps": spec["max_steps"]}
                for RT in spec["teacher_hidden"] for T in spec["lengths"] for k, L, H in spec["students"]]
        if args.json:
            print(json.dumps({"kind": "train-teacher-plan", "groups": rows, "spec": spec}))
        else:
            from ..records import format_table

            print(format_table(rows, drop_constant=True))
        return 0
    if importlib.util.find_spec("torch") is None:
        raise MissingDependencyError("torch", "tnrnn train teacher", extra="torch")
    import torch

    from ..tasks.teacher_train import run_experiment

    if spec["device"].startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError("--device", spec["device"], "cpu (torch sees no CUDA device here)")
    torch.set_num_threads(args.threads)
    from ._common import check_resume

    check_resume(args, os.path.join(out, "records.jsonl"))   # the one resume rule: --resume or --fresh
    # vanishing products otherwise run at denormal speed; the process-wide flag is restored afterwards, so
    # that an in-process caller (tests, notebooks) keeps IEEE subnormals
    torch.set_flush_denormal(True)
    try:
        records = run_experiment(spec, out, resume=not args.fresh, progress=say_enabled, log=say,
                                 max_memory=args.max_memory)
    except KeyboardInterrupt:
        print(f"tnrnn train: interrupted; finished students are in {os.path.join(out, 'records.jsonl')} "
              "(run the same command with --resume to continue)", file=sys.stderr)
        return 130
    finally:
        torch.set_flush_denormal(False)
    from ..tasks.teacher_report import format_teacher_table, plot_teacher

    figure = None
    if not args.no_plot:
        figure = os.path.join(out, "teacher.png")
        plot_teacher(records, figure)
    if args.plot:
        plot_teacher(records, args.plot)
    if args.json:
        for r in records:
            print(json.dumps(r))
        return 0
    print(format_teacher_table(records))
    print(f"\nrecords: {os.path.join(out, 'records.jsonl')}" + (f"  figure: {figure}" if figure else ""))
    return 0


def _is_teacher(r: dict) -> bool:
    return r.get("kind") in ("teacher-student", "teacher-spectrum")


def _draw_teacher(records, args) -> None:
    from ..tasks.teacher_report import format_teacher_table, plot_teacher

    if not any(r.get("kind") == "teacher-student" for r in records):
        raise InvalidParameterError("RESULTS", args.results, "records with at least one teacher-student record")
    plot_teacher(records, args.output, title=args.title)
    if not args.json:
        print(format_teacher_table(records))


register_kind("teacher", _is_teacher, _draw_teacher)
