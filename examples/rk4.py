#!/usr/bin/python3
"""NumPy twin of examples/rk4.cpp: the same oscillator chain and steps.

  rk4.py N [--steps K] [--repeat R] [--check DIR]"""
import sys

import numpy as np

from example_twin import check, parse, report, timed


def f(y):
    k, c = 4.0, 0.1
    x, v = y
    dy = np.empty_like(y)
    dy[0] = v
    dy[1] = -k * (2.0 * x - np.roll(x, 1) - np.roll(x, -1)) - c * v
    return dy


def integrate(y, steps, h):
    for _ in range(steps):
        k1 = f(y)
        k2 = f(y + (h / 2) * k1)
        k3 = f(y + (h / 2) * k2)
        k4 = f(y + h * k3)
        y = y + (h / 6) * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return y


def main():
    args = parse(sys.argv[1:], 32, 2000)
    n = args.size
    state = {}

    def run():
        y0 = np.zeros((2, n))
        y0[0] = np.linspace(-1.0, 1.0, n) * np.linspace(-1.0, 1.0, n)
        state["y"] = integrate(y0, args.steps, 0.01)

    report("rk4", args, timed(args.repeat, run))
    if args.check:
        return check(args.check, {"rk4_y": state["y"]}, rtol=1e-10, atol=1e-13)
    return 0


if __name__ == "__main__":
    sys.exit(main())
