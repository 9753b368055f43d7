"""``tnrnn draw``: draw a compiled circuit (any ``--circuit`` kind), a cut of its time steps and the minimum cut's bonds."""

from __future__ import annotations

import argparse

from ..errors import InvalidParameterError
from ..validation import parse_int
from ._common import (
    add_circuit_arguments,
    add_cut_argument,
    add_max_memory_argument,
    add_term,
    declare,
    figure_path,
)
from ._progress import Progress, add_progress_arguments

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
examples:
  tnrnn draw --depth 2 --hidden 3 --inputs 3 --length 6 --cut start-end --plot cut.svg
  tnrnn draw --depth 1 --hidden 4 --inputs 2 --length 8 --cut interleaved --plot mps.png
  tnrnn draw --depth 3 --hidden 2 --inputs 2 --length 10 --cut prefix:4 --plot deep.pdf
  tnrnn draw --depth 2 --hidden 3 --inputs 3 --length 6 --no-cut --plot network.png
  tnrnn draw --circuit ssm --depth 2 --hidden 2 --inputs 2 --length 4 --cut start-end --plot ssm.svg
  tnrnn draw --circuit gla --depth 1 --hidden 2 --inputs 3 --length 6 --plot gla.png

The format follows the extension of --plot (.png, .svg or .pdf). Networks whose layers need more
than 16 rows of copies are drawn condensed (one node per layer x time block); --detailed and
--condensed force a view.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``draw`` subcommand."""
    p = subparsers.add_parser(
        "draw",
        help="draw a compiled circuit's network (RAC, ssm, gla) with a cut and its min-cut bonds",
        description="Draw the tensor network of a circuit (--circuit, default rac) on T steps: time left to right, "
                    "layers and their copies bottom to top, inputs coloured by the side of the cut, and the "
                    "bonds of a minimum cut in red with their dimensions.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p)
    add_cut_argument(p)
    p.add_argument("--no-cut", action="store_true", help="draw the network alone, without a cut")
    p.add_argument("--no-mincut", action="store_true", help="colour the inputs by side but do not compute a min-cut")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--condensed", dest="condensed", action="store_const", const=True, default=None,
                      help="one node per layer x time block")
    view.add_argument("--detailed", dest="condensed", action="store_const", const=False,
                      help="every tensor, whatever the size")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the weights (they do not change the drawing)")
    add_term(p, "plot", dest="output", deprecated=("--output", "-o"), required=True, metavar="PATH",
             type=figure_path("--plot"),
                   help="the figure file: .png, .svg or .pdf")
    add_max_memory_argument(p, "drawings")
    add_progress_arguments(p)
    declare(p, "figure")
    p.set_defaults(func=run)
    return p


def _plain(text: str) -> str:
    """A math-text title for a terminal: ``$2^{4} = 16$`` -> ``2^4 = 16``.

    Examples
    --------
    >>> _plain(r"$L=2,\\ R=2$   min-cut bound $2 \\cdot 4^{5} = 2048$")
    'L=2, R=2   min-cut bound 2·4^5 = 2048'
    >>> _plain(r"$\\mathrm{ssm}:\\ L=1$")
    'ssm: L=1'
    """
    import re

    text = text.replace("\\ ", " ").replace(" \\cdot ", "·").replace("$", "")
    text = re.sub(r"\\mathrm\{([^}]*)\}", r"\1", text)
    return re.sub(r"\^\{([^}]*)\}", r"^\1", text)


def run(args) -> int:
    """Run ``tnrnn draw`` with parsed arguments; returns the exit code."""
    from ..circuits import random_circuit
    from ..cuts import as_cut
    from ..network.core import NETWORK_BYTES_PER_TENSOR, check_network_memory, compile
    from ..network.mincut import MINCUT_BYTES_PER_TENSOR
    from ..plotting.network import draw
    from ..validation import check_positive_int

    for name in ("depth", "hidden", "inputs", "length"):
        check_positive_int(getattr(args, name), f"--{name}")
    if args.no_cut and "cut" in getattr(args, "_given", ()):
        raise InvalidParameterError("--cut", args.cut, "no --cut with --no-cut (one or the other)")
    cut = None if args.no_cut else as_cut(args.cut, args.length)
    # the figure's own structures come on top of the network; the min-cut's flow graph is the largest
    per_tensor = MINCUT_BYTES_PER_TENSOR if cut is not None and not args.no_mincut else 2 * NETWORK_BYTES_PER_TENSOR
    check_network_memory(args.depth, args.length, args.max_memory, per_tensor, "the drawing", kind=args.circuit,
                         hidden=args.hidden, inputs=args.inputs)
    progress = Progress.from_args(args)
    circuit = random_circuit(args.circuit, args.depth, args.hidden, args.inputs, seed=args.seed,
                             max_memory=args.max_memory)
    with progress.stage("compiling"):
        network = compile(circuit, args.length, max_memory=args.max_memory)
    with progress.stage("min-cut and drawing" if cut is not None and not args.no_mincut else "drawing"):
        fig = draw(network, cut=cut, condensed=args.condensed, show_mincut=not args.no_mincut, path=args.output)
    title = _plain(fig.axes[0].get_title().replace("\n", " "))
    if args.json:
        import json

        kind = {} if args.circuit == "rac" else {"circuit": args.circuit}
        print(json.dumps({"kind": "drawing", **kind, "figure": args.output, "title": title, "depth": args.depth,
                          "hidden": args.hidden, "inputs": args.inputs, "length": args.length,
                          "cut": None if cut is None else args.cut}))
    else:
        print(f"wrote {args.output}: {title}")
    return 0
