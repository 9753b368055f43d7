"""Time the exact single-layer Start-End rank (tnrnn.bridge.automaton) at T = 64, beside a reference.

Reference: float64 ``scipy.linalg.lu_factor`` of a random matrix of the size of the largest cut matrix,
measured in the same run (wall clock on a shared machine varies; the ratio is what carries over).

    PYTHONPATH=. python benchmarks/modern_exact_rank.py
"""

import platform
import time

import numpy as np
from scipy.linalg import lu_factor

from tnrnn.bridge.automaton import automaton_rank
from tnrnn.bridge.mamba import MambaModel
from tnrnn.circuits import GatedCircuit
from tnrnn.memory.diagonal import DiagonalRecurrence


def main():
    cases = [("ssm R=16 M=8", GatedCircuit.random("ssm", 1, 16, 8, seed=0)),
             ("gla R=16 M=8", GatedCircuit.random("gla", 1, 16, 8, seed=0)),
             ("lru 16 modes M=8", DiagonalRecurrence.random(16, 8, 1, seed=0)),
             ("mamba d_model=4 E=8 N=4 d_conv=4 M=4", MambaModel.random(1, 4, 4, d_state=4, d_conv=4, seed=0))]
    automaton_rank(cases[0][1], 8)   # compile the kernels once
    biggest = 0
    for name, model in cases:
        t = time.perf_counter()
        r = automaton_rank(model, 64)
        dt = time.perf_counter() - t
        biggest = max(biggest, r.start_dim, r.end_dim)
        print(f"{name:40s} T=64 rank {r.rank:5d} states {r.states:5d} matrix {r.start_dim}x{r.end_dim}  {dt:7.2f} s")
    A = np.random.default_rng(0).standard_normal((biggest, biggest))
    t = time.perf_counter()
    lu_factor(A)
    print(f"reference: float64 lu_factor {biggest}x{biggest}: {time.perf_counter() - t:.3f} s; "
          f"CPU {platform.processor() or platform.machine()}")


if __name__ == "__main__":
    main()
