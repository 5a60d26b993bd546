#!/usr/bin/python3
"""Writes the NumPy reference fixtures of tests/ops/sort_test.cpp, index_test.cpp and
join_test.cpp (sorting, indexing, joining).

Run with the system interpreter that has NumPy: /usr/bin/python3 tests/data/make_index_fixtures.py
Deterministic (fixed seed), so re-running it rewrites identical files. Output:
tests/data/index/*.npy, < 100 KB in all.

Layout (<dt> in f32 f64 i32 i64 b):
  sort_<dt>_x.npy                       (6, 41) input: duplicates; floats add NaN, +-0, +-inf
  sort_<dt>_axis<k>.npy                 np.sort(x, axis=k), k in 0, 1
  argsort_<dt>_axis<k>.npy              np.argsort(x, axis=k, kind='stable')
  search_<dt>_{sorted,values}.npy       np.sort of a 1-d sample (NaNs last) and probe values
  search_<dt>_{left,right}.npy          np.searchsorted(sorted, values, side)
  unique_<dt>_{values,index,inverse,counts}.npy  np.unique(x, return_*=True) (x = sort_<dt>_x)
  pad_<mode>.npy                        np.pad(pad_x, ((5, 7), (2, 0)), mode) with pad_x (3, 4) f64
  tile.npy, repeat.npy, roll.npy        tile(pad_x, (2, 1, 3)), repeat(pad_x, [1,0,3], 0), roll(pad_x, 5, 1)
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "index")
RNG = np.random.default_rng(20261123)


def save(name, arr):
    arr = np.asarray(arr)
    np.save(os.path.join(OUT, name + ".npy"), arr if arr.flags.c_contiguous else arr.copy(order="C"))


def sample(dt, n):
    if dt == np.bool_:
        return RNG.integers(0, 2, n).astype(np.bool_)
    if np.issubdtype(dt, np.integer):
        return RNG.integers(-20, 20, n).astype(dt)
    x = np.round(RNG.standard_normal(n) * 5, 1).astype(dt)  # rounding makes duplicates
    specials = np.array([np.nan, -0.0, 0.0, np.inf, -np.inf, np.nan, 1.5, 1.5], dtype=dt)
    pos = RNG.choice(n, len(specials), replace=False)
    x[pos] = specials
    return x


def main():
    os.makedirs(OUT, exist_ok=True)
    for dt, tag in [(np.float32, "f32"), (np.float64, "f64"), (np.int32, "i32"), (np.int64, "i64"), (np.bool_, "b")]:
        x = sample(dt, 6 * 41).reshape(6, 41)
        save(f"sort_{tag}_x", x)
        for k in (0, 1):
            save(f"sort_{tag}_axis{k}", np.sort(x, axis=k))
            save(f"argsort_{tag}_axis{k}", np.argsort(x, axis=k, kind="stable"))
        s = np.sort(sample(dt, 50))
        v = np.concatenate([sample(dt, 30), s[::7]])
        save(f"search_{tag}_sorted", s)
        save(f"search_{tag}_values", v)
        save(f"search_{tag}_left", np.searchsorted(s, v, side="left"))
        save(f"search_{tag}_right", np.searchsorted(s, v, side="right"))
        u, ui, uv, uc = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
        save(f"unique_{tag}_values", u)
        save(f"unique_{tag}_index", ui.astype(np.int64))
        save(f"unique_{tag}_inverse", uv.astype(np.int64).ravel())
        save(f"unique_{tag}_counts", uc.astype(np.int64))

    px = RNG.standard_normal((3, 4))
    save("pad_x", px)
    for mode in ["constant", "edge", "wrap", "reflect", "symmetric"]:
        save(f"pad_{mode}", np.pad(px, ((5, 7), (2, 0)), mode=mode))
    save("tile", np.tile(px, (2, 1, 3)))
    save("repeat", np.repeat(px, [1, 0, 3], axis=0))
    save("roll", np.roll(px, 5, axis=1))


if __name__ == "__main__":
    main()
