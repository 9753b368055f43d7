"""``tnrnn memory retention``: lag retention and semantic recoverability of linear probes (tnrnn's own)."""

from __future__ import annotations

import argparse

from .._common import declare
from ._common import emit
from ._measures import add_model_arguments, load_model

EXAMPLES = """\
examples:
  tnrnn memory retention model.safetensors --lags 16 --window 4
  tnrnn memory retention model.pt --arch gru --inputs gaussian --lags 24 --json
  tnrnn memory retention reservoir.npz --arch esn --inputs gaussian --threshold 0.9

Symbols are one-hot rows over the model's inputs; the semantic vector of a window is the mean of seeded
random token embeddings.  Scores are measured on held-out sequences.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory retention``."""
    p = subparsers.add_parser(
        "retention", help="lag retention and semantic recoverability per lag, memory length (tnrnn's own)",
        description="Decode x_(t-k), and the mean embedding of the window of --window tokens ending at t-k, "
                    "from h_t with ridge probes trained and tested on separate sequences; report accuracy "
                    "(symbols) or R^2 (Gaussian inputs) per lag and the memory lengths at --threshold.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--lags", type=int, default=16, help="K: lags 0..K-1 (default 16)")
    p.add_argument("--inputs", default="onehot", choices=("onehot", "gaussian"), help="symbols or Gaussian inputs")
    p.add_argument("--window", type=int, default=4, help="tokens per semantic window (default 4)")
    p.add_argument("--sequences", type=int, default=256, help="independent sequences (default 256)")
    p.add_argument("--rows", type=int, default=8, help="steps read per sequence (default 8)")
    p.add_argument("--test-size", type=float, default=0.25, help="held-out fraction of sequences (default 0.25)")
    p.add_argument("--ridge", type=float, default=1e-3, help="ridge penalty per training row (default 1e-3)")
    p.add_argument("--threshold", type=float, default=0.5, help="memory-length threshold (default 0.5)")
    declare(p, "records")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory retention``."""
    from ...measures import lag_retention

    model = load_model(args)
    ret = lag_retention(model, args.lags, inputs=args.inputs, window=args.window, sequences=args.sequences,
                        rows=args.rows, test_size=args.test_size, ridge=args.ridge, threshold=args.threshold,
                        seed=args.seed)
    emit(args, {"file": args.model, **ret.to_dict()}, str(ret))
    return 0
