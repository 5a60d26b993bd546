#!/usr/bin/python3
"""Writes the NumPy reference fixtures used by tests/ops/linalg_test.cpp and matmul_test.cpp.

Run with the system interpreter that has NumPy: /usr/bin/python3 tests/data/make_linalg_fixtures.py
Deterministic (fixed seed); output: tests/data/linalg/*.npy, ~40 KB in all.

Layout (each name_<input>.npy holds an input, name_<output>.npy NumPy's result):
  tensordot_{a,b,out}         np.tensordot(a, b, axes=([1, 2], [1, 0]))
  dotnd_{a,b,out}             np.dot of a 3-d and a 3-d array
  inner_{a,b,out}             np.inner of 2-d arrays
  matmul_i32_{a,b,out}        int32 products that wrap around (NumPy wraps silently)
  matmul_i64_{a,b,out}        int64 likewise
  matmul_bool_{a,b,out}       bool matmul: logical or of ands
  solve_{a,b,x}               batched solve with broadcast batch axes
  det_{a,det,sign,logabsdet,inv}
  lstsq_{a,b,x,residuals,rank,s}       full column rank, overdetermined
  lstsqdef_{a,b,x,rank,s}              rank-deficient (minimum-norm solution)
  rank_{a,out}                matrix_rank of a stack with ranks 1, 2, 4
  norm_a, norm_<ord>          matrix norms of one 5 x 4 matrix
  vnorm_x, vnorm_<ord>        vector norms
  pinv_{a,out}                pseudo-inverse of a rank-3 4 x 6 matrix
  eigvalsh_{a,out}, svdvals_{a,out}
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "linalg")
RNG = np.random.default_rng(20241123)


def save(name, arr):
    arr = np.asarray(arr)
    np.save(os.path.join(OUT, name + ".npy"), arr if arr.flags.c_contiguous else arr.copy(order="C"))


def main():
    os.makedirs(OUT, exist_ok=True)
    a = RNG.standard_normal((2, 3, 4))
    b = RNG.standard_normal((4, 3, 5))
    save("tensordot_a", a)
    save("tensordot_b", b)
    save("tensordot_out", np.tensordot(a, b, axes=([1, 2], [1, 0])))

    a = RNG.standard_normal((2, 3, 4))
    b = RNG.standard_normal((2, 4, 5))
    save("dotnd_a", a)
    save("dotnd_b", b)
    save("dotnd_out", np.dot(a, b))

    a = RNG.standard_normal((2, 3))
    b = RNG.standard_normal((4, 3))
    save("inner_a", a)
    save("inner_b", b)
    save("inner_out", np.inner(a, b))

    for dt, tag in [(np.int32, "i32"), (np.int64, "i64")]:
        info = np.iinfo(dt)
        a = RNG.integers(info.min // 4, info.max // 4, size=(5, 7), dtype=dt)
        b = RNG.integers(-1000, 1000, size=(7, 3), dtype=dt)
        save(f"matmul_{tag}_a", a)
        save(f"matmul_{tag}_b", b)
        save(f"matmul_{tag}_out", a @ b)

    a = RNG.random((6, 9)) < 0.2
    b = RNG.random((9, 4)) < 0.2
    save("matmul_bool_a", a)
    save("matmul_bool_b", b)
    save("matmul_bool_out", a @ b)

    a = RNG.standard_normal((2, 1, 4, 4)) + 4 * np.eye(4)
    b = RNG.standard_normal((1, 3, 4, 2))
    save("solve_a", a)
    save("solve_b", b)
    save("solve_x", np.linalg.solve(a, b))

    a = RNG.standard_normal((3, 5, 5))
    save("det_a", a)
    save("det_det", np.linalg.det(a))
    sign, logabsdet = np.linalg.slogdet(a)
    save("det_sign", sign)
    save("det_logabsdet", logabsdet)
    save("det_inv", np.linalg.inv(a))

    a = RNG.standard_normal((7, 3))
    b = RNG.standard_normal((7, 2))
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    for name, v in [("a", a), ("b", b), ("x", x), ("residuals", residuals), ("rank", np.int64(rank)), ("s", s)]:
        save("lstsq_" + name, v)

    a = RNG.standard_normal((6, 2)) @ RNG.standard_normal((2, 4))
    b = RNG.standard_normal((6,))
    x, residuals, rank, s = np.linalg.lstsq(a, b, rcond=None)
    for name, v in [("a", a), ("b", b), ("x", x), ("rank", np.int64(rank)), ("s", s)]:
        save("lstsqdef_" + name, v)

    a = np.stack([RNG.standard_normal((5, r)) @ RNG.standard_normal((r, 4)) for r in (1, 2, 4)])
    save("rank_a", a)
    save("rank_out", np.linalg.matrix_rank(a).astype(np.int64))

    a = RNG.standard_normal((5, 4))
    save("norm_a", a)
    for tag, ord_ in [("fro", "fro"), ("nuc", "nuc"), ("1", 1), ("m1", -1), ("2", 2), ("m2", -2),
                      ("inf", np.inf), ("minf", -np.inf)]:
        save("norm_" + tag, np.linalg.norm(a, ord_))
    x = RNG.standard_normal(9)
    save("vnorm_x", x)
    for tag, ord_ in [("none", None), ("1", 1), ("2", 2), ("inf", np.inf), ("minf", -np.inf)]:
        save("vnorm_" + tag, np.linalg.norm(x, ord_))

    a = RNG.standard_normal((4, 3)) @ RNG.standard_normal((3, 6))
    save("pinv_a", a)
    save("pinv_out", np.linalg.pinv(a))

    a = RNG.standard_normal((3, 6, 6))
    a = a + np.swapaxes(a, -1, -2)
    save("eigvalsh_a", a)
    save("eigvalsh_out", np.linalg.eigvalsh(a))

    a = RNG.standard_normal((2, 5, 3))
    save("svdvals_a", a)
    save("svdvals_out", np.linalg.svd(a, compute_uv=False))


if __name__ == "__main__":
    main()
