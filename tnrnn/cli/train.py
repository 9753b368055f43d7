"""``tnrnn train``: train models on the paper's memory tasks over a depth x length grid."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys

from ..errors import InvalidParameterError, MissingDependencyError
from ._common import declare, int_list

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
examples:
  tnrnn train ses --preset cpu --out results/ses                 # 3 depths x 3 lengths x 3 seeds, minutes on a CPU
  tnrnn train ses --preset gpu --device cuda --out results/ses-gpu
  tnrnn train ses --depth 1,2,3 --hidden 16 --length 16,32 --alphabet 4 --window 2 --out results/ses
  tnrnn train copy --depth 1,2 --hidden 32 --length 20,40 --memory 5 --alphabet 4 --out results/copy
  tnrnn train digits --permuted --depth 1,2 --hidden 32 --out results/pdigits
  tnrnn train ses --arch rac --depth 1,2 --hidden 8 --length 8,12 --alphabet 4 --window 2 --out results/ses-rac

Records go to OUT/records.jsonl as each configuration finishes (a second run with the same
arguments skips the finished ones; --fresh starts over); checkpoints to OUT/checkpoints/KEY.safetensors
with a JSON sidecar; figures to OUT/accuracy.png and OUT/rank.png. Import a checkpoint with
  tnrnn import OUT/checkpoints/KEY.safetensors --length T --spectrum
(the architecture is read from the sidecar KEY.json).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``train`` subcommand."""
    p = subparsers.add_parser(
        "train",
        help="train recurrent networks on the memory tasks (ses, copy, digits) over a depth x length grid",
        description="Train deep orthogonal RNNs (or LSTM, GRU, RAC, MIRNN) on a memory task for every depth, "
                    "length and seed; record test accuracy and the empirical Start-End rank of every model.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("task", choices=("ses", "copy", "digits"), help="Start-End Similarity, Copying Memory, or digits")
    p.add_argument("--preset", choices=("cpu", "gpu"), default=None,
                   help="task parameters, widths, lengths and budgets of a preset (explicit options override)")
    p.add_argument("--arch", default="ortho", choices=("ortho", "lstm", "gru", "rac", "mirnn"),
                   help="model (default ortho: orthogonal tanh RNN)")
    p.add_argument("--depth", "-L", default="1,2,3", help="depths, e.g. 1,2,3 (default)")
    p.add_argument("--hidden", "-H", type=int, default=None, help="width of the shallowest network")
    p.add_argument("--budget", choices=("match", "none"), default="match",
                   help="match: deeper networks get the parameter count of the shallowest (default); none: same width")
    p.add_argument("--length", "-T", default=None, help="sequence lengths, e.g. 16,40,80 or 20:80:20")
    p.add_argument("--seeds", type=int, default=3, help="seeds 0..k-1 per configuration (default 3)")
    p.add_argument("--alphabet", type=int, default=None, help="symbols n (ses default 32, copy default 8)")
    p.add_argument("--window", type=int, default=None, help="ses: compared symbols m per window (default 30)")
    p.add_argument("--classes", type=int, default=None, help="ses: C, labels 0..C (default 2)")
    p.add_argument("--memory", type=int, default=None, help="copy: symbols to remember M (default 30)")
    p.add_argument("--permuted", action="store_true", help="digits: the seeded pixel permutation")
    p.add_argument("--optimizer", choices=("adam", "rmsprop"), default=None, help="default adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate")
    p.add_argument("--batch-size", type=int, default=None, help="training batch size")
    p.add_argument("--max-steps", type=int, default=None, help="training steps at most")
    p.add_argument("--eval-every", type=int, default=None, help="validate every N steps")
    p.add_argument("--patience", type=int, default=None, help="stop after N validations without improvement")
    p.add_argument("--orthogonal-map", choices=("matrix_exp", "cayley"), default=None,
                   help="ortho: the orthogonal parametrisation (default matrix_exp)")
    p.add_argument("--dtype", choices=("float32", "float64"), default=None,
                   help="floating type of training (default float32; the cpu preset uses float64)")
    p.add_argument("--spectrum-samples", type=int, default=None,
                   help="assignments per side of the empirical Start-End matrix")
    p.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", required=True, help="output folder (records.jsonl, checkpoints/, figures)")
    p.add_argument("--fresh", action="store_true", help="start the records afresh instead of resuming")
    p.add_argument("--no-plot", action="store_true", help="do not write the figures")
    p.add_argument("--json", action="store_true", help="print the records as JSON lines instead of a table")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


_OPTIONAL = ("alphabet", "window", "classes", "memory", "optimizer", "lr", "batch_size", "max_steps", "eval_every",
             "patience", "orthogonal_map", "spectrum_samples", "dtype")


def run(args) -> int:
    """Run ``tnrnn train`` with parsed arguments; returns the exit code."""
    for package, extra in (("torch", "torch"), ("safetensors", "torch")):
        if importlib.util.find_spec(package) is None:
            raise MissingDependencyError(package, "tnrnn train", extra=extra)
    import torch

    from ..tasks import PRESETS, format_summary, grid, plot_accuracy, plot_effective_rank, run_grid

    if args.threads < 1:
        raise InvalidParameterError("--threads", args.threads, "an integer >= 1")
    if args.seeds < 1:
        raise InvalidParameterError("--seeds", args.seeds, "an integer >= 1")
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError("--device", args.device, "cpu (torch sees no CUDA device here)")
    preset = dict(PRESETS[args.preset][args.task]) if args.preset else {}
    lengths = preset.pop("lengths", None)
    hidden = preset.pop("hidden", None)
    if args.length is not None:
        lengths = int_list(args.length, "--length")
    if lengths is None:
        if args.task != "digits":
            raise InvalidParameterError("--length", None, "sequence lengths (or a --preset)")
        lengths = [64]
    if args.hidden is not None:
        hidden = args.hidden
    if hidden is None:
        hidden = 16
    depths = int_list(args.depth, "--depth")
    params = {**preset, **{k: getattr(args, k) for k in _OPTIONAL if getattr(args, k) is not None}}
    if args.task == "digits":
        params["permuted"] = bool(args.permuted)
    for name in ("alphabet", "window", "classes", "memory"):
        if name in params and not _applies(args.task, name):
            params.pop(name)
    out = os.fspath(args.out)
    configs = grid(args.task, depths, lengths, range(args.seeds), hidden=hidden, arch=args.arch,
                   budget=args.budget, device=args.device, out=out, **params)
    torch.set_num_threads(args.threads)
    records_path = os.path.join(out, "records.jsonl")
    try:
        records = run_grid(configs, records_path, resume=not args.fresh, progress=True)
    except KeyboardInterrupt:
        print(f"tnrnn train: interrupted; finished configurations are in {records_path} "
              "(run the same command again to resume)", file=sys.stderr)
        return 130
    if not args.no_plot:
        plot_accuracy(records, os.path.join(out, "accuracy.png"))
        plot_effective_rank(records, os.path.join(out, "rank.png"))
    if args.json:
        for r in records:
            print(json.dumps(r))
        return 0
    print(format_summary(records))
    print(f"\nrecords: {records_path}  checkpoints: {os.path.join(out, 'checkpoints')}"
          + ("" if args.no_plot else f"  figures: {os.path.join(out, 'accuracy.png')}, {os.path.join(out, 'rank.png')}"))
    return 0


def _applies(task, name):
    return {"ses": ("alphabet", "window", "classes"), "copy": ("alphabet", "memory"), "digits": ()}[task].count(name) > 0
