#!/usr/bin/env python3
"""NumPy twin of dist_heat.cpp: runs the same steps on the initial field the C++ program
wrote (PREFIX0.npy) and checks its final field (PREFIX1.npy) bit for bit.

    python3 dist_heat.py PREFIX STEPS
"""
import sys

import numpy as np

ALPHA = 0.2


def step(u):
    g = np.zeros((u.shape[0] + 2, u.shape[1] + 2))
    g[1:-1, 1:-1] = u
    up, down, left, right = g[:-2, 1:-1], g[2:, 1:-1], g[1:-1, :-2], g[1:-1, 2:]
    return u + ALPHA * (((up + down) + (left + right)) - 4.0 * u)


def main():
    prefix, steps = sys.argv[1], int(sys.argv[2])
    u = np.load(prefix + "0.npy")
    for _ in range(steps):
        u = step(u)
    got = np.load(prefix + "1.npy")
    same = got.shape == u.shape and np.array_equal(got.view(np.uint64), u.view(np.uint64))
    print(f"dist_heat.py: {u.shape}, {steps} steps: {'bitwise equal to' if same else 'DIFFERS from'} NumPy"
          + ("" if same else f" (max |diff| {np.max(np.abs(got - u)):.3g})"))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
