"""What every side of scripts/bench_peers.py shares: the workloads and their sizes, the
inputs (bit for bit those of bench/peers/peer_harness.hpp), the summaries compared with
NumPy's, and the JSON line a peer prints. NumPy only, so that both the system Python
(NumPy, numexpr) and the JAX virtual environment import it."""

import json
import resource
import time

import numpy as np

# The physics constants of bench/peers/peer_harness.hpp.
HEAT_K = 0.1
HEAT3D_K = 0.1
NBODY_EPS = 1e-2
NBODY_DT = 1e-3


class Workload:
    """One row of the table. n: elements (or grid side, bodies); steps: stencil steps;
    reps: timed repetitions per run; quick_*: the --quick sizes; label: a format of
    {n} (2^k when a power of two above 64) and {steps}. memory_bound: one pass over arrays
    far beyond the cache, a few milliseconds, whose time follows the memory bandwidth the
    host lends at that moment (on a shared VM it moved between levels 1.6 x apart every few
    seconds): such rows run four times the rounds, so that every library meets the levels."""

    def __init__(self, name, label, n, quick_n, reps=3, steps=1, quick_steps=1, memory_bound=False):
        self.name, self._label, self.n, self.quick_n = name, label, n, quick_n
        self.reps, self.steps, self.quick_steps = reps, steps, quick_steps
        self.memory_bound = memory_bound

    def rounds(self, rounds):
        """The rounds of this row in a run of `rounds`."""
        return 4 * rounds if self.memory_bound and rounds > 1 else rounds

    def size(self, quick):
        return (self.quick_n, self.quick_steps) if quick else (self.n, self.steps)

    def label(self, quick=False):
        n, steps = self.size(quick)
        pow2 = n > 64 and n & (n - 1) == 0 and self.name not in ("matmul", "nbody", "heat", "heat_out", "heat_swap", "stencil3d")
        return self._label.format(n=f"2^{n.bit_length() - 1}" if pow2 else n, steps=steps)


WORKLOADS = [
    Workload("add_out", "add into out, {n} doubles", 1 << 25, 1 << 20, reps=5, memory_bound=True),
    Workload("fma_alloc", "a*b+c allocating, {n} doubles", 1 << 25, 1 << 20, reps=5, memory_bound=True),
    Workload("exp_out", "exp into out, {n} doubles", 1 << 25, 1 << 20, reps=5, memory_bound=True),
    Workload("sum", "sum, {n} doubles", 1 << 25, 1 << 20, reps=5, memory_bound=True),
    Workload("sum_ab", "sum(a*b), {n} doubles", 1 << 25, 1 << 20, reps=5, memory_bound=True),
    Workload("sort_f32", "sort {n} float32", 1 << 24, 1 << 18, reps=3),
    Workload("matmul", "matmul {n} doubles", 2048, 256, reps=3),
    Workload("uniform", "uniform, {n} doubles", 1 << 25, 1 << 20, reps=3),
    Workload("normal", "normal, {n} doubles", 1 << 25, 1 << 20, reps=3),
    Workload("add16", "{n}-element add into out (per call)", 16, 16, reps=5),
    Workload("heat", "heat stencil {n}^2 x {steps} steps, slices", 2048, 256, reps=2, steps=50, quick_steps=5),
    Workload("heat_out", "heat stencil {n}^2 x {steps} steps, out= buffers", 2048, 256, reps=2, steps=50, quick_steps=5),
    Workload("heat_swap", "heat stencil {n}^2 x {steps} steps, slices, two grids swapped", 2048, 256, reps=2, steps=50,
             quick_steps=5),
    Workload("stencil3d", "3-D 7-point stencil {n}^3 x {steps} steps", 160, 40, reps=2, steps=20, quick_steps=3),
    Workload("nbody", "N-body step, {n} bodies, broadcasting", 2048, 256, reps=3),
]
BY_NAME = {w.name: w for w in WORKLOADS}


def splitmix64(x):
    """Vectorised splitmix64 of a uint64 array (wrapping arithmetic)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def input_array(shape, seed, dtype=np.float64):
    """The C-order input of bench/peers/peer_harness.hpp's fill_input."""
    n = int(np.prod(shape))
    bits = splitmix64((np.uint64(seed) << np.uint64(32)) + np.arange(n, dtype=np.uint64))
    if dtype == np.float32:
        out = (bits >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)
    else:
        out = (bits >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
    return out.reshape(shape)


def summary_of(a):
    """Sum, weighted sum and 257 evenly spaced elements (peer_harness.hpp's summary_of)."""
    flat = np.ascontiguousarray(a, dtype=np.float64).ravel()
    n = flat.size
    k = 257 if n > 1 else 1
    idx = [j * (n - 1) // (k - 1) for j in range(k)] if k > 1 else [0]
    w = (np.arange(n) % 7 + 1).astype(np.float64)
    return {"size": n, "sum": float(flat.sum()), "wsum": float(np.dot(flat, w)), "samples": [float(flat[i]) for i in idx]}


def moments_of(a):
    flat = np.asarray(a, dtype=np.float64).ravel()
    return {"size": flat.size, "mean": float(flat.mean()), "std": float(flat.std()), "min": float(flat.min()),
            "max": float(flat.max())}


def measure(name, reps, setup, run, summary, calls=1):
    """One warm-up, then reps timed repetitions of `calls` run() calls; the JSON line of
    peer_harness.hpp's measure() (best time of one call, process CPU time over wall time)."""
    setup()
    for _ in range(calls):
        run()
    best, wall_total, cpu_total = float("inf"), 0.0, 0.0
    for _ in range(reps):
        setup()
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        for _ in range(calls):
            run()
        wall = time.perf_counter() - t0
        cpu_total += _cpu_seconds() - cpu0
        wall_total += wall
        best = min(best, wall / calls)
    print(json.dumps({"workload": name, "best_s": best, "cpu_over_wall": round(cpu_total / wall_total, 3),
                      "summary": summary()}), flush=True)


def skip(name, why):
    print(json.dumps({"workload": name, "skipped": why}), flush=True)


def _cpu_seconds():
    """User + system time of the whole process, all threads (getrusage, as the C++ side)."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime
