#!/usr/bin/env bash
# Checks that every C++/CUDA source in the tree is formatted with the repository's
# .clang-format by the clang-format that Debian 12 ships (14.x; scripts/install-deps.sh
# installs it). Other versions format some constructs differently, so they are refused
# rather than trusted. Usage: scripts/check-format.sh [--fix]
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=${CLANG_FORMAT:-clang-format}
version=$("$clang_format" --version | grep -o 'version [0-9]*' | cut -d' ' -f2)
if [[ $version != 14 ]]; then
  echo "check-format: clang-format 14 expected (Debian 12's), found ${version:-none}" >&2
  exit 1
fi

mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh')
if [[ ${1:-} == --fix ]]; then
  "$clang_format" -i "${files[@]}"
  exit 0
fi

bad=()
for f in "${files[@]}"; do
  "$clang_format" "$f" | cmp -s - "$f" || bad+=("$f")
done
if ((${#bad[@]} > 0)); then
  printf 'check-format: not formatted: %s\n' "${bad[@]}" >&2
  echo "check-format: run scripts/check-format.sh --fix" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
