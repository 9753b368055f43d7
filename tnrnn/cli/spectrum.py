"""``tnrnn spectrum``: singular values and numerical rank of a grid matricization, by contraction."""

from __future__ import annotations

import argparse
import json

from ..errors import InvalidParameterError
from ..network.optimizers import DEFAULT_OPTIMIZER
from ..validation import parse_float, parse_int
from ._common import (
    add_circuit_arguments,
    add_cut_argument,
    add_json_argument,
    add_max_memory_argument,
    add_term,
    declare,
    figure_path,
    write_or_rescue,
    write_records,
)
from ._progress import Progress, add_progress_arguments
from ._sweep import add_cluster_arguments

EXAMPLES = """\
examples:
  tnrnn spectrum --depth 1 --hidden 4 --inputs 2 --length 12
  tnrnn spectrum --depth 2 --hidden 3 --inputs 2 --length 8 --cut interleaved --json
  tnrnn spectrum --depth 1 --hidden 8 --inputs 4 --length 32 --method gram --backend torch
  tnrnn spectrum --depth 2 --hidden 2 --inputs 3 --length 6 --cut prefix:2 --tol 1e-10
  tnrnn spectrum --depth 2 --hidden 3 --inputs 2 --length 8 --plot spectrum.png
  tnrnn spectrum -L 2 -R 8 -M 4 -T 6 --method dense --max-memory 80KiB --workers 2
  tnrnn spectrum -L 2 -R 8 -M 4 -T 6 --method dense --max-memory 80KiB --slice
  tnrnn spectrum --circuit ssm -L 1 -R 3 -M 2 -T 12
  tnrnn spectrum --circuit gla -L 2 -R 2 -M 2 -T 8 --json

Above --max-memory, --slice slices each contraction with cotengra and contracts the slices here;
--workers N (a local Dask cluster) or --scheduler ADDRESS (a running one) contracts them on the
cluster (pip install tnrnn[dask]); --slice-to N fixes the largest sliced intermediate instead.
"""


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "spectrum",
        help="singular values of a grid matricization, by contraction",
        description=(
            "Singular values and numerical rank of the grid matricization of a random circuit (--circuit, "
            "default rac) across a cut, "
            "computed by contracting its tensor network (through the two sides of the min-cut when that is "
            "cheaper than forming the matrix). The rank is numerical: it depends on the stated tolerance; "
            "the certified rank of the same weights is shown beside it (GF(p), as 'tnrnn bounds' computes it)."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p)
    add_cut_argument(p)
    add_term(p, "backend", default="numpy",
                   help="numpy (default), torch, cupy, or another autoray backend (jax with x64, dask)")
    p.add_argument("--device", default=None, help="torch device: cpu or cuda (default: cuda when available)")
    p.add_argument("--method", default="auto", help="auto (default), dense, factors or gram")
    p.add_argument("--optimize", default=DEFAULT_OPTIMIZER, help=f"path optimizer (default {DEFAULT_OPTIMIZER})")
    p.add_argument("--tol", type=parse_float, default=None,
                   help="absolute tolerance of the numerical rank (default max(shape)*eps*s_max)")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the weights (default 0)")
    p.add_argument("--certify", action=argparse.BooleanOptionalAction, default=True,
                   help="also compute the certified (GF(p)) rank of the same weights and show the float rank beside "
                        "it (default; skipped, saying so, above 30 s of estimated exact work)")
    add_max_memory_argument(p, "networks and contractions")
    p.add_argument("--slice", action="store_true",
                   help="slice contractions until their peak memory fits --max-memory (slower, same result; implied by --workers and --scheduler)")
    p.add_argument("--slice-to", type=parse_int, default=None, metavar="N",
                   help="slice until the largest intermediate has at most N entries")
    add_cluster_arguments(p, "contract the slices")
    add_json_argument(p, "print JSON instead of text")
    add_term(p, "plot", default=None, metavar="PATH", type=figure_path("--plot"),
                   help="also plot the singular values and tolerance to PATH (.png, .svg or .pdf)")
    add_progress_arguments(p)
    declare(p, "records", "figure")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..backends import resolve
    from ..circuits import random_circuit
    from ..clusters import cluster
    from ..network.spectrum import spectrum

    max_memory = args.max_memory
    resolve(args.backend, args.device)   # a bad backend or device fails before any work
    if args.slice_to is not None and args.slice_to < 1:
        raise InvalidParameterError("--slice-to", args.slice_to, "a positive number of entries")
    if args.workers is not None and args.workers < 1:
        raise InvalidParameterError("--workers", args.workers, "a positive number of processes")
    progress = Progress.from_args(args)
    rac = random_circuit(args.circuit, args.depth, args.hidden, args.inputs, seed=args.seed, max_memory=max_memory)
    with cluster(args.workers, args.scheduler) as client, progress.stage("planning, contracting and the SVD"):
        result = spectrum(rac, args.cut, length=args.length, method=args.method, backend=args.backend,
                          device=args.device, tol=args.tol, optimize=args.optimize, max_memory=max_memory,
                          slicing=args.slice, slice_to=args.slice_to, client=client, certify=args.certify)
    from ..versions import versions

    kind = {} if args.circuit == "rac" else {"circuit": args.circuit}   # RAC records as they were
    record = {"kind": "spectrum", **kind, "depth": args.depth, "hidden": args.hidden, "inputs": args.inputs,
              "length": args.length, "seed": args.seed, **result.to_dict(), "versions": versions()}
    write_records(args, [record], command="spectrum")
    if args.json:
        print(json.dumps(record, indent=2))
    else:
        name = "RAC" if args.circuit == "rac" else args.circuit
        print(f"{name} L={args.depth} R={args.hidden} M={args.inputs} T={args.length} (seed {args.seed})")
        print(result)
    if args.plot is not None:
        from ..plotting.spectra import plot_spectrum

        with progress.stage("plotting"):
            write_or_rescue(lambda: plot_spectrum(result, path=args.plot), record, "--plot", args.plot, "spectrum")

    return 0
