#!/usr/bin/python3
"""Compares tandem's sort / argsort / take / nonzero / a[mask] with NumPy in one run.

Runs the Google Benchmark program (bench/sort_bench.cpp, --benchmark_format=json) and NumPy
alternately for a few rounds, so both see the same machine state, keeps the best time of
each side, and prints a Markdown table with the speedup over NumPy and the issue's target.
Inputs: uniform floats in [0, 1) and integers in [0, 2^30), as the C++ benchmark uses. NumPy
sorts on one thread (np.sort, default kind; np.argsort kind='stable').

Usage:
  scripts/bench_sort.py build/bench/bench/tandem_bench_sort [--threads 2] [--rounds 3] [--repeat 3]
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

BIG = 1 << 24
MID = 1 << 20

CASES = [
    # label, tandem benchmark, numpy statement, target speedup
    ("sort float32, 2^24", f"BM_Sort<float>/{BIG}/real_time", "np.sort(f32)", 3.0),
    ("sort float64, 2^24", f"BM_Sort<double>/{BIG}/real_time", "np.sort(f64)", None),
    ("sort int32, 2^24", f"BM_Sort<int32>/{BIG}/real_time", "np.sort(i32)", None),
    ("sort rows float32, (4096, 4096) axis -1", f"BM_SortRows<float>/{BIG}/real_time", "np.sort(rows, axis=-1)", None),
    ("argsort stable float32, 2^20", f"BM_Argsort<float>/{MID}/real_time", "np.argsort(f32m, kind='stable')", None),
    ("take float32, 2^24 random indices", f"BM_Take<float>/{BIG}/real_time", "np.take(f32, idx)", None),
    ("nonzero bool, 2^24 half true", f"BM_Nonzero<bool>/{BIG}/real_time", "np.nonzero(mask)", None),
    ("a[mask] float32, 2^24 half true", f"BM_MaskSelect<float>/{BIG}/real_time", "f32[mask]", None),
]


def run_numpy(repeat):
    rng = np.random.default_rng(7)
    env = {"np": np,
           "f32": rng.random(BIG, dtype=np.float32), "f64": rng.random(BIG),
           "i32": rng.integers(0, 1 << 30, BIG, dtype=np.int32),
           "rows": rng.random((BIG // 4096, 4096), dtype=np.float32),
           "f32m": rng.random(MID, dtype=np.float32), "idx": rng.integers(0, BIG, BIG)}
    env["mask"] = env["f32"] < 0.5
    return benchlib.time_numpy([(label, stmt) for label, _, stmt, _ in CASES], env, repeat)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    best_td, best_np, context = benchlib.best_of_rounds(
        args.rounds,
        lambda: benchlib.run_tandem(args.binary, args.threads, f"BM_(Sort|SortRows|Take|Nonzero|MaskSelect).*/{BIG}/|BM_Argsort.*/{MID}/"),
        lambda: run_numpy(args.repeat))
    print(f"load average {os.getloadavg()[0]:.1f}")
    benchlib.print_header(args.threads, context)
    benchlib.print_target_table(CASES, best_td, best_np)


if __name__ == "__main__":
    main()
