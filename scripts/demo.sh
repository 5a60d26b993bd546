#!/usr/bin/env bash
# The README's first quick-start command: installs the Debian packages, builds the `bench`
# preset (Release, CPU, examples + benchmarks + tandem-bench, in build/bench), runs the demo
# program, a quick hardware report and a quick comparison with NumPy. Runnable from any
# directory.
# Usage: scripts/demo.sh [--full]   (--full: the full NumPy comparison, ~2 minutes, and the
# standard hardware report, ~1 minute, instead of --quick)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

mode=--quick
if [[ ${1:-} == --full ]]; then mode=""; fi

echo "=== installing dependencies ==="
if [[ $(id -u) -eq 0 ]]; then
  scripts/install-deps.sh
else
  sudo scripts/install-deps.sh
fi

echo "=== building (cmake --preset bench) ==="
cmake --preset bench
cmake --build --preset bench -j "$(nproc)"

echo "=== build/bench/examples/tandem_demo ==="
build/bench/examples/tandem_demo

echo "=== what this machine delivers (build/bench/tools/tandem-bench ${mode:-standard}) ==="
# shellcheck disable=SC2086  # $mode is empty or one flag
build/bench/tools/tandem-bench $mode

echo "=== tandem vs NumPy (scripts/bench_compare.py ${mode:-full}) ==="
# shellcheck disable=SC2086  # $mode is empty or one flag
/usr/bin/python3 scripts/bench_compare.py build/bench/bench/tandem_bench_elementwise --threads 2 $mode
