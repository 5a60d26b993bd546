#!/usr/bin/env python3
"""Alternates builds of libtandem on one peers workload, process by process.

    scripts/bench_ab.py ROUNDS WORKLOAD THREADS N STEPS NAME=LIBDIR|NAME=:VAR=VALUE ...

Each round runs build/bench/bench/peers/tandem_peer once per variant, in turn: NAME=LIBDIR
puts LIBDIR (a copy of an older build's libtandem.so*) first on LD_LIBRARY_PATH, NAME=:VAR=VALUE
sets an environment variable for the run instead. Prints each variant's best-of-3 times
in ms (min, median, every round). Alternating cancels the slow drifts of a shared host
that a run of A then a run of B would take as a difference (docs/performance.md).
"""
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

PEER = Path(__file__).resolve().parent.parent / "build/bench/bench/peers/tandem_peer"


def main() -> int:
    if len(sys.argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    rounds, workload, threads, n, steps = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
    variants = [arg.split("=", 1) for arg in sys.argv[6:]]
    times = {name: [] for name, _ in variants}
    for _ in range(rounds):
        for name, how in variants:
            env = dict(os.environ)
            if how.startswith(":"):
                key, value = how[1:].split("=", 1)
                env[key] = value
            else:
                env["LD_LIBRARY_PATH"] = how
            out = subprocess.run([str(PEER), workload, f"--threads={threads}", "--reps=3", f"--n={n}",
                                  f"--steps={steps}"], env=env, capture_output=True, text=True, check=True).stdout
            times[name].append(json.loads(out)["best_s"] * 1e3)
    for name, v in times.items():
        print(f"{name}: min {min(v):.1f} med {statistics.median(v):.1f}  " + " ".join(f"{x:.1f}" for x in v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
