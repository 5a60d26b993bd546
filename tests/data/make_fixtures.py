#!/usr/bin/python3
"""Regenerate with: /usr/bin/python3 tests/data/make_fixtures.py  (NumPy >= 1.23; writes tests/data/npy/)

The .npy fixtures that tests/io/npy_test.cpp loads. Each valid fixture NAME.npy comes with
NAME.bin: the same values as raw little-endian bytes in C order, which the test compares with
what tandem loads. Files named bad_*.npy are malformed on purpose. Deterministic: fixed
seeds, and the output directory is emptied of .npy/.bin files first.
"""

import io
import os
import struct

import numpy as np
from numpy.lib import format as npf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "npy")


def path(name):
    return os.path.join(OUT, name)


def save_valid(name, a, writer=None):
    """name.npy written by NumPy (np.save, or writer(file, a)) and name.bin with the C-order bytes."""
    with open(path(name + ".npy"), "wb") as f:
        if writer is None:
            np.save(f, a)
        else:
            writer(f, a)
    np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tofile(path(name + ".bin"))


def npy_bytes(a, version=None):
    buf = io.BytesIO()
    npf.write_array(buf, a, version=version)
    return buf.getvalue()


def handmade(header, data, version=(1, 0)):
    """A .npy file with a header dict written by hand (padded to 64 bytes like NumPy)."""
    fmt = "<H" if version == (1, 0) else "<I"
    body = header.encode("latin1" if version != (3, 0) else "utf8")
    prefix_len = 6 + 2 + struct.calcsize(fmt)
    pad = 64 - (prefix_len + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    return npf.magic(*version) + struct.pack(fmt, len(body)) + body + data


def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".npy", ".bin")):
            os.remove(path(f))

    rng = np.random.default_rng(20240611)

    # One per dtype, odd shapes, random values (plus edge values).
    save_valid("bool_2d", rng.random((5, 7)) < 0.5)
    i4 = rng.integers(-(2**31), 2**31, size=13, dtype=np.int32)
    i4[:2] = [np.iinfo(np.int32).min, np.iinfo(np.int32).max]
    save_valid("i4_1d", i4)
    i8 = rng.integers(-(2**63), 2**63 - 1, size=(2, 3, 4), dtype=np.int64, endpoint=True)
    i8.flat[:2] = [np.iinfo(np.int64).min, np.iinfo(np.int64).max]
    save_valid("i8_3d", i8)
    f4 = rng.standard_normal(17).astype(np.float32)
    f4[:6] = [np.inf, -np.inf, np.nan, -0.0, np.finfo(np.float32).tiny / 4, np.finfo(np.float32).max]
    save_valid("f4_1d", f4)
    save_valid("f8_3d", rng.standard_normal((3, 4, 5)) * 1e3)

    # 0-d and empty.
    save_valid("f8_0d", np.array(rng.standard_normal()))
    save_valid("i4_0d", np.array(-123456, dtype=np.int32))
    save_valid("f4_empty", np.zeros((0, 3), dtype=np.float32))

    # Fortran order: the file holds the column-major bytes, the .bin the C-order values.
    save_valid("f8_fortran_2d", np.asfortranarray(rng.standard_normal((4, 6))))
    save_valid("i4_fortran_3d", np.asfortranarray(rng.integers(-1000, 1000, size=(2, 3, 5), dtype=np.int32)))

    # Format versions 2.0 and 3.0.
    save_valid("f8_v2", rng.standard_normal((3, 2)), lambda f, a: npf.write_array(f, a, version=(2, 0)))
    save_valid("i8_v3", rng.integers(-50, 50, size=(7,), dtype=np.int64),
               lambda f, a: npf.write_array(f, a, version=(3, 0)))

    # A header NumPy would not write but accepts: keys in another order, double quotes,
    # extra whitespace, no trailing comma.
    hw = np.arange(6, dtype=np.int64).reshape(2, 3) * 7 - 10
    with open(path("i8_handwritten_header.npy"), "wb") as f:
        f.write(handmade('{ "shape" : ( 2 ,  3 ) ,\'fortran_order\':False,  "descr":"<i8"}', hw.tobytes()))
    hw.tofile(path("i8_handwritten_header.bin"))

    # Bool bytes other than 0 and 1 (NumPy treats any nonzero byte as True).
    with open(path("bool_nonzero_bytes.npy"), "wb") as f:
        np.save(f, np.array([0, 1, 2, 255, 0, 128], dtype=np.uint8).view(np.bool_))

    # ---- malformed ----
    good = npy_bytes(np.arange(10, dtype=np.float64))
    with open(path("bad_truncated.npy"), "wb") as f:
        f.write(good[:-8])  # 80 bytes of data expected, 72 present
    with open(path("bad_trailing.npy"), "wb") as f:
        f.write(good + b"\0" * 8)
    with open(path("bad_magic.npy"), "wb") as f:
        f.write(b"\x93NUMPX" + good[6:])
    with open(path("bad_version.npy"), "wb") as f:
        f.write(good[:6] + b"\x04\x00" + good[8:])
    with open(path("bad_header_len.npy"), "wb") as f:
        f.write(good[:8] + struct.pack("<H", 0xFFF0) + good[10:])
    with open(path("bad_short.npy"), "wb") as f:
        f.write(good[:9])
    with open(path("bad_no_newline.npy"), "wb") as f:
        hlen = struct.unpack("<H", good[8:10])[0]
        end = 10 + hlen - 1
        f.write(good[:end] + b" " + good[end + 1:])
    with open(path("bad_big_endian.npy"), "wb") as f:
        np.save(f, np.arange(4, dtype=">f8"))
    with open(path("bad_u2.npy"), "wb") as f:
        np.save(f, np.arange(4, dtype="<u2"))
    with open(path("bad_c16.npy"), "wb") as f:
        np.save(f, np.arange(2, dtype="<c16"))
    with open(path("bad_object.npy"), "wb") as f:
        np.save(f, np.array([1, "a"], dtype=object), allow_pickle=True)
    with open(path("bad_structured.npy"), "wb") as f:
        np.save(f, np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")]))
    with open(path("bad_negative_shape.npy"), "wb") as f:
        f.write(handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 3), }", b""))
    with open(path("bad_missing_key.npy"), "wb") as f:
        f.write(handmade("{'descr': '<f8', 'fortran_order': False, }", b"\0" * 8))
    with open(path("bad_syntax.npy"), "wb") as f:
        f.write(handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3}", b"\0" * 48))
    with open(path("bad_overflow.npy"), "wb") as f:
        f.write(handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", b""))
    with open(path("bad_huge_shape.npy"), "wb") as f:  # fits in int64 but not in the file
        f.write(handmade("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }", b"\0" * 64))


if __name__ == "__main__":
    main()
