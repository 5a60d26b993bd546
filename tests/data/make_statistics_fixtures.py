#!/usr/bin/python3
"""Writes the NumPy reference fixtures used by tests/ops/statistics_test.cpp.

Run with the system interpreter that has NumPy: /usr/bin/python3 tests/data/make_statistics_fixtures.py
Deterministic (fixed seed). Output: tests/data/statistics/*.npy (small).

quantile/percentile/median: inputs x_<k> (odd and even axis lengths, a NaN-holding variant)
over each axis spec in AXES and each method in METHODS, stored as
quantile_<method>_<k>_<axes>.npy (q = Q below), percentile_<k>_<axes>.npy (q = P),
median_<k>_<axes>.npy. histogram, bincount and isclose cases are named after their options.
"""
import os
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "statistics")
RNG = np.random.default_rng(20261206)

INPUTS = {
    "f64": RNG.standard_normal((5, 4, 7)) * 10,
    "f32": (RNG.standard_normal((4, 3, 5)) * 10).astype(np.float32),
    "i32": RNG.integers(-50, 50, (3, 5, 4)).astype(np.int32),
    "i64": RNG.integers(-1000, 1000, (4, 3, 2)).astype(np.int64),
    "one": np.array([3.25]),
}
nan = INPUTS["f64"].copy()
nan[RNG.random(nan.shape) < 0.05] = np.nan
INPUTS["f64nan"] = nan

AXES = {"all": None, "0": 0, "m1": -1, "1": 1, "0_2": (0, 2)}
METHODS = ["linear", "lower", "higher", "nearest", "midpoint"]
Q = np.array([0.0, 0.1, 0.5, 0.99, 1.0, 1.0 / 3.0])
P = np.array([[5.0, 50.0], [62.5, 100.0]])


def save(name, arr):
    arr = np.asarray(arr)
    np.save(os.path.join(OUT, name + ".npy"), arr if arr.flags.c_contiguous else arr.copy(order="C"))


def main():
    os.makedirs(OUT, exist_ok=True)
    save("q", Q)
    save("p", P)
    for k, x in INPUTS.items():
        save(f"x_{k}", x)
        for tag, ax in AXES.items():
            if x.ndim == 1 and tag not in ("all", "0", "m1"):
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for m in METHODS:
                    # NumPy keeps integer (and float32) results for lower/higher/nearest;
                    # tandem returns float64 for integers: compare values as float64.
                    save(f"quantile_{m}_{k}_{tag}", np.quantile(x, Q, axis=ax, method=m).astype(np.float64))
                save(f"quantile_scalar_{k}_{tag}", np.quantile(x, 0.3, axis=ax))
                save(f"quantile_keepdims_{k}_{tag}", np.quantile(x, Q[:3], axis=ax, keepdims=True))
                save(f"percentile_{k}_{tag}", np.percentile(x, P, axis=ax))
                save(f"median_{k}_{tag}", np.median(x, axis=ax).astype(np.float64))  # float32 data: float32

    # histogram: counts and edges for a count of bins, a range, given edges, density, weights.
    h = RNG.standard_normal(1001) * 2 + 0.5
    hw = RNG.random(1001)
    hi = RNG.integers(0, 20, 257).astype(np.int64)
    save("h_x", h)
    save("h_w", hw)
    save("h_i", hi)
    edges = np.array([-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 3.5])
    save("h_edges", edges)
    for name, kw in {
        "default": {},
        "bins7": {"bins": 7},
        "range": {"bins": 12, "range": (-2.0, 3.0)},
        "edges": {"bins": edges},
        "density": {"bins": 9, "range": (-4.0, 4.0), "density": True},
        "weights": {"bins": 5, "range": (-1.0, 2.0), "weights": hw},
        "edges_density": {"bins": edges, "density": True},
    }.items():
        hist, e = np.histogram(h, **kw)
        save(f"hist_{name}", hist)
        save(f"hist_{name}_edges", e)
    hist, e = np.histogram(hi, bins=6)
    save("hist_int", hist)
    save("hist_int_edges", e)
    hist, e = np.histogram(np.full(5, 2.0), bins=4)  # equal min and max: range widened by 0.5
    save("hist_flat", hist)
    save("hist_flat_edges", e)

    # bincount: plain, minlength, weights.
    b = RNG.integers(0, 13, 301).astype(np.int32)
    bw = RNG.standard_normal(301)
    save("b_x", b)
    save("b_w", bw)
    save("bincount", np.bincount(b))
    save("bincount_min20", np.bincount(b, minlength=20))
    save("bincount_weights", np.bincount(b, weights=bw))

    # isclose: near pairs, infinities, NaNs, broadcasting.
    a = RNG.standard_normal((6, 5))
    c = a * (1 + RNG.choice([0.0, 5e-6, 2e-5, 1e-3], a.shape)) + RNG.choice([0.0, 5e-9, 1e-7], a.shape)
    a[0, 0], c[0, 0] = np.inf, np.inf
    a[0, 1], c[0, 1] = np.inf, -np.inf
    a[0, 2], c[0, 2] = np.nan, np.nan
    a[0, 3], c[0, 3] = 1.0, np.nan
    a[1, 0], c[1, 0] = 0.0, 1e-9
    save("c_a", a)
    save("c_b", c)
    save("isclose", np.isclose(a, c))
    save("isclose_equal_nan", np.isclose(a, c, equal_nan=True))
    save("isclose_tight", np.isclose(a, c, rtol=1e-7, atol=0.0))
    save("isclose_row", np.isclose(a, c[2]))
    save("allclose", np.array(np.allclose(a[2:], c[2:])))
    save("allclose_loose", np.array(np.allclose(a[2:], c[2:], rtol=2e-3)))


if __name__ == "__main__":
    main()
