#!/usr/bin/python3
"""Lazy element-wise fusion (docs/lazy.md) next to NumPy, in one run.

Runs bench/lazy_bench.cpp (Google Benchmark, best of --repetitions) and the same
expressions in NumPy (timeit, best of the same number of rounds), and prints a Markdown
table with the ratios that issue 18 asks for.

Usage:
  scripts/bench_lazy.py build/cpu/bench/tandem_bench_lazy [--threads 2] [--repetitions 5]
"""

import argparse
import json
import os
import platform
import subprocess
import timeit

import numpy as np

TRIAD = 1 << 25
CHAIN = 1 << 24


def tandem_times(binary, threads, reps):
    out = subprocess.run([binary, f"--threads={threads}", f"--benchmark_repetitions={reps}",
                          "--benchmark_format=json"], check=True, capture_output=True, text=True).stdout
    best = {}
    for b in json.loads(out)["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        name = b["run_name"].split("/real_time")[0]
        name = "/".join(p for p in name.split("/") if not p.isdigit())
        scale = {"ms": 1e-3, "us": 1e-6, "ns": 1e-9}[b["time_unit"]]
        t = b["real_time"] * scale
        best[name] = min(best.get(name, t), t)
    return best


def numpy_time(stmt, env, reps, number):
    return min(timeit.repeat(stmt, globals=env, repeat=reps, number=number)) / number


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repetitions", type=int, default=5)
    args = p.parse_args()

    t = tandem_times(args.binary, args.threads, args.repetitions)
    a = np.linspace(0.5, 1.5, TRIAD)
    b = np.linspace(1.5, 2.5, TRIAD)
    c = np.linspace(2.5, 3.5, TRIAD)
    x = np.linspace(0.5, 1.5, CHAIN)
    s16a, s16b = np.linspace(0.5, 1.5, 16), np.linspace(1.5, 2.5, 16)
    env = dict(a=a, b=b, c=c, x=x, s16a=s16a, s16b=s16b, np=np)
    np_axpy = numpy_time("a * b + c", env, args.repetitions, 1)
    np_chain = numpy_time("(((((((x * 1.5) + 0.5) * x) - 0.25) * 0.5) + x) * x) - 1.0", env, args.repetitions, 1)
    np_add16 = numpy_time("s16a + s16b", env, args.repetitions, 100000)
    np_sumprod = numpy_time("np.sum(a * b)", env, args.repetitions, 1)
    np_dot = numpy_time("np.dot(a, b)", env, args.repetitions, 1)
    np_einsum = numpy_time("np.einsum('i,i->', a, b)", env, args.repetitions, 1)
    np_sum = numpy_time("np.sum(a)", env, args.repetitions, 1)
    np_colmax = numpy_time("np.max(a.reshape(4096, 8192) * b.reshape(4096, 8192), axis=0)", env, args.repetitions, 1)

    # The triad moves 3 arrays; a * b + c moves 4: its time-equivalent is 4/3 of a triad.
    triad_equiv = t["triad"] * 4 / 3
    print(f"machine: {platform.node()} {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}; "
          f"tandem threads {args.threads}, NumPy 1 thread; best of {args.repetitions}\n")
    print("| case | tandem lazy | tandem eager | NumPy | reference | ratios |")
    print("|---|---|---|---|---|---|")
    print(f"| a * b + c, 2^25 doubles | {t['axpy/lazy']*1e3:.1f} ms | {t['axpy/eager']*1e3:.1f} ms | "
          f"{np_axpy*1e3:.1f} ms | triad x 4/3: {triad_equiv*1e3:.1f} ms | "
          f"{np_axpy/t['axpy/lazy']:.2f} x NumPy (target >= 1.5), "
          f"{triad_equiv/t['axpy/lazy']:.2f} x triad (target >= 0.8) |")
    print(f"| chain of 8 ops, 2^24 doubles | {t['chain8/lazy']*1e3:.1f} ms | {t['chain8/eager']*1e3:.1f} ms | "
          f"{np_chain*1e3:.1f} ms | copy: {t['copy']*1e3:.1f} ms | "
          f"{t['chain8/lazy']/t['copy']:.2f} x copy (target <= 1.3), "
          f"{t['chain8/eager']/t['chain8/lazy']:.2f} x faster than eager (target >= 3) |")
    print(f"| a + b, 16 doubles, allocating | {t['add16/lazy']*1e9:.0f} ns | {t['add16/eager']*1e9:.0f} ns | "
          f"{np_add16*1e9:.0f} ns | | target <= 100 ns |")
    print(f"| sum(a * b), 2^25 doubles | {t['sumprod/lazy']*1e3:.1f} ms | {t['sumprod/eager']*1e3:.1f} ms | "
          f"np.sum(a * b) {np_sumprod*1e3:.1f} ms, np.dot {np_dot*1e3:.1f} ms, np.einsum {np_einsum*1e3:.1f} ms | "
          f"sum(a): tandem {t['sum']*1e3:.1f} ms, NumPy {np_sum*1e3:.1f} ms | "
          f"{np_sumprod/t['sumprod/lazy']:.2f} x np.sum(a * b), {np_dot/t['sumprod/lazy']:.2f} x np.dot, "
          f"{t['sumprod/eager']/t['sumprod/lazy']:.2f} x faster than eager |")
    print(f"| max(a * b, axis=0), 4096 x 8192 doubles | {t['colmax/lazy']*1e3:.1f} ms | "
          f"{t['colmax/eager']*1e3:.1f} ms | {np_colmax*1e3:.1f} ms | | "
          f"{np_colmax/t['colmax/lazy']:.2f} x NumPy, {t['colmax/eager']/t['colmax/lazy']:.2f} x faster than eager |")


if __name__ == "__main__":
    main()
