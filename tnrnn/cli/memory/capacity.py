"""``tnrnn memory capacity``: short-term memory capacity (Jaeger 2001), bias-corrected, with standard errors."""

from __future__ import annotations

import argparse

from ...validation import parse_float, parse_int
from .._common import add_term, declare
from ._measures import add_model_arguments, check_int, check_number, emit_measure, load_model

EXAMPLES = """\
examples:
  tnrnn memory capacity model.pt --json                       # architecture detected as 'tnrnn import' does
  tnrnn memory capacity reservoir.npz --arch esn --lags 100 --plot mc.png
  tnrnn memory capacity lin.npz --arch linear --lags 40 --first-lag 0
  tnrnn memory capacity model.pt --arch lstm --lags 32 --correction none --ridge 1e-6

MC_k is the squared correlation between u(t-k) and a least-squares readout of the state on held-out steps,
minus the null expectation measured with shuffled targets; MC = sum_k MC_k, with jackknife standard errors.
The default series (20000 rows after the washout) estimates the capacity of a linear reservoir within 3 %
of its closed form.  A state that does not depend on the input gives n/a with the reason.
A multi-input model reads u(t) along a seeded random unit direction.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory capacity``."""
    p = subparsers.add_parser(
        "capacity", help="short-term memory capacity MC = sum_k MC_k (Jaeger 2001), with standard errors",
        description="Drive the model with an i.i.d. uniform series, fit one least-squares readout of the state "
                    "per lag and report MC_k (squared correlation on the held-out steps, bias-corrected), its "
                    "standard error, and MC = sum_k MC_k.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    add_term(p, "lags", type=parse_int, default=None, help="K: lags 1..K, or 0..K-1 with --first-lag 0 (default twice the state size)")
    p.add_argument("--first-lag", type=parse_int, default=1, choices=(0, 1),
                   help="1: lags 1..K (Jaeger, reservoirpy; default); 0: lags 0..K-1")
    add_term(p, "length", short=False, type=parse_int, default=None,
                   help="series length (default washout + max(20000, 50 K))")
    p.add_argument("--washout", type=parse_int, default=None, help="dropped first steps (default the last lag)")
    add_term(p, "test-fraction", dest="test_size", deprecated=("--test-size",), type=parse_float, default=0.2, help="held-out fraction of the rows (default 0.2)")
    p.add_argument("--ridge", type=parse_float, default=0.0,
                   help="ridge penalty lambda (default 0: least squares by SVD; reservoirpy uses 1e-6)")
    p.add_argument("--amplitude", type=parse_float, default=0.8, help="u(t) uniform in [-a, a] (default 0.8)")
    p.add_argument("--correction", default="shuffle", choices=("shuffle", "none"),
                   help="subtract the shuffled-target null expectation (default) or not")
    p.add_argument("--exact", action="store_true",
                   help="a linear reservoir (esn with --activation identity, linear, lru, s4d): also the exact total "
                        "capacity, the rank of its Kalman matrix over GF(p) (tnrnn.measures.kalman)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory capacity``."""
    from ...measures import memory_capacity
    from ._common import check_plot

    check_int(args, "lags", "--lags")
    check_int(args, "length", "--length", 3)
    check_int(args, "washout", "--washout", 0)
    check_int(args, "seed", "--seed", 0)
    check_number(args, "test_size", "--test-fraction", 0, 1, open_low=True, open_high=True)
    check_number(args, "ridge", "--ridge", 0)
    check_number(args, "amplitude", "--amplitude", 0, open_low=True)
    check_plot(args.plot)
    model = load_model(args)
    mc = memory_capacity(model, args.lags, length=args.length, washout=args.washout, test_size=args.test_size,
                         ridge=args.ridge, amplitude=args.amplitude, first_lag=args.first_lag,
                         correction=args.correction, seed=args.seed, max_memory=args.max_memory)
    extra = text = None
    if args.exact:
        import dataclasses

        from ...measures.kalman import exact_linear_capacity

        target = getattr(model, "model", model)   # an imported lru/s4d layer: the layer itself
        exact = exact_linear_capacity(target, seed=args.seed)
        if args.first_lag == 0:   # Jaeger's sum over k >= 0 is the one the rank equals
            exact = dataclasses.replace(exact, estimate=float(mc.total), estimate_stderr=float(mc.total_stderr),
                                        lags=len(mc.lags), label=args.model)
        else:
            exact = dataclasses.replace(exact, label=args.model)
        extra, text = {"exact": exact.to_dict()}, str(exact)
    emit_measure(args, mc, "capacity", extra, text)
    return 0
