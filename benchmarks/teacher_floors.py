"""How often a random teacher's Eckart-Young floor at a small width is substantial: gaussian vs spread teachers.

For each construction (:func:`tnrnn.tasks.teacher.draw_teacher`), teacher depth and width, draws seeds
0..n-1 and prints the median floor at rank ``--rank`` of the Start-End matricization at length ``-T`` on
``-M`` symbols, and the share of draws whose floor is at least 0.05 (the rule of ``tnrnn train teacher``).

    python benchmarks/teacher_floors.py -M 3 -T 8 --rank 2 --seeds 10
"""

import argparse

import numpy as np

from tnrnn.records import format_table
from tnrnn.tasks.teacher import draw_teacher, floor_at, grid_values, start_end_spectrum


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-M", type=int, default=3)
    p.add_argument("-T", type=int, default=8)
    p.add_argument("--rank", type=int, default=2)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--depths", default="2,3")
    p.add_argument("--widths", default="3,4,6,8")
    a = p.parse_args()
    rows = []
    for init in ("gaussian", "spread"):
        for L in [int(v) for v in a.depths.split(",")]:
            for R in [int(v) for v in a.widths.split(",")]:
                floors = [floor_at(start_end_spectrum(grid_values(draw_teacher("rac", L, R, a.M, s, init), a.T),
                                                      a.M, a.T), a.rank) for s in range(a.seeds)]
                rows.append({"init": init, "L": L, "R": R, f"median floor at rank {a.rank}": f"{np.median(floors):.2g}",
                             "least": f"{min(floors):.2g}", "largest": f"{max(floors):.2g}",
                             "share >= 0.05": f"{np.mean(np.array(floors) >= 0.05):.1f}"})
    print(f"M = {a.M}, T = {a.T}, seeds 0..{a.seeds - 1}")
    print(format_table(rows))


if __name__ == "__main__":
    main()
