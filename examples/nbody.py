#!/usr/bin/python3
"""NumPy twin of examples/nbody.cpp: the same bodies and steps.

  nbody.py N [--steps K] [--repeat R] [--check DIR]"""
import sys

import numpy as np

from example_twin import check, parse, report, timed


def initial_bodies(n):
    i = np.arange(3 * n, dtype=np.int64)
    pos = ((i * 7919) % 1000).astype(np.float64) / 1000.0 - 0.5
    vel = ((i * 104729) % 200).astype(np.float64) / 20000.0 - 0.005
    mass = ((np.arange(n, dtype=np.int64) * 31) % 10 + 1).astype(np.float64) / 10.0
    return pos.reshape(n, 3), vel.reshape(n, 3), mass


def step(pos, vel, mass, dt, eps2):
    dx = pos[None, :, :] - pos[:, None, :]
    r2 = (dx * dx).sum(2) + eps2
    weight = mass[None, :] * np.power(r2, -1.5)
    acc = (dx * weight[:, :, None]).sum(1)
    vel += dt * acc
    pos += dt * vel


def main():
    args = parse(sys.argv[1:], 1000, 10)
    state = {}

    def run():
        pos, vel, mass = initial_bodies(args.size)
        for _ in range(args.steps):
            step(pos, vel, mass, 1e-3, 1e-2)
        state.update(pos=pos, vel=vel)

    report("nbody", args, timed(args.repeat, run))
    if args.check:
        # Sums over bodies run in another order than NumPy's: agreement to rounding.
        return check(args.check, {"nbody_pos": state["pos"], "nbody_vel": state["vel"]}, rtol=1e-9, atol=1e-12)
    return 0


if __name__ == "__main__":
    sys.exit(main())
