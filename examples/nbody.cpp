// Direct-sum gravitational N-body steps with broadcasting, as a NumPy user writes them:
//
//   dx = pos[None, :, :] - pos[:, None, :]          # (N, N, 3): from body i to body j
//   r2 = (dx * dx).sum(2) + eps2
//   acc = (dx * (mass[None, :] * r2 ** -1.5)[:, :, None]).sum(1)
//   vel += dt * acc;  pos += dt * vel
//
// The twin examples/nbody.py runs the same steps with NumPy and checks the saved state.
//   tandem_example_nbody N [--steps K] [--repeat R] [--save DIR]
#include <iostream>
#include <tandem/tandem.hpp>

#include "example_args.hpp"

namespace td = tandem;

struct Bodies {
  td::Array<double> pos, vel, mass;
};

// Deterministic, exactly representable start: coordinates from integer hashes of the index.
Bodies initial_bodies(std::int64_t n) {
  const auto i = td::arange<std::int64_t>(3 * n);
  const auto pos = ((i * 7919) % 1000).astype<double>() / 1000.0 - 0.5;
  const auto vel = ((i * 104729) % 200).astype<double>() / 20000.0 - 0.005;
  const auto mass = ((td::arange<std::int64_t>(n) * 31) % 10 + 1).astype<double>() / 10.0;
  return {pos.reshape({n, 3}), vel.reshape({n, 3}), mass};
}

void step(Bodies& b, double dt, double eps2) {
  const auto dx = b.pos(td::newaxis, td::_, td::_) - b.pos(td::_, td::newaxis, td::_);
  const auto r2 = (dx * dx).sum(2) + eps2;
  const auto weight = b.mass(td::newaxis, td::_) * td::power(r2, -1.5);
  const auto acc = (dx * weight(td::_, td::_, td::newaxis)).sum(1);
  b.vel += dt * acc;
  b.pos += dt * b.vel;
}

int main(int argc, char** argv) try {
  const example::Args args = example::parse(argc, argv, 1000, 10);
  Bodies b;
  const double seconds = example::best_time(args.repeat, [&] {
    b = initial_bodies(args.size);
    for (std::int64_t s = 0; s < args.steps; ++s) step(b, 1e-3, 1e-2);
    td::synchronize();
  });
  example::report("nbody", args, seconds);
  const auto momentum = (b.vel * b.mass(td::_, td::newaxis)).sum(0);
  std::cout << "  momentum " << momentum << ", kinetic energy " << 0.5 * double((b.mass * (b.vel * b.vel).sum(1)).sum())
            << "\n";
  if (!args.save_dir.empty()) {
    td::save_npy(args.save_dir + "/nbody_pos.npy", b.pos);
    td::save_npy(args.save_dir + "/nbody_vel.npy", b.vel);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "nbody: " << e.what() << "\n";
  return 1;
}
