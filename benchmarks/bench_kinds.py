"""Grid-tensor contraction of rac, ssm and gla networks of the same shape, timed against a float reference.

Each shape is compiled for the three kinds (random weights, seed 0) and its grid tensor contracted with
tnrnn's default path on numpy: the median of 5 contractions after one warm-up (the warm-up plans the path).
The reference is ``scipy.linalg.lu_factor`` of a 1000 x 1000 float64 matrix, timed before and after in the
same run, so that numbers from a loaded machine can be compared as ratios.

    python benchmarks/bench_kinds.py
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import scipy.linalg

SHAPES = [(1, 8, 4, 8), (2, 3, 2, 10), (3, 2, 2, 6)]


def _median(fn, n=5):
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    from tnrnn import compile
    from tnrnn.circuits import random_circuit

    A = np.random.default_rng(0).standard_normal((1000, 1000))
    ref = _median(lambda: scipy.linalg.lu_factor(A))
    print(f"load {os.getloadavg()}; lu_factor(1000 x 1000) {ref:.4f} s")
    print("kind  (L, R, M, T)   tensors  log10 flops  seconds  / lu_factor")
    for L, R, M, T in SHAPES:
        for kind in ("rac", "ssm", "gla"):
            net = compile(random_circuit(kind, L, R, M, seed=0), T)
            cost = net.contraction_cost()
            s = _median(lambda net=net: net.grid_tensor())
            print(f"{kind:<5} {(L, R, M, T)!s:<16} {net.num_tensors:>7}  {cost.flops_log10:>11.2f}  {s:>7.4f}  "
                  f"{s / ref:>10.2f}")
    after = _median(lambda: scipy.linalg.lu_factor(A))
    print(f"lu_factor after: {after:.4f} s; load {os.getloadavg()}")


if __name__ == "__main__":
    main()
