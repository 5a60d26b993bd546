#!/usr/bin/python3
"""tandem against the array libraries a simulation code would pick instead, in one run.

Runs every workload of scripts/peers/common.py through tandem (2 threads and 1), NumPy,
numexpr, JAX on the CPU, Eigen, xtensor + xsimd and xtensor + xsimd + OpenMP: one process
per (library, workload), the libraries alternating within each round and their order
rotating between rounds, so all see the same machine state. The memory-bound rows run four
times the rounds, since their time follows the host's bandwidth of the moment. Keeps each
library's best time and every run's, checks every result against NumPy's (random numbers
against their distribution's moments) and prints Markdown tables: times with the threads
each library really used (process CPU time over wall time during the timed repetitions),
times relative to tandem, the memory-bound rows' medians, and the goals of issue 21 (on
the medians for the memory-bound rows, on the bests for the others).

Usage (after scripts/install-peers.sh and `cmake --preset bench && cmake --build --preset bench`):
  scripts/bench_peers.py [--threads 2] [--rounds 2] [--quick] [--only heat,sum] [--json FILE]
(--json FILE: every library's best and every run's time). A library that is not installed or
not built is reported as missing; the script still runs the others. --quick: small sizes and
one round (checks that everything runs and agrees).
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import common  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY_PEER = os.path.join(ROOT, "scripts", "peers", "py_peer.py")

# Relative tolerance of the checks against NumPy (times the largest sampled magnitude):
# different summation orders and exp implementations differ by a few ulps, not more.
RTOL = 1e-9
ADD16_MAX_S = 100e-9

# The open issue expected to meet a goal not met: issue 21 itself for every row (no other
# open issue takes any of them), with a word where the row needs one.
EXPECTED_NOTE = {"matmul": " (the same OpenBLAS as NumPy)"}
# Issue 21's stencil goal, at most half of Eigen's one thread, is for its heat stencil (the
# slices form, the issue's own row); the other two forms are held to the best peer, with
# their time over Eigen's one thread shown beside the goal.
HALF_EIGEN = ("heat",)
OTHER_STENCIL_FORMS = ("heat_out", "heat_swap")
# Libraries whose heat stencil has one form, run again in the rows of the other forms: the C++
# peers' writes into a second grid already (the heat_swap form), JAX's lets XLA plan the buffers.
ONE_FORM = {"heat_out": ("jax", "eigen", "xtensor", "xtensor_omp"), "heat_swap": ("jax",)}


class Peer:
    """One column: a command (a C++ peer program, or py_peer.py with a library name) and
    the threads it is given; `missing` says why it cannot run."""

    def __init__(self, key, label, argv, threads, missing=None):
        self.key, self.label, self.argv, self.threads, self.missing = key, label, argv, threads, missing

    def command(self, w, quick, data_dir):
        n, steps = common.BY_NAME[w].size(quick)
        reps = 1 if quick else common.BY_NAME[w].reps
        cmd = self.argv + [w, f"--threads={self.threads}", f"--reps={reps}", f"--n={n}", f"--steps={steps}"]
        return cmd + [f"--data={data_dir}"] if PY_PEER in self.argv else cmd


def make_peers(args):
    bin_dir = os.path.join(args.build, "bench", "peers")
    venv_py = os.path.join(args.venv, "bin", "python")

    def cxx(key, label, name, threads):
        path = os.path.join(bin_dir, name)
        missing = None if os.access(path, os.X_OK) else f"{path} not built (cmake --preset bench)"
        return Peer(key, label, [path], threads, missing)

    def has_module(py, module):
        r = subprocess.run([py, "-c", f"import {module}"], capture_output=True)
        return r.returncode == 0

    jax_missing = None
    if not os.access(venv_py, os.X_OK):
        jax_missing = f"{venv_py} missing (scripts/install-peers.sh)"
    elif not has_module(venv_py, "jax"):
        jax_missing = "jax not installed in the venv (scripts/install-peers.sh)"
    t = args.threads
    peers = [
        cxx("tandem", f"tandem {t}t", "tandem_peer", t),
        cxx("tandem1", "tandem 1t", "tandem_peer", 1),
        Peer("numpy", "NumPy", [sys.executable, PY_PEER, "numpy"], t),
        Peer("numexpr", "numexpr", [sys.executable, PY_PEER, "numexpr"], t,
             None if has_module(sys.executable, "numexpr") else "numexpr not installed (scripts/install-peers.sh)"),
        Peer("jax", "JAX (CPU)", [venv_py, PY_PEER, "jax"], t, jax_missing),
        cxx("eigen", "Eigen", "eigen_peer", t),
        cxx("xtensor", "xtensor+xsimd", "xtensor_peer", t),
        cxx("xtensor_omp", "xtensor+xsimd+OpenMP", "xtensor_omp_peer", t),
    ]
    if args.peers:
        keep = set(args.peers.split(","))
        peers = [p for p in peers if p.key in keep or p.key in ("numpy", "tandem")]
    return peers


def run_one(peer, w, args):
    env = dict(os.environ, OMP_NUM_THREADS=str(peer.threads))
    try:
        proc = subprocess.run(peer.command(w, args.quick, args.data), capture_output=True, text=True, env=env,
                              timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {args.timeout} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:200]}"}
    return json.loads(lines[-1])


def check(w, ref, got):
    """None when got agrees with NumPy's summary ref (or the distribution), else why not."""
    s = got["summary"]
    if w in ("uniform", "normal"):
        n = s["size"]
        mean, std = (0.5, (1 / 12) ** 0.5) if w == "uniform" else (0.0, 1.0)
        if abs(s["mean"] - mean) > 6 * std / n ** 0.5 or abs(s["std"] - std) > 1e-2 * std:
            return f"moments {s['mean']:.5f}, {s['std']:.5f}"
        if w == "uniform" and (s["min"] < 0 or s["max"] >= 1):
            return f"range [{s['min']}, {s['max']}]"
        return None
    if s["size"] != ref["size"] or len(s["samples"]) != len(ref["samples"]):
        return f"size {s['size']} (NumPy {ref['size']})"
    scale = max(max(abs(x) for x in ref["samples"]), 1e-300)
    for key in ("sum", "wsum"):
        if abs(s[key] - ref[key]) > RTOL * scale * ref["size"] * 7:
            return f"{key} {s[key]:.17g} (NumPy {ref[key]:.17g})"
    for i, (a, b) in enumerate(zip(s["samples"], ref["samples"])):
        if abs(a - b) > RTOL * scale:
            return f"sample {i}: {a:.17g} (NumPy {b:.17g})"
    return None


def fmt_s(t):
    if t < 1e-6:
        return f"{t * 1e9:.0f} ns"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.1f} ms"
    return f"{t:.2f} s"


def machine_line():
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            model = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model}, {os.cpu_count()} cores visible"


def versions(args):
    out = {}
    for pkg in ("libeigen3-dev", "libxtensor-dev", "libxsimd-dev", "libxtensor-blas-dev", "python3-numexpr",
                "python3-numpy", "libopenblas0-openmp"):
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        if r.returncode == 0 and r.stdout:
            out[pkg] = r.stdout
    venv_py = os.path.join(args.venv, "bin", "python")
    if os.access(venv_py, os.X_OK):
        r = subprocess.run([venv_py, "-c", "import jax, jaxlib; print(jax.__version__, jaxlib.__version__)"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            out["jax, jaxlib (venv)"] = r.stdout.strip()
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--build", default=os.path.join(ROOT, "build", "bench"), help="the bench preset's build folder")
    p.add_argument("--venv", default=os.path.join(ROOT, "build", "peers-venv"), help="JAX's virtual environment")
    p.add_argument("--data", default=os.path.join(ROOT, "build", "peers-data"), help="cache of the Python inputs")
    p.add_argument("--threads", type=int, default=2, help="threads for tandem and the threaded peers (default 2)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--quick", action="store_true", help="small sizes, one round, one repetition")
    p.add_argument("--only", help="comma-separated workloads")
    p.add_argument("--peers", help="comma-separated peer keys (tandem and numpy always run)")
    p.add_argument("--timeout", type=int, default=900, help="seconds per (library, workload) run")
    p.add_argument("--json", metavar="FILE", help="also write every measurement to FILE")
    args = p.parse_args()
    rounds = 1 if args.quick else args.rounds
    workloads = [w.name for w in common.WORKLOADS]
    if args.only:
        workloads = [w for w in args.only.split(",") if w in common.BY_NAME]
    peers = make_peers(args)
    live = [q for q in peers if not q.missing]
    for q in peers:
        if q.missing:
            print(f"bench_peers: {q.label} missing: {q.missing}", file=sys.stderr)

    start = datetime.datetime.now(datetime.timezone.utc)
    load_before = os.getloadavg()
    best, ref, errors, loads, runs = {}, {}, {}, [], []
    # Each round runs every row, then the memory-bound rows' extra rounds.
    most_rounds = max(common.BY_NAME[w].rounds(rounds) for w in workloads)
    passes = []
    for r in range(rounds):
        passes.append(workloads)
        for _ in range(most_rounds // rounds - 1):
            passes.append([w for w in workloads if common.BY_NAME[w].rounds(rounds) > rounds])
    done = {w: 0 for w in workloads}
    for r, pass_workloads in enumerate(passes):
        for w in pass_workloads:
            done[w] += 1
            w_rounds = common.BY_NAME[w].rounds(rounds)
            # NumPy first in every round (the reference), the others rotating.
            rest = [q for q in live if q.key != "numpy"]
            rest = rest[r % len(rest):] + rest[:r % len(rest)]
            for q in [q for q in live if q.key == "numpy"] + rest:
                print(f"round {done[w]}/{w_rounds} {w}: {q.label} ...", file=sys.stderr, flush=True)
                res = run_one(q, w, args)
                loads.append(os.getloadavg()[0])
                if "error" in res:
                    errors[(q.key, w)] = res["error"]
                    continue
                if "skipped" in res:
                    best.setdefault((q.key, w), res)
                    continue
                if q.key == "numpy" and w not in ref:
                    ref[w] = res["summary"]
                why = check(w, ref[w], res) if w in ref else "no NumPy reference"
                if why:
                    errors[(q.key, w)] = f"disagrees with NumPy: {why}"
                    continue
                runs.append({"peer": q.key, "workload": w, "round": done[w], "best_s": res["best_s"],
                             "at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
                old = best.get((q.key, w))
                if old is None or "skipped" in old or res["best_s"] < old["best_s"]:
                    best[(q.key, w)] = res
    load_after = os.getloadavg()

    def goal_time(key, w):
        """(seconds, how) that the goals compare: the median of a memory-bound row's rounds
        (at least 4: each library's time at the host's usual level, where the best of them
        tells which library met a rare fast moment), else the best."""
        times = sorted(x["best_s"] for x in runs if x["peer"] == key and x["workload"] == w)
        if common.BY_NAME[w].memory_bound and len(times) >= 4 and (key, w) not in errors:
            return statistics.median(times), f"median of {len(times)}"
        r = result(key, w)
        return (r[0], "best") if r else None

    def result(key, w):
        """(seconds, cpu/wall, note) or None."""
        res = best.get((key, w))
        if res and "best_s" in res:
            return res["best_s"], res["cpu_over_wall"], "*" if key in ONE_FORM.get(w, ()) else ""
        return None

    def cell(key, w):
        if (key, w) in errors:
            return "FAILED"
        r = result(key, w)
        return f"{fmt_s(r[0])} ({r[1]:.2f}){r[2]}" if r else "–"

    print(f"date: {start.isoformat(timespec='minutes')} to "
          f"{datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='minutes')}, "
          f"{'quick' if args.quick else 'full'}, {rounds} round(s) (memory-bound rows {most_rounds}), "
          f"best repetition of each library")
    print(f"machine: {machine_line()}; load average before/after {load_before[0]:.2f} / {load_after[0]:.2f}, "
          f"during (1-min, sampled after each run) {min(loads, default=0):.2f}-{max(loads, default=0):.2f}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions(args).items()))
    # Settings inherited from the environment that change a library's kernels (a preset
    # OPENBLAS_CORETYPE picks OpenBLAS's GEMM for tandem and NumPy alike).
    settings = {k: v for k, v in os.environ.items() if k.startswith(("OPENBLAS_", "OMP_", "XLA_", "TANDEM_"))}
    print("environment: " + (", ".join(f"{k}={v}" for k, v in sorted(settings.items())) or "no BLAS, OpenMP, XLA or tandem settings"))
    for q in peers:
        if q.missing:
            print(f"missing: {q.label} ({q.missing})")
    print()
    print("Time of one call (best repetition); in parentheses the process's CPU time over wall time,")
    print("i.e. the threads it really kept busy. * = the library's one form of the stencil (the heat code, run again).\n")
    print("| workload | " + " | ".join(q.label for q in live) + " |")
    print("|---|" + "---:|" * len(live))
    for w in workloads:
        print(f"| {common.BY_NAME[w].label(args.quick)} | " + " | ".join(cell(q.key, w) for q in live) + " |")

    print("\nTime relative to tandem on %d threads (above 1 = tandem faster):\n" % args.threads)
    others = [q for q in live if q.key != "tandem"]
    print("| workload | " + " | ".join(q.label for q in others) + " |")
    print("|---|" + "---:|" * len(others))
    for w in workloads:
        base = result("tandem", w)
        cells = []
        for q in others:
            r = result(q.key, w)
            cells.append(f"{r[0] / base[0]:.2f}" if (r and base) else "–")
        print(f"| {common.BY_NAME[w].label(args.quick)} | " + " | ".join(cells) + " |")

    mb = [w for w in workloads if common.BY_NAME[w].memory_bound and goal_time("tandem", w)
          and goal_time("tandem", w)[1] != "best"]
    if mb:
        print("\nThe memory-bound rows, median of each library's rounds (what their goals compare):\n")
        print("| workload | " + " | ".join(q.label for q in live) + " |")
        print("|---|" + "---:|" * len(live))
        for w in mb:
            cells = []
            for q in live:
                g = goal_time(q.key, w)
                cells.append(fmt_s(g[0]) if g else "–")
            print(f"| {common.BY_NAME[w].label(args.quick)} | " + " | ".join(cells) + " |")

    print(f"\nGoals (issue 21): tandem on {args.threads} threads at least as fast as the best peer on every row "
          f"but the 16-element add (<= 100 ns), and the heat stencil (slices) in at most half of Eigen's one-thread "
          f"time; the other two stencil forms show their time over Eigen's one thread. Times: each library's best, "
          f"but for the memory-bound rows the median of their rounds.\n")
    print("| workload | tandem | best peer | tandem / best | goal | met | expected to meet it |")
    print("|---|---:|---|---:|---|:---:|---|")
    rows = []
    for w in workloads:
        base = goal_time("tandem", w)
        cands = [(goal_time(q.key, w)[0], q.label) for q in live
                 if q.key not in ("tandem", "tandem1") and goal_time(q.key, w)]
        if not base or not cands:
            continue
        t_best, who = min(cands)
        if w == "add16":
            goal, met = "<= 100 ns", base[0] <= ADD16_MAX_S
        else:
            goal, met = "<= best peer", base[0] <= t_best
            if base[1] != "best":
                goal += f" ({base[1]} rounds)"
            eigen1 = result("eigen", w)
            if w in HALF_EIGEN and eigen1:
                half = 0.5 * eigen1[0]
                goal += f", <= half Eigen 1t ({fmt_s(half)})"
                met = met and base[0] <= half
            elif w in OTHER_STENCIL_FORMS and eigen1:
                goal += f" (Eigen 1t x {base[0] / eigen1[0]:.2f})"
        missed = "--quick sizes: the goals are for the full ones" if args.quick else "issue 21 itself"
        print(f"| {common.BY_NAME[w].label(args.quick)} | {fmt_s(base[0])} | {who} {fmt_s(t_best)} | {base[0] / t_best:.2f} | "
              f"{goal} | {'yes' if met else 'no'} | {'' if met else missed + EXPECTED_NOTE.get(w, '')} |")
        rows.append({"workload": w, "tandem_s": base[0], "best_peer": who, "best_peer_s": t_best, "met": met,
                     "statistic": base[1]})
    if errors:
        print("\nFailures:")
        for (key, w), why in sorted(errors.items()):
            print(f"- {key} {w}: {why}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"start": start.isoformat(), "threads": args.threads, "quick": args.quick, "rounds": rounds,
                       "load_before": load_before, "load_after": load_after, "versions": versions(args),
                       "results": [{"peer": k, "workload": w, **v} for (k, w), v in best.items()],
                       "errors": [{"peer": k, "workload": w, "error": e} for (k, w), e in errors.items()],
                       "runs": runs,
                       "goals": rows}, f, indent=1)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
