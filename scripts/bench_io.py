#!/usr/bin/python3
"""Compares tandem's .npy save/load with numpy.save/numpy.load in one run.

Runs the Google Benchmark program (bench/io_bench.cpp, --benchmark_format=json; one
iteration per repetition, best repetition kept), then the same work in NumPy in this process: save and load of one large float64 array, and 64 files
of 16 MiB loaded one after another. Keeps the best time of each, prints a Markdown table.
numpy.save does not fsync; the table shows it plain, with an fsync, and made atomic the
way tandem's save is (temporary file, fsync, rename over the old file).

Usage:
  scripts/bench_io.py build/bench/tandem_bench_io [--dir /tmp] [--mib 1024] [--repeat 3]
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time

import numpy as np


def run_tandem(binary, directory, mib):
    cmd = [binary, f"--dir={directory}", f"--mib={mib}", "--benchmark_format=json"]
    data = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    best_of = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration":
            continue
        # "BM_LoadMany/64x16MiB/4/iterations:1/repeats:5/real_time" -> "BM_LoadMany/64x16MiB/4"
        name = b["run_name"].split("/iterations:")[0]
        t = b["real_time"] * unit[b["time_unit"]]
        best_of[name] = min(t, best_of.get(name, float("inf")))
    return best_of


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def run_numpy(directory, mib, repeat):
    big = np.random.default_rng(1).random(mib << 17)
    path = os.path.join(directory, "numpy_bench_io_big.npy")

    def save_fsync():
        with open(path, "wb") as f:
            np.save(f, big)
            f.flush()
            os.fsync(f.fileno())

    def save_atomic():  # what tandem does: temporary, fsync, rename over the old file
        with open(path + ".tmp", "wb") as f:
            np.save(f, big)
            f.flush()
            os.fsync(f.fileno())
        os.rename(path + ".tmp", path)

    out = {
        "save": best(lambda: np.save(path, big), repeat),
        "save+fsync": best(save_fsync, repeat),
        "save atomic": best(save_atomic, repeat),
        "load": best(lambda: np.load(path), repeat),
    }
    os.remove(path)
    del big
    rng = np.random.default_rng(2)
    paths = [os.path.join(directory, f"numpy_bench_io_many_{i}.npy") for i in range(64)]
    for p in paths:
        np.save(p, rng.random(16 << 17))
    out["many"] = best(lambda: [np.load(p) for p in paths], repeat)
    for p in paths:
        os.remove(p)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--dir", default="/tmp")
    ap.add_argument("--mib", type=int, default=1024)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t = run_tandem(args.binary, args.dir, args.mib)
    n = run_numpy(args.dir, args.mib, args.repeat)
    gib = args.mib / 1024
    print(f"date: {datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='minutes')}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores visible, "
          f"NumPy {np.__version__}, files in {args.dir}")
    print()
    print("| case | tandem (ms) | NumPy (ms) | NumPy / tandem |")
    print("|---|---:|---:|---:|")

    def row(label, td_name, np_key):
        td_t = t.get(td_name)
        np_t = n[np_key] if np_key else None
        td_s = f"{td_t * 1e3:.0f}" if td_t is not None else "missing"
        np_s = f"{np_t * 1e3:.0f}" if np_t is not None else "-"
        ratio = f"{np_t / td_t:.2f}x" if td_t and np_t else "-"
        print(f"| {label} | {td_s} | {np_s} | {ratio} |")

    row(f"save {gib:g} GiB float64 (tandem fsyncs; NumPy without fsync)", "BM_SaveNpy/big", "save")
    row(f"save {gib:g} GiB float64 (both fsync)", "BM_SaveNpy/big", "save+fsync")
    row(f"save {gib:g} GiB float64 (both temporary + fsync + rename)", "BM_SaveNpy/big",
        "save atomic")
    row(f"load {gib:g} GiB float64 (warm page cache)", "BM_LoadNpy/big", "load")
    row("64 x 16 MiB, one after another", "BM_LoadSequential/64x16MiB", "many")
    for threads in (2, 4, 16):
        row(f"64 x 16 MiB, load_many, {threads} I/O threads",
            f"BM_LoadMany/64x16MiB/{threads}", "many")


if __name__ == "__main__":
    main()
