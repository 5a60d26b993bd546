// Whole-program patterns that Google Benchmark's per-op loops do not show: a heat stencil that
// allocates its temporaries every step (the host pool's case) or writes them into out=
// buffers, power by a scalar, and scalar operands on small arrays. One pattern per call, a
// fixed amount of work, the time printed as JSON; scripts/bench_workloads.py runs it next to
// NumPy, quiet and with one core kept busy, and `strace -c -f` counts its mmap/munmap calls.
//
// Usage: tandem_bench_workloads --threads=N PATTERN ...
//   heat-alloc N STEPS | heat-out N STEPS   one N x N double grid, STEPS explicit steps
//   power N EXPONENT REPEATS                td::power(a, EXPONENT) on N doubles, best of REPEATS
//   scalar-small REPEATS                    a * 2.0 and a * b on 64 doubles, ns per call

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>

namespace td = tandem;
using td::none;
using td::slice;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// u[1:-1, 1:-1] = c + alpha * (n + s + e + w - 4 c), written as a NumPy user would: seven
// temporaries of (N - 2)^2 doubles per step (32 MiB each for N = 2048).
// Prints {"seconds": ..., "checksum": ...}: the checksum lets the NumPy twin check the result.
void heat(std::int64_t n, int steps, bool out_buffers) {
  auto u = td::zeros<double>({n, n});
  u(0, slice(none, none)) = 100.0;  // a hot edge
  auto c = u(slice(1, -1), slice(1, -1));
  auto north = u(slice(0, -2), slice(1, -1)), south = u(slice(2, none), slice(1, -1));
  auto west = u(slice(1, -1), slice(0, -2)), east = u(slice(1, -1), slice(2, none));
  const double alpha = 0.2;
  auto t1 = td::empty<double>(c.shape()), t2 = td::empty<double>(c.shape());
  const auto t0 = std::chrono::steady_clock::now();
  for (int s = 0; s < steps; ++s) {
    if (out_buffers) {
      td::add(north, south, t1);
      td::add(t1, east, t1);
      td::add(t1, west, t1);
      td::multiply(c, 4.0, t2);
      td::subtract(t1, t2, t1);
      td::multiply(t1, alpha, t1);
      td::add(c, t1, t1);
      c.assign(t1);
    } else {
      c.assign(c + alpha * (north + south + east + west - 4.0 * c));
    }
  }
  const double t = seconds_since(t0);
  std::printf("{\"seconds\": %.6f, \"checksum\": %.17g}\n", t, td::sum(u).item());
}

void power(std::int64_t n, double exponent, int repeats) {
  auto a = td::linspace<double>(0.1, 10.0, n);
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    auto p = td::power(a, exponent);
    td::eval(p);  // a lazy result is computed only when needed
    best = std::min(best, seconds_since(t0));
  }
  std::printf("{\"seconds\": %.6f}\n", best);
}

void scalar_small(int repeats) {
  auto a = td::linspace<double>(0.1, 10.0, 64), b = td::full<double>({64}, 2.0);
  double best_scalar = 1e300, best_array = 1e300;
  for (int round = 0; round < 5; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) {
      auto c = a * 2.0;
      if (c.size() != 64) std::abort();
    }
    best_scalar = std::min(best_scalar, seconds_since(t0) / repeats);
    t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < repeats; ++r) {
      auto c = a * b;
      if (c.size() != 64) std::abort();
    }
    best_array = std::min(best_array, seconds_since(t0) / repeats);
  }
  std::printf("{\"scalar_ns\": %.1f, \"array_ns\": %.1f}\n", best_scalar * 1e9, best_array * 1e9);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: tandem_bench_workloads --threads=N heat-alloc|heat-out N STEPS | power N EXP REPEATS | "
               "scalar-small REPEATS\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int arg = 1;
  if (arg < argc && std::strncmp(argv[arg], "--threads=", 10) == 0) td::set_num_threads(std::atoi(argv[arg++] + 10));
  if (arg >= argc) usage();
  const std::string pattern = argv[arg++];
  auto next = [&]() -> const char* { return arg < argc ? argv[arg++] : (usage(), nullptr); };
  if (pattern == "heat-alloc" || pattern == "heat-out") {
    const std::int64_t n = std::atoll(next());
    const int steps = std::atoi(next());
    heat(n, steps, pattern == "heat-out");
  } else if (pattern == "power") {
    const std::int64_t n = std::atoll(next());
    const double e = std::atof(next());
    const int repeats = std::atoi(next());
    power(n, e, repeats);
  } else if (pattern == "scalar-small") {
    scalar_small(std::atoi(next()));
  } else {
    usage();
  }
  return 0;
}
