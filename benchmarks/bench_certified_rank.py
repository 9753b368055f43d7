"""Time the certified Start-End rank of depth-2 RACs (R = M = 4) against the length.

For each T the script runs ``tnrnn.rank_bounds`` (method "exact", default
engine) and records whether the rank is certified and how long each phase took.
For the largest T it also compares tnrnn's rank step with python-flint's own
``nmod_mat.rank`` on the same matrices.

Usage::

    python benchmarks/bench_certified_rank.py [--lengths 8,12,...,32] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import time

import flint
import numpy as np

import tnrnn
from tnrnn.bench import machine_info
from tnrnn.field import DEFAULT_PRIME, rank_mod
from tnrnn.ranks.factored import factored_matrices


def machine() -> dict:
    return {**machine_info(), "python-flint": flint.__version__}


def rank_step_comparison(T: int, seed: int = 0) -> dict:
    """tnrnn's rank step (copy into FLINT + nmod_mat_rank) vs python-flint's rank alone."""
    rac = tnrnn.RAC.random_modular(2, 4, 4, prime=DEFAULT_PRIME, seed=seed)
    fm = factored_matrices(rac, tnrnn.Cut.start_end(T), seed=seed)
    out = {}
    for name, mat in (("phi", fm.phi), ("end", fm.end)):
        residues = np.remainder(mat.astype(np.int64), fm.prime)
        t0 = time.perf_counter()
        ours = rank_mod(residues, fm.prime)
        t1 = time.perf_counter()
        obj = flint.nmod_mat(residues.tolist(), fm.prime)  # construction not timed: FLINT's rank alone
        t2 = time.perf_counter()
        theirs = obj.rank()
        t3 = time.perf_counter()
        assert ours == theirs
        out[name] = {"shape": list(mat.shape), "rank": ours, "tnrnn_seconds": round(t1 - t0, 3),
                     "flint_rank_seconds": round(t3 - t2, 3), "ratio": round((t1 - t0) / (t3 - t2), 3)}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", default="8,12,16,20,24,28,32")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="write the results here")
    parser.add_argument("--no-flint-comparison", action="store_true")
    args = parser.parse_args(argv)
    lengths = [int(t) for t in args.lengths.split(",")]
    rows = []
    print(f"{'T':>3} {'lower':>6} {'upper':>6} {'certified':>9} {'paper':>6} {'seconds':>8} {'evaluate':>9} {'rank':>7}")
    for T in lengths:
        r = tnrnn.rank_bounds(depth=2, hidden=4, inputs=4, length=T, seed=args.seed)
        rows.append(r.to_dict())
        print(f"{T:>3} {r.lower:>6} {r.upper:>6} {str(r.exact):>9} {r.theorem_lower:>6} {r.seconds:>8.2f} "
              f"{r.details['evaluate_seconds']:>9.2f} {r.details['rank_seconds']:>7.2f}", flush=True)
    result = {"machine": machine(), "config": {"depth": 2, "hidden": 4, "inputs": 4, "cut": "start-end",
                                               "seed": args.seed, "prime": DEFAULT_PRIME}, "results": rows}
    if not args.no_flint_comparison:
        result["rank_step_vs_flint"] = {"length": lengths[-1], **rank_step_comparison(lengths[-1], args.seed)}
        print(json.dumps(result["rank_step_vs_flint"], indent=1))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
