#!/usr/bin/env bash
# The table of tandem against NumPy, numexpr, JAX, Eigen and xtensor (docs/performance.md)
# in one command: builds the bench preset's peer programs (those whose libraries are found)
# and runs scripts/bench_peers.py. Once before: scripts/install-deps.sh and
# scripts/install-peers.sh. Runnable from any directory.
# Usage: scripts/peers.sh [scripts/bench_peers.py options: --quick, --only heat, --json FILE, ...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

cmake --preset bench >/dev/null
targets=(tandem_peer)
for t in eigen_peer xtensor_peer xtensor_omp_peer; do
  if ninja -C build/bench -t query "$t" >/dev/null 2>&1; then targets+=("$t"); fi
done
cmake --build --preset bench -j "$(nproc)" --target "${targets[@]}"
exec /usr/bin/python3 scripts/bench_peers.py "$@"
