#!/usr/bin/env bash
# The GPU check of issues 24 and 29, one script of at most ~10 minutes on an H100/H200 machine
# that has torch and cupy but not quimb, cotengra, python-flint or autoray.
#
#   benchmarks/device_check.sh              on the GPU machine (from the repository root)
#   benchmarks/device_check.sh --dry-run    the same steps on this CPU, small sizes, numpy/torch backends
#   benchmarks/device_check.sh --fetch-wheels   here, once: the missing packages as wheels in .whl/
#
# The missing packages travel as wheels in the ignored folder .whl/ (see the device how-to,
# /work/.library/device/README.md: `echo /.whl/ >> .git/info/exclude`, then --fetch-wheels here, and
# carry ".whl" in the device call); the script installs them into /tmp/site without the network.
# Every step has its own timeout; a failing step is recorded and the next one runs.  Logs and JSON
# lines go to $OUT (the device tool's folder that comes back) or to /tmp/tnrnn-device-check.
#
# Steps: 1 environment (GPU, versions); 2 the GPU tests (tests/test_elimination.py,
# tests/test_backends.py: they skip without a device); 3 the elimination on torch-CUDA and cupy at
# 4000..32000 against the float64 LU of the same backend (benchmarks/bench_rank.py --stages gpu);
# 4 the certified pipeline `tnrnn bounds -L 2 -R 4 -M 4 -T 48,56,64` with its eliminations on the GPU
# (TNRNN_RANK_DEVICE=cuda), against the same on the CPU at T = 48; 4b T = 64 on the CPU at the default
# limits (4 GiB: the int32 sides and panel elimination of tnrnn/compact.py; in --dry-run its tests
# against FLINT); 5 the contraction benchmark with the GPU backends (`tnrnn bench`); 6 the paper-scale SES grid;
# 7 the teacher-student gpu preset.
set -uo pipefail

MODE=device
case "${1:-}" in
  --dry-run) MODE=dry ;;
  --fetch-wheels) MODE=fetch ;;
  "") ;;
  *) echo "usage: $0 [--dry-run | --fetch-wheels]" >&2; exit 2 ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
PY=${PYTHON:-python3}
WHEELS="python-flint==0.9.0 quimb==1.15.0 cotengra==0.8.3 autoray==0.8.2"

if [ "$MODE" = fetch ]; then
  mkdir -p .whl
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo /.whl/ >> .git/info/exclude
  # shellcheck disable=SC2086
  exec "$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -d .whl $WHEELS
fi

DEST=${OUT:-/tmp/tnrnn-device-check}
mkdir -p "$DEST"
rm -f "$DEST"/*.jsonl "$DEST"/*.log
LOG="$DEST/device_check.log"
SUMMARY="$DEST/device_check_steps.jsonl"
: > "$LOG"
: > "$SUMMARY"
export PYTHONUNBUFFERED=1

if [ "$MODE" = dry ]; then
  LIMIT_SCALE=${LIMIT_SCALE:-4}
  BACKENDS=numpy
  GPU_SIZES=300,600
  BENCH_BACKENDS=numpy,torch
  LENGTHS=8,10
  CPU_LENGTH=8
  KIND_SHAPES=ssm:2:3:2:6,gla:2:2:2:6,gla:1:3:3:6
  RANK_DEVICE=cpu
  export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
else
  LIMIT_SCALE=${LIMIT_SCALE:-1}
  BACKENDS=torch-cuda,cupy
  GPU_SIZES=4000,8000,16000,32000
  BENCH_BACKENDS=numpy,torch-cuda,cupy
  LENGTHS=48,56,64
  CPU_LENGTH=48
  KIND_SHAPES=ssm:2:3:2:12,gla:2:2:2:10,ssm:1:16:4:10,gla:1:6:4:10
  RANK_DEVICE=cuda
  if ls .whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
      .whl/*.whl >> "$LOG" 2>&1 || { echo "installing the wheels failed (see $LOG)" >&2; exit 1; }
    export PYTHONPATH="$ROOT:/tmp/site${PYTHONPATH:+:$PYTHONPATH}"
  else
    echo "no wheels in .whl/: quimb, cotengra, python-flint, autoray must already be importable" >&2
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
  fi
fi

step() {  # step NAME SECONDS COMMAND...  (SECONDS times $LIMIT_SCALE: 4 in --dry-run, for a shared CPU)
  local name=$1 limit=$(( $2 * LIMIT_SCALE )) t0 rc
  shift 2
  echo "== $name (limit ${limit}s): $*" | tee -a "$LOG"
  t0=$(date +%s.%N)
  timeout "$limit" "$@" >> "$LOG" 2>&1
  rc=$?
  local secs
  secs=$("$PY" -c "import sys; print(round($(date +%s.%N) - $t0, 2))")
  echo "   -> exit $rc in ${secs}s" | tee -a "$LOG"
  printf '{"step": "%s", "mode": "%s", "exit": %d, "seconds": %s}\n' "$name" "$MODE" "$rc" "$secs" >> "$SUMMARY"
}

step environment 60 bash -c "
  (command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv) || echo 'no nvidia-smi';
  $PY -c 'import sys, numpy, scipy, numba; print(sys.version); print(\"numpy\", numpy.__version__, \"scipy\", scipy.__version__, \"numba\", numba.__version__)';
  $PY -c 'import torch; print(\"torch\", torch.__version__, \"cuda\", torch.cuda.is_available())' || true;
  $PY -c 'import cupy; print(\"cupy\", cupy.__version__, cupy.cuda.runtime.getDeviceCount(), \"devices\")' || true;
  $PY -c 'import flint, quimb, cotengra, autoray, tnrnn; print(\"flint\", flint.__version__, \"quimb\", quimb.__version__, \"tnrnn\", tnrnn.__version__)';
  grep -m1 'model name' /proc/cpuinfo; nproc"

step gpu-tests 150 "$PY" -m pytest -q -x -p no:cacheprovider tests/test_elimination.py tests/test_backends.py \
  -k "cuda or cupy or torch or gpu or default_prime or edge"

step elimination 240 "$PY" benchmarks/bench_rank.py --stages gpu --backends "$BACKENDS" --gpu-sizes "$GPU_SIZES" \
  --out "$DEST/gpu_elimination.jsonl" --plot "" --fresh

step pipeline-gpu 400 env TNRNN_RANK_DEVICE="$RANK_DEVICE" "$PY" -m tnrnn bounds -L 2 -R 4 -M 4 -T "$LENGTHS" \
  --max-memory 96GiB --max-seconds 3000 --json --quiet --out "$DEST/pipeline_gpu.jsonl"

step pipeline-cpu 120 env TNRNN_RANK_DEVICE=cpu "$PY" -m tnrnn bounds -L 2 -R 4 -M 4 -T "$CPU_LENGTH" \
  --max-seconds 3000 --json --quiet --out "$DEST/pipeline_cpu.jsonl"

if [ "$MODE" = dry ]; then
  step compact-t64 120 "$PY" -m pytest -q -x -p no:cacheprovider tests/test_compact.py tests/test_factored_compact.py
else
  step compact-t64 300 env TNRNN_RANK_DEVICE=cpu "$PY" -m tnrnn bounds -L 2 -R 4 -M 4 -T 64 --json --quiet \
    --out "$DEST/pipeline_cpu_t64.jsonl"
fi

step contraction 90 "$PY" -m tnrnn bench -L 2 -R 4 -M 2 -T 4,8 --strategies greedy,recurrence --backend "$BENCH_BACKENDS" \
  --repeats 3 --strategy-seconds 4 --json --quiet --out "$DEST/contraction.jsonl"

step contraction-kinds 90 "$PY" benchmarks/contract_kinds.py --backends "$BENCH_BACKENDS" --shapes "$KIND_SHAPES" \
  --out "$DEST/contraction_kinds.jsonl"

for kind in ssm gla; do
  step "bench-$kind" 90 "$PY" -m tnrnn bench --circuit "$kind" -L 1,2 -R 3 -M 2 -T 4,6 --strategies greedy,recurrence \
    --backend "$BENCH_BACKENDS" --repeats 3 --strategy-seconds 4 --json --quiet --out "$DEST/contraction_$kind.jsonl"
done

# the paper-scale SES grid (issue 22): on the device a time-boxed run (finished records stay valid and a rerun
# resumes them; the summary table is written at the end, so a cut-off run leaves records only); on the CPU the plan
if [ "$MODE" = dry ]; then
  step train-paper 60 "$PY" -m tnrnn train ses --preset paper --out "$DEST/paper" --dry-run --json
else
  step train-paper 150 "$PY" -m tnrnn train ses --preset paper --out "$DEST/paper" --resume --quiet
fi

# the teacher-student experiment (issue 32) at the gpu preset's scale: 32 seeds per cell, T up to 12, on CUDA,
# time-boxed like train-paper (records stream and resume; the table and figure come at the end); on the CPU the plan
if [ "$MODE" = dry ]; then
  step train-teacher 60 "$PY" -m tnrnn train teacher --preset gpu --out "$DEST/teacher" --dry-run --json
else
  step train-teacher 150 "$PY" -m tnrnn train teacher --preset gpu --device cuda --out "$DEST/teacher" --quiet
fi

failed=$(grep -c '"exit": [1-9]' "$SUMMARY")
echo "steps: $(wc -l < "$SUMMARY"), failed: $failed; results in $DEST" | tee -a "$LOG"
[ "$failed" -eq 0 ]
