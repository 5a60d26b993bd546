"""Helpers shared by the tandem-vs-NumPy comparison scripts (bench_random.py, bench_reduce.py):
run a Google Benchmark program for JSON times, alternate it with NumPy for a few rounds so
both see the same machine state, keep the best time of each, and print the run's header."""

import datetime
import json
import os
import platform
import subprocess
import timeit

import numpy as np


def run_tandem(binary, threads, bench_filter, min_time=0.5):
    """{benchmark name: seconds per iteration (wall clock)} and the benchmark context."""
    cmd = [binary, f"--threads={threads}", "--benchmark_format=json", f"--benchmark_filter={bench_filter}",
           f"--benchmark_min_time={min_time}"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    times = {}
    for b in data["benchmarks"]:
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        times[b["name"]] = b["real_time"] * unit
    return times, data.get("context", {})


def time_numpy(cases, env, repeat):
    """{label: best seconds} of each (label, statement) run in env."""
    return {label: min(timeit.repeat(stmt, globals=env, number=1, repeat=repeat)) for label, stmt in cases}


def best_of_rounds(rounds, run_td, run_np):
    """Alternates run_td() and run_np() `rounds` times; the best time per key of each."""
    best_td, best_np, context = {}, {}, {}
    for _ in range(rounds):
        t, context = run_td()
        for k, v in t.items():
            best_td[k] = min(v, best_td.get(k, float("inf")))
        for k, v in run_np().items():
            best_np[k] = min(v, best_np.get(k, float("inf")))
    return best_td, best_np, context


def print_header(threads, context):
    print(f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='minutes')}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"tandem threads: {threads}, NumPy {np.__version__} (1 thread)")
    if context:
        print(f"benchmark context: {context.get('num_cpus')} cpus @ {context.get('mhz_per_cpu')} MHz, "
              f"build {context.get('library_build_type')}")
    print()


def print_target_table(cases, best_td, best_np):
    """Markdown table of (label, benchmark, statement, target speedup or None) cases."""
    print("| case | tandem (ms) | NumPy (ms) | speedup | target | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    for label, bench, _, target in cases:
        td_t = best_td.get(bench)
        np_t = best_np[label]
        if td_t is None:
            print(f"| {label} | missing | {np_t * 1e3:.1f} | | | |")
            continue
        speedup = np_t / td_t
        tgt = f">= {target:g}x" if target else "-"
        met = ("yes" if speedup >= target else "no") if target else ""
        print(f"| {label} | {td_t * 1e3:.1f} | {np_t * 1e3:.1f} | {speedup:.2f}x | {tgt} | {met} |")
