#!/usr/bin/python3
"""An independent Python transcription of tandem's Philox4x32-10 draws, for the pinned
values in tests/ops/random_test.cpp: uniform doubles and standard normals (the ziggurat,
tables read from src/kernels/ziggurat_tables.hpp). Plain Python integers and floats.

Usage: scripts/random_reference.py [seed]   (prints what Generator(seed) draws first)
"""

import math
import os
import re
import struct
import sys

M0, M1, W0, W1 = 0xD2511F53, 0xCD9E8D57, 0x9E3779B9, 0xBB67AE85
MASK32 = 0xFFFFFFFF


def philox(counter, key):
    c = [(counter >> (32 * i)) & MASK32 for i in range(4)]
    k0, k1 = key & MASK32, key >> 32
    for _ in range(10):
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> 32) ^ c[1] ^ k0, p1 & MASK32, (p0 >> 32) ^ c[3] ^ k1, p0 & MASK32]
        k0, k1 = (k0 + W0) & MASK32, (k1 + W1) & MASK32
    return c


def words(block):
    return [block[0] | (block[1] << 32), block[2] | (block[3] << 32)]


def u01(x):
    """x / 2^64 rounded down to a double (exact in Python: x / 2^64 is a fraction)."""
    if x == 0:
        return 0.0
    e = x.bit_length() - 53
    m = x >> e if e > 0 else x << -e
    return math.ldexp(m, e - 64)


def tables():
    path = os.path.join(os.path.dirname(__file__), "..", "src", "kernels", "ziggurat_tables.hpp")
    text = open(path).read()

    def block(name):
        body = text.split(f"#define {name} {{")[1].split("}")[0]
        return [t for t in re.split(r"[,\s\\]+", body) if t]

    k = [int(t[:-3], 16) for t in block("TANDEM_ZIGGURAT_K")]
    w = [float.fromhex(t) for t in block("TANDEM_ZIGGURAT_W")]
    f = [float.fromhex(t) for t in block("TANDEM_ZIGGURAT_F")]
    r = float.fromhex(re.search(r"kZigguratR = (\S+);", text).group(1))
    return k, w, f, r


K, W, F, R = tables()
LAYERS = len(K)


def bits(d):
    return struct.unpack("<Q", struct.pack("<d", d))[0]


def normal(key, counter, i, w):
    """Value i of the block at `counter`, from its word w (kernels::standard_normal_at)."""
    aux = []

    def next_word():
        if not aux:
            s = normal.blocks
            nk = ((key & MASK32) ^ 0x4E4F524D) | ((((key >> 32) + (2 * s + i) * W1) & MASK32) << 32)
            aux.extend(words(philox(counter, nk)))
            normal.blocks += 1
        return aux.pop(0)

    normal.blocks = 0
    for _ in range(64):
        layer, neg, u = w & (LAYERS - 1), (w >> 10) & 1, w >> 12
        x = u * W[layer]
        x = -x if neg else x
        if (w >> 52) < (bits(W[layer]) & 0xFFF) or u < K[layer]:
            return x
        if layer == 0:
            while True:
                xx = -math.log(1.0 - u01(next_word())) / R
                yy = -math.log(1.0 - u01(next_word()))
                if yy + yy > xx * xx:
                    return -(R + xx) if neg else R + xx
        y = (F[layer - 1] - F[layer]) * u01(next_word()) + F[layer]
        if y < math.exp(-0.5 * x * x):
            return x
        w = next_word()
    return x


def main():
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 42
    counter = 0
    u = []
    for _ in range(2):  # Generator(seed).random<double>({4})
        u += [u01(x) for x in words(philox(counter, seed))]
        counter += 1
    print("uniform", [repr(v) for v in u])
    ws = words(philox(counter, seed))  # then standard_normal<double>({2})
    print("normal", [repr(normal(seed, counter, i, ws[i])) for i in range(2)])
    # The first rare-path value, and the first from the tail beyond r, of
    # standard_normal<double>({n}) on a fresh Generator(seed).
    rare = tail = None
    for j in range(1000000):
        ws = words(philox(j, seed))
        for i in range(2):
            w = ws[i]
            if (w >> 52) < (bits(W[w & (LAYERS - 1)]) & 0xFFF):
                continue
            x = normal(seed, j, i, w)
            if rare is None:
                rare = (2 * j + i, w & (LAYERS - 1), repr(x))
            if tail is None and abs(x) > R:
                tail = (2 * j + i, w & (LAYERS - 1), repr(x))
        if rare and tail:
            break
    print("first rare value (element, layer, value):", rare)
    print("first tail value (element, layer, value):", tail)


if __name__ == "__main__":
    main()
