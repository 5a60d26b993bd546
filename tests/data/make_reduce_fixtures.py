#!/usr/bin/python3
"""Writes the NumPy reference fixtures used by tests/ops/reduce_numpy_test.cpp.

Run with the system interpreter that has NumPy: /usr/bin/python3 tests/data/make_reduce_fixtures.py
Deterministic (fixed seed). Output: tests/data/reduce/*.npy (small).

For each input x_<k> (shape and dtype below; floats include NaN-free and NaN-holding
variants), and for each axis spec in AXES, NumPy's result of every op is stored as
<op>_<k>_<axes>.npy, where <axes> is "all", or the axes joined by "_" ("m1" for -1).
"""
import os
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "reduce")
RNG = np.random.default_rng(20261123)

INPUTS = {
    "f64": (RNG.standard_normal((5, 7, 9)) * 10).astype(np.float64),
    "f32": (RNG.standard_normal((5, 7, 9)) * 10).astype(np.float32),
    "i32": RNG.integers(-50, 50, (5, 7, 9)).astype(np.int32),
    "i64": RNG.integers(-1000, 1000, (5, 7, 9)).astype(np.int64),
    "bool": RNG.random((5, 7, 9)) < 0.4,
}
nan = INPUTS["f64"].copy()
nan[RNG.random(nan.shape) < 0.1] = np.nan
nan[0, :, :] = np.nan  # an all-NaN slab for nanmin/nanmax/nanmean
INPUTS["f64nan"] = nan

AXES = {"all": None, "0": 0, "m1": -1, "1": 1, "0_2": (0, 2), "2_0": (2, 0)}


def name_of(ax):
    return "all" if ax is None else "_".join("m1" if a == -1 else str(a) for a in np.atleast_1d(ax))


def save(name, arr):
    arr = np.asarray(arr)
    np.save(os.path.join(OUT, name + ".npy"), arr if arr.flags.c_contiguous else arr.copy(order="C"))


def main():
    os.makedirs(OUT, exist_ok=True)
    for k, x in INPUTS.items():
        save(f"x_{k}", x)
        numeric = x.dtype != np.bool_
        for tag, ax in AXES.items():
            ops = {"sum": np.sum, "prod": np.prod, "min": np.min, "max": np.max, "all": np.all, "any": np.any,
                   "count_nonzero": lambda a, axis: np.count_nonzero(a, axis=axis), "mean": np.mean}
            if numeric:
                ops.update({"var": np.var, "std": lambda a, axis: np.std(a, axis=axis, ddof=1), "ptp": np.ptp})
            if x.dtype.kind == "f":
                ops.update({"nansum": np.nansum, "nanmin": np.nanmin, "nanmax": np.nanmax, "nanmean": np.nanmean,
                            "norm": lambda a, axis: np.linalg.norm(a, axis=axis) if axis is None or
                            np.ndim(axis) == 0 or len(axis) <= 2 else None})
            for op, f in ops.items():
                if op == "prod" and x.dtype.kind == "f":
                    xx = x / 8  # keep products in range
                    save(f"x_{k}_scaled", xx)
                    r = f(xx, axis=ax)
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        r = f(x, axis=ax)
                if r is not None:
                    save(f"{op}_{k}_{tag}", r)
            if ax is None or np.ndim(ax) == 0:
                for op in ["argmin", "argmax"]:
                    save(f"{op}_{k}_{tag}", getattr(np, op)(x, axis=ax))
                if ax is not None:
                    save(f"cumsum_{k}_{tag}", np.cumsum(x, axis=ax))
                    save(f"diff_{k}_{tag}", np.diff(x, axis=ax))
                    save(f"diff2_{k}_{tag}", np.diff(x, n=2, axis=ax))
                    if numeric:
                        save(f"cumprod_{k}_{tag}", np.cumprod(x / 8 if x.dtype.kind == "f" else x % 3, axis=ax))
                else:
                    save(f"cumsum_{k}_{tag}", np.cumsum(x))
    # Matrix and vector norms with an ord.
    m = INPUTS["f64"][0]
    save("norm_m", m)
    for ord_, tag in [(1, "1"), (-1, "m1"), (np.inf, "inf"), (-np.inf, "minf")]:
        save(f"norm_m_ord{tag}", np.linalg.norm(m, ord=ord_))
    v = INPUTS["f64"][:, 0, 0]
    save("norm_v", v)
    for ord_, tag in [(1, "1"), (2, "2"), (3, "3"), (0, "0"), (np.inf, "inf"), (-np.inf, "minf"), (0.5, "half")]:
        save(f"norm_v_ord{tag}", np.linalg.norm(v, ord=ord_))


if __name__ == "__main__":
    main()
