"""``tnrnn memory horizon``: the gradient memory horizon ||dy_T/dx_(T-k)|| (torch autograd)."""

from __future__ import annotations

import argparse

from ...validation import parse_float, parse_int
from .._common import add_term, declare
from ._measures import add_model_arguments, check_int, check_number, emit_measure, load_model

EXAMPLES = """\
examples:
  tnrnn memory horizon lin.npz --arch linear --lags 64          # = the impulse response c W^k U
  tnrnn memory horizon model.pt --arch lstm --lags 100 --sequences 32 --json
  tnrnn memory horizon model.safetensors --input-dist onehot --plot horizon.png

A horizon that reaches the last lag is censored: it prints as '>= K' (JSON: horizon null, censored true,
horizon_at_least K), never as the number K.  The area sum_k g(k)/max g is the threshold-free summary.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory horizon``."""
    p = subparsers.add_parser(
        "horizon", help="gradient memory horizon ||dy_T/dx_(T-k)|| vs k, decay fit and horizon (torch)",
        description="Backpropagate the last output to every input of random sequences; report the mean and "
                    "spread over sequences of the Frobenius norm of dy_T/dx_(T-k) per lag k, its decay fit "
                    "(exponential vs power law), its area, and the horizon at --tol of the maximum.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    add_term(p, "lags", type=parse_int, default=32, help="K: lags 0..K-1, over sequences of K steps (default 32)")
    p.add_argument("--sequences", type=parse_int, default=16, help="random sequences averaged over (default 16)")
    add_term(p, "input-dist", dest="inputs", deprecated=("--inputs",), default="gaussian",
             choices=("gaussian", "uniform", "onehot"),
                   help="input distribution (default gaussian)")
    p.add_argument("--scale", type=parse_float, default=1.0, help="input scale (default 1)")
    add_term(p, "horizon-tol", dest="tol", deprecated=("--tol",), type=parse_float, default=1e-3,
                   help="horizon tolerance relative to the maximum, in (0, 1) (default 1e-3)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory horizon``."""
    from ...measures import gradient_horizon
    from ._common import check_plot

    check_int(args, "lags", "--lags")
    check_int(args, "sequences", "--sequences")
    check_int(args, "seed", "--seed", 0)
    check_number(args, "scale", "--scale", 0, open_low=True)
    check_number(args, "tol", "--horizon-tol", 0, 1, open_low=True, open_high=True)
    check_plot(args.plot)
    model = load_model(args)
    gh = gradient_horizon(model, args.lags, sequences=args.sequences, inputs=args.inputs, scale=args.scale,
                          tol=args.tol, seed=args.seed, max_memory=args.max_memory)
    emit_measure(args, gh, "horizon")
    return 0
