// 2-D heat equation, explicit finite differences, written as a NumPy user would:
//
//   u[1:-1, 1:-1] = u[1:-1, 1:-1] + alpha * (u[2:, 1:-1] + u[:-2, 1:-1]
//                                            + u[1:-1, 2:] + u[1:-1, :-2] - 4 * u[1:-1, 1:-1])
//
// The twin examples/heat.py runs the same steps with NumPy and checks the saved grid.
//   tandem_example_heat N [--steps K] [--repeat R] [--save DIR] [--out-form]
#include <iostream>
#include <tandem/tandem.hpp>

#include "example_args.hpp"

namespace td = tandem;

// u0[i, j] = 16 x_i (1 - x_i) y_j (1 - y_j) on a uniform grid over [0, 1]^2: zero on the
// border, 1 in the middle, and exact in IEEE arithmetic on both sides.
td::Array<double> initial_grid(std::int64_t n) {
  const auto x = td::linspace(0.0, 1.0, n);
  const auto bump = x * (1.0 - x);
  return bump.reshape({n, 1}) * bump * 16.0;
}

// Allocating, idiomatic form: every operator returns a new array.
void run(td::Array<double>& u, std::int64_t steps, double alpha) {
  const auto in = td::slice(1, -1);
  for (std::int64_t s = 0; s < steps; ++s) {
    const auto c = u(in, in);
    u(in, in) =
        c + alpha * (u(td::from(2), in) + u(td::slice(-2), in) + u(in, td::from(2)) + u(in, td::slice(-2)) - 4.0 * c);
  }
}

// The same arithmetic in the same order into preallocated buffers (NumPy's out=).
void run_out_form(td::Array<double>& u, std::int64_t steps, double alpha) {
  const auto in = td::slice(1, -1);
  const std::int64_t m = u.shape(0) - 2;
  auto t = td::empty<double>({m, u.shape(1) - 2});
  auto c4 = td::empty_like(t);
  for (std::int64_t s = 0; s < steps; ++s) {
    const auto c = u(in, in);
    td::add(u(td::from(2), in), u(td::slice(-2), in), t);
    td::add(t, u(in, td::from(2)), t);
    td::add(t, u(in, td::slice(-2)), t);
    td::multiply(4.0, c, c4);
    td::subtract(t, c4, t);
    td::multiply(alpha, t, t);
    td::add(c, t, c);
  }
}

int main(int argc, char** argv) try {
  const example::Args args = example::parse(argc, argv, 256, 100);
  const double alpha = 0.2;
  td::Array<double> u;
  const double seconds = example::best_time(args.repeat, [&] {
    u = initial_grid(args.size);
    if (args.out_form)
      run_out_form(u, args.steps, alpha);
    else
      run(u, args.steps, alpha);
    td::synchronize();
  });
  example::report(args.out_form ? "heat(out=)" : "heat", args, seconds);
  std::cout << "  total heat " << double(u.sum()) << ", centre " << u.at({args.size / 2, args.size / 2}) << "\n";
  if (!args.save_dir.empty()) td::save_npy(args.save_dir + "/heat_u.npy", u);
  return 0;
} catch (const std::exception& e) {
  std::cerr << "heat: " << e.what() << "\n";
  return 1;
}
