#!/usr/bin/python3
"""Compares tandem's element-wise ops with NumPy and with the STREAM triad, in one run.

Runs the Google Benchmark program (bench/elementwise_bench.cpp) and NumPy's timeit
alternately for a few rounds, so both sides see the same machine state, keeps the best
time of each (best-of-N on both sides), and prints a Markdown table with the speedup over
NumPy, the fraction of the triad's bandwidth and whether the issue's targets are met.

Usage:
  scripts/bench_compare.py build/bench/bench/tandem_bench_elementwise [--threads 2] [--quick]

Bandwidth counts every array read or written once (STREAM's convention: add and the triad
move 3 arrays, unary ops 2). NumPy's element-wise ops run on one thread; tandem and the
triad run on --threads threads.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import timeit

import numpy as np

BIG = 1 << 25  # 2^25 doubles = 256 MiB per array: far beyond the caches
MID = 1 << 20  # 8 MiB per array: mostly cache-resident, shows compute speed
SMALL = 16


class Case:
    """One row of the table: a tandem benchmark, the NumPy statement it is compared with,
    the bytes one call moves, and the target from the issue (None = for information)."""

    def __init__(self, label, bench, n, arrays, numpy_stmt, min_speedup=None,
                 min_triad_fraction=None, max_ns=None):
        self.label, self.bench, self.n, self.arrays = label, bench, n, arrays
        self.numpy_stmt = numpy_stmt
        self.min_speedup, self.min_triad_fraction, self.max_ns = min_speedup, min_triad_fraction, max_ns

    @property
    def bench_name(self):
        return f"{self.bench}<double>/{self.n}/real_time"

    @property
    def nbytes(self):
        return self.arrays * self.n * 8


CASES = [
    Case("add, out=", "add_out", BIG, 3, "np.add(a, b, out=c)", min_speedup=1.8, min_triad_fraction=0.85),
    Case("add, allocating", "add_alloc", BIG, 3, "a + b"),
    Case("exp, out=", "exp_out", BIG, 2, "np.exp(a, out=c)", min_speedup=2.0),
    Case("log, out=", "log_out", BIG, 2, "np.log(a, out=c)", min_speedup=2.0),
    Case("sin, out=", "sin_out", BIG, 2, "np.sin(a, out=c)", min_speedup=2.0),
    Case("add, out=", "add_out", MID, 3, "np.add(a, b, out=c)"),
    Case("exp, out=", "exp_out", MID, 2, "np.exp(a, out=c)"),
    Case("log, out=", "log_out", MID, 2, "np.log(a, out=c)"),
    Case("sin, out=", "sin_out", MID, 2, "np.sin(a, out=c)"),
    Case("add, out=", "add_out", SMALL, 3, "np.add(a, b, out=c)", max_ns=100.0),
    Case("add, allocating", "add_alloc", SMALL, 3, "a + b"),
]
TRIAD = "triad<double>/%d/real_time" % BIG
MEMCPY = "memcpy<double>/%d/real_time" % BIG
UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}


def run_tandem(binary, threads, repetitions, min_time):
    """Runs the benchmark program once; returns {name: best real time in ns}, context."""
    names = sorted({c.bench for c in CASES} | {"triad", "memcpy"})
    sizes = sorted({c.n for c in CASES})
    filt = "^(%s)<double>/(%s)/" % ("|".join(names), "|".join(map(str, sizes)))
    cmd = [binary, f"--threads={threads}", f"--benchmark_filter={filt}", "--benchmark_format=json",
           f"--benchmark_repetitions={repetitions}", f"--benchmark_min_time={min_time}"]
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    report = json.loads(proc.stdout)
    best = {}
    for b in report["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        name = b.get("run_name", b["name"])
        t = b["real_time"] * UNIT_NS[b.get("time_unit", "ns")]
        best[name] = min(t, best.get(name, float("inf")))
    return best, report["context"]


def numpy_arrays(n):
    a = np.linspace(0.1, 10.0, n)  # the values the C++ benchmarks use
    b = np.full(n, 1.5)
    c = np.zeros(n)
    return {"np": np, "a": a, "b": b, "c": c}


def run_numpy(case, env, repeats):
    """Best time of one call in ns (each sample averages enough calls to take >= ~20 ms)."""
    timer = timeit.Timer(case.numpy_stmt, globals=env)
    timer.timeit(1)  # warm-up: page faults of the output, ufunc caches
    number = 1 if case.n >= (1 << 22) else 20 if case.n >= (1 << 16) else 20000
    return min(timer.repeat(repeat=repeats, number=number)) / number * 1e9


def fmt_time(ns):
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.1f} us"
    return f"{ns / 1e6:.1f} ms"


def size_label(n):
    return f"2^{n.bit_length() - 1}" if n > 1 and n & (n - 1) == 0 and n > SMALL else str(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="path of tandem_bench_elementwise")
    parser.add_argument("--threads", type=int, default=2, help="threads for tandem and the triad (default 2)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI, demo): ~30 s")
    parser.add_argument("--json", metavar="FILE", help="also write the measured times to FILE")
    args = parser.parse_args()
    if not os.access(args.binary, os.X_OK):
        sys.exit(f"bench_compare: {args.binary} is not an executable file")

    # rounds alternate tandem and NumPy; each keeps its best time over all rounds.
    rounds, reps, min_time, np_repeats = (1, 2, 0.1, 3) if args.quick else (3, 3, 0.3, 4)
    load_before = os.getloadavg()

    envs = {n: numpy_arrays(n) for n in sorted({c.n for c in CASES})}
    tandem, numpy_ns, context = {}, {}, {}
    for r in range(rounds):
        print(f"round {r + 1}/{rounds}: tandem ...", file=sys.stderr, flush=True)
        best, context = run_tandem(args.binary, args.threads, reps, min_time)
        for k, v in best.items():
            tandem[k] = min(v, tandem.get(k, float("inf")))
        print(f"round {r + 1}/{rounds}: NumPy ...", file=sys.stderr, flush=True)
        for i, c in enumerate(CASES):
            t = run_numpy(c, envs[c.n], np_repeats)
            numpy_ns[i] = min(t, numpy_ns.get(i, float("inf")))
    load_after = os.getloadavg()

    triad_ns = tandem[TRIAD]
    triad_bw = 3 * BIG * 8 / triad_ns  # bytes per ns = GB/s
    memcpy_bw = 2 * BIG * 8 / tandem[MEMCPY]

    print(f"tandem {context.get('tandem_version', '?')} ({context.get('tandem_threads', '?')} threads) "
          f"vs NumPy {np.__version__} (1 thread), Python {platform.python_version()}")
    print(f"host: {context.get('host_name', '?')}, {context.get('num_cpus', '?')} CPUs, "
          f"mode: {'quick' if args.quick else 'full'} ({rounds} round(s), best of "
          f"{rounds * reps} tandem / {rounds * np_repeats} NumPy samples)")
    print(f"load average before/after: {load_before[0]:.2f} / {load_after[0]:.2f}")
    print(f"STREAM triad (OpenMP loop, {args.threads} threads, 2^25 doubles): {fmt_time(triad_ns)} = "
          f"{triad_bw:.2f} GB/s; memcpy: {memcpy_bw:.2f} GB/s\n")

    print("| op (double) | size | tandem | NumPy | speedup vs NumPy | tandem GB/s | NumPy GB/s "
          "| tandem / triad BW | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    results = []
    for i, c in enumerate(CASES):
        t, n_ns = tandem[c.bench_name], numpy_ns[i]
        speedup = n_ns / t
        bw = c.nbytes / t
        frac = bw / triad_bw
        targets, missed = [], []  # missed: what fell short, and by how much
        if c.min_triad_fraction is not None:
            targets.append(f">= {c.min_triad_fraction:.2f} triad")
            if frac < c.min_triad_fraction:
                missed.append(f"{frac:.2f} triad")
        if c.min_speedup is not None:
            targets.append(f">= {c.min_speedup:.1f}x NumPy")
            if speedup < c.min_speedup:
                missed.append(f"{speedup:.2f}x")
        if c.max_ns is not None:
            targets.append(f"<= {c.max_ns:.0f} ns")
            if t > c.max_ns:
                missed.append(fmt_time(t))
        verdict = "-" if not targets else ("yes" if not missed else "NO (" + ", ".join(missed) + ")")
        frac_s = f"{frac:.2f}" if c.n == BIG else "-"  # the triad is measured at 2^25 only
        bw_s = f"{bw:.2f}" if c.n > SMALL else "-"
        np_bw_s = f"{c.nbytes / n_ns:.2f}" if c.n > SMALL else "-"
        print(f"| {c.label} | {size_label(c.n)} | {fmt_time(t)} | {fmt_time(n_ns)} | {speedup:.2f}x | "
              f"{bw_s} | {np_bw_s} | {frac_s} | {', '.join(targets) or '(info)'} | {verdict} |")
        results.append({"op": c.label, "n": c.n, "tandem_ns": t, "numpy_ns": n_ns, "speedup": speedup, "numpy_gbps": c.nbytes / n_ns,
                        "triad_fraction": frac, "target": ", ".join(targets), "met": verdict})

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"numpy_version": np.__version__, "threads": args.threads, "quick": args.quick,
                       "triad_ns": triad_ns, "memcpy_ns": tandem[MEMCPY], "load_before": load_before,
                       "load_after": load_after, "context": context, "rows": results}, f, indent=1)


if __name__ == "__main__":
    main()
