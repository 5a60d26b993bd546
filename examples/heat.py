#!/usr/bin/python3
"""NumPy twin of examples/heat.cpp: the same grid and steps.

  heat.py N [--steps K] [--repeat R] [--check DIR]

With --check, compares DIR/heat_u.npy (written by `tandem_example_heat N --save DIR`)
with NumPy's grid and exits non-zero on a mismatch."""
import sys

import numpy as np

from example_twin import check, parse, report, timed


def initial_grid(n):
    x = np.linspace(0.0, 1.0, n)
    bump = x * (1.0 - x)
    return bump.reshape(n, 1) * bump * 16.0


def run(u, steps, alpha):
    for _ in range(steps):
        c = u[1:-1, 1:-1]
        u[1:-1, 1:-1] = c + alpha * (u[2:, 1:-1] + u[:-2, 1:-1] + u[1:-1, 2:] + u[1:-1, :-2] - 4.0 * c)
    return u


def main():
    args = parse(sys.argv[1:], 256, 100)
    result = {}
    seconds = timed(args.repeat, lambda: result.update(u=run(initial_grid(args.size), args.steps, 0.2)))
    report("heat", args, seconds)
    if args.check:
        return check(args.check, {"heat_u": result["u"]}, rtol=1e-12, atol=1e-15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
