"""Wall time of training 32 seeds together against one seed alone (depth 3, the repro-cpu shape).

Both runs train ``--steps`` steps with validation every 100 (early stopping
off: patience larger than the run), on one torch thread, then measure the
test set and the Start-End spectra of trained and untrained networks, as
``tnrnn train`` does.  The ratio ``time(32 seeds) / time(1 seed)`` is the
cost of the extra 31 seeds; ``32 / ratio`` is the speed-up over training them
one after the other.  One run each (the machine is shared: state its load).

    python benchmarks/bench_batched_training.py --json benchmarks/results/batched_training.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seeds", type=int, default=32)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--length", type=int, default=32)
    p.add_argument("--arch", default="scornn", choices=("scornn", "ortho"))
    p.add_argument("--json", default=None, help="write the measurement here")
    args = p.parse_args(argv)

    import torch

    from tnrnn.tasks.experiments import GRID_KEYS, PRESETS, grid
    from tnrnn.tasks.training import run_seeds

    torch.set_num_threads(1)
    preset = {k: v for k, v in PRESETS["repro-cpu"]["ses"].items() if k not in GRID_KEYS}
    preset.update(max_steps=args.steps, patience=10**6, lr_decays=0)
    configs = grid("ses", [1, 3], [args.length], range(args.seeds), hidden=PRESETS["repro-cpu"]["ses"]["hidden"],
                   arch=args.arch, budget="dof", **preset)
    deep = [c for c in configs if c["depth"] == 3]
    run_seeds(deep[:1], progress=False)  # warm-up (allocator, first kernels), not timed
    t0 = time.perf_counter()
    one = run_seeds(deep[:1])
    t_one = time.perf_counter() - t0
    t0 = time.perf_counter()
    many = run_seeds(deep)
    t_many = time.perf_counter() - t0
    result = {
        "arch": args.arch, "depth": 3, "hidden": deep[0]["hidden"], "length": args.length, "steps": args.steps,
        "batch_size": deep[0]["batch_size"], "seeds": args.seeds, "seconds_one": t_one, "seconds_many": t_many,
        "ratio": t_many / t_one, "speedup_over_sequential": args.seeds * t_one / t_many,
        "train_seconds_one": one[0]["train"]["group_seconds"], "train_seconds_many": many[0]["train"]["group_seconds"],
        "train_ratio": many[0]["train"]["group_seconds"] / one[0]["train"]["group_seconds"],
        "same_first_seed": abs(one[0]["test_accuracy"] - many[0]["test_accuracy"]) < 1e-6,
        "cpu": _cpu(), "threads": 1, "torch": torch.__version__,
        "python": platform.python_version(),
    }
    result["loadavg"] = os.getloadavg()
    print(f"{args.arch} depth 3, H={result['hidden']}, T={args.length}, {args.steps} steps: one seed "
          f"{t_one:.1f} s, {args.seeds} seeds {t_many:.1f} s, ratio {result['ratio']:.2f} "
          f"(training only {result['train_ratio']:.2f}); speed-up over one by one {result['speedup_over_sequential']:.1f}x; "
          f"load average {result['loadavg'][0]:.1f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return 0


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    raise SystemExit(main())
