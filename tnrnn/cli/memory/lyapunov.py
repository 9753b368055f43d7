"""``tnrnn memory lyapunov``: the Lyapunov spectrum of the driven state map (QR method, nats per step)."""

from __future__ import annotations

import argparse

from ...validation import parse_float, parse_int
from .._common import add_term, declare
from ._measures import add_model_arguments, check_int, check_number, emit_measure, load_model

EXAMPLES = """\
examples:
  tnrnn memory lyapunov lin.npz --arch linear --steps 200     # = log|eigenvalues of W|
  tnrnn memory lyapunov model.pt --arch gru --steps 1000 --washout 200 --json
  tnrnn memory lyapunov model.safetensors --input-dist onehot --exponents 4 --plot lyap.png

Non-finite trajectories, and a state that does not depend on its past, give n/a with the reason.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory lyapunov``."""
    p = subparsers.add_parser(
        "lyapunov", help="Lyapunov spectrum of the driven network (QR method on state Jacobians; torch)",
        description="Drive the network with random inputs, multiply its state Jacobians with repeated QR "
                    "factorisations and report the Lyapunov exponents in nats per step (mean and spread over "
                    "sequences).",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--steps", type=parse_int, default=500, help="steps accumulated after the washout (default 500)")
    p.add_argument("--washout", type=parse_int, default=100, help="steps discarded first (default 100)")
    p.add_argument("--sequences", type=parse_int, default=4, help="independent input sequences (default 4)")
    add_term(p, "input-dist", dest="inputs", deprecated=("--inputs",), default="gaussian",
             choices=("gaussian", "uniform", "onehot"),
                   help="input distribution (default gaussian)")
    p.add_argument("--scale", type=parse_float, default=1.0, help="input scale (default 1)")
    p.add_argument("--exponents", type=parse_int, default=None, help="only the largest p exponents (default all)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory lyapunov``."""
    from ...measures import lyapunov_spectrum
    from ._common import check_plot

    check_int(args, "steps", "--steps")
    check_int(args, "washout", "--washout", 0)
    check_int(args, "sequences", "--sequences")
    check_int(args, "exponents", "--exponents")
    check_int(args, "seed", "--seed", 0)
    check_number(args, "scale", "--scale", 0, open_low=True)
    check_plot(args.plot)
    model = load_model(args)
    spec = lyapunov_spectrum(model, args.steps, washout=args.washout, sequences=args.sequences, inputs=args.inputs,
                             scale=args.scale, exponents=args.exponents, seed=args.seed, max_memory=args.max_memory)
    emit_measure(args, spec, "lyapunov")
    return 0
