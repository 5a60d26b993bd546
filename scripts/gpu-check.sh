#!/usr/bin/env bash
# Runs everything that needs a real NVIDIA GPU: builds tandem with CUDA for the GPU it
# finds, runs the whole test suite (including the gpu-labelled tests and the cuda. rerun of
# every test on the device), the hardware report (tandem-bench: transfers pageable/pinned,
# launch latency, CPU/GPU crossover; JSON in the build folder), runs the GPU benchmarks and
# prints the ratios against the targets of issue 8. Record the output in docs/gpu.md (date, device, driver, results).
#
# Usage: scripts/gpu-check.sh [build-dir]   (default build/gpu-check; -j from $JOBS or nproc)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build/gpu-check}"
jobs="${JOBS:-$(nproc)}"

if ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: nvidia-smi not found: no NVIDIA driver on this machine" >&2
  exit 2
fi
gpu="$(nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader | head -n1)"
cap="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -n1 | tr -d ' .')"
echo "gpu-check: $gpu (sm_$cap), $(date -u +%Y-%m-%dT%H:%MZ)"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANDEM_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES="$cap" -DTANDEM_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j "$jobs"

echo "gpu-check: test suite"
test_status=0
ctest --test-dir "$build" -j "$jobs" --output-on-failure >"$build/ctest.log" 2>&1 || test_status=$?
tail -n 15 "$build/ctest.log"
skipped="$(grep -c 'Skipped' "$build/ctest.log" || true)"
echo "gpu-check: ctest exit $test_status, $skipped skipped lines (a device should leave none in gpu.*/cuda.*)"

echo "gpu-check: tandem-bench (docs/tandem-bench.md)"
if ! "$build/tools/tandem-bench" --json "$build/tandem-bench.json" | tee "$build/tandem-bench.txt"; then
  echo "gpu-check: tandem-bench failed" >&2
  test_status=1
fi
echo "gpu-check: dispatch (issue 15): calibration, crossover sizes, hybrid sin and GEMM"
"$build/bench/tandem_bench_dispatch" --cuda | tee "$build/dispatch_bench.txt" || echo "gpu-check: dispatch bench failed"

echo "gpu-check: benchmarks"
bench="$build/bench/tandem_bench_gpu"
"$bench" --benchmark_format=json --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
  >"$build/gpu_bench.json"

python3 - "$build/gpu_bench.json" <<'PY'
import json, sys
runs = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    runs[b["run_name"].split("/")[0]] = b
def rate(name, key):
    return runs[name].get(key, 0.0)
copy = rate("copy_d2d", "bytes_per_second")
rows = [
    ("element-wise add", rate("tandem_add", "bytes_per_second") / copy, 0.85, "x D2D copy bandwidth"),
    ("sum", rate("tandem_sum", "bytes_per_second") / copy, 0.80, "x D2D copy bandwidth"),
    ("random uniform", rate("tandem_uniform", "bytes_per_second") / copy, 0.80, "x D2D copy bandwidth"),
    ("GEMM 8192 float", rate("tandem_gemm", "flops") / rate("cublas_gemm", "flops"), 0.95, "x cuBLAS direct"),
]
print(f"D2D copy: {copy / 1e9:.0f} GB/s; sort of 2^24 floats: {runs['tandem_sort']['real_time']:.1f} ms "
      "(no target)")
print("| benchmark | ratio | target | met |")
print("|---|---|---|---|")
for name, ratio, target, unit in rows:
    print(f"| {name} | {ratio:.2f} {unit} | >= {target} | {'yes' if ratio >= target else 'NO'} |")
# Host transfers (GB/s): tandem (pinned staging from tuning::kPinnedStagingMinBytes on)
# against cudaMemcpy from pageable and from pinned memory; they set that threshold.
transfers = {}
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    parts = b["run_name"].split("/")
    if b.get("aggregate_name") == "median" and parts[0].split("_")[-1] in ("h2d", "d2h"):
        transfers[(parts[0], int(parts[1]))] = b["bytes_per_second"] / 1e9
cols = [f"{who}_{d}" for d in ("h2d", "d2h") for who in ("tandem", "pageable", "pinned")]
print("| MiB | " + " | ".join(cols) + " |")
print("|---" * (len(cols) + 1) + "|")
for size in sorted({s for _, s in transfers}):
    print(f"| {size >> 20} | " + " | ".join(f"{transfers.get((c, size), 0):.1f}" for c in cols) + " |")
PY
exit "$test_status"
