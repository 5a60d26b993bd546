"""Command line, timing and result checks shared by the NumPy twins of the examples."""
import argparse
import os
import time

import numpy as np


def parse(argv, default_size, default_steps):
    p = argparse.ArgumentParser()
    p.add_argument("size", type=int, nargs="?", default=default_size)
    p.add_argument("--steps", type=int, default=default_steps)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--check", metavar="DIR", help="compare with the .npy files tandem saved in DIR")
    return p.parse_args(argv)


def timed(repeat, f):
    """Best wall time in seconds of `repeat` calls of f."""
    best = float("inf")
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def report(name, args, seconds):
    print(f"{name} size={args.size} steps={args.steps} seconds={seconds:.6g}", flush=True)


def load(directory, name):
    return np.load(os.path.join(directory, name + ".npy"))


def check(directory, expected, rtol, atol):
    """Compares each {name: NumPy array} with DIR/name.npy; 0 when all agree."""
    failures = 0
    for name, want in expected.items():
        got = load(directory, name)
        if got.shape != np.shape(want):
            print(f"  {name}: shape {got.shape} != NumPy's {np.shape(want)}")
            failures += 1
            continue
        bitwise = np.array_equal(got, want, equal_nan=got.dtype.kind == "f")
        ok = bitwise or np.allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
        diff = np.nanmax(np.abs(got.astype(np.float64) - want)) if got.size and not bitwise else 0.0
        print(f"  {name}: {'bitwise equal' if bitwise else f'max |diff| {diff:.3g}'}"
              f" -> {'ok' if ok else f'MISMATCH (rtol {rtol}, atol {atol})'}")
        failures += not ok
    return 1 if failures else 0
