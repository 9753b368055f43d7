"""``tnrnn memory horizon``: the gradient memory horizon ||dy_T/dx_(T-k)|| (torch autograd)."""

from __future__ import annotations

import argparse

from .._common import declare, figure_path
from ._common import check_plot, emit
from ._measures import add_model_arguments, load_model

EXAMPLES = """\
examples:
  tnrnn memory horizon lin.npz --arch linear --lags 64          # = the impulse response c W^k U
  tnrnn memory horizon model.pt --arch lstm --lags 100 --sequences 32 --json
  tnrnn memory horizon model.safetensors --inputs onehot --plot horizon.png
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory horizon``."""
    p = subparsers.add_parser(
        "horizon", help="gradient memory horizon ||dy_T/dx_(T-k)|| vs k, decay fit and horizon (torch)",
        description="Backpropagate the last output to every input of random sequences; report the mean and "
                    "spread over sequences of the Frobenius norm of dy_T/dx_(T-k) per lag k, its decay fit "
                    "(exponential vs power law) and the horizon at --tol of the maximum.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_model_arguments(p)
    p.add_argument("--lags", type=int, default=32, help="K, the sequence length (default 32)")
    p.add_argument("--sequences", type=int, default=16, help="random sequences averaged over (default 16)")
    p.add_argument("--inputs", default="gaussian", choices=("gaussian", "uniform", "onehot"),
                   help="input distribution (default gaussian)")
    p.add_argument("--scale", type=float, default=1.0, help="input scale (default 1)")
    p.add_argument("--tol", type=float, default=1e-3, help="horizon tolerance relative to the maximum (default 1e-3)")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot g(k) to PATH (.png, .svg or .pdf)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn memory horizon``."""
    from ...measures import gradient_horizon

    check_plot(args.plot)
    model = load_model(args)
    gh = gradient_horizon(model, args.lags, sequences=args.sequences, inputs=args.inputs, scale=args.scale,
                          tol=args.tol, seed=args.seed)
    emit(args, {"file": args.model, **gh.to_dict()}, str(gh))
    if args.plot is not None:
        from ...plotting.figure import figure_format, new_figure, save_figure

        fig, ax = new_figure((5, 3.5))
        ax.semilogy(gh.lags, gh.mean, marker="o", ms=3)
        ax.fill_between(gh.lags, gh.mean - gh.spread, gh.mean + gh.spread, alpha=0.25)
        ax.set_xlabel("lag k")
        ax.set_ylabel(r"$\|\partial y_T / \partial x_{T-k}\|_F$")
        ax.set_title(gh.label)
        save_figure(fig, args.plot, figure_format(args.plot, "--plot"))
    return 0
