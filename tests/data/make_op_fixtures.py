#!/usr/bin/python3
"""Writes the NumPy reference fixtures used by tests/ops/numpy_fixture_test.cpp.

Run with the system interpreter that has NumPy: /usr/bin/python3 tests/data/make_op_fixtures.py
Deterministic (fixed seed; only input values and NumPy's outputs are stored), so re-running
it rewrites identical files. Output: tests/data/ops/*.npy and print_*.txt, < 300 KB in all.

Layout:
  binary_<dt>_a.npy, binary_<dt>_b.npy          operand pairs (special-value grid + random)
  binary_<dt>_<op>.npy                          NumPy's op(a, b)
  unary_<dt>_x.npy, unary_<dt>_<op>.npy         rint / sign / round_<d> of x
  clip_<dt>_{a,lo,hi,out}.npy                   np.clip with NaNs in every operand
  astype_<src>_<dst>_{x,out}.npy                float -> int conversion (in-range values only:
                                                NumPy leaves NaN and out-of-range undefined)
  hyperbolic_<dt>_x.npy, hyperbolic_<dt>_<op>.npy  arcsinh / arccosh / arctanh of x (special
                                                values, each op's domain edges, wide magnitudes)
  print_<k>.npy + print_<k>.txt                 an array and str() of it
"""
import os
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "ops")
RNG = np.random.default_rng(20240611)

np.set_printoptions()  # NumPy's defaults: precision 8, threshold 1000, linewidth 75


def save(name, arr):
    # np.ascontiguousarray would turn a 0-d array into shape (1,).
    arr = np.asarray(arr)
    np.save(os.path.join(OUT, name + ".npy"), arr if arr.flags.c_contiguous else arr.copy(order="C"))


def grid(values):
    a, b = np.meshgrid(values, values, indexing="ij")
    return a.ravel(), b.ravel()


def float_fixtures(dt, tag):
    big = 1e300 if dt == np.float64 else 1e30
    tiny = 1e-300 if dt == np.float64 else 1e-30
    special = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 7.0, -7.0, 0.1, -0.3, 3.0, 0.5,
                        np.inf, -np.inf, np.nan, big, tiny], dtype=dt)
    ga, gb = grid(special)
    ra = (RNG.standard_normal(200) * 10).astype(dt)
    rb = (RNG.standard_normal(200) * 3).astype(dt)
    a = np.concatenate([ga, ra]).astype(dt)
    b = np.concatenate([gb, rb]).astype(dt)
    save(f"binary_{tag}_a", a)
    save(f"binary_{tag}_b", b)
    for op in ["floor_divide", "mod", "power", "arctan2", "hypot", "minimum", "maximum"]:
        save(f"binary_{tag}_{op}", getattr(np, op)(a, b))

    halves = np.arange(-10, 10, dtype=dt) + dt(0.5)
    x = np.concatenate([halves, special, (RNG.standard_normal(60) * 100).astype(dt),
                        np.array([0.125, 0.375, 2.675, 1.005, -1.005, 1250, 1350, -1250, 0.49999997], dtype=dt)])
    x = x.astype(dt)
    save(f"unary_{tag}_x", x)
    save(f"unary_{tag}_rint", np.rint(x))
    save(f"unary_{tag}_sign", np.sign(x))
    for d in [0, 1, 2, -1, -2]:
        save(f"unary_{tag}_round_{'m' if d < 0 else ''}{abs(d)}", np.round(x, d))

    n = 40
    ca = (RNG.standard_normal(n) * 5).astype(dt)
    lo = (RNG.standard_normal(n) - 2).astype(dt)
    hi = (RNG.standard_normal(n) + 2).astype(dt)
    ca[::7] = np.nan
    lo[3::11] = np.nan
    hi[5::13] = np.nan
    save(f"clip_{tag}_a", ca)
    save(f"clip_{tag}_lo", lo)
    save(f"clip_{tag}_hi", hi)
    save(f"clip_{tag}_out", np.clip(ca, lo, hi))


def int_fixtures(dt, tag):
    info = np.iinfo(dt)
    special = np.array([0, 1, -1, 2, -2, 3, -3, 5, -5, 7, -7, 100, info.min, info.min + 1, info.max],
                       dtype=dt)
    ga, gb = grid(special)
    ra = RNG.integers(-1000, 1000, 200).astype(dt)
    rb = RNG.integers(-30, 30, 200).astype(dt)
    a = np.concatenate([ga, ra]).astype(dt)
    b = np.concatenate([gb, rb]).astype(dt)
    save(f"binary_{tag}_a", a)
    save(f"binary_{tag}_b", b)
    for op in ["floor_divide", "mod", "minimum", "maximum"]:
        save(f"binary_{tag}_{op}", getattr(np, op)(a, b))
    # power: non-negative exponents only (NumPy raises for negative ones); overflow wraps.
    bases = np.array([0, 1, -1, 2, -2, 3, -3, 7, 10, -10, 12345, info.max, info.min], dtype=dt)
    exps = np.array([0, 1, 2, 3, 5, 10, 19, 31, 32, 62, 63, 64], dtype=dt)
    pa, pb = np.meshgrid(bases, exps, indexing="ij")
    save(f"power_{tag}_a", pa.ravel())
    save(f"power_{tag}_b", pb.ravel())
    save(f"power_{tag}_out", np.power(pa.ravel(), pb.ravel()))
    x = np.concatenate([special, RNG.integers(-50, 50, 30).astype(dt)]).astype(dt)
    save(f"unary_{tag}_x", x)
    save(f"unary_{tag}_sign", np.sign(x))


def astype_fixtures():
    for src, stag in [(np.float64, "f64"), (np.float32, "f32")]:
        for dst, dtag in [(np.int32, "i32"), (np.int64, "i64")]:
            lim = 2.0**31 if dst == np.int32 else 2.0**62
            x = np.concatenate([np.array([0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.5, -1.5, 2.5, -2.5, 1e9, -1e9,
                                          lim / 2 + 0.5, -lim / 2 - 0.5], dtype=np.float64),
                                RNG.uniform(-1e6, 1e6, 40)]).astype(src)
            if dst == np.int32:
                x = np.concatenate([x, np.array([2147483647.0 if src == np.float64 else 2147483520.0,
                                                 -2147483648.0], dtype=src)])
            save(f"astype_{stag}_{dtag}_x", x)
            save(f"astype_{stag}_{dtag}_out", x.astype(dst))
    b = np.array([0.0, -0.0, 0.5, -1.0, np.nan, np.inf, 1e-30], dtype=np.float32)
    save("astype_f32_bool_x", b)
    save("astype_f32_bool_out", b.astype(np.bool_))


def print_fixtures():
    cases = [
        np.array([0.1, 1.5, -2.25, 3.0]),
        np.array([1 / 3, 2 / 3, 1e-3]),
        np.array([1e-10, 1.0, 1e10]),
        np.array([0.1, 0.2, 1e5], dtype=np.float32),
        np.array([True, False, True]),
        np.array([-5, 0, 123, 7], dtype=np.int32),
        np.arange(12, dtype=np.int64).reshape(3, 4) - 4,
        (np.arange(12, dtype=np.float64).reshape(2, 2, 3) / 4 - 1),
        np.arange(2000, dtype=np.float64),
        np.arange(2000, dtype=np.int64).reshape(40, 50),
        np.linspace(0, 1, 30),
        np.array([np.nan, np.inf, -np.inf, 1.5, -0.0]),
        np.array(3.5),
        np.zeros((0,), dtype=np.float64),
        np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32),
        np.arange(30, dtype=np.int32) * 100000,
        np.zeros((2, 0)),
        np.zeros((0, 3), dtype=np.int32),
        np.array([1e16, 1.0]),
        np.array([0.0001, 1000.0]),
        np.array([123456789.0]),
        np.array([1.5e-5, -2.0]),
        np.round(np.random.default_rng(7).standard_normal((3, 10)), 3),
        np.array([np.iinfo(np.int64).min, 0, 5], dtype=np.int64),
        np.arange(2000, dtype=np.int32).reshape(10, 10, 20),
        np.array([[True, False], [False, True]]),
        np.array([1 / 3, -2 / 3], dtype=np.float32),
        np.array([1e-300, 1e300]),
    ]
    for k, arr in enumerate(cases):
        save(f"print_{k}", arr)
        with open(os.path.join(OUT, f"print_{k}.txt"), "w") as f:
            f.write(str(arr))


def inverse_hyperbolic_fixtures(dt, tag):
    # Its own generator, so that adding these left every earlier fixture unchanged.
    rng = np.random.default_rng(20261206)
    big = 1e300 if dt == np.float64 else 1e30
    tiny = 1e-300 if dt == np.float64 else 1e-30
    special = np.array([0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 0.999, -0.999, 1.001, 2.0, 1e-8, -1e-8,
                        np.inf, -np.inf, np.nan, big, -big, tiny, -tiny], dtype=dt)
    mags = np.exp(rng.uniform(np.log(tiny), np.log(big), 200)) * rng.choice([-1.0, 1.0], 200)
    x = np.concatenate([special, rng.uniform(-1, 1, 150), rng.uniform(1, 20, 150), rng.uniform(-20, 20, 100),
                        mags]).astype(dt)
    save(f"hyperbolic_{tag}_x", x)
    for op in ["arcsinh", "arccosh", "arctanh"]:
        save(f"hyperbolic_{tag}_{op}", getattr(np, op)(x))


def main():
    os.makedirs(OUT, exist_ok=True)
    for name in os.listdir(OUT):
        if name.endswith(".npy") or name.endswith(".txt"):
            os.remove(os.path.join(OUT, name))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            float_fixtures(np.float64, "f64")
            float_fixtures(np.float32, "f32")
            int_fixtures(np.int32, "i32")
            int_fixtures(np.int64, "i64")
            astype_fixtures()
            inverse_hyperbolic_fixtures(np.float64, "f64")
            inverse_hyperbolic_fixtures(np.float32, "f32")
    print_fixtures()


if __name__ == "__main__":
    main()
