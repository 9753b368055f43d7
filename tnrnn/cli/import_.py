"""``tnrnn import``: import a trained network's weights and measure its Start-End spectrum."""

from __future__ import annotations

import argparse
import json

from ..bridge import WEIGHT_FORMATS, empirical_spectrum, load_weights, resolve_arch
from ..errors import InvalidParameterError
from ..validation import parse_float, parse_int
from ..versions import versions
from . import _exact  # noqa: F401  (registers the exact-result record kinds with tnrnn plot)
from ._common import (
    add_json_argument,
    add_max_memory_argument,
    add_term,
    declare,
    figure_path,
    write_or_rescue,
    write_records,
)

__all__ = ["add_parser", "run"]

_ARCHS = ("lstm", "gru", "rnn", "rac", "mirnn", "scornn", "ssm", "gla", "mamba", "lru", "s4d")

_EXAMPLES = """\
examples:
  tnrnn import model.pt
  tnrnn import model.pt --length 8 --spectrum
  tnrnn import untrained.pt trained.pt --length 8 --spectrum --plot compare.png
  tnrnn import checkpoint.pt --prefix encoder.rnn --ignore decoder. --ignore aux_head. --length 6 --spectrum
  tnrnn import rac.safetensors --length 6 --spectrum --samples 100 --seed 1 --json
  tnrnn import rnn.npz --arch rnn --nonlinearity relu --length 10 --spectrum --tol 1e-9
  tnrnn import results/checkpoints/KEY.safetensors --length 16 --spectrum   # arch from KEY.json (tnrnn train)
  tnrnn import mamba.safetensors --length 64 --exact-rank   # one trained ssm/gla/mamba/lru/s4d layer: exact rank

The architecture is detected from the keys and the gate multiple (--arch checks it, and picks
rnn's relu/tanh, which weights cannot tell); ssm/gla circuits (layers.0.A), mambapy Mamba
(layers.0.mixer.A_log), LRU (nu_log) and diagonal S4D layers (lambda_re) from their keys. An embedding table (a weight-only key of shape
(V, D) named like 'emb' or saved before the recurrent keys) is folded into the first layer, so
the network reads one-hot tokens of the vocabulary; --no-embedding keeps the input space.
Weights are read without executing code (.pt/.pth with torch.load(weights_only=True)).
The spectrum is that of the matrix of outputs over start-half by end-half assignments of
one-hot inputs, all of them when there are at most --samples per side, else --samples
distinct random ones. Its headline rank keeps --energy of sum s^2; the numerical rank
(above max(shape)*eps*s_max, or --tol) is the secondary column. With several files, one
table and one overlay plot (s_k/s_1) compare them.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``import`` subcommand."""
    from ._progress import add_progress_arguments

    p = subparsers.add_parser(
        "import",
        help="import trained weights (.pt, .safetensors, .npz) and measure the Start-End spectrum",
        description="Import trained recurrent networks' weights and, with --spectrum, measure the "
                    "singular values of their Start-End output matrices.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("paths", nargs="+", metavar="path", help="weights files: " + ", ".join(WEIGHT_FORMATS))
    p.add_argument("--arch", default=None, choices=_ARCHS,
                   help="the network's architecture (default: the 'arch' of a JSON sidecar next to the file, as tnrnn train writes, else detected from the weights)")
    p.add_argument("--nonlinearity", default=None,
                   help="rnn: tanh (default) or relu; mirnn: tanh (default), relu, sigmoid or identity")
    add_term(p, "inputs", type=parse_int, default=None, metavar="M", help="input dimension (checked against the file)")
    add_term(p, "hidden", type=parse_int, default=None, metavar="R", help="hidden width (checked against the file)")
    add_term(p, "depth", dest="layers", deprecated=("--layers",), type=parse_int, default=None, metavar="L",
             help="number of layers (checked against the file)")
    p.add_argument("--prefix", default=None, help="prefix of the recurrent keys, e.g. 'rnn.' (found automatically)")
    p.add_argument("--ignore", action="append", default=[], metavar="PREFIX",
                   help="skip the keys starting with PREFIX (a decoder, a second head); repeatable")
    p.add_argument("--embedding", default=None, metavar="PREFIX",
                   help="prefix of the embedding table to fold in, e.g. 'emb' (found automatically)")
    p.add_argument("--no-embedding", action="store_true", help="do not fold an embedding: measure the input space")
    p.add_argument("--readout", default=None,
                   help="prefix of a linear readout, e.g. 'fc' (found automatically); 'none' for no readout")
    add_term(p, "length", type=parse_int, default=None, metavar="T", help="sequence length (required with --spectrum)")
    p.add_argument("--spectrum", action="store_true", help="measure the empirical Start-End spectrum")
    p.add_argument("--exact-rank", action="store_true",
                   help="one-layer ssm, gla, mamba, lru or s4d on tokens: the exact Start-End rank over GF(p) from "
                        "its reachable and observable spans, without the M^T grid (tnrnn.bridge.automaton)")
    p.add_argument("--samples", type=parse_int, default=256, metavar="N",
                   help="at most N assignments per side (default 256)")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the sampling (default 0)")
    p.add_argument("--energy", type=parse_float, default=0.9999,
                   help="share of sum s^2 kept by the headline rank (default 0.9999)")
    p.add_argument("--tol", type=parse_float, default=None,
                   help="numerical-rank tolerance (default max(shape) * eps * s_max)")
    p.add_argument("--channel", type=parse_int, default=0, help="output channel (default 0)")
    add_term(p, "backend", default="numpy", choices=("numpy", "torch"), help="where to evaluate (default numpy)")
    p.add_argument("--device", default=None, help="torch device with --backend torch, e.g. cuda")
    add_json_argument(p,
                   help="print JSON: one object (one file) or a list of objects (several files)")
    add_max_memory_argument(p, "weight files and spectra")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="with --spectrum, also plot the singular values to PATH (.png, .svg or .pdf); "
                        "several files share one plot of s_k/s_1")
    add_progress_arguments(p)
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def _label(path, paths) -> str:
    import os

    names = [os.path.basename(os.fspath(q)) for q in paths]
    name = os.path.basename(os.fspath(path))
    return name if names.count(name) == 1 else os.fspath(path)


def _table(rows) -> str:
    header = ("model", "arch", "L", "R", "M", "C", "rank", "energy", "gap rank", "gap", "numerical rank", "tol",
              "eff. rank")
    body = []
    for label, imported, spec in rows:
        cells = [label, imported.arch, imported.depth, imported.hidden, imported.inputs, imported.outputs]
        if spec is None:
            cells += ["-"] * 7
        else:
            cells += [spec.rank, f"{spec.energy:g}", spec.gap_rank, f"{spec.gap:.1e}",
                      f"{spec.numerical_rank}/{spec.max_rank}", f"{spec.tolerance:.1e}", f"{spec.effective_rank:.2f}"]
        body.append(cells)
    from ..records import format_table

    return format_table(body, header, drop_constant=len(body) > 1)


def run(args) -> int:
    """Run ``tnrnn import`` with parsed arguments; returns the exit code."""
    from ._progress import Progress

    if args.spectrum and args.length is None:
        raise InvalidParameterError("--length", None, "a sequence length T with --spectrum")
    if args.plot is not None and not args.spectrum:
        raise InvalidParameterError("--plot", args.plot, "to be used with --spectrum")
    if not (0 < args.energy <= 1):
        raise InvalidParameterError("--energy", args.energy, "a number in (0, 1]")
    if args.no_embedding and args.embedding is not None:
        raise InvalidParameterError("--embedding", args.embedding, "no --embedding with --no-embedding")
    progress = Progress.from_args(args)
    readout = False if isinstance(args.readout, str) and args.readout.lower() == "none" else args.readout
    embedding = False if args.no_embedding else args.embedding
    rows = []
    for path in args.paths:
        label = _label(path, args.paths)
        with progress.stage(f"importing {label}"):
            imported = load_weights(path, arch=resolve_arch(path, args.arch), nonlinearity=args.nonlinearity, inputs=args.inputs,
                                    hidden=args.hidden, layers=args.layers, prefix=args.prefix, readout=readout,
                                    ignore=tuple(args.ignore), embedding=embedding,
                                    max_memory=args.max_memory)
        spectrum = None
        if args.spectrum:
            spectrum = empirical_spectrum(imported, args.length, samples=args.samples, seed=args.seed, tol=args.tol,
                                          channel=args.channel, backend=args.backend, device=args.device,
                                          energy=args.energy, certify=True,
                                          progress=progress.wrapper(f"spectrum of {label}", unit="batch"))
        if args.exact_rank:
            from ..bridge.automaton import automaton_rank

            if args.length is None:
                raise InvalidParameterError("--length", None, "a sequence length T with --exact-rank")
            exact = automaton_rank(imported, args.length, channel=args.channel)
            if spectrum is not None:   # the float spectrum beside it, in the same record
                import dataclasses

                exact = dataclasses.replace(exact, spectrum=spectrum.to_dict())
            imported = _WithExact(imported, exact)
        rows.append((label, imported, spectrum))
    if args.plot is not None:
        if len(rows) == 1:
            from ..plotting.spectra import plot_spectrum

            write_or_rescue(lambda: plot_spectrum(rows[0][2], path=args.plot), _records(rows), "--plot", args.plot,
                            "import")
        else:
            from ..plotting.spectra import plot_spectra

            write_or_rescue(lambda: plot_spectra([spec for _, _, spec in rows], [label for label, _, _ in rows],
                                                 path=args.plot), _records(rows), "--plot", args.plot, "import")
    write_records(args, _records(rows), command="import")
    if args.json:
        out = _records(rows)
        print(json.dumps(out[0] if len(out) == 1 else out))
        return 0
    if len(rows) == 1:
        _, imported, spectrum = rows[0]
        print(imported)
        if spectrum is not None:
            print()
            print(spectrum)
        return 0
    print(_table(rows))
    return 0


class _WithExact:
    """An import and its exact single-layer rank (printed and recorded together)."""

    def __init__(self, imported, exact):
        self.imported, self.exact = imported, exact

    def __getattr__(self, name):
        return getattr(self.imported, name)

    def __str__(self) -> str:
        return f"{self.imported}\n\n{self.exact}"


def _records(rows) -> list[dict]:
    """The JSON records of the imported models (and their spectra, and exact ranks)."""
    out = []
    for label, imported, spectrum in rows:
        record = {"kind": "import", "label": label, "import": imported.to_dict(), "versions": versions()}
        if spectrum is not None:
            record["spectrum"] = spectrum.to_dict()
        if isinstance(imported, _WithExact):
            record["exact_rank"] = {**imported.exact.to_dict(), "label": label}
        out.append(record)
    return out


