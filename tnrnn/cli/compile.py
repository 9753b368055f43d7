"""``tnrnn compile``: a circuit's tensor network (any ``--circuit`` kind), its input copies and the cost of contracting it."""

from __future__ import annotations

import argparse
import json
import time

from ..errors import InvalidParameterError
from ..network.optimizers import DEFAULT_OPTIMIZER
from ..validation import parse_int
from ._common import (
    add_circuit_arguments,
    add_json_argument,
    add_max_memory_argument,
    add_term,
    declare,
    write_records,
)
from ._progress import Progress, add_progress_arguments

EXAMPLES = """\
examples:
  tnrnn compile --depth 1 --hidden 4 --inputs 4 --length 8
  tnrnn compile --depth 2 --hidden 4 --inputs 4 --length 6 --json
  tnrnn compile --depth 3 --hidden 3 --inputs 2 --length 5 --optimize greedy,recurrence,hyper
  tnrnn compile --circuit ssm --depth 2 --hidden 3 --inputs 2 --length 6
  tnrnn compile --circuit gla --depth 1 --hidden 3 --inputs 4 --length 8 --json

Paths of the default optimizer are cached on disk ($TNRNN_CACHE_DIR, else ~/.cache/tnrnn/paths;
TNRNN_CACHE_DIR=off disables it), so a second call plans the same network from the cache.
"""

#: Optimizers whose cost is reported unless --optimize is given.
DEFAULT_OPTIMIZERS = (DEFAULT_OPTIMIZER, "greedy", "random-greedy", "cotengra-greedy", "recurrence")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "compile",
        help="compile a circuit (RAC, ssm, gla) into a tensor network and cost its contraction",
        description=(
            "Compile a random circuit of the given kind (--circuit, default rac) and shape into a tensor network "
            "(inputs duplicated for depth >= 2) and report its tensors, the copies of each input (checked "
            "against the closed form: C(L+T-t-2, L-1) for a RAC, the weighted paths of tnrnn.network.structure "
            "for the other kinds) and, for each path optimizer, the cost of contracting the grid tensor: "
            "log10 flops, largest intermediate and peak memory. Nothing is contracted."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_circuit_arguments(p)
    p.add_argument("--optimize", default=",".join(DEFAULT_OPTIMIZERS),
                   help="comma-separated path optimizers (default: %(default)s); see tnrnn.network.contract.list_optimizers")
    add_term(p, "seed", type=parse_int, default=0, help="seed of the weights (default 0; costs do not depend on it)")
    add_max_memory_argument(p, "networks")
    add_json_argument(p, "print JSON instead of text")
    add_progress_arguments(p)
    declare(p, "records")
    p.set_defaults(func=run)
    return p


def run(args) -> int:
    from ..circuits import random_circuit
    from ..network.contract import contraction_cost
    from ..network.core import compile
    from ..network.optimizers import list_optimizers
    from ..versions import versions

    names = [n.strip() for n in args.optimize.split(",") if n.strip()]
    if not names:
        raise InvalidParameterError("--optimize", args.optimize, "one or more of " + ", ".join(list_optimizers()))
    for name in names:
        if name not in list_optimizers(available=False):
            raise InvalidParameterError("--optimize", name, "one of " + ", ".join(list_optimizers()))
    from ..errors import TnrnnError
    from ..network.core import check_network_memory, num_tensors_closed_form
    from ..network.optimizers import MAX_PLAN_SECONDS, plan_seconds

    check_network_memory(args.depth, args.length, args.max_memory, kind=args.circuit, hidden=args.hidden,
                         inputs=args.inputs)
    tensors = num_tensors_closed_form(args.depth, args.length, args.circuit)
    estimates = {name: plan_seconds(name, tensors) for name in names}
    skipped = {}
    chosen = "optimize" in getattr(args, "_given", ())
    if not chosen:   # the default list: leave out the optimizers that would plan for minutes, and say so
        while sum(estimates.values()) > MAX_PLAN_SECONDS and len(estimates) > 1:
            slow = max(estimates, key=estimates.get)
            skipped[slow] = estimates.pop(slow)
        names = [n for n in names if n in estimates]
    seconds = sum(estimates.values())
    if seconds > MAX_PLAN_SECONDS:   # the work, estimated before minutes of path search
        raise TnrnnError(f"planning {tensors} tensors with {', '.join(names)} would take about {seconds:.0f} s "
                         f"(above {MAX_PLAN_SECONDS:.0f} s); pass faster names to --optimize (e.g. --optimize "
                         "recurrence) or a smaller --length or --depth")
    progress = Progress.from_args(args)
    circuit = random_circuit(args.circuit, args.depth, args.hidden, args.inputs, seed=args.seed,
                             max_memory=args.max_memory)
    with progress.stage("compiling"):
        net = compile(circuit, args.length, max_memory=args.max_memory)
        summary = net.summary()
    costs = [{"optimizer": name, "error": f"planning would take about {seconds:.0f} s (the default list "
              f"plans for at most {MAX_PLAN_SECONDS:.0f} s in all); name it in --optimize to run it"}
             for name, seconds in skipped.items()]
    for name in names:
        start = time.perf_counter()
        try:
            with progress.stage(f"planning with {name}"):
                cost = contraction_cost(net, name).to_dict()
            costs.append({"optimizer": name, **cost, "plan_seconds": time.perf_counter() - start})
        except InvalidParameterError as err:   # e.g. an exhaustive optimizer on too many tensors
            costs.append({"optimizer": name, "error": str(err)})
        except OverflowError:                   # a planner's float cost model overflows (flops beyond 1e308)
            costs.append({"optimizer": name, "error": "its cost model overflows floating point on this network"})
    record = {"kind": "compile", "network": summary.to_dict(), "costs": costs, "versions": versions()}
    write_records(args, [record], command="compile")
    if args.json:
        print(json.dumps(record, indent=2))
        return 0
    print(summary)
    print("grid-tensor contraction cost:")
    width = max(len(c["optimizer"]) for c in costs)
    for c in costs:
        if "error" in c:
            print(f"  {c['optimizer']:<{width}}  not run: {c['error']}")
        else:
            from ..limits import format_bytes

            print(f"  {c['optimizer']:<{width}}  10^{c['flops_log10']:.2f} flops, largest intermediate "
                  f"{_count(c['largest_intermediate'])}, peak {format_bytes(c['peak_memory'])}, "
                  f"planned in {c['plan_seconds']:.3f} s")
    return 0


def _count(n: int) -> str:
    """An entry count: exact up to 10^15, else as a power of ten (no conversion of hundreds of digits)."""
    import math

    return str(n) if n < 10**15 else f"10^{math.log10(n):.2f}"
