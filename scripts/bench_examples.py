#!/usr/bin/python3
"""The issue-17 example programs (examples/heat, nbody, montecarlo, rk4) against their NumPy
twins, side by side in the same run, alternating rounds so both see the same machine state.

  scripts/bench_examples.py [--build build/cpu] [--threads 2] [--rounds 3] [--busy] [--quick]

Each case runs the C++ program and the twin with the same size and steps (--repeat 1 per
round; the best round counts) and prints a Markdown table for docs/performance.md. With
--busy a spinning process occupies one core for the whole run (the loaded-machine case);
--quick uses small sizes to check the script itself."""
import argparse
import os
import re
import subprocess
import sys

from benchlib import print_header

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
NUMPY_PYTHON = "/usr/bin/python3"

# (program, twin, arguments, issue target speedup or None); sizes as in the runs:
# a 2000 x 2000 grid (32 MB per temporary), 1000 bodies ((N, N, 3) temporaries of 24 MB),
# 200000 paths x 64 steps, 32 oscillators.
CASES = [
    ("heat", "heat.py", ["2000", "--steps", "200"], 2.5),
    ("heat", "heat.py", ["2000", "--steps", "200", "--out-form"], None),
    ("nbody", "nbody.py", ["1000", "--steps", "10"], 2.0),
    ("montecarlo", "montecarlo.py", ["200000", "--steps", "64"], 3.0),
    ("rk4", "rk4.py", ["32", "--steps", "20000"], 4.0),
]
QUICK = {"heat": ["200", "--steps", "20"], "nbody": ["100", "--steps", "2"], "montecarlo": ["5000", "--steps", "16"],
         "rk4": ["16", "--steps", "500"]}


def seconds(cmd, env):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stdout
    return float(re.search(r"seconds=([0-9.eE+-]+)", out).group(1))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", default=os.path.join(ROOT, "build", "cpu"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--busy", action="store_true", help="keep one core busy with a spinning process")
    p.add_argument("--quick", action="store_true", help="small sizes (checks the script, not the speed)")
    args = p.parse_args()

    env_td = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    env_np = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        print_header(args.threads, {})
        if args.busy:
            print("load: one core kept busy by a spinning process for the whole run\n")
        best = {}
        for _ in range(args.rounds):
            for prog, twin, cargs, _target in CASES:
                if args.quick:
                    cargs = QUICK[prog] + [a for a in cargs if a == "--out-form"]
                label = " ".join([prog, *cargs])
                exe = os.path.join(args.build, "examples", f"tandem_example_{prog}")
                t = seconds([exe, *cargs], env_td)
                twin_args = [a for a in cargs if a != "--out-form"]
                n = seconds([NUMPY_PYTHON, os.path.join(ROOT, "examples", twin), *twin_args], env_np)
                old = best.get(label, (float("inf"), float("inf")))
                best[label] = (min(old[0], t), min(old[1], n))
    finally:
        if spinner:
            spinner.kill()
    print("| case (program and arguments) | tandem (s) | NumPy (s) | speedup | target | met |")
    print("|---|---:|---:|---:|---:|:---:|")
    for label, (_prog, _twin, _cargs, target) in zip(best, CASES):
        t, n = best[label]
        met = ("yes" if n / t >= target else "no") if target else ""
        print(f"| {label} | {t:.3f} | {n:.3f} | {n / t:.2f}x | {f'>= {target:g}x' if target else '-'} | {met} |")


if __name__ == "__main__":
    main()
