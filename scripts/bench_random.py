#!/usr/bin/python3
"""Compares tandem's random fills with NumPy's default_rng (PCG64) in one run.

Runs the Google Benchmark program (bench/random_bench.cpp, --benchmark_format=json) and
NumPy alternately for a few rounds, so both see the same machine state, keeps the best time
of each side, and prints a Markdown table with the speedup over NumPy and the issue's target.
NumPy fills a preallocated array (out=), as the tandem benchmark does; it runs on one thread.

Usage:
  scripts/bench_random.py build/bench/tandem_bench_random [--threads 2] [--rounds 3] [--repeat 5]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

N = 1 << 25

CASES = [
    # label, tandem benchmark, numpy statement (rng, out defined), target speedup
    ("uniform doubles, 2^25", f"BM_Uniform<double>/{N}/real_time", "rng.random(out=out)", 4.0),
    ("standard_normal doubles, 2^25", f"BM_StandardNormal<double>/{N}/real_time",
     "rng.standard_normal(out=out)", 8.0),
    ("uniform floats, 2^25", f"BM_Uniform<float>/{N}/real_time", "rng.random(dtype=np.float32, out=out32)", None),
    ("standard_normal floats, 2^25", f"BM_StandardNormal<float>/{N}/real_time",
     "rng.standard_normal(dtype=np.float32, out=out32)", None),
    ("integers [0, 1000) int64, 2^25", f"BM_Integers<int64>/{N}/real_time",
     "rng.integers(0, 1000, size=N)", None),
]


def run_numpy(repeat):
    rng = np.random.default_rng(42)
    env = {"rng": rng, "np": np, "N": N, "out": np.empty(N), "out32": np.empty(N, dtype=np.float32)}
    return benchlib.time_numpy([(label, stmt) for label, _, stmt, _ in CASES], env, repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    best_td, best_np, context = benchlib.best_of_rounds(
        args.rounds,
        lambda: benchlib.run_tandem(args.binary, args.threads, f"BM_(Uniform|StandardNormal|Integers).*/{N}/"),
        lambda: run_numpy(args.repeat))
    benchlib.print_header(args.threads, context)
    benchlib.print_target_table(CASES, best_td, best_np)


if __name__ == "__main__":
    main()
