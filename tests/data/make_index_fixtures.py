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
  along_x.npy                           (4, 5, 6) f64 input of the *_along_axis cases
  along_<c>_idx.npy, along_<c>_take.npy np.take_along_axis(x_c, idx, axis) for the cases c of
                                        ALONG_CASES (int64 indices, some negative; broadcasting)
  along_<c>_values.npy, along_<c>_put.npy  np.put_along_axis(x_c.copy(), idx, values, axis)
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

    # take_along_axis / put_along_axis. Each case: name, the array (a slice of along_x, as
    # the C++ test takes it), axis, indices, and the shape of the values put (which
    # broadcast to the result). Put indices are distinct along the axis, so no element is
    # written twice (NumPy leaves the winner of a repeat unspecified).
    ax = np.round(RNG.standard_normal((4, 5, 6)) * 10, 2)
    save("along_x", ax)
    order1 = np.argsort(ax, axis=1, kind="stable")
    cases = [
        ("sort1", ax, 1, order1, (4, 5, 6)),                                          # argsort's order
        ("neg2", ax, 2, RNG.permutation(6)[:4].reshape(1, 1, 4) - 6, (1, 4)),          # negatives, broadcast
        ("bcast0", ax, 0, np.array([[[3]], [[-3]], [[0]]]), (3, 5, 6)),                # (3, 1, 1) against (4, 5, 6)
        ("unit1", ax[:, :1, :], 2, np.argsort(RNG.random((4, 3, 6)), 2)[:, :, :2], ()),  # a's extent 1 broadcasts
    ]
    for name, x, axis, idx, vshape in cases:
        idx = np.asarray(idx, dtype=np.int64)
        save(f"along_{name}_idx", idx)
        save(f"along_{name}_take", np.take_along_axis(x, idx, axis))
        values = np.round(RNG.standard_normal(vshape) * 100, 1)
        save(f"along_{name}_values", values)
        y = x.copy()
        np.put_along_axis(y, idx, values, axis)
        save(f"along_{name}_put", y)


if __name__ == "__main__":
    main()
