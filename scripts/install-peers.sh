#!/usr/bin/env bash
# Installs the libraries scripts/bench_peers.py compares tandem with. Opt-in: neither the
# build nor the tests need any of them, so scripts/install-deps.sh (which CI runs) leaves
# them out, and the bench preset builds a peer program only when its headers are found.
#   Debian: Eigen, xtensor + xsimd + xtensor-blas (header-only), numexpr, python3-venv
#   PyPI:   JAX on the CPU, into the virtual environment build/peers-venv (pinned version)
# Idempotent. The Debian part needs root (sudo is used when not root).
# Usage: scripts/install-peers.sh [--no-jax]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

jax_spec="jax[cpu]==0.10.2"  # the version measured in docs/performance.md

packages=(
  libeigen3-dev                              # Eigen 3.4 (Dense and the Tensor module)
  libxtensor-dev xtl-dev libxsimd-dev         # xtensor with xsimd
  libxtensor-blas-dev                         # xtensor's matmul (xt::linalg::dot on the system BLAS)
  python3-numexpr                             # numexpr for the system Python's NumPy
  python3-venv                                # JAX's virtual environment
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  echo "install-peers: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-peers: all ${#packages[@]} Debian packages present"
fi

if [[ ${1:-} == --no-jax ]]; then exit 0; fi
venv="$root/build/peers-venv"
if [[ ! -x $venv/bin/python ]]; then
  mkdir -p "$root/build"
  /usr/bin/python3 -m venv "$venv"
fi
if "$venv/bin/python" -c "import jax, sys; sys.exit(jax.__version__ != '${jax_spec##*==}')" 2>/dev/null; then
  echo "install-peers: ${jax_spec} present in $venv"
else
  echo "install-peers: installing ${jax_spec} into $venv"
  "$venv/bin/pip" install -q "$jax_spec"
fi
