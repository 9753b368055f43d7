"""``tnrnn memory function``: the memory function of a model, its decay and horizon."""

from __future__ import annotations

import argparse

import numpy as np

from ...errors import InvalidParameterError
from .._common import add_json_argument, add_term, declare, figure_path
from ..plot import register_kind
from ._common import check_plot, emit, float_in, int_at_least, nonzero_float, positive_float

_ARCHS = ("linear", "rnn", "gru", "lstm", "mirnn", "rac", "scornn", "ssm", "gla", "mamba", "lru", "s4d")

EXAMPLES = """\
examples:
  tnrnn memory function linear.npz --arch linear --lags 64
  tnrnn memory function linear.npz --arch linear --time continuous --dt 0.05 --lags 400 --plot rho.png
  tnrnn memory function rnn.npz --arch rnn --lags 32 --directions 16 --amplitude 0.1 --json
  tnrnn memory function model.pt --arch lstm --lags 50 --horizon-tol 1e-2

A linear model is an .npz with arrays W (m, m), U (m, M) and c (C, m); its closed-form
memory function (c W^k U, or c e^{Wt} U in continuous time) is printed beside the estimate.
Other models are read like 'tnrnn import' reads them (weights only, no code executed).
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``tnrnn memory function``."""
    p = subparsers.add_parser(
        "function",
        help="memory function of a model (derivative of the step response), decay and horizon",
        description="Estimate a model's memory function: the time derivative of its response to a step "
                    "input, averaged over random input directions, with the spread; classify its decay "
                    "(exponential rate vs power-law exponent, with R^2) and give its memory horizon.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("model", help="weights file (.npz for --arch linear; .pt, .safetensors, .npz otherwise)")
    p.add_argument("--arch", required=True, choices=_ARCHS, help="the model's architecture")
    p.add_argument("--nonlinearity", default=None, help="rnn: tanh (default) or relu; mirnn: its phi")
    p.add_argument("--time", default="discrete", choices=("discrete", "continuous"),
                   help="discrete (default) or continuous (linear models only)")
    p.add_argument("--dt", type=positive_float("--dt"), default=None,
                   help="sampling step in continuous time (default 0.05)")
    add_term(p, "lags", type=int_at_least("--lags"), default=64,
             help="K: the memory function at lags 0..K-1 (default 64)")
    p.add_argument("--directions", type=int_at_least("--directions"), default=8,
                   help="random input directions (default 8)")
    p.add_argument("--amplitude", type=nonzero_float("--amplitude"), default=1.0,
                   help="size of the step input, nonzero (default 1)")
    p.add_argument("--reference", default="steady", choices=("steady", "zero"),
                   help="where the step starts: steady (default: after a silent pre-roll, the same for every "
                        "lag) or zero (h = 0, as the Curse-of-memory reference code)")
    p.add_argument("--preroll", type=int_at_least("--preroll"), default=None,
                   help="silent steps before every step with --reference steady (default: --lags)")
    add_term(p, "seed", type=int_at_least("--seed", 0), default=0, help="seed of the directions (default 0)")
    add_term(p, "horizon-tol", dest="tol", deprecated=("--tol",), type=float_in("--horizon-tol", 0, 1, open_low=True),
             default=1e-3,
                   help="horizon tolerance, relative to the maximum, in (0, 1] (default 1e-3)")
    p.add_argument("--channel", type=int_at_least("--channel", 0), default=0, help="output channel (default 0)")
    add_json_argument(p, "print the record as one JSON object")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"), help="plot |rho(t)| to PATH (.png, .svg or .pdf)")
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def _read_linear(path, time, dt):
    import os

    from ...memory import LinearRNN

    if not os.path.exists(path):
        raise InvalidParameterError("model", path, "an existing .npz file")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (OSError, ValueError) as err:
        raise InvalidParameterError("model", path, f"an .npz file with arrays W, U, c ({err})") from None
    missing = [k for k in ("W", "U", "c") if k not in arrays]
    if missing:
        raise InvalidParameterError("model", path, "an .npz with arrays W, U, c (missing " + ", ".join(missing) + ")")
    return LinearRNN(arrays["W"], arrays["U"], arrays["c"], time=time, dt=dt if time == "continuous" else 1.0)


def run(args) -> int:
    """Run ``tnrnn memory function``."""
    from ...memory import memory_function

    check_plot(args.plot)
    if args.time == "continuous" and args.arch != "linear":
        raise InvalidParameterError("--time", args.time, "'discrete' for --arch " + args.arch)
    dt = args.dt if args.dt is not None else (0.05 if args.time == "continuous" else 1.0)
    closed = None
    from ._measures import refuse_unused_model_options

    refuse_unused_model_options(args)
    if args.arch == "linear":
        model = _read_linear(args.model, args.time, dt)
        label = repr(model)
    else:
        from ...bridge import load_weights

        model = load_weights(args.model, arch=args.arch, nonlinearity=args.nonlinearity)
        label = f"{model.arch} L={model.depth} H={model.hidden} M={model.inputs} C={model.outputs}"
    if not 0 <= args.channel < model.outputs:
        raise InvalidParameterError("--channel", args.channel, f"an output channel in 0..{model.outputs - 1}")
    if args.preroll is not None and args.reference != "steady":
        raise InvalidParameterError("--preroll", args.preroll, "to be used with --reference steady")
    mf = memory_function(model, args.lags, time=args.time, dt=dt, directions=args.directions,
                         amplitude=args.amplitude, seed=args.seed, reference=args.reference, preroll=args.preroll,
                         max_memory=args.max_memory)
    record = {"model": args.model, "arch": args.arch, "description": label, **mf.to_dict(args.tol)}
    text = [label, str(mf)]
    if args.arch in ("linear", "lru", "s4d"):
        # closed form, (K, C, M) or squeezed: c W^k U, or Re(C lambda^k B) (+ D at 0) of a diagonal layer
        K = model.kernel(mf.times) if args.arch == "linear" else model.model.kernel(np.rint(mf.times).astype(int))
        K = np.asarray(K).reshape(len(mf.times), model.outputs, model.inputs)
        ref = np.einsum("kcm,dm->dkc", K, mf.directions)
        err = float(np.max(np.abs(mf.responses - ref)) / max(np.max(np.abs(ref)), np.finfo(float).tiny))
        closed = np.abs(ref[:, :, args.channel]).mean(axis=0)
        record["closed_form_max_relative_error"] = err
        record["closed_form_mean"] = np.abs(ref).mean(axis=0).T.tolist()
        form = ("Re(C lambda^k B)" if args.arch != "linear" else
                f"c {'e^(Wt)' if args.time == 'continuous' else 'W^k'} U")
        text.append(f"closed form {form}: max relative difference of the estimate {err:.2e}")
    if args.channel:
        fit = mf.decay(args.channel)
        record["decay"] = fit.to_dict()
        record["horizon"] = mf.horizon(args.tol, args.channel)
        text.append(f"channel {args.channel}: {fit}")
    emit(args, record, "\n".join(text))
    if args.plot is not None:
        from ...plotting.memory import plot_memory_function

        plot_memory_function(mf, args.plot, closed_form=closed, channel=args.channel)
    return 0


def _draw(records, args) -> None:
    from ...plotting.memory import plot_memory_function

    r = records[0]
    closed = r.get("closed_form_mean")
    plot_memory_function(r, args.output, closed_form=None if closed is None else closed[0], title=args.title)


register_kind("memory-function", lambda r: r.get("kind") == "memory-function", _draw)
