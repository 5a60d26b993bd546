#!/usr/bin/env bash
# Installs every Debian package that tandem's build, tests and benchmarks need.
# Idempotent: packages already present are skipped by apt-get. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git
  libhwy-dev                       # Highway SIMD (runtime dispatch, contrib math)
  libsleef-dev                     # SLEEF vector math (src/cpu/simd_math.cpp; optional, CMake falls back)
  libopenblas-openmp-dev           # OpenBLAS built against OpenMP (one thread pool)
  liblapacke-dev                   # LAPACK C interface
  libgtest-dev libgmock-dev        # GoogleTest
  libbenchmark-dev                 # Google Benchmark
  zlib1g-dev                       # .npz deflate
  libdlpack-dev                    # DLPack C ABI header (dlpack/dlpack.h)
  python3-matplotlib               # scripts/plot_report.py (tandem-bench's roofline and size plots)
  clang libclang-rt-dev libomp-dev # libFuzzer targets (scripts/fuzz.sh) and the ThreadSanitizer
                                   # build (clang + LLVM OpenMP with archer, scripts/test.sh)
  libopenmpi-dev openmpi-bin       # MPI for tandem::dist and its mpirun tests
  python3 python3-numpy            # fixtures and the NumPy comparison
  clang-format                     # scripts/check-format.sh, a CI step (.ci/run)
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
