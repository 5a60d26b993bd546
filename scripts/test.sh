#!/usr/bin/env bash
# Builds and runs every test configuration: the README's test command, and what CI runs.
#   cpu   Release, CPU only
#   cuda  Release with the CUDA backend, when nvcc exists (must pass with no GPU; tests
#         labelled "gpu" skip without a device)
#   asan  Debug with AddressSanitizer + UndefinedBehaviorSanitizer: the suite once (not its rerun
#         on the emulated device, which cpu and cuda run: it doubled CI's slowest stage)
#   tsan  ThreadSanitizer (clang, LLVM OpenMP + archer) over the concurrency tests: several
#         host threads on the emulated device, and every thread-count determinism test
#         except BLAS ones (OpenBLAS brings GCC's OpenMP runtime, which TSan and archer do
#         not see into, next to LLVM's); and the failure tests whose work crosses threads
#         (allocation failures inside OpenMP regions and on the emulated device's worker),
#         and the lazy graphs and fused evaluation (shared graphs evaluated from threads;
#         stencils assigned in place over ranges of rows on several threads)
#   consumer  an external CMake project built against the installed tree
# Usage: scripts/test.sh [preset ...]   (default: all of the above)
set -euo pipefail
cd "$(dirname "$0")/.."

presets=("$@")
if ((${#presets[@]} == 0)); then
  presets=(cpu)
  if command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]]; then presets+=(cuda); fi
  presets+=(asan tsan consumer)
fi

jobs=$(nproc)
# list_tests BINARY FILTER: the full names (Suite.Test) of the tests FILTER selects, sorted.
list_tests() {
  "$1" --gtest_list_tests --gtest_filter="$2" | awk '/^[^ ]/ { suite = $1; next } { print suite $1 }' | sort
}
for preset in "${presets[@]}"; do
  echo "=== ${preset} ==="
  start=$SECONDS
  if [[ $preset == tsan ]]; then
    # Archer (LLVM OpenMP's TSan support) from the same LLVM as the clang++ that builds.
    archer="$(clang++ -print-resource-dir)/../../libarcher.so"
    [[ -f $archer ]] || { echo "test.sh: libarcher.so not found next to clang ($archer)" >&2; exit 1; }
    host_filter='Residency.*:Streams.*:*Thread*:*Chunking*:*Concurren*:FaultInjection.*:ArraySafety.*:Transfer.*:LazyGraph.*:LazyOut.*:LazyAssign.Stencils*:LazyAssign.RandomOverlaps*:Fused*-Matmul*:Linalg*'
    device_filter='*Thread*:*Chunking*-Matmul*:Linalg*'
    cmake --preset tsan
    cmake --build --preset tsan -j "$jobs" --target tandem_tests
    # The tsan binary holds only the test files these filters need (tests/CMakeLists.txt):
    # every test the filters select in the full (cpu) binary must be in it.
    if [[ -x build/cpu/tests/tandem_tests ]]; then
      for filter in "$host_filter" "$device_filter"; do
        missing=$(comm -23 <(list_tests build/cpu/tests/tandem_tests "$filter") <(list_tests build/tsan/tests/tandem_tests "$filter"))
        if [[ -n $missing ]]; then
          echo "test.sh: tests of the tsan filter missing from the tsan binary (add their files to the TANDEM_TSAN list in tests/CMakeLists.txt):" >&2
          echo "$missing" >&2
          exit 1
        fi
      done
    else
      echo "test.sh: no build/cpu/tests/tandem_tests, so the tsan binary's test list is not checked"
    fi
    OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
      ./build/tsan/tests/tandem_tests --gtest_filter="$host_filter"
    TANDEM_EMULATED_DEVICE=1 TANDEM_PLACEMENT=gpu OMP_TOOL_LIBRARIES="$archer" \
      TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" ./build/tsan/tests/tandem_tests --gtest_filter="$device_filter"
  elif [[ $preset == consumer ]]; then
    cmake --install build/cpu --prefix build/cpu-install >/dev/null
    cmake -S examples/consumer -B build/consumer -G Ninja -DCMAKE_PREFIX_PATH="$PWD/build/cpu-install"
    cmake --build build/consumer
    ./build/consumer/consumer
  else
    cmake --preset "$preset"
    cmake --build --preset "$preset" -j "$jobs"
    ctest --preset "$preset" -j "$jobs"
  fi
  echo "=== ${preset}: ok in $((SECONDS - start)) s ==="
done
