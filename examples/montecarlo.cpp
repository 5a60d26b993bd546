// Monte-Carlo pricing of an arithmetic-average (Asian) call under geometric Brownian
// motion, then the statistics a NumPy user asks for: the price, quantiles of the payoff and
// a histogram of the final asset prices.
//
//   z = rng.standard_normal((paths, steps))
//   prices = s0 * np.exp(np.cumsum(drift + vol * z, axis=1))
//   payoff = np.maximum(prices.mean(1) - strike, 0)
//   np.quantile(payoff, [0.05, 0.5, 0.95]);  np.histogram(prices[:, -1], 40)
//
// The twin examples/montecarlo.py repeats the pipeline on the same normals (saved by
// --save) and checks every result.
//   tandem_example_montecarlo PATHS [--steps K] [--repeat R] [--save DIR]
#include <cmath>
#include <iostream>
#include <tandem/tandem.hpp>

#include "example_args.hpp"

namespace td = tandem;

struct Results {
  td::Array<double> z, payoff, quantiles, hist, edges, price;
};

Results pipeline(const td::Array<double>& z) {
  const double s0 = 100.0, strike = 105.0, rate = 0.03, sigma = 0.25, years = 1.0;
  const double dt = years / static_cast<double>(z.shape(1));
  const double drift = (rate - 0.5 * sigma * sigma) * dt, vol = sigma * std::sqrt(dt);
  const auto prices = s0 * td::exp(td::cumsum(drift + vol * z, 1));
  const auto payoff = td::maximum(prices.mean(1) - strike, 0.0);
  const auto price = std::exp(-rate * years) * payoff.mean();
  const auto quantiles = td::quantile(payoff, td::Array<double>::from({0.05, 0.5, 0.95}));
  const auto h = td::histogram(prices(td::_, -1), 40);
  return {z, payoff, quantiles, h.hist.astype<double>(), h.bin_edges, price};
}

int main(int argc, char** argv) try {
  const example::Args args = example::parse(argc, argv, 100000, 64);
  Results r;
  const double seconds = example::best_time(args.repeat, [&] {
    td::random::Generator rng(2026);
    r = pipeline(rng.standard_normal<double>({args.size, args.steps}));
    td::synchronize();
  });
  example::report("montecarlo", args, seconds);
  std::cout << "  price " << double(r.price) << ", payoff quantiles (5, 50, 95 %) " << r.quantiles << "\n";
  if (!args.save_dir.empty()) {
    const std::string d = args.save_dir + "/montecarlo_";
    td::save_npy(d + "z.npy", r.z);
    td::save_npy(d + "payoff.npy", r.payoff);
    td::save_npy(d + "quantiles.npy", r.quantiles);
    td::save_npy(d + "hist.npy", r.hist);
    td::save_npy(d + "edges.npy", r.edges);
    td::save_npy(d + "price.npy", r.price);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "montecarlo: " << e.what() << "\n";
  return 1;
}
