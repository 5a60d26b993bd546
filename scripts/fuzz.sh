#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan, and runs each for a
# bounded time on a corpus seeded from tests/data. Exits non-zero on any finding; the
# crashing input is left in build/fuzz/findings/.
#
#   scripts/fuzz.sh            # 30 s per target
#   FUZZ_SECONDS=300 scripts/fuzz.sh
#
# Needs clang, libclang-rt-dev and libomp-dev (scripts/install-deps.sh installs them).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${FUZZ_SECONDS:-30}
jobs=${FUZZ_BUILD_JOBS:-2}
build="$root/build/fuzz"

# The library unoptimised (-O0, line tables for the reports) but for the readers' layer
# (src/io, -O1: fuzz/CMakeLists.txt): clang's optimiser on the ASan- and UBSan-instrumented
# compute kernels took 25 minutes of a 2-core machine for src/cpu/fused_reduce.cpp alone at
# -O2 -g, and -O0 builds the whole library in about 3 minutes; the fuzzers run the readers.
cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O0 -gline-tables-only" \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" \
  -DTANDEM_CUDA=OFF -DTANDEM_SANITIZE=ON -DTANDEM_BUILD_FUZZ=ON \
  -DTANDEM_BUILD_TESTS=OFF -DTANDEM_BUILD_BENCH=OFF -DTANDEM_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "$jobs" --target tandem_npy_fuzz tandem_npz_fuzz

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$build/findings"
status=0
for target in npy npz; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  # Seeds: every fixture of that format (valid and malformed ones).
  find "$root/tests/data" -name "*.$target" -exec cp -n {} "$corpus/" \;
  echo "fuzz.sh: $target for ${seconds}s on $(ls "$corpus" | wc -l) corpus files"
  # -malloc_limit_mb: no single allocation may exceed 128 MiB. Inputs are at most 64 KiB;
  # .npy data is read only as far as the file holds it, and a deflated .npz member may
  # claim at most deflate's 1032:1 ratio (66 MiB for 64 KiB), which the reader allocates
  # before inflating. -timeout catches hangs.
  if ! "$build/fuzz/tandem_${target}_fuzz" "$corpus" -max_total_time="$seconds" -max_len=65536 \
      -malloc_limit_mb=128 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/findings/${target}-"; then
    echo "fuzz.sh: $target fuzzer found a problem; input in $build/findings/" >&2
    status=1
  fi
done
exit $status
