"""``tnrnn import``: import a trained network's weights and measure its Start-End spectrum."""

from __future__ import annotations

import argparse
import json

from ..bridge import WEIGHT_FORMATS, empirical_spectrum, load_weights
from ..errors import InvalidParameterError
from ._common import add_max_memory_argument, figure_path, write_or_rescue

__all__ = ["add_parser", "run"]

_ARCHS = ("lstm", "gru", "rnn", "rac", "mirnn")

_EXAMPLES = """\
examples:
  tnrnn import model.pt --arch lstm
  tnrnn import model.pt --arch lstm --length 8 --spectrum
  tnrnn import rac.safetensors --arch rac --length 6 --spectrum --samples 100 --seed 1 --json
  tnrnn import rnn.npz --arch rnn --nonlinearity relu --length 10 --spectrum --tol 1e-9
  tnrnn import model.pt --arch lstm --length 8 --spectrum --plot spectrum.png

Weights are read without executing code (.pt/.pth with torch.load(weights_only=True)).
The spectrum is that of the matrix of outputs over start-half by end-half assignments of
one-hot inputs, all of them when there are at most --samples per side, else --samples
distinct random ones.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import",
        help="import trained weights (.pt, .safetensors, .npz) and measure the Start-End spectrum",
        description="Import a trained recurrent network's weights and, with --spectrum, measure the "
                    "singular values of its Start-End output matrix.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("path", help="weights file: " + ", ".join(WEIGHT_FORMATS))
    p.add_argument("--arch", required=True, choices=_ARCHS, help="the network's architecture")
    p.add_argument("--nonlinearity", default=None,
                   help="rnn: tanh (default) or relu; mirnn: tanh (default), relu, sigmoid or identity")
    p.add_argument("--inputs", type=int, default=None, metavar="M", help="input dimension (checked against the file)")
    p.add_argument("--hidden", type=int, default=None, metavar="R", help="hidden width (checked against the file)")
    p.add_argument("--layers", type=int, default=None, metavar="L", help="number of layers (checked against the file)")
    p.add_argument("--prefix", default=None, help="prefix of the recurrent keys, e.g. 'rnn.' (found automatically)")
    p.add_argument("--readout", default=None,
                   help="prefix of a linear readout, e.g. 'fc' (found automatically); 'none' for no readout")
    p.add_argument("--length", type=int, default=None, metavar="T", help="sequence length (required with --spectrum)")
    p.add_argument("--spectrum", action="store_true", help="measure the empirical Start-End spectrum")
    p.add_argument("--samples", type=int, default=256, metavar="N",
                   help="at most N assignments per side (default 256)")
    p.add_argument("--seed", type=int, default=0, help="seed of the sampling (default 0)")
    p.add_argument("--tol", type=float, default=None,
                   help="numerical-rank tolerance (default max(shape) * eps * s_max)")
    p.add_argument("--channel", type=int, default=0, help="output channel (default 0)")
    p.add_argument("--backend", default="numpy", choices=("numpy", "torch"), help="where to evaluate (default numpy)")
    p.add_argument("--device", default=None, help="torch device with --backend torch, e.g. cuda")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    add_max_memory_argument(p, "weight files and spectra")
    p.add_argument("--plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="with --spectrum, also plot the singular values to PATH (.png, .svg or .pdf)")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    """Run ``tnrnn import`` with parsed arguments; returns the exit code."""
    if args.spectrum and args.length is None:
        raise InvalidParameterError("--length", None, "a sequence length T with --spectrum")
    if args.plot is not None and not args.spectrum:
        raise InvalidParameterError("--plot", args.plot, "to be used with --spectrum")
    readout = False if isinstance(args.readout, str) and args.readout.lower() == "none" else args.readout
    imported = load_weights(args.path, arch=args.arch, nonlinearity=args.nonlinearity, inputs=args.inputs,
                            hidden=args.hidden, layers=args.layers, prefix=args.prefix, readout=readout,
                            max_memory=args.max_memory)
    spectrum = None
    if args.spectrum:
        spectrum = empirical_spectrum(imported, args.length, samples=args.samples, seed=args.seed, tol=args.tol,
                                      channel=args.channel, backend=args.backend, device=args.device)
    if args.plot is not None:
        from ..plotting.spectra import plot_spectrum

        out = {"import": imported.to_dict(), "spectrum": spectrum.to_dict()}
        write_or_rescue(lambda: plot_spectrum(spectrum, path=args.plot), out, "--plot", args.plot, "import")
    if args.json:
        out = {"import": imported.to_dict()}
        if spectrum is not None:
            out["spectrum"] = spectrum.to_dict()
        print(json.dumps(out))
        return 0
    print(imported)
    if spectrum is not None:
        print()
        print(spectrum)
    return 0
