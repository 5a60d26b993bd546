#!/usr/bin/python3
"""Runs bench/workloads_bench.cpp's patterns next to their NumPy twins in one run: the heat
stencil with allocating temporaries (the host pool's case, also with the pool off) and with
out= buffers, power by a scalar, and scalars on small arrays; optionally all of it again with
one core kept busy by another process, and against a baseline library for before/after.

Usage:
  scripts/bench_workloads.py build/cpu/bench/tandem_bench_workloads [--threads 2] [--n 2048]
      [--steps 30] [--busy] [--base-lib DIR] [--rounds 2]
  --busy        also run everything while `taskset -c 1 sh -c 'while :; do :; done'` spins
                (killed at the end, by its pid)
  --base-lib D  also run the same program with LD_LIBRARY_PATH=D (a libtandem.so built from
                the commit before the change): the "before" column
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchlib  # noqa: E402

POWER_N = 1 << 24
EXPONENTS = [2.5, 2.0, 0.5, -1.0]


def run(binary, threads, args, env_extra=None, lib=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    if lib:
        env["LD_LIBRARY_PATH"] = lib
    out = subprocess.run([binary, f"--threads={threads}", *map(str, args)], check=True, capture_output=True,
                         text=True, env=env).stdout
    return json.loads(out)


def numpy_heat(n, steps, out_buffers):
    u = np.zeros((n, n))
    u[0, :] = 100.0
    c, north, south = u[1:-1, 1:-1], u[:-2, 1:-1], u[2:, 1:-1]
    west, east = u[1:-1, :-2], u[1:-1, 2:]
    alpha = 0.2
    t1, t2 = np.empty(c.shape), np.empty(c.shape)
    t0 = time.perf_counter()
    for _ in range(steps):
        if out_buffers:
            np.add(north, south, out=t1)
            np.add(t1, east, out=t1)
            np.add(t1, west, out=t1)
            np.multiply(c, 4.0, out=t2)
            np.subtract(t1, t2, out=t1)
            np.multiply(t1, alpha, out=t1)
            np.add(c, t1, out=t1)
            c[...] = t1
        else:
            u[1:-1, 1:-1] = c + alpha * (north + south + east + west - 4.0 * c)
    return time.perf_counter() - t0, float(u.sum())


def numpy_power(exponent, repeats, ufunc):
    a = np.linspace(0.1, 10.0, POWER_N)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        if ufunc:
            np.power(a, exponent)
        else:
            a ** exponent  # noqa: B018  (NumPy turns 2, 0.5, -1 into square, sqrt, reciprocal)
        best = min(best, time.perf_counter() - t0)
    return best


def measure(args, lib=None):
    """{row label: seconds} for one machine state; tandem rows from `lib` when given."""
    b, th, n, steps = args.binary, args.threads, args.n, args.steps
    rows = {}
    for _ in range(args.rounds):
        r = {}
        heat = run(b, th, ["heat-alloc", n, steps], lib=lib)
        r["heat, allocating: tandem"] = heat["seconds"]
        r["heat, allocating: tandem, pool off"] = run(b, th, ["heat-alloc", n, steps],
                                                      {"TANDEM_HOST_CACHE_LIMIT": "0"}, lib)["seconds"]
        r["heat, allocating: tandem, 1 thread"] = run(b, 1, ["heat-alloc", n, steps], lib=lib)["seconds"]
        r["heat, out=: tandem"] = run(b, th, ["heat-out", n, steps], lib=lib)["seconds"]
        t, checksum = numpy_heat(n, steps, False)
        if abs(checksum - heat["checksum"]) > 1e-9 * abs(checksum):
            sys.exit(f"heat checksums differ: tandem {heat['checksum']!r}, NumPy {checksum!r}")
        r["heat, allocating: NumPy"] = t
        r["heat, out=: NumPy"] = numpy_heat(n, steps, True)[0]
        for e in EXPONENTS:
            r[f"power 2^24, {e:g}: tandem"] = run(b, th, ["power", POWER_N, e, 5], lib=lib)["seconds"]
            r[f"power 2^24, {e:g}: NumPy a**e"] = numpy_power(e, 5, False)
        r["power 2^24, 2.5: NumPy np.power"] = numpy_power(2.5, 5, True)
        small = run(b, th, ["scalar-small", 200000], lib=lib)
        r["a * 2.0, 64 doubles: tandem (ns)"] = small["scalar_ns"] * 1e-9
        r["a * b, 64 doubles: tandem (ns)"] = small["array_ns"] * 1e-9
        for k, v in r.items():
            rows[k] = min(v, rows.get(k, float("inf")))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=2048)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--base-lib")
    args = ap.parse_args()

    columns = {}
    load_before = os.getloadavg()
    columns["quiet"] = measure(args)
    if args.base_lib:
        columns["quiet, before"] = measure(args, args.base_lib)
    if args.busy:
        spinner = subprocess.Popen(["taskset", "-c", "1", "sh", "-c", "while :; do :; done"])
        try:
            time.sleep(0.5)
            columns["core 1 busy"] = measure(args)
            if args.base_lib:
                columns["core 1 busy, before"] = measure(args, args.base_lib)
        finally:
            spinner.kill()
            spinner.wait()
    load_after = os.getloadavg()

    benchlib.print_header(args.threads, {})
    print(f"heat: {args.n} x {args.n} doubles, {args.steps} steps; best of {args.rounds} rounds; "
          f"load average before/after: {load_before[0]:.1f} / {load_after[0]:.1f}")
    print()
    names = list(columns)
    print("| case | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for row in columns["quiet"]:
        cells = []
        for name in names:
            v = columns[name][row]
            cells.append(f"{v * 1e9:.0f}" if row.endswith("(ns)") else f"{v * 1e3:.1f} ms")
        print(f"| {row} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
