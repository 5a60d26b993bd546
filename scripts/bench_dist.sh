#!/usr/bin/env bash
# tandem::dist numbers for docs/performance.md: per-op overhead, exact-sum and halo latency
# (bench/dist_bench.cpp) and strong / weak scaling of examples/dist_heat, on 1-4 ranks,
# with NumPy's time for the same heat step on one process beside them.
# Usage: scripts/bench_dist.sh [build_dir=build/cpu]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/cpu}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMP_NUM_THREADS=1
run() { mpiexec -n "$1" --oversubscribe "${@:2}"; }

echo "== overheads (bench/dist_bench.cpp) =="
for np in 1 2 3 4; do run "$np" "$build/bench/tandem_bench_dist"; done

echo "== strong scaling: 1024 x 1024, 50 steps =="
for np in 1 2 3 4; do run "$np" "$build/examples/tandem_dist_heat" 1024 50; done

echo "== weak scaling: 512^2 cells per rank, 50 steps =="
for spec in "1 512" "2 724" "3 887" "4 1024"; do
  set -- $spec
  run "$1" "$build/examples/tandem_dist_heat" "$2" 50
done

echo "== NumPy, one process, the same step =="
/usr/bin/python3 - <<'PY'
import time
import numpy as np
for n in (512, 1024):
    u = np.random.default_rng(42).random((n, n))
    def step(u):
        g = np.zeros((n + 2, n + 2)); g[1:-1, 1:-1] = u
        return u + 0.2 * (((g[:-2, 1:-1] + g[2:, 1:-1]) + (g[1:-1, :-2] + g[1:-1, 2:])) - 4.0 * u)
    step(u)
    t0 = time.perf_counter()
    for _ in range(50):
        u = step(u)
    print(f"numpy heat {n} x {n}: {1e3 * (time.perf_counter() - t0) / 50:.3f} ms/step")
PY
