"""``tnrnn memory retention``: lag retention and semantic recoverability by linear and kernel probes."""

from __future__ import annotations

import argparse

from ...validation import parse_float, parse_int
from .._common import add_term, declare
from ._measures import add_model_arguments, check_int, check_number, emit_measure, load_model

EXAMPLES = """\
examples:
  tnrnn memory retention model.safetensors --lags 16 --window 4
  tnrnn memory retention model.pt --arch gru --input-dist gaussian --lags 24 --json
  tnrnn memory retention reservoir.npz --arch esn --input-dist gaussian --threshold 0.9 --plot ret.png
  tnrnn memory retention rac.pt --arch rac --no-kernel

Symbols are one-hot rows over the model's inputs; the semantic vector of a window is the mean of seeded
random token embeddings.  Scores are measured on held-out sequences, by a linear (ridge) probe and a
kernel (RBF, cross-validated) probe, so that multiplicative units are not scored 0 by construction.
The areas under the curves are threshold-free; the memory lengths use --threshold.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory retention``."""
    p = subparsers.add_parser(
        "retention", help="lag retention and semantic recoverability per lag: areas and memory lengths (tnrnn's own)",
        description="Decode x_(t-k), and the mean embedding of the window of --window tokens ending at t-k, "
                    "from h_t with linear and kernel probes trained and tested on separate sequences; report "
                    "accuracy (symbols) or R^2 (Gaussian inputs) per lag, the areas under the curves and the "
                    "memory lengths at --threshold.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    add_term(p, "lags", type=parse_int, default=16, help="K: lags 0..K-1 (default 16)")
    add_term(p, "input-dist", dest="inputs", deprecated=("--inputs",), default="onehot", choices=("onehot", "gaussian"),
             help="symbols or Gaussian inputs")
    p.add_argument("--window", type=parse_int, default=4, help="tokens per semantic window (default 4)")
    p.add_argument("--sequences", type=parse_int, default=256, help="independent sequences (default 256)")
    p.add_argument("--rows", type=parse_int, default=8, help="steps read per sequence (default 8)")
    add_term(p, "test-fraction", dest="test_size", deprecated=("--test-size",), type=parse_float, default=0.25, help="held-out fraction of sequences (default 0.25)")
    p.add_argument("--ridge", type=parse_float, default=1e-3, help="linear probe's ridge penalty per training row (default 1e-3)")
    p.add_argument("--threshold", type=parse_float, default=0.5, help="memory-length threshold in [0, 1] (default 0.5)")
    p.add_argument("--no-kernel", action="store_true", help="skip the kernel probe (faster)")
    p.add_argument("--landmarks", type=parse_int, default=256, help="Nystrom landmarks of the kernel probe (default 256)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory retention``."""
    from ...measures import lag_retention
    from ._common import check_plot

    check_int(args, "lags", "--lags")
    check_int(args, "window", "--window")
    check_int(args, "sequences", "--sequences", 4)
    check_int(args, "rows", "--rows")
    check_int(args, "landmarks", "--landmarks", 2)
    check_int(args, "seed", "--seed", 0)
    check_number(args, "test_size", "--test-fraction", 0, 1, open_low=True, open_high=True)
    check_number(args, "ridge", "--ridge", 0)
    check_number(args, "threshold", "--threshold", 0, 1)
    check_plot(args.plot)
    model = load_model(args)
    ret = lag_retention(model, args.lags, inputs=args.inputs, window=args.window, sequences=args.sequences,
                        rows=args.rows, test_size=args.test_size, ridge=args.ridge, threshold=args.threshold,
                        kernel=not args.no_kernel, landmarks=args.landmarks, seed=args.seed,
                        max_memory=args.max_memory)
    emit_measure(args, ret, "retention")
    return 0
