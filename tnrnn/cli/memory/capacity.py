"""``tnrnn memory capacity``: short-term memory capacity (Jaeger 2001) with ridge readouts."""

from __future__ import annotations

import argparse

from .._common import declare
from ._common import emit
from ._measures import add_model_arguments, load_model

EXAMPLES = """\
examples:
  tnrnn memory capacity reservoir.npz --arch esn --lags 100 --length 5000
  tnrnn memory capacity lin.npz --arch linear --lags 40 --first-lag 0 --ridge 0
  tnrnn memory capacity model.pt --arch lstm --lags 32 --json

MC_k is the squared correlation between u(t-k) and a ridge readout of the state on held-out steps;
MC = sum_k MC_k.  A multi-input model reads u(t) along a seeded random unit direction.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory capacity``."""
    p = subparsers.add_parser(
        "capacity", help="short-term memory capacity MC = sum_k MC_k (Jaeger 2001)",
        description="Drive the model with an i.i.d. uniform series, fit one ridge readout of the state per lag "
                    "and report MC_k (squared correlation on the held-out steps) and MC = sum_k MC_k.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--lags", type=int, default=None, help="K (default twice the state size)")
    p.add_argument("--first-lag", type=int, default=1, choices=(0, 1),
                   help="1: lags 1..K (Jaeger, reservoirpy; default); 0: lags 0..K-1")
    p.add_argument("--length", type=int, default=None, help="series length (default washout + 10 K)")
    p.add_argument("--washout", type=int, default=None, help="dropped first steps (default the last lag)")
    p.add_argument("--test-size", type=float, default=0.2, help="held-out fraction of the rows (default 0.2)")
    p.add_argument("--ridge", type=float, default=1e-6, help="ridge penalty lambda (default 1e-6)")
    p.add_argument("--amplitude", type=float, default=0.8, help="u(t) uniform in [-a, a] (default 0.8)")
    declare(p, "records")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory capacity``."""
    from ...measures import memory_capacity

    model = load_model(args)
    mc = memory_capacity(model, args.lags, length=args.length, washout=args.washout, test_size=args.test_size,
                         ridge=args.ridge, amplitude=args.amplitude, first_lag=args.first_lag, seed=args.seed)
    emit(args, {"file": args.model, **mc.to_dict()}, str(mc))
    return 0
