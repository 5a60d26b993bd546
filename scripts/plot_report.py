#!/usr/bin/env python3
"""Plots a tandem-bench report (tandem-bench --json FILE): the roofline of each backend with
tandem's ops on it, and each op's throughput against size per backend. Writes PNG and SVG.

Usage: scripts/plot_report.py report.json [--out PREFIX]
  writes PREFIX-roofline.{png,svg} and PREFIX-sizes.{png,svg} (PREFIX: the report's path
  without .json). Needs matplotlib (Debian: python3-matplotlib, scripts/install-deps.sh).
"""

import argparse
import json
import math
import sys

SCHEMA = "tandem-bench"
SCHEMA_VERSION = 1


def load(path):
    with open(path, encoding="utf-8") as f:
        report = json.load(f)
    if report.get("schema") != SCHEMA or report.get("schema_version") != SCHEMA_VERSION:
        sys.exit(f"plot_report: {path} is not a {SCHEMA} report of schema version {SCHEMA_VERSION}")
    return report


def ceiling(m):
    """Work per second from the fastest call (bytes/s or FLOP/s): a roof is what the machine
    can do, as tandem-bench computes its roofline fractions."""
    return m["best"] * 1e9


def roofs(report):
    """Per backend: (bytes/s, {dtype: FLOP/s}) from the all-threads STREAM triad over the
    largest arrays (the DRAM roof) and the FMA peak.
    The emulated device runs the CPU kernels on host memory, so it shares the CPU's roof."""
    threads = report["machine"]["cpu"]["threads"]
    bw, bw_size, peak = None, 0, {}
    for m in report["measurements"]:
        if m["threads"] != threads:
            continue
        if m["section"] == "bandwidth" and m["variant"] == "stream" and m["name"] == "triad":
            if bw is None or m["size"] > bw_size:
                bw, bw_size = ceiling(m), m["size"]
        if m["section"] == "peak":
            peak[m["dtype"]] = ceiling(m)
    out = {}
    for d in report["machine"]["devices"]:
        if d["kind"] in ("cpu", "emulated"):
            out[d["name"]] = (bw, peak)
    for m in report["measurements"]:  # a CUDA device: its own copy bandwidth, no measured peak
        if m["section"] == "bandwidth" and m["variant"] == "tandem" and m["backend"].startswith("cuda"):
            out[m["backend"]] = (ceiling(m), {})
    return out


def plot_roofline(report, plt, prefix):
    backends = roofs(report)
    fig, axes = plt.subplots(1, max(1, len(backends)), figsize=(6.5 * max(1, len(backends)), 5), squeeze=False)
    for ax, (backend, (bw, peak)) in zip(axes[0], backends.items()):
        xs = [2.0 ** (k / 4) for k in range(-24, 41)]  # arithmetic intensity 2^-6 .. 2^10 FLOP/byte
        for dtype, style in (("float32", "-"), ("float64", "--")):
            if bw and dtype in peak:
                ax.plot(xs, [min(peak[dtype], x * bw) / 1e9 for x in xs], "k" + style, lw=1.2,
                        label=f"roof {dtype}: {bw / 1e9:.1f} GB/s, {peak[dtype] / 1e9:.0f} GFLOP/s")
        if bw and not peak:
            ax.plot(xs, [x * bw / 1e9 for x in xs], "k-", lw=1.2, label=f"bandwidth {bw / 1e9:.1f} GB/s")
        # Each op (and GEMM) at its largest size measured; ops whose arithmetic is not counted
        # (flops 0) have no intensity and appear only in the size plot.
        largest = {}
        for m in report["measurements"]:
            if m["backend"] != backend or m["section"] not in ("op", "gemm") or m["flops"] <= 0:
                continue
            key = (m["section"], m["name"], m["variant"], m["dtype"])
            if key not in largest or m["size"] > largest[key]["size"]:
                largest[key] = m
        for (section, name, variant, dtype), m in sorted(largest.items()):
            ai = m["flops"] / m["bytes"]
            gflops = m["flops"] / m["time_s"]["median"] / 1e9
            size = f"2^{int(math.log2(m['size']))}"
            label = f"GEMM {variant} {dtype} ({size})" if section == "gemm" else f"op {name} ({size})"
            ax.plot([ai], [gflops], "o", label=label)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("arithmetic intensity (FLOP / byte)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"roofline: {backend}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    cpu = report["machine"]["cpu"]
    fig.suptitle(f"{cpu['model']}, {cpu['threads']} threads, {cpu['simd_target']} ({report['created']})", fontsize=9)
    fig.tight_layout()
    return save(fig, plt, prefix + "-roofline")


def plot_sizes(report, plt, prefix):
    ops = []
    for m in report["measurements"]:
        if m["section"] == "op" and m["name"] not in ops:
            ops.append(m["name"])
    if not ops:
        return []
    cols = min(4, len(ops))
    rows = (len(ops) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.3 * rows), squeeze=False)
    for ax, op in zip(axes.flat, ops):
        by_backend = {}
        for m in report["measurements"]:
            if m["section"] == "op" and m["name"] == op:
                by_backend.setdefault(m["backend"], []).append(m)
        unit = ""
        for backend, ms in by_backend.items():
            ms.sort(key=lambda m: m["size"])
            unit = ms[0]["unit"]
            ax.plot([m["size"] for m in ms], [m["value"] for m in ms], "o-", label=backend)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(op)
        ax.set_xlabel("elements")
        ax.set_ylabel(unit + " (median)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    for ax in list(axes.flat)[len(ops):]:
        ax.axis("off")
    fig.suptitle("tandem's ops: throughput against size (float32)", fontsize=9)
    fig.tight_layout()
    return save(fig, plt, prefix + "-sizes")


def save(fig, plt, stem):
    paths = [stem + ".png", stem + ".svg"]
    for p in paths:
        fig.savefig(p, dpi=110)
    plt.close(fig)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report")
    parser.add_argument("--out", help="output prefix (default: the report's path without .json)")
    args = parser.parse_args()
    report = load(args.report)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("plot_report: matplotlib is missing (Debian: apt-get install python3-matplotlib)")
    prefix = args.out or (args.report[:-5] if args.report.endswith(".json") else args.report)
    for p in plot_roofline(report, plt, prefix) + plot_sizes(report, plt, prefix):
        print(p)


if __name__ == "__main__":
    main()
