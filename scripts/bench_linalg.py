#!/usr/bin/python3
"""Compares tandem's linear algebra with the same cblas calls made directly and with NumPy.

Runs the Google Benchmark program (bench/linalg_bench.cpp, --benchmark_format=json) and
NumPy alternately for a few rounds, so both see the same machine state, and keeps the best
time of each. NumPy links the same OpenBLAS (OpenMP build, Debian's alternatives) and runs
with OMP_NUM_THREADS = --threads, so all three sides use the same BLAS on as many threads.

Usage:
  scripts/bench_linalg.py build/cpu/bench/tandem_bench_linalg [--threads 2] [--rounds 2] [--repeat 3]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import timeit

N = 2048


def parse():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    return ap.parse_args()


ARGS = parse() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ["OMP_NUM_THREADS"] = str(ARGS.threads)  # before NumPy loads OpenBLAS
import numpy as np  # noqa: E402

CASES = [
    # label, tandem benchmark, direct cblas benchmark (or None), NumPy statement
    ("dgemm 2048 (a @ b)", f"BM_Matmul<double>/{N}/real_time", f"BM_Cblas<double>/{N}/real_time", "a @ b"),
    ("sgemm 2048 (a @ b)", f"BM_Matmul<float>/{N}/real_time", f"BM_Cblas<float>/{N}/real_time", "a32 @ b32"),
    ("dgemm 2048 (a.T @ b)", f"BM_MatmulTransposed<double>/{N}/real_time", f"BM_Cblas<double>/{N}/real_time", "a.T @ b"),
    ("batched 4096 x (16x16 @ 16x16) double", "BM_BatchedMatmul<double>/16/real_time", None, "x @ y"),
    ("same, out= (no allocation)", "BM_BatchedMatmulOut<double>/16/real_time", None, "np.matmul(x, y, out=z)"),
    ("solve 2048 (vector b) double", f"BM_Solve<double>/{N}/real_time", None, "np.linalg.solve(s, v)"),
    ("cholesky 2048 double", f"BM_Cholesky<double>/{N}/real_time", None, "np.linalg.cholesky(p)"),
]


def run_tandem(binary, threads):
    cmd = [binary, f"--threads={threads}", "--benchmark_format=json",
           f"--benchmark_filter=/({N}|16)/", "--benchmark_min_time=0.5"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    times = {}
    for b in data["benchmarks"]:
        unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
        times[b["name"]] = b["real_time"] * unit
    return times, data.get("context", {})


def numpy_env():
    rng = np.random.default_rng(1)
    a, b = rng.uniform(-1, 1, (N, N)), rng.uniform(-1, 1, (N, N))
    m = rng.uniform(-1, 1, (N, N))
    return {"np": np, "a": a, "b": b, "a32": a.astype(np.float32), "b32": b.astype(np.float32),
            "x": rng.uniform(-1, 1, (4096, 16, 16)), "y": rng.uniform(-1, 1, (4096, 16, 16)),
            "z": np.empty((4096, 16, 16)),
            "s": m + N * np.eye(N), "v": rng.uniform(-1, 1, N), "p": m @ m.T + N * np.eye(N)}


def run_numpy(env, repeat):
    return {label: min(timeit.repeat(stmt, globals=env, number=1, repeat=repeat)) for label, _, _, stmt in CASES}


def ms(t):
    return "missing" if t is None else f"{t * 1e3:.1f}"


def main():
    env = numpy_env()
    best_td, best_np, context = {}, {}, {}
    for _ in range(ARGS.rounds):
        t, context = run_tandem(ARGS.binary, ARGS.threads)
        for k, v in t.items():
            best_td[k] = min(v, best_td.get(k, float("inf")))
        for k, v in run_numpy(env, ARGS.repeat).items():
            best_np[k] = min(v, best_np.get(k, float("inf")))

    print(f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='minutes')}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, threads: {ARGS.threads} "
          f"(tandem, cblas and NumPy {np.__version__})")
    if context:
        print(f"benchmark context: {context.get('num_cpus')} cpus @ {context.get('mhz_per_cpu')} MHz")
    print()
    print("| case | tandem (ms) | cblas direct (ms) | NumPy (ms) | tandem / cblas time | speedup vs NumPy |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, bench, ref, _ in CASES:
        td_t, ref_t, np_t = best_td.get(bench), best_td.get(ref) if ref else None, best_np[label]
        ratio = f"{td_t / ref_t:.2f}" if td_t and ref_t else "-"
        speed = f"{np_t / td_t:.2f}x" if td_t else "-"
        print(f"| {label} | {ms(td_t)} | {ms(ref_t) if ref else '-'} | {ms(np_t)} | {ratio} | {speed} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
