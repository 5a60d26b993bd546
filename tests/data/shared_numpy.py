#!/usr/bin/python3
"""NumPy's side of tests/io/shared_test.cpp, and the recipe of docs/io.md: attach to or
create a tandem shared-memory array with multiprocessing.shared_memory.

  shared_numpy.py check NAME    attach, check the (2, 3, 4) formula values, write the
                                second formula in place (C++ checks it)
  shared_numpy.py create NAME DESCR   create a (3, 5) array of dtype DESCR with the
                                formula values and leave it for C++ to attach and unlink
"""

import struct
import sys

import numpy as np
from multiprocessing import resource_tracker, shared_memory

MAGIC = b"TANDEMSH"
DATA_OFFSET = 4096


def open_segment(name, create=False, size=0):
    """SharedMemory that Python's resource tracker will not unlink at exit."""
    try:
        return shared_memory.SharedMemory(name=name, create=create, size=size, track=False)  # Python >= 3.13
    except TypeError:
        shm = shared_memory.SharedMemory(name=name, create=create, size=size)
        resource_tracker.unregister(shm._name, "shared_memory")  # pylint: disable=protected-access
        return shm


def attach(name):
    shm = open_segment(name)
    buf = shm.buf
    if bytes(buf[:8]) != MAGIC:
        raise ValueError(f"{name} is not a tandem array")
    version, ndim, offset, nbytes = struct.unpack_from("<IIQQ", buf, 8)
    assert version == 1, version
    descr = bytes(buf[32:48]).rstrip(b"\0").decode()
    shape = struct.unpack_from(f"<{ndim}q", buf, 48)
    return shm, np.ndarray(shape, dtype=descr, buffer=buf, offset=offset)


def create(name, shape, dtype):
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape)) * dtype.itemsize
    shm = open_segment(name, create=True, size=DATA_OFFSET + nbytes)
    buf = shm.buf
    struct.pack_into("<IIQQ", buf, 8, 1, len(shape), DATA_OFFSET, nbytes)
    buf[32:48] = dtype.str.encode().ljust(16, b"\0")
    struct.pack_into(f"<{len(shape)}q", buf, 48, *shape)
    buf[:8] = MAGIC  # last: a complete header before the magic
    return shm, np.ndarray(shape, dtype=dtype, buffer=buf, offset=DATA_OFFSET)


def formula(descr, shape, second=False):
    k = np.arange(int(np.prod(shape))).reshape(shape)
    if descr == "|b1":
        v = k % 3 == 0
        return ~v if second else v
    v = (k * 7 - 50) if descr[1] == "i" else (k * 0.5 - 3.0)
    return (v * 2 + 1 if second else v).astype(descr)


def main():
    mode, name = sys.argv[1], sys.argv[2]
    if mode == "check":
        shm, a = attach(name)
        descr = a.dtype.str
        assert a.shape == (2, 3, 4), a.shape
        expected = formula(descr, a.shape)
        assert np.array_equal(a, expected), (a, expected)
        a[...] = formula(descr, a.shape, second=True)
    else:
        shm, a = create(name, (3, 5), sys.argv[3])
        a[...] = formula(a.dtype.str, a.shape)
    del a  # release the exported buffer before close()
    shm.close()


if __name__ == "__main__":
    main()
