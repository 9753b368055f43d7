"""Contract ssm and gla networks on each backend and check them against the circuit's forward pass.

Run by benchmarks/device_check.sh (the GPU check; ``--backends numpy,torch-cuda,cupy`` there, numpy and
torch on the CPU in its ``--dry-run``). For each kind, the grid tensor of a compiled circuit is contracted
on every backend and compared with the circuit's own forward pass over all ``M^T`` one-hot sequences
(numpy, float64); a one-hot batch is also evaluated by contraction. One JSON line per (kind, backend):
the relative error, the contraction's wall time (the median of ``--repeats``, after one warm-up), and the
same contraction on numpy in the same process as the reference. Exits 1 if any error is above 1e-9.

    python benchmarks/contract_kinds.py --backends numpy,torch --out /tmp/kinds.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import time

import numpy as np


def _time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def main(argv=None) -> int:
    from autoray import to_numpy

    from tnrnn import compile
    from tnrnn.backends import from_label, missing
    from tnrnn.circuits import random_circuit

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", default="numpy,torch")
    p.add_argument("--shapes", default="ssm:2:3:2:10,gla:2:2:2:8,ssm:1:8:4:8,gla:1:4:4:8",
                   help="comma-separated kind:L:R:M:T")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    failed = 0
    lines = []
    for shape in args.shapes.split(","):
        kind, *dims = shape.split(":")
        L, R, M, T = map(int, dims)
        circuit = random_circuit(kind, L, R, M, seed=0)
        net = compile(circuit, T)
        seqs = np.array(list(itertools.product(range(M), repeat=T)))
        expected = circuit(np.eye(M)[seqs])[:, 0].reshape((M,) * T)
        scale = float(np.abs(expected).max())
        _, numpy_seconds = _time(lambda net=net: net.grid_tensor(backend="numpy"), args.repeats)
        for label in args.backends.split(","):
            record = {"kind": kind, "depth": L, "hidden": R, "inputs": M, "length": T, "tensors": net.num_tensors,
                      "backend": label, "numpy_seconds": numpy_seconds}
            why = missing(label)
            if why is not None:
                record["skipped"] = why
            else:
                b = from_label(label)
                A, seconds = _time(lambda net=net, b=b: net.grid_tensor(backend=b.name, device=b.device), args.repeats)
                err = float(np.abs(np.asarray(to_numpy(A)) - expected).max() / scale)
                X = np.eye(M)[seqs[:: max(1, len(seqs) // 64)]]
                ev = net.evaluate(X, backend=b.name, device=b.device)
                ev_err = float(np.abs(np.asarray(to_numpy(ev))[:, 0] - circuit(X)[:, 0]).max() / scale)
                record.update(seconds=seconds, relative_error=err, evaluate_relative_error=ev_err)
                failed += max(err, ev_err) > 1e-9
            lines.append(record)
            print(json.dumps(record), flush=True)
    if args.out:
        with open(args.out, "a") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in lines)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
