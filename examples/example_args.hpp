// Command line and timing shared by the example programs (heat, nbody, montecarlo, rk4):
//   <program> SIZE [--steps K] [--repeat R] [--save DIR] [--out-form]
// SIZE and --steps set the problem; --repeat runs it R times and reports the best time;
// --save writes inputs and results as .npy into DIR for the NumPy twin's check;
// --out-form (where the example has one) uses preallocated out= buffers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <stdexcept>
#include <string>

namespace example {

struct Args {
  std::int64_t size = 0;
  std::int64_t steps = 0;
  int repeat = 1;
  std::string save_dir;
  bool out_form = false;
};

inline Args parse(int argc, char** argv, std::int64_t default_size, std::int64_t default_steps) {
  Args a;
  a.size = default_size;
  a.steps = default_steps;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--steps")
      a.steps = std::stoll(value());
    else if (arg == "--repeat")
      a.repeat = std::max(1, std::stoi(value()));
    else if (arg == "--save")
      a.save_dir = value();
    else if (arg == "--out-form")
      a.out_form = true;
    else if (!arg.empty() && arg[0] != '-')
      a.size = std::stoll(arg);
    else
      throw std::invalid_argument("unknown option " + arg);
  }
  if (a.size <= 0 || a.steps < 0) throw std::invalid_argument("SIZE must be positive and --steps non-negative");
  return a;
}

/// Best wall time in seconds of `repeat` runs of f.
template <class F>
double best_time(int repeat, F&& f) {
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

/// The line scripts/bench_examples.py reads.
inline void report(const char* name, const Args& a, double seconds) {
  std::cout << name << " size=" << a.size << " steps=" << a.steps << " seconds=" << seconds << "\n";
}

}  // namespace example
