#!/usr/bin/env python3
"""Draws a window of a tandem trace (TANDEM_TRACE=file.json, Chrome trace-event JSON) as a
timeline image: one row per track (a CPU thread, a device stream), one bar per span,
coloured by category (op, chunk, transfer, wait). By default the window is the last split
op in the file (an op span whose placement is "split") with the chunks and copies inside it.

Usage: scripts/plot_trace.py trace.json [--op NAME] [--out image.png]
  --op NAME   the last split op of that name (default: the last split op of any name)
  --out FILE  the image (default: the trace's path with .png); .svg works too
Needs matplotlib (Debian: python3-matplotlib, scripts/install-deps.sh).
"""

import argparse
import json
import sys

COLOURS = {"op": "#4c72b0", "chunk": "#55a868", "transfer": "#dd8452", "wait": "#c44e52"}


def load(path):
    with open(path, encoding="utf-8") as f:
        text = f.read().rstrip()
    if not text.endswith("]"):  # a trace still open (or a crashed program) lacks its "]"
        text = text.rstrip(",") + "]"
    return json.loads(text)


def track_names(events):
    processes, threads = {}, {}
    for e in events:
        if e.get("ph") != "M":
            continue
        if e["name"] == "process_name":
            processes[e["pid"]] = e["args"]["name"]
        elif e["name"] == "thread_name":
            threads[(e["pid"], e["tid"])] = e["args"]["name"]
    return processes, threads


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("trace")
    ap.add_argument("--op", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    events = load(args.trace)
    splits = [e for e in events if e.get("ph") == "X" and e.get("cat") == "op"
              and e.get("args", {}).get("placement") == "split" and (args.op is None or e["name"] == args.op)]
    if not splits:
        sys.exit(f"plot_trace: no split op{' named ' + args.op if args.op else ''} in {args.trace}")
    whole = splits[-1]
    t0, t1 = whole["ts"], whole["ts"] + whole["dur"]
    inside = [e for e in events if e.get("ph") in ("X", "i") and e["ts"] < t1 and e["ts"] + e.get("dur", 0) > t0 - 1]
    processes, threads = track_names(events)
    tracks = sorted({(e["pid"], e["tid"]) for e in inside})
    row = {t: i for i, t in enumerate(tracks)}

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(11, 0.55 * len(tracks) + 1.6))
    for e in inside:
        y = row[(e["pid"], e["tid"])]
        start = (max(e["ts"], t0) - t0) / 1000.0
        if e["ph"] == "i":
            ax.plot([start], [y], marker="v", color=COLOURS["wait"])
            continue
        width = (min(e["ts"] + e["dur"], t1) - max(e["ts"], t0)) / 1000.0
        height = 0.8 if e["cat"] != "op" else 0.35
        ax.barh(y, width, left=start, height=height, color=COLOURS.get(e["cat"], "#8c8c8c"), edgecolor="white",
                linewidth=0.5)
    ax.set_yticks(range(len(tracks)))
    ax.set_yticklabels([f"{processes.get(p, p)}: {threads.get((p, t), t)}" for p, t in tracks])
    ax.invert_yaxis()
    ax.set_xlabel("ms from the start of the op")
    a = whole.get("args", {})
    ax.set_title(f"{whole['name']} ({a.get('dtype', '')}, {int(a.get('elements', 0))} elements) split: "
                 f"{int(a.get('device_rows', 0))} rows on {a.get('device', 'the device')}, "
                 f"{int(a.get('cpu_rows', 0))} on the CPU; {whole['dur'] / 1000.0:.2f} ms")
    ax.legend(handles=[Patch(color=c, label=k) for k, c in COLOURS.items()], loc="lower right", fontsize=8)
    fig.tight_layout()
    out = args.out or (args.trace[:-5] if args.trace.endswith(".json") else args.trace) + ".png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
