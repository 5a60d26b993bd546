#!/usr/bin/env python3
"""Plots the time-against-size table of tandem_bench_dispatch (bench/dispatch_bench.cpp):
one panel per emulated preset and op, CPU alone, device alone, automatic placement and the
hybrid split, log-log.

Usage: build/cpu/bench/tandem_bench_dispatch > dispatch.txt
       scripts/plot_dispatch.py dispatch.txt [--out dispatch.png]
Needs matplotlib (Debian: python3-matplotlib, scripts/install-deps.sh).
"""

import argparse
import sys

COLUMNS = ("CPU", "device", "automatic", "hybrid")


def read_table(path):
    """Rows (preset, op, n, {column: ms}) of the bench's markdown table."""
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) != 8 or not cells[2].startswith("2^"):
                continue
            try:
                times = {c: float(v) for c, v in zip(COLUMNS, cells[3:7])}
            except ValueError:
                continue
            rows.append((cells[0], cells[1], 2 ** int(cells[2][2:]), times))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("table")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = read_table(args.table)
    if not rows:
        sys.exit(f"plot_dispatch: no time-against-size table in {args.table}")
    panels = sorted({(r[0], r[1]) for r in rows})

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2
    nrows = (len(panels) + cols - 1) // cols
    fig, axes = plt.subplots(nrows, cols, figsize=(10, 3.4 * nrows), squeeze=False)
    for ax, (preset, op) in zip(axes.flat, panels):
        mine = sorted((r for r in rows if r[0] == preset and r[1] == op), key=lambda r: r[2])
        for c in COLUMNS:
            ax.plot([r[2] for r in mine], [max(r[3][c], 1e-4) for r in mine], marker="o", label=c)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(f"{op}, emulated preset '{preset}'")
        ax.set_xlabel("elements (float32)")
        ax.set_ylabel("ms per call")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[len(panels):]:
        ax.axis("off")
    fig.tight_layout()
    out = args.out or (args.table.rsplit(".", 1)[0] + ".png")
    fig.savefig(out, dpi=100)
    print(out)


if __name__ == "__main__":
    main()
