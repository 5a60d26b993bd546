// Classical Runge-Kutta (RK4) on a small system: a ring of n damped oscillators, each
// coupled to its two neighbours (periodic, hence np.roll), many steps on arrays of a few
// dozen elements (where per-op overhead, not bandwidth, sets the speed). State y has shape (2, n): y[0] positions, y[1]
// velocities.
//
//   def f(y):
//       x, v = y
//       dy = np.empty_like(y)
//       dy[0] = v
//       dy[1] = -k * (2 * x - np.roll(x, 1) - np.roll(x, -1)) - c * v
//       return dy
//
// The twin examples/rk4.py integrates the same system with NumPy and checks the result.
//   tandem_example_rk4 N [--steps K] [--repeat R] [--save DIR]
#include <iostream>
#include <tandem/tandem.hpp>

#include "example_args.hpp"

namespace td = tandem;

td::Array<double> f(const td::Array<double>& y) {
  const double k = 4.0, c = 0.1;
  const auto x = y(0), v = y(1);
  auto dy = td::empty_like(y);
  dy(0) = v;
  dy(1) = -k * (2.0 * x - td::roll(x, 1) - td::roll(x, -1)) - c * v;
  return dy;
}

td::Array<double> integrate(td::Array<double> y, std::int64_t steps, double h) {
  for (std::int64_t s = 0; s < steps; ++s) {
    const auto k1 = f(y);
    const auto k2 = f(y + (h / 2) * k1);
    const auto k3 = f(y + (h / 2) * k2);
    const auto k4 = f(y + h * k3);
    y = y + (h / 6) * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
  }
  return y;
}

int main(int argc, char** argv) try {
  const example::Args args = example::parse(argc, argv, 32, 2000);
  const std::int64_t n = args.size;
  td::Array<double> y;
  const double seconds = example::best_time(args.repeat, [&] {
    auto y0 = td::zeros<double>({2, n});
    y0(0) = td::linspace(-1.0, 1.0, n) * td::linspace(-1.0, 1.0, n);  // x0 = t^2, at rest
    y = integrate(y0, args.steps, 0.01);
    td::synchronize();
  });
  example::report("rk4", args, seconds);
  std::cout << "  energy " << 0.5 * double((y(1) * y(1)).sum()) << "\n";
  if (!args.save_dir.empty()) td::save_npy(args.save_dir + "/rk4_y.npy", y);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "rk4: " << e.what() << "\n";
  return 1;
}
