"""``tnrnn train``: train models on the paper's memory tasks over a depth x length grid, with statistics."""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import sys

from ..errors import InvalidParameterError, MissingDependencyError
from ..validation import parse_float, parse_int
from ._common import add_json_argument, add_resume_argument, add_term, check_resume, declare, int_list, write_or_rescue
from .plot import register_kind

__all__ = ["add_parser", "run", "plan"]

_EXAMPLES = """\
examples:
  tnrnn train ses --preset repro-cpu --out results/repro        # the CPU reproduction: 30 seeds per cell
  tnrnn train ses --preset paper --out results/paper            # the paper's scale, on a GPU (--device cuda)
  tnrnn train ses --preset paper --out results/paper --dry-run  # the grid, its memory and work, nothing trained
  tnrnn train ses --arch scornn --depth 1,2,3 --hidden 16 --length 8,16 --alphabet 4 --window 4 --n-seeds 30 --out r
  tnrnn train ses --matches uniform --depth 1,2 --hidden 16 --length 16,32 --alphabet 4 --window 2 --out r-uniform
  tnrnn train copy --depth 1,2 --hidden 32 --length 20,40 --memory 5 --alphabet 4 --out results/copy
  tnrnn train digits --permuted --depth 1,2 --hidden 32 --out results/pdigits
  tnrnn train ses --arch rac --depth 1,2 --hidden 8 --length 8,12 --alphabet 4 --window 2 --out results/ses-rac
  tnrnn train teacher --preset cpu --out results/teacher     # RAC students vs certified floors (docs/teacher)

Seeds of one configuration train together as one stacked model (ortho, scornn). Records go to
OUT/records.jsonl as each group finishes (a second run with the same arguments and --resume skips the
finished ones; without it an OUT that has records is refused; --fresh starts over); the statistics
(success rates with Wilson intervals, mean accuracies with bootstrap intervals, step-cap fractions, depth comparisons with Fisher / Mann-Whitney tests)
to OUT/summary.jsonl and the table on stdout; checkpoints to OUT/checkpoints/KEY.safetensors with a
JSON sidecar; figures to OUT/success.png, OUT/accuracy.png and OUT/rank.png. Import a checkpoint with
  tnrnn import OUT/checkpoints/KEY.safetensors --length T --spectrum
(the architecture, scornn included, is read from the sidecar KEY.json; the command is stored there too).
"""

#: Ranges of the integer options: (option, attribute, minimum, maximum).
_INT_RANGES = (
    ("--hidden", "hidden", 1, 4096), ("--n-seeds", "seeds", 1, 10_000), ("--alphabet", "alphabet", 2, 4096),
    ("--window", "window", 1, 100_000), ("--classes", "classes", 1, 1000), ("--memory", "memory", 1, 100_000),
    ("--batch-size", "batch_size", 1, 65_536), ("--max-steps", "max_steps", 1, 10_000_000),
    ("--eval-every", "eval_every", 1, 10_000_000), ("--patience", "patience", 1, 10_000),
    ("--lr-decays", "lr_decays", 0, 10), ("--spectrum-samples", "spectrum_samples", 1, 65_536),
    ("--threads", "threads", 1, 1024), ("--val-size", "val_size", 1, 10_000_000),
    ("--test-size", "test_size", 1, 10_000_000),
)
_FLOAT_RANGES = (("--lr", "lr", 10.0), ("--lr-recurrent", "lr_recurrent", 10.0), ("--clip", "clip", 1e6))
#: The most sequence steps (seeds x steps x batch x T) a grid may ask for before it is refused.
MAX_WORK = 10**13


def _int(text):
    try:
        return parse_int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand."""
    p = subparsers.add_parser(
        "train",
        help="train recurrent networks on the memory tasks (ses, copy, digits) over a depth x length grid",
        description="Train deep orthogonal RNNs (scoRNN, ortho, or LSTM, GRU, RAC, MIRNN) on a memory task for "
                    "every depth, length and seed; record test accuracy and the empirical Start-End rank of every "
                    "model, and the statistics over seeds.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", choices=("ses", "copy", "digits", "teacher"),
                   help="Start-End Similarity, Copying Memory, digits, or teacher (students vs certified floors)")
    p.add_argument("--preset", choices=("cpu", "gpu", "repro-cpu", "repro-cpu-sensitivity", "paper"), default=None,
                   help="a grid and its budgets (explicit options override); repro-cpu and paper reproduce the "
                        "paper, repro-cpu-sensitivity is its stopping-rule arm (T = 16, patience 10, cap 6000)")
    p.add_argument("--arch", default=None, choices=("ortho", "scornn", "lstm", "gru", "rac", "mirnn", "ssm", "gla"),
                   help="model (default ortho: orthogonal tanh RNN; scornn: the paper's scaled-Cayley modReLU RNN)")
    add_term(p, "depth", default=None, help="depths, e.g. 1,2,3 (default)")
    add_term(p, "hidden", deprecated=("-H",), type=_int, default=None, help="width of the shallowest network")
    add_term(p, "budget", default=None,
             help="match: deeper networks get the stored-weight count of the shallowest (default); dof: its "
                  "degrees of freedom (H(H-1)/2 per orthogonal matrix); none: the same width; a comma list runs each")
    add_term(p, "length", default=None, help="sequence lengths, e.g. 16,40,80 or 20:80:20")
    add_term(p, "n-seeds", dest="seeds", deprecated=("--seeds",), type=_int, default=None,
             help="k: seeds 0..k-1 per configuration (default 3)")
    p.add_argument("--alphabet", type=_int, default=None, help="symbols n (default 32)")
    p.add_argument("--window", type=_int, default=None, help="ses: compared symbols m per window (default 30)")
    p.add_argument("--classes", type=_int, default=None, help="ses: C, labels 0..C (default 2)")
    p.add_argument("--matches", choices=("official", "uniform"), default=None,
                   help="ses: official match counts round(k m / C) (default) or every count (tnrnn's harder variant)")
    p.add_argument("--layout", choices=("official", "arjovsky"), default=None,
                   help="copy: official layout (B blanks, delimiter at T-M; default) or arjovsky (B-1 blanks)")
    p.add_argument("--memory", type=_int, default=None, help="copy: symbols to remember M (default 30)")
    p.add_argument("--permuted", action="store_true", help="digits: the seeded pixel permutation")
    p.add_argument("--optimizer", choices=("adam", "rmsprop"), default=None,
                   help="default adam (scornn: rmsprop)")
    p.add_argument("--lr", type=parse_float, default=None, help="learning rate (default 1e-3)")
    p.add_argument("--lr-recurrent", type=parse_float, default=None, help="scornn: learning rate of A (default 1e-4)")
    p.add_argument("--clip", type=parse_float, default=None, help="clip each seed's gradient norm (scornn default 1)")
    p.add_argument("--lr-decays", type=_int, default=None,
                   help="divide the learning rate by 10 at a validation plateau this many times before stopping")
    p.add_argument("--batch-size", type=_int, default=None, help="training batch size")
    add_term(p, "max-steps", deprecated=("--steps",), type=_int, default=None, help="training steps at most (the cap)")
    p.add_argument("--eval-every", type=_int, default=None, help="validate every N steps")
    p.add_argument("--patience", type=_int, default=None, help="a plateau is N validations without improvement")
    p.add_argument("--val-size", type=_int, default=None, help="validation sequences per seed")
    p.add_argument("--test-size", type=_int, default=None, help="test sequences per seed")
    p.add_argument("--orthogonal-map", choices=("matrix_exp", "cayley"), default=None,
                   help="ortho trained one seed at a time (digits): the orthogonal parametrisation")
    p.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="floating type of training (default float32; the cpu preset uses float64)")
    p.add_argument("--spectrum-samples", type=_int, default=None,
                   help="assignments per side of the empirical Start-End matrix")
    p.add_argument("--success", type=parse_float, default=None,
                   help="accuracy at or above which a run counts as a success (default 0.9)")
    p.add_argument("--device", default=None, help="cpu (default), cuda or cuda:N")
    p.add_argument("--threads", type=_int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", default=None, required=True, help="output folder (records.jsonl, summary.jsonl, figures)")
    p.add_argument("--fresh", action="store_true", help="discard the records OUT already has and start over")
    add_resume_argument(p, "OUT's records: skip the configurations they cover and train the rest")
    p.add_argument("--dry-run", action="store_true",
                   help="print the grid, its memory and work estimates, and stop (nothing is trained)")
    p.add_argument("--no-plot", action="store_true", help="do not write the figures")
    add_json_argument(p, "print the records as JSON lines, one per configuration, instead of a table", shape="lines")
    from .train_teacher import add_teacher_arguments

    add_teacher_arguments(p)
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


_OPTIONAL = ("alphabet", "window", "classes", "memory", "optimizer", "lr", "lr_recurrent", "clip", "lr_decays",
             "batch_size", "max_steps", "eval_every", "patience", "val_size", "test_size", "orthogonal_map",
             "spectrum_samples", "dtype", "matches", "layout")


def _check_ranges(args) -> None:
    for option, attr, low, high in _INT_RANGES:
        v = getattr(args, attr, None)
        if v is not None and not low <= v <= high:
            raise InvalidParameterError(option, v, f"an integer in {low}..{high}")
    for option, attr, high in _FLOAT_RANGES:
        v = getattr(args, attr, None)
        if v is not None and not (math.isfinite(v) and 0 < v <= high):
            raise InvalidParameterError(option, v, f"a finite number in (0, {high:g}]")
    if args.success is not None and not (math.isfinite(args.success) and 0 < args.success <= 1):
        raise InvalidParameterError("--success", args.success, "a number in (0, 1]")
    if not str(args.out).strip():
        raise InvalidParameterError("--out", args.out, "a folder name (not empty)")


def plan(args):
    """The grid of ``args``: ``(configs, groups, settings)`` with every option checked (nothing allocated)."""
    from ..tasks import PRESETS, grid
    from ..tasks.experiments import DEFAULT_THRESHOLD, GRID_KEYS
    from ..tasks.training import same_shape

    _check_ranges(args)
    if args.preset and args.task not in PRESETS[args.preset]:
        raise InvalidParameterError("--preset", args.preset, "cpu or gpu for this task (repro-cpu, repro-cpu-sensitivity and paper: ses)")
    preset = dict(PRESETS[args.preset][args.task]) if args.preset else {}
    grid_keys = {k: preset.pop(k) for k in GRID_KEYS if k in preset}
    lengths = grid_keys.get("lengths")
    if args.length is not None:
        lengths = int_list(args.length, "--length", minimum=2, max_values=1000)
    if lengths is None:
        if args.task != "digits":
            raise InvalidParameterError("--length", None, "sequence lengths (or a --preset)")
        lengths = [64]
    if max(lengths) > 100_000:
        raise InvalidParameterError("--length", max(lengths), "lengths <= 100000")
    hidden = args.hidden if args.hidden is not None else grid_keys.get("hidden", 16)
    depths = int_list(args.depth, "--depth", minimum=1, max_values=64) if args.depth else grid_keys.get(
        "depths", [1, 2, 3])
    if max(depths) > 64:
        raise InvalidParameterError("--depth", max(depths), "depths <= 64")
    seeds = args.seeds if args.seeds is not None else grid_keys.get("seeds", 3)
    arch = args.arch or grid_keys.get("arch", "ortho")
    if args.budget is not None:
        budgets = [b.strip() for b in args.budget.split(",") if b.strip()]
        for b in budgets or [args.budget]:
            if b not in ("match", "dof", "none"):
                raise InvalidParameterError("--budget", args.budget, "match, dof or none (or a comma list)")
    else:
        budgets = grid_keys.get("budgets", ["match"])
    params = {**preset, **{k: getattr(args, k) for k in _OPTIONAL if getattr(args, k) is not None}}
    device = args.device or params.pop("device", "cpu")
    params.pop("device", None)
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise InvalidParameterError("--device", device, "cpu, cuda or cuda:N")
    if args.task == "digits":
        params["permuted"] = bool(args.permuted)
    for name in ("alphabet", "window", "classes", "memory", "matches", "layout"):
        if name in params and not _applies(args.task, name):
            params.pop(name)
    out = os.fspath(args.out)
    configs = grid(args.task, depths, lengths, range(seeds), hidden=hidden, arch=arch, budget=budgets,
                   device=device, out=out, **params)
    groups: dict = {}
    for c in configs:
        groups.setdefault(same_shape(c), []).append(c)
    threshold = args.success if args.success is not None else DEFAULT_THRESHOLD
    return configs, list(groups.values()), {"device": device, "threshold": threshold, "budgets": budgets}


def _estimates(groups, max_memory):
    """Memory of the largest group (checked against ``max_memory``) and the total work, before anything runs."""
    from ..limits import check_memory, format_bytes
    from ..tasks.batched import STACKED_ARCHS, stack_memory_bytes, stack_step_seconds
    from ..tasks.data import make_task

    peak, work, seconds = 0, 0, 0.0
    for group in groups:
        c = group[0]
        task = make_task(c["task"], c["length"], alphabet=c["alphabet"], window=c["window"], classes=c["classes"],
                         memory=c["memory"], permuted=c["permuted"], matches=c["matches"], layout=c["layout"])
        S = len(group) if c["arch"] in STACKED_ARCHS else 1
        itemsize = 8 if c["dtype"] == "float64" else 4
        gates = {"lstm": 4, "gru": 3}.get(c["arch"], 1)
        need = stack_memory_bytes(S, c["batch_size"], task.length, c["hidden"] * gates, c["depth"], task.inputs,
                                  task.outputs, c["task"] == "copy", itemsize)
        need += itemsize * S * (c["val_size"] + c["test_size"]) * task.length * task.inputs
        peak = max(peak, need)
        work += len(group) * c["max_steps"] * c["batch_size"] * task.length
        groups_run = 1 if c["arch"] in STACKED_ARCHS else len(group)
        seconds += groups_run * c["max_steps"] * stack_step_seconds(S, c["batch_size"], task.length, c["hidden"],
                                                                    c["depth"], gates)
    check_memory("the largest group of seeds trained together", peak, max_memory,
                 "lower --n-seeds, --batch-size or --hidden")
    if work > MAX_WORK:
        raise InvalidParameterError("--max-steps", max(g[0]["max_steps"] for g in groups),
                                    f"a grid of at most {MAX_WORK:.0e} sequence steps (this one asks for {work:.2e}; "
                                    "lower --max-steps, --n-seeds or --length)")
    return peak, work, format_bytes(peak), seconds


def run(args) -> int:
    """Run ``tnrnn train`` with parsed arguments; returns the exit code."""
    from . import train_teacher

    if args.task == "teacher":
        _check_ranges(args)
        return train_teacher.run(args)
    train_teacher.reject_teacher_options(args)
    configs, groups, settings = plan(args)
    peak, work, peak_text, seconds = _estimates(groups, args.max_memory)
    say_enabled = args.progress is not False

    def say(msg):
        if say_enabled:
            print(msg, file=sys.stderr, flush=True)

    out = os.fspath(args.out)
    headline = (f"tnrnn train: {len(configs)} configurations in {len(groups)} groups of seeds trained together; "
        f"largest group needs about {peak_text}; at most {work:.2e} sequence steps; "
        f"estimated time at most about {_duration(seconds)} on one CPU thread (every group to its step cap; "
        "early stopping ends sooner; a GPU mostly removes the per-element part)")
    if not args.dry_run:
        say(headline)
    if args.dry_run:
        rows = [{"task": g[0]["task"], "arch": g[0]["arch"], "T": g[0]["length"], "L": g[0]["depth"],
                 "H": g[0]["hidden"], "seeds": len(g), "max_steps": g[0]["max_steps"], "device": g[0]["device"]}
                for g in groups]
        if args.json:
            print(json.dumps({"kind": "train-plan", "configurations": len(configs), "groups": rows,
                              "peak_bytes": peak, "sequence_steps": work, "estimated_seconds": round(seconds, 1)}))
        else:
            from ..records import format_table

            print(format_table(rows, drop_constant=True))
            print(headline)
        return 0
    for package, extra in (("torch", "torch"), ("safetensors", "torch")):
        if importlib.util.find_spec(package) is None:
            raise MissingDependencyError(package, "tnrnn train", extra=extra)
    import torch

    from ..tasks import run_grid
    from ..tasks.experiments import compare_depths, format_summary
    from ..tasks.grid_figures import plot_accuracy, plot_effective_rank, plot_success

    if settings["device"].startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError("--device", settings["device"], "cpu (torch sees no CUDA device here)")
    torch.set_num_threads(args.threads)
    records_path = os.path.join(out, "records.jsonl")
    check_resume(args, records_path)
    try:
        records = run_grid(configs, records_path, resume=bool(args.resume), progress=say_enabled,
                           max_memory=args.max_memory, log=say)
    except KeyboardInterrupt:
        print(f"tnrnn train: interrupted; finished configurations are in {records_path} "
              "(run the same command again to resume)", file=sys.stderr)
        return 130
    threshold = settings["threshold"]
    from ..records import JsonlWriter
    from ..tasks.experiments import summarize_runs

    summary_path = os.path.join(out, "summary.jsonl")
    if os.path.exists(summary_path):
        os.remove(summary_path)
    rows = ([{"kind": "train-summary", **row} for row in summarize_runs(records, threshold)]
            + [{"kind": "train-comparison", **row} for row in compare_depths(records, threshold)])
    with JsonlWriter(summary_path, name="--out") as writer:
        write_or_rescue(lambda: [writer.write(row) for row in rows], rows, "--out", summary_path, "train")
    figures = []
    if not args.no_plot:
        figures = [os.path.join(out, name) for name in ("success.png", "accuracy.png", "rank.png")]
        plot_success(records, figures[0], threshold=threshold)
        plot_accuracy(records, figures[1])
        plot_effective_rank(records, figures[2])
    if args.plot:
        plot_success(records, args.plot, threshold=threshold)
    if args.json:
        for r in records:
            print(json.dumps(r))
        return 0
    print(format_summary(records, threshold))
    print(f"\nrecords: {records_path}  summary: {summary_path}  checkpoints: {os.path.join(out, 'checkpoints')}"
          + ("" if not figures else "  figures: " + ", ".join(figures)))
    return 0


def _duration(seconds: float) -> str:
    """``"42 s"``, ``"12 min"``, ``"3.5 h"``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _applies(task, name):
    return name in {"ses": ("alphabet", "window", "classes", "matches"), "copy": ("alphabet", "memory", "layout"),
                    "digits": ()}[task]


def _is_train_record(r: dict) -> bool:
    return "config" in r and "test_accuracy" in r and "spectrum" in r and "key" in r


def _draw_train(records, args) -> None:
    from ..tasks.grid_figures import plot_success

    fig = plot_success(records, None)
    if args.title:
        fig.axes[0].set_title(args.title)
    from ..plotting.figure import figure_format, save_figure

    save_figure(fig, args.output, figure_format(args.output, "--plot"))


register_kind("train", _is_train_record, _draw_train)
