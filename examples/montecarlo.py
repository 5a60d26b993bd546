#!/usr/bin/python3
"""NumPy twin of examples/montecarlo.cpp: the same pipeline.

  montecarlo.py PATHS [--steps K] [--repeat R] [--check DIR]

Timing runs draw their own normals with default_rng; --check reruns the pipeline on the
normals tandem saved (DIR/montecarlo_z.npy) and compares every result."""
import sys

import numpy as np

from example_twin import check, load, parse, report, timed


def pipeline(z):
    s0, strike, rate, sigma, years = 100.0, 105.0, 0.03, 0.25, 1.0
    dt = years / z.shape[1]
    drift, vol = (rate - 0.5 * sigma * sigma) * dt, sigma * np.sqrt(dt)
    prices = s0 * np.exp(np.cumsum(drift + vol * z, axis=1))
    payoff = np.maximum(prices.mean(1) - strike, 0.0)
    price = np.exp(-rate * years) * payoff.mean()
    quantiles = np.quantile(payoff, [0.05, 0.5, 0.95])
    hist, edges = np.histogram(prices[:, -1], 40)
    return {"payoff": payoff, "quantiles": quantiles, "hist": hist.astype(np.float64), "edges": edges,
            "price": np.asarray(price)}


def main():
    args = parse(sys.argv[1:], 100000, 64)
    rng = np.random.default_rng(2026)
    report("montecarlo", args, timed(args.repeat, lambda: pipeline(rng.standard_normal((args.size, args.steps)))))
    if not args.check:
        return 0
    want = pipeline(load(args.check, "montecarlo_z"))
    # exp may differ from NumPy's by an ulp, which can move a final price across a bin edge.
    counts = {"montecarlo_hist": want.pop("hist")}
    failed = check(args.check, {"montecarlo_" + k: v for k, v in want.items()}, rtol=1e-12, atol=1e-12)
    return failed | check(args.check, counts, rtol=0, atol=2)


if __name__ == "__main__":
    sys.exit(main())
