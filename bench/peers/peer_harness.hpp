#pragma once
// Shared by the peer programs (tandem_peer, eigen_peer, xtensor_peer*): the command line,
// the inputs every side computes bit for bit alike, the timing (wall clock and the process's
// CPU time) and the one JSON line per run that scripts/bench_peers.py reads. No dependency
// on tandem or on any peer library.
//
// Usage: <program> <workload> [--threads=T] [--reps=R] [--n=N] [--steps=S]
//   prints {"workload":..., "best_s":..., "cpu_over_wall":..., "summary":{...}} or
//   {"workload":..., "skipped":"why"} when the library has no such operation.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>

namespace peers {

struct Args {
  std::string workload;
  int threads = 2;
  int reps = 3;
  std::int64_t n = 0;
  int steps = 1;
};

inline Args parse_args(int argc, char** argv) {
  Args a;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <workload> [--threads=T] [--reps=R] [--n=N] [--steps=S]\n", argv[0]);
    std::exit(2);
  }
  a.workload = argv[1];
  for (int i = 2; i < argc; ++i) {
    const char* s = argv[i];
    if (std::strncmp(s, "--threads=", 10) == 0)
      a.threads = std::atoi(s + 10);
    else if (std::strncmp(s, "--reps=", 7) == 0)
      a.reps = std::atoi(s + 7);
    else if (std::strncmp(s, "--n=", 4) == 0)
      a.n = std::atoll(s + 4);
    else if (std::strncmp(s, "--steps=", 8) == 0)
      a.steps = std::atoi(s + 8);
    else {
      std::fprintf(stderr, "%s: unknown argument %s\n", argv[0], s);
      std::exit(2);
    }
  }
  if (a.threads < 1 || a.reps < 1 || a.n < 1 || a.steps < 1) {
    std::fprintf(stderr, "%s: --threads, --reps, --n and --steps must be >= 1\n", argv[0]);
    std::exit(2);
  }
  return a;
}

// Inputs: splitmix64 of (seed << 32) + i. double_input keeps the top 53 bits as a value in
// [0, 1), float_input the top 24: exact in every language (scripts/peers/common.py).
inline std::uint64_t splitmix64(std::uint64_t x) {
  std::uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
inline double double_input(std::uint64_t seed, std::int64_t i) {
  return static_cast<double>(splitmix64((seed << 32) + static_cast<std::uint64_t>(i)) >> 11) * 0x1p-53;
}
inline float float_input(std::uint64_t seed, std::int64_t i) {
  return static_cast<float>(splitmix64((seed << 32) + static_cast<std::uint64_t>(i)) >> 40) * 0x1p-24f;
}
// Fills n elements through a pointer (each library hands out its own).
template <class T>
void fill_input(T* p, std::int64_t n, std::uint64_t seed) {
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (sizeof(T) == 4)
      p[i] = float_input(seed, i);
    else
      p[i] = double_input(seed, i);
  }
}

// What is compared with NumPy's result: the sum, a weighted sum and 257 evenly spaced
// elements of the C-order data (n elements from p).
template <class T>
std::string summary_of(const T* p, std::int64_t n) {
  double sum = 0, wsum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    sum += static_cast<double>(p[i]);
    wsum += static_cast<double>(p[i]) * static_cast<double>(i % 7 + 1);
  }
  char buf[128];
  std::string s = "{\"size\":" + std::to_string(n);
  std::snprintf(buf, sizeof buf, ",\"sum\":%.17g,\"wsum\":%.17g,\"samples\":[", sum, wsum);
  s += buf;
  const int k = n > 1 ? 257 : 1;
  for (int j = 0; j < k; ++j) {
    const std::int64_t i = k > 1 ? static_cast<std::int64_t>(j) * (n - 1) / (k - 1) : 0;
    std::snprintf(buf, sizeof buf, "%s%.17g", j ? "," : "", static_cast<double>(p[i]));
    s += buf;
  }
  return s + "]}";
}

// Mean, standard deviation, min and max: how random numbers are checked.
template <class T>
std::string moments_of(const T* p, std::int64_t n) {
  double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
  for (std::int64_t i = 0; i < n; ++i) {
    const double x = static_cast<double>(p[i]);
    sum += x;
    sq += x * x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const double mean = sum / static_cast<double>(n);
  char buf[160];
  std::snprintf(buf, sizeof buf, "{\"size\":%lld,\"mean\":%.17g,\"std\":%.17g,\"min\":%.17g,\"max\":%.17g}",
                static_cast<long long>(n), mean, std::sqrt(sq / static_cast<double>(n) - mean * mean), lo, hi);
  return buf;
}

inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

// One workload: setup() runs untimed before every repetition (e.g. restores the initial
// grid), run() is timed, summary() describes the last result. `calls` > 1 times that many
// run() calls per repetition and reports the time of one (for the 16-element add).
struct Workload {
  std::function<void()> setup = [] {};
  std::function<void()> run;
  std::function<std::string()> summary;
  int calls = 1;
};

// Runs one warm-up repetition, then args.reps timed ones; prints the JSON line.
inline void measure(const Args& args, Workload w) {
  w.setup();
  for (int c = 0; c < w.calls; ++c) w.run();
  double best = INFINITY, wall_total = 0, cpu_total = 0;
  for (int r = 0; r < args.reps; ++r) {
    w.setup();
    const double cpu0 = cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    for (int c = 0; c < w.calls; ++c) w.run();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    cpu_total += cpu_seconds() - cpu0;
    wall_total += wall;
    best = std::min(best, wall / w.calls);
  }
  std::printf("{\"workload\":\"%s\",\"best_s\":%.9g,\"cpu_over_wall\":%.3f,\"summary\":%s}\n", args.workload.c_str(),
              best, cpu_total / wall_total, w.summary().c_str());
}

inline void skip(const Args& args, const char* why) {
  std::printf("{\"workload\":\"%s\",\"skipped\":\"%s\"}\n", args.workload.c_str(), why);
}

// Keeps the compiler from dropping or hoisting work whose result is only in memory.
inline void clobber(const void* p) { asm volatile("" : : "g"(p) : "memory"); }

// The workload table of a program: name -> function building the Workload (or skipping).
using Table = std::map<std::string, std::function<void(const Args&)>>;

inline int run_main(int argc, char** argv, const Table& table) {
  const Args args = parse_args(argc, argv);
  const auto it = table.find(args.workload);
  if (it == table.end()) {
    skip(args, "not implemented for this library");
    return 0;
  }
  it->second(args);
  return 0;
}

// The physics constants of the stencil and N-body workloads (scripts/peers/common.py).
constexpr double kHeatK = 0.1;      // diffusion number of the 2-D heat stencil (stable below 0.25)
constexpr double kHeat3dK = 0.1;    // same for the 3-D 7-point stencil (stable below 1/6)
constexpr double kNbodyEps = 1e-2;  // softening added to r^2
constexpr double kNbodyDt = 1e-3;   // time step

}  // namespace peers
