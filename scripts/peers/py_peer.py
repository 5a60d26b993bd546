"""The Python peers of scripts/bench_peers.py: NumPy, numexpr and JAX (on the CPU), each
workload as a user of that library writes it. One run prints one JSON line (the protocol
of bench/peers/peer_harness.hpp).

Usage: py_peer.py {numpy,numexpr,jax} <workload> --threads T --reps R --n N --steps S --data DIR
  DIR caches the inputs as .npy files (made on first use by common.input_array).
NumPy runs its element-wise code on one thread (its matmul on OpenBLAS's OMP_NUM_THREADS);
numexpr on --threads; JAX on XLA's CPU thread pool (all cores unless XLA_FLAGS say less).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402  (the directory of this script)

ADD16_CALLS = 20000


def cached_input(data_dir, shape, seed, dtype=np.float64):
    """common.input_array, cached in data_dir (written once, atomically)."""
    name = f"s{seed}_{np.dtype(dtype).name}_{'x'.join(map(str, shape))}.npy"
    path = os.path.join(data_dir, name)
    if not os.path.exists(path):
        os.makedirs(data_dir, exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            np.save(f, common.input_array(shape, seed, dtype))
        os.replace(tmp, path)
    return np.load(path)


class Inputs:
    def __init__(self, data_dir, n):
        self.dir, self.n = data_dir, n

    def vec(self, seed):
        return cached_input(self.dir, (self.n,), seed)

    def get(self, shape, seed, dtype=np.float64):
        return cached_input(self.dir, shape, seed, dtype)


def swapped_grids(init, steps, one_step):
    """(setup, run, summary, calls) of a stencil written into a second grid, then swapped:
    one_step(u, v) writes v's interior from u; both grids start as init."""
    grids = [init.copy(), init.copy()]

    def run():
        u, v = grids
        for _ in range(steps):
            one_step(u, v)
            u, v = v, u
        grids[:] = [u, v]

    def reset():
        for g in grids:
            np.copyto(g, init)

    return reset, run, lambda: common.summary_of(grids[0]), 1


def numpy_workloads(inp, args):
    """name -> (setup, run, summary, calls) for NumPy; numexpr overrides some below."""
    out = {}
    n, steps, k = args.n, args.steps, common.HEAT_K
    res = {}

    if args.workload in ("add_out", "fma_alloc", "exp_out", "sum", "sum_ab", "add16"):
        a, b = inp.vec(1), inp.vec(2)
        c = inp.vec(3) if args.workload == "fma_alloc" else None
        o = np.empty_like(a)
        keep = lambda: common.summary_of(o)  # noqa: E731
        out["add_out"] = (None, lambda: np.add(a, b, out=o), keep, 1)
        out["add16"] = (None, lambda: np.add(a, b, out=o), keep, ADD16_CALLS)
        out["exp_out"] = (None, lambda: np.exp(a, out=o), keep, 1)
        out["fma_alloc"] = (None, lambda: res.update(r=a * b + c), lambda: common.summary_of(res["r"]), 1)
        out["sum"] = (None, lambda: res.update(r=np.sum(a)), lambda: common.summary_of(np.array([res["r"]])), 1)
        out["sum_ab"] = (None, lambda: res.update(r=np.sum(a * b)), lambda: common.summary_of(np.array([res["r"]])), 1)
    elif args.workload == "sort_f32":
        x = inp.get((n,), 4, np.float32)
        out["sort_f32"] = (None, lambda: res.update(r=np.sort(x)), lambda: common.summary_of(res["r"]), 1)
    elif args.workload == "matmul":
        a, b = inp.get((n, n), 5), inp.get((n, n), 6)
        out["matmul"] = (None, lambda: res.update(r=a @ b), lambda: common.summary_of(res["r"]), 1)
    elif args.workload in ("uniform", "normal"):
        rng = np.random.default_rng(42)
        out["uniform"] = (None, lambda: res.update(r=rng.random(n)), lambda: common.moments_of(res["r"]), 1)
        out["normal"] = (None, lambda: res.update(r=rng.standard_normal(n)), lambda: common.moments_of(res["r"]), 1)
    elif args.workload in ("heat", "heat_out"):
        init = inp.get((n, n), 7)
        u = init.copy()
        c, no, so, we, ea = u[1:-1, 1:-1], u[:-2, 1:-1], u[2:, 1:-1], u[1:-1, :-2], u[1:-1, 2:]
        t, t2 = np.empty_like(c), np.empty_like(c)

        def heat():
            for _ in range(steps):
                c[...] = c + k * (no + so + we + ea - 4.0 * c)

        def heat_out():
            for _ in range(steps):
                np.add(no, so, out=t)
                np.add(t, we, out=t)
                np.add(t, ea, out=t)
                np.multiply(c, 4.0, out=t2)
                np.subtract(t, t2, out=t)
                np.multiply(t, k, out=t)
                np.add(c, t, out=c)

        reset = lambda: np.copyto(u, init)  # noqa: E731
        out["heat"] = (reset, heat, lambda: common.summary_of(u), 1)
        out["heat_out"] = (reset, heat_out, lambda: common.summary_of(u), 1)
    elif args.workload == "heat_swap":

        def one_step(u, v):
            c = u[1:-1, 1:-1]
            v[1:-1, 1:-1] = c + k * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c)

        out["heat_swap"] = swapped_grids(inp.get((n, n), 7), steps, one_step)
    elif args.workload == "stencil3d":
        init = inp.get((n, n, n), 8)
        u = init.copy()
        c = u[1:-1, 1:-1, 1:-1]
        nb = [u[:-2, 1:-1, 1:-1], u[2:, 1:-1, 1:-1], u[1:-1, :-2, 1:-1], u[1:-1, 2:, 1:-1], u[1:-1, 1:-1, :-2],
              u[1:-1, 1:-1, 2:]]

        def stencil():
            for _ in range(steps):
                c[...] = c + common.HEAT3D_K * (nb[0] + nb[1] + nb[2] + nb[3] + nb[4] + nb[5] - 6.0 * c)

        out["stencil3d"] = (lambda: np.copyto(u, init), stencil, lambda: common.summary_of(u), 1)
    elif args.workload == "nbody":
        pos, vel, mass = inp.get((n, 3), 9), inp.get((n, 3), 10), inp.get((n,), 11)

        def step():
            d = pos[np.newaxis, :, :] - pos[:, np.newaxis, :]
            r2 = np.sum(d * d, axis=2) + common.NBODY_EPS
            w = mass[np.newaxis, :] / (r2 * np.sqrt(r2))
            acc = np.sum(d * w[:, :, np.newaxis], axis=1)
            vel1 = vel + common.NBODY_DT * acc
            res.update(r=acc, p=pos + common.NBODY_DT * vel1)

        out["nbody"] = (None, step, lambda: common.summary_of(res["r"]), 1)
    return out


def numexpr_workloads(inp, args):
    import numexpr as ne

    ne.set_num_threads(args.threads)
    n, steps, res = args.n, args.steps, {}
    env = {"k": common.HEAT_K, "k3": common.HEAT3D_K, "eps": common.NBODY_EPS, "dt": common.NBODY_DT}

    def ev(expr, **kw):  # numexpr reads names from a dict (here: env) instead of the caller's frame
        return ne.evaluate(expr, local_dict=env, **kw)

    out = {}
    if args.workload in ("add_out", "fma_alloc", "exp_out", "sum", "sum_ab", "add16"):
        env.update(a=inp.vec(1), b=inp.vec(2), c=inp.vec(3) if args.workload == "fma_alloc" else None)
        o = np.empty_like(env["a"])
        keep = lambda: common.summary_of(o)  # noqa: E731
        scalar = lambda: common.summary_of(np.array([res["r"]]))  # noqa: E731
        out["add_out"] = (None, lambda: ev("a + b", out=o), keep, 1)
        out["add16"] = (None, lambda: ev("a + b", out=o), keep, ADD16_CALLS)
        out["exp_out"] = (None, lambda: ev("exp(a)", out=o), keep, 1)
        out["fma_alloc"] = (None, lambda: res.update(r=ev("a * b + c")), lambda: common.summary_of(res["r"]), 1)
        out["sum"] = (None, lambda: res.update(r=ev("sum(a)")), scalar, 1)
        out["sum_ab"] = (None, lambda: res.update(r=ev("sum(a * b)")), scalar, 1)
    elif args.workload in ("heat", "heat_out"):
        init = inp.get((n, n), 7)
        u = init.copy()
        env.update(c=u[1:-1, 1:-1], no=u[:-2, 1:-1], so=u[2:, 1:-1], we=u[1:-1, :-2], ea=u[1:-1, 2:])
        t = np.empty_like(env["c"])
        expr = "c + k * (no + so + we + ea - 4.0 * c)"

        def heat():  # one numexpr pass into a fresh array, copied into the view
            for _ in range(steps):
                env["c"][...] = ev(expr)

        def heat_out():  # the same pass into a preallocated buffer
            for _ in range(steps):
                ev(expr, out=t)
                np.copyto(env["c"], t)

        reset = lambda: np.copyto(u, init)  # noqa: E731
        out["heat"] = (reset, heat, lambda: common.summary_of(u), 1)
        out["heat_out"] = (reset, heat_out, lambda: common.summary_of(u), 1)
    elif args.workload == "heat_swap":

        def one_step(u, v):  # one numexpr pass from u's slices, copied into v's interior
            env.update(c=u[1:-1, 1:-1], no=u[:-2, 1:-1], so=u[2:, 1:-1], we=u[1:-1, :-2], ea=u[1:-1, 2:])
            v[1:-1, 1:-1] = ev("c + k * (no + so + we + ea - 4.0 * c)")

        out["heat_swap"] = swapped_grids(inp.get((n, n), 7), steps, one_step)
    elif args.workload == "stencil3d":
        init = inp.get((n, n, n), 8)
        u = init.copy()
        s0, s1, s2 = slice(0, -2), slice(1, -1), slice(2, None)
        env.update(c=u[s1, s1, s1], xm=u[s0, s1, s1], xp=u[s2, s1, s1], ym=u[s1, s0, s1], yp=u[s1, s2, s1],
                   zm=u[s1, s1, s0], zp=u[s1, s1, s2])

        def stencil():
            for _ in range(steps):
                env["c"][...] = ev("c + k3 * (xm + xp + ym + yp + zm + zp - 6.0 * c)")

        out["stencil3d"] = (lambda: np.copyto(u, init), stencil, lambda: common.summary_of(u), 1)
    elif args.workload == "nbody":
        pos, vel, mass = inp.get((n, 3), 9), inp.get((n, 3), 10), inp.get((n,), 11)
        env.update(pj=pos[np.newaxis, :, :], pi=pos[:, np.newaxis, :], m=mass[np.newaxis, :], pos=pos, vel=vel)

        def step():  # numexpr for the element-wise passes, NumPy for the axis sums
            env["d"] = ev("pj - pi")
            env["r2"] = ev("d * d").sum(axis=2) + common.NBODY_EPS
            env["w"] = ev("m / (r2 * sqrt(r2))")[:, :, np.newaxis]
            env["acc"] = ev("d * w").sum(axis=1)
            env["vel1"] = ev("vel + dt * acc")
            res.update(r=env["acc"], p=ev("pos + dt * vel1"))

        out["nbody"] = (None, step, lambda: common.summary_of(res["r"]), 1)
    return out


def jax_workloads(inp, args):
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    n, steps, res = args.n, args.steps, {}
    out = {}

    def timed(f, *xs):
        """run(): f(*xs) to completion, the result kept for the summary."""
        return lambda: res.update(r=jax.block_until_ready(f(*xs)))

    summ = lambda: common.summary_of(np.asarray(res["r"]))  # noqa: E731
    if args.workload in ("add_out", "fma_alloc", "exp_out", "sum", "sum_ab", "add16"):
        a, b, c = (jnp.asarray(inp.vec(s)) for s in (1, 2, 3))
        add = jax.jit(lambda x, y: x + y)  # no out= in JAX: every call makes a new array
        out["add_out"] = (None, timed(add, a, b), summ, 1)
        out["add16"] = (None, timed(add, a, b), summ, ADD16_CALLS)
        out["exp_out"] = (None, timed(jax.jit(jnp.exp), a), summ, 1)
        out["fma_alloc"] = (None, timed(jax.jit(lambda x, y, z: x * y + z), a, b, c), summ, 1)
        out["sum"] = (None, timed(jax.jit(jnp.sum), a), lambda: common.summary_of(np.asarray(res["r"]).reshape(1)), 1)
        out["sum_ab"] = (None, timed(jax.jit(lambda x, y: jnp.sum(x * y)), a, b),
                         lambda: common.summary_of(np.asarray(res["r"]).reshape(1)), 1)
    elif args.workload == "sort_f32":
        out["sort_f32"] = (None, timed(jax.jit(jnp.sort), jnp.asarray(inp.get((n,), 4, np.float32))), summ, 1)
    elif args.workload == "matmul":
        a, b = jnp.asarray(inp.get((n, n), 5)), jnp.asarray(inp.get((n, n), 6))
        out["matmul"] = (None, timed(jax.jit(jnp.matmul), a, b), summ, 1)
    elif args.workload in ("uniform", "normal"):
        key = jax.random.key(42)
        uni = jax.jit(lambda kk: jax.random.uniform(kk, (n,), dtype=jnp.float64))
        nor = jax.jit(lambda kk: jax.random.normal(kk, (n,), dtype=jnp.float64))
        mom = lambda: common.moments_of(np.asarray(res["r"]))  # noqa: E731
        out["uniform"] = (None, timed(uni, key), mom, 1)
        out["normal"] = (None, timed(nor, key), mom, 1)
    elif args.workload in ("heat", "heat_out", "heat_swap"):
        k = common.HEAT_K

        def one(_, u):
            c = u[1:-1, 1:-1]
            return u.at[1:-1, 1:-1].set(c + k * (u[:-2, 1:-1] + u[2:, 1:-1] + u[1:-1, :-2] + u[1:-1, 2:] - 4.0 * c))

        f = jax.jit(lambda u: jax.lax.fori_loop(0, steps, one, u))
        out["heat"] = (None, timed(f, jnp.asarray(inp.get((n, n), 7))), summ, 1)
        out["heat_out"] = out["heat"]  # one form: XLA plans the buffers
        out["heat_swap"] = out["heat"]
    elif args.workload == "stencil3d":
        k = common.HEAT3D_K

        def one(_, u):
            c = u[1:-1, 1:-1, 1:-1]
            nb = (u[:-2, 1:-1, 1:-1] + u[2:, 1:-1, 1:-1] + u[1:-1, :-2, 1:-1] + u[1:-1, 2:, 1:-1] + u[1:-1, 1:-1, :-2] +
                  u[1:-1, 1:-1, 2:])
            return u.at[1:-1, 1:-1, 1:-1].set(c + k * (nb - 6.0 * c))

        f = jax.jit(lambda u: jax.lax.fori_loop(0, steps, one, u))
        out["stencil3d"] = (None, timed(f, jnp.asarray(inp.get((n, n, n), 8))), summ, 1)
    elif args.workload == "nbody":
        pos, vel, mass = (jnp.asarray(inp.get(s, seed)) for s, seed in (((n, 3), 9), ((n, 3), 10), ((n,), 11)))

        @jax.jit
        def step(pos, vel, mass):
            d = pos[jnp.newaxis, :, :] - pos[:, jnp.newaxis, :]
            r2 = jnp.sum(d * d, axis=2) + common.NBODY_EPS
            w = mass[jnp.newaxis, :] / (r2 * jnp.sqrt(r2))
            acc = jnp.sum(d * w[:, :, jnp.newaxis], axis=1)
            vel1 = vel + common.NBODY_DT * acc
            return acc, vel1, pos + common.NBODY_DT * vel1

        out["nbody"] = (None, timed(step, pos, vel, mass), lambda: common.summary_of(np.asarray(res["r"][0])), 1)
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("lib", choices=["numpy", "numexpr", "jax"])
    p.add_argument("workload")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--data", required=True)
    args = p.parse_args()
    inp = Inputs(args.data, args.n)
    try:
        if args.lib == "numpy":
            table = numpy_workloads(inp, args)
        elif args.lib == "numexpr":
            table = numexpr_workloads(inp, args)
        else:
            table = jax_workloads(inp, args)
    except ImportError as e:
        common.skip(args.workload, f"{args.lib} is not installed ({e})")
        return
    if args.workload not in table:
        common.skip(args.workload, f"no {args.workload} in {args.lib}")
        return
    setup, run, summary, calls = table[args.workload]
    common.measure(args.workload, args.reps, setup or (lambda: None), run, summary, calls)


if __name__ == "__main__":
    main()
