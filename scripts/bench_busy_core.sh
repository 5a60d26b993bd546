#!/usr/bin/env bash
# The heat stencil with allocating temporaries (bench/workloads_bench.cpp) on 2 threads and on
# 1, quiet and with core 1 kept busy by a spinning shell, under OpenMP's default wait policy
# and OMP_WAIT_POLICY=passive; with a second library (the commit before a change) for
# before/after. Prints wall seconds and CPU user / system seconds per run (docs/performance.md).
# Usage: scripts/bench_busy_core.sh BINARY [BASE_LIB_DIR] [STEPS] [ROUNDS]
set -euo pipefail
binary=$1
base=${2:-}
steps=${3:-10}
rounds=${4:-2}

run() {  # label libdir policy threads
  local lib=$2 policy=$3 threads=$4
  local out
  out=$( (if [[ -n $policy ]]; then export OMP_WAIT_POLICY=$policy; fi
          if [[ -n $lib ]]; then export LD_LIBRARY_PATH=$lib; fi
          /usr/bin/time -f '%e s wall, %U s user, %S s sys' "$binary" --threads="$threads" heat-alloc 2048 "$steps") 2>&1 |
        tr '\n' ' ')
  echo "$1 | $out"
}

spinner=
trap '[[ -n $spinner ]] && kill "$spinner" 2>/dev/null' EXIT
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for state in quiet busy; do
  if [[ $state == busy ]]; then
    taskset -c 1 sh -c 'while :; do :; done' &
    spinner=$!
    sleep 0.5
  fi
  for ((i = 0; i < rounds; ++i)); do
    run "$state, default wait, 2 threads" "" "" 2
    [[ -n $base ]] && run "$state, default wait, 2 threads, before" "$base" "" 2
    run "$state, passive, 2 threads" "" passive 2
    [[ -n $base ]] && run "$state, passive, 2 threads, before" "$base" passive 2
    run "$state, 1 thread" "" "" 1
  done
  if [[ $state == busy ]]; then
    kill "$spinner"
    wait "$spinner" 2>/dev/null || true
    spinner=
  fi
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
