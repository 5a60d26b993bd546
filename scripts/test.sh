#!/usr/bin/env bash
# Builds and runs every test configuration: the README's test command, and what CI runs.
#   cpu   Release, CPU only
#   cuda  Release with the CUDA backend, when nvcc exists (must pass with no GPU; tests
#         labelled "gpu" skip without a device)
#   asan  Debug with AddressSanitizer + UndefinedBehaviorSanitizer
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
for preset in "${presets[@]}"; do
  echo "=== ${preset} ==="
  start=$SECONDS
  if [[ $preset == tsan ]]; then
    # Archer (LLVM OpenMP's TSan support) from the same LLVM as the clang++ that builds.
    archer="$(clang++ -print-resource-dir)/../../libarcher.so"
    [[ -f $archer ]] || { echo "test.sh: libarcher.so not found next to clang ($archer)" >&2; exit 1; }
    cmake --preset tsan
    cmake --build --preset tsan -j "$jobs" --target tandem_tests
    OMP_TOOL_LIBRARIES="$archer" TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
      ./build/tsan/tests/tandem_tests --gtest_filter='Residency.*:Streams.*:*Thread*:*Chunking*:*Concurren*:FaultInjection.*:ArraySafety.*:Transfer.*:LazyGraph.*:LazyOut.*:LazyAssign.Stencils*:LazyAssign.RandomOverlaps*:Fused*-Matmul*:Linalg*'
    TANDEM_EMULATED_DEVICE=1 TANDEM_PLACEMENT=gpu OMP_TOOL_LIBRARIES="$archer" \
      TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" ./build/tsan/tests/tandem_tests --gtest_filter='*Thread*:*Chunking*-Matmul*:Linalg*'
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
