#!/usr/bin/python3
"""Regenerate with: /usr/bin/python3 tests/data/make_io_fixtures.py  (NumPy >= 1.23; writes tests/data/npz/)

The .npz fixtures that tests/io/npz_test.cpp loads, written by NumPy's own savez and
savez_compressed: every supported dtype, C and Fortran order, 0-d and empty arrays. Each
member NAME also goes to NAME.npy (np.save), which the test loads with load_npy (checked
against raw bytes by the .npy tests) and compares with the member. Deterministic: fixed
seed; the output directory is emptied of .npz/.npy files first.
"""

import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npz")


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".npz", ".npy")):
            os.remove(os.path.join(OUT, f))
    rng = np.random.default_rng(20240612)
    arrays = {
        "b1": rng.random((4, 5)) < 0.5,
        "i4": rng.integers(-(2**31), 2**31, size=(3, 7), dtype=np.int32),
        "i8": rng.integers(-(2**62), 2**62, size=11, dtype=np.int64),
        "f4": rng.standard_normal((2, 3, 4)).astype(np.float32),
        "f8": rng.standard_normal(9) * 1e6,
        "f8_fortran": np.asfortranarray(rng.standard_normal((5, 3))),
        "i4_fortran": np.asfortranarray(rng.integers(-9, 9, size=(2, 3, 4), dtype=np.int32)),
        "b1_fortran": np.asfortranarray(rng.random((3, 2)) < 0.5),
        "f8_0d": np.array(3.25),
        "i8_empty": np.zeros((0, 4), dtype=np.int64),
        # Compressible data, so the deflated members are much smaller than stored ones.
        "f4_ramp": np.arange(4096, dtype=np.float32) % 7,
    }
    for name, a in arrays.items():
        np.save(os.path.join(OUT, name + ".npy"), a)
    np.savez(os.path.join(OUT, "mixed_stored.npz"), **arrays)
    np.savez_compressed(os.path.join(OUT, "mixed_compressed.npz"), **arrays)
    # Positional arrays get NumPy's names arr_0, arr_1, ...
    np.savez(os.path.join(OUT, "positional.npz"), arrays["i4"], arrays["f8"])
    np.savez(os.path.join(OUT, "empty_archive.npz"))
    # A member NumPy can store but tandem cannot read (big-endian), next to a good one.
    np.savez(os.path.join(OUT, "bad_big_endian_member.npz"), good=arrays["f8"], bad=arrays["f8"].astype(">f8"))


if __name__ == "__main__":
    main()
