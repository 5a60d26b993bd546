#!/usr/bin/python3
"""Compares tandem's reductions and scans with NumPy in one run, and checks issue 3's targets:
  - sum of 2^25 doubles >= 0.85 x the same run's read bandwidth, and >= 2 x NumPy;
  - sum along axis 0 and axis 1 of a 4096 x 8192 matrix within 1.5 x of its full sum.

Usage:
  scripts/bench_reduce.py build/bench/bench/tandem_bench_reduce [--threads 2] [--rounds 3] [--repeat 5]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

N = 1 << 25
CASES = [
    # label, tandem benchmark, NumPy statement
    ("sum, 2^25 doubles", f"BM_Sum<double>/{N}/real_time", "x.sum()"),
    ("sum, 2^25 floats", f"BM_Sum<float>/{N}/real_time", "x32.sum()"),
    ("sum, 16 doubles", "BM_Sum<double>/16/real_time", "small.sum()"),
    ("sum, 4096x8192, all", "BM_SumMatrix/-1/real_time", "m.sum()"),
    ("sum, 4096x8192, axis 0", "BM_SumMatrix/0/real_time", "m.sum(axis=0)"),
    ("sum, 4096x8192, axis 1", "BM_SumMatrix/1/real_time", "m.sum(axis=1)"),
    ("cumsum, 2^24 doubles", "BM_Cumsum/16777216/real_time", "np.cumsum(c, out=cout)"),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    env = {"np": np, "x": np.ones(N), "x32": np.ones(N, dtype=np.float32), "small": np.ones(16),
           "m": np.full((4096, 8192), 0.5), "c": np.full(1 << 24, 0.25), "cout": np.empty(1 << 24)}
    best_td, best_np, context = benchlib.best_of_rounds(
        args.rounds, lambda: benchlib.run_tandem(args.binary, args.threads, "BM_", 0.3),
        lambda: benchlib.time_numpy([(label, stmt) for label, _, stmt in CASES], env, args.repeat))
    benchlib.print_header(args.threads, context)

    print("| case | tandem (ms) | NumPy (ms) | speedup |")
    print("|---|---:|---:|---:|")
    for label, bench, _ in CASES:
        t, n = best_td[bench], best_np[label]
        print(f"| {label} | {t * 1e3:.3f} | {n * 1e3:.3f} | {n / t:.2f}x |")

    read_bw = N * 8 / best_td[f"BM_ReadBandwidth/{N}/real_time"]
    sum_bw = N * 8 / best_td[f"BM_Sum<double>/{N}/real_time"]
    full = best_td["BM_SumMatrix/-1/real_time"]
    print()
    print("| target | value | met |")
    print("|---|---:|:---:|")
    print(f"| sum 2^25 doubles >= 0.85 x read bandwidth ({read_bw / 1e9:.2f} GB/s) | "
          f"{sum_bw / read_bw:.2f} x | {'yes' if sum_bw >= 0.85 * read_bw else 'no'} |")
    speedup = best_np[CASES[0][0]] / best_td[CASES[0][1]]
    print(f"| sum 2^25 doubles >= 2 x NumPy | {speedup:.2f} x | {'yes' if speedup >= 2 else 'no'} |")
    for axis in (0, 1):
        ratio = best_td[f"BM_SumMatrix/{axis}/real_time"] / full
        print(f"| axis {axis} sum <= 1.5 x full sum | {ratio:.2f} x | {'yes' if ratio <= 1.5 else 'no'} |")


if __name__ == "__main__":
    main()
