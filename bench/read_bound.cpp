// The read bandwidth a plain loop gets on this machine, beside tandem's sum and sum(a * b)
// of the same arrays (issue 21's sum rows: docs/performance.md). Each round times, in turn,
//   loop_sum   the threads' static halves of a, each summed by 4 vector accumulators (in
//              no fixed tree: not tandem's rounding), 4 KiB prefetched ahead, on threads of
//              its own
//   tandem_sum td::sum(a): the pairwise tree of NumPy's shape, the same bits on any threads
//   loop_dot   the same loop over a * b
//   tandem_dot td::sum(a * b), fused (nothing stored)
// and prints each one's best and median over the rounds: shared hosts change their memory
// bandwidth from one minute to the next, and alternating within a round compares the loop
// and tandem at the same bandwidth.
// Usage: tandem_bench_read_bound [--n=33554432] [--rounds=30] [--threads=2]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <thread>
#include <vector>

#include "../src/cpu/clones.hpp"

namespace td = tandem;

namespace {

typedef double V8 __attribute__((vector_size(64)));

struct Args {
  std::int64_t n = std::int64_t{1} << 25;
  int rounds = 30;
  int threads = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const auto value = [&](const char* key) -> const char* {
      const std::size_t k = std::strlen(key);
      return s.compare(0, k, key) == 0 ? s.c_str() + k : nullptr;
    };
    const char* n = value("--n=");
    const char* rounds = value("--rounds=");
    const char* threads = value("--threads=");
    if (n != nullptr) {
      a.n = std::atoll(n);
    } else if (rounds != nullptr) {
      a.rounds = std::atoi(rounds);
    } else if (threads != nullptr) {
      a.threads = std::atoi(threads);
    } else {
      std::fprintf(stderr, "usage: %s [--n=N] [--rounds=R] [--threads=T]\n", argv[0]);
      std::exit(2);
    }
  }
  if (a.n < 64 || a.n % 32 != 0 || a.rounds < 1 || a.threads < 1) {
    std::fprintf(stderr, "read_bound: n must be a multiple of 32 (>= 64), rounds and threads >= 1\n");
    std::exit(2);
  }
  return a;
}

void load(V8& v, const double* p) { std::memcpy(&v, p, sizeof v); }

// Elements [lo, hi) of a (times b when b is not null), hi - lo a multiple of 32.
TANDEM_ISA_CLONES double loop_range(const double* a, const double* b, std::int64_t lo, std::int64_t hi) {
  V8 s[4] = {};
  for (std::int64_t i = lo; i < hi; i += 32) {
    for (int k = 0; k < 4; ++k) {
      __builtin_prefetch(a + i + 8 * k + 512);
      if (b != nullptr) __builtin_prefetch(b + i + 8 * k + 512);
    }
    for (int k = 0; k < 4; ++k) {
      V8 x;
      load(x, a + i + 8 * k);
      if (b != nullptr) {
        V8 y;
        load(y, b + i + 8 * k);
        x = x * y;
      }
      s[k] = s[k] + x;
    }
  }
  const V8 t = (s[0] + s[1]) + (s[2] + s[3]);
  double r = 0;
  for (int k = 0; k < 8; ++k) r += t[k];
  return r;
}

// On threads of its own, started for each call (tens of microseconds against milliseconds):
// OpenMP's workers would spin after each region and take the cores from tandem's.
double loop_sum(const double* a, const double* b, std::int64_t n, int threads) {
  std::vector<double> part(static_cast<std::size_t>(threads));
  std::vector<std::thread> team;
  for (int t = 0; t < threads; ++t)
    team.emplace_back([&, t] {
      const std::int64_t lo = n / 32 * t / threads * 32, hi = n / 32 * (t + 1) / threads * 32;
      part[static_cast<std::size_t>(t)] = loop_range(a, b, lo, hi);
    });
  for (std::thread& th : team) th.join();
  double total = 0;
  for (double p : part) total += p;
  return total;
}

template <class F>
double seconds(F&& f, double& sink) {
  const auto t0 = std::chrono::steady_clock::now();
  sink += f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  td::set_num_threads(a.threads);
  td::random::Generator gen(1);
  const td::Array<double> x = gen.uniform<double>({a.n}, -1.0, 1.0);
  const td::Array<double> y = gen.uniform<double>({a.n}, -1.0, 1.0);
  const double* px = x.cdata();
  const double* py = y.cdata();
  const char* names[4] = {"loop_sum", "tandem_sum", "loop_dot", "tandem_dot"};
  std::vector<double> times[4];
  double sink = 0;
  for (int r = 0; r <= a.rounds; ++r) {  // round 0 warms up
    const double t[4] = {seconds([&] { return loop_sum(px, nullptr, a.n, a.threads); }, sink),
                         seconds([&] { return td::sum(x).item(); }, sink),
                         seconds([&] { return loop_sum(px, py, a.n, a.threads); }, sink),
                         seconds([&] { return td::sum(x * y).item(); }, sink)};
    if (r > 0)
      for (int k = 0; k < 4; ++k) times[k].push_back(t[k]);
  }
  // The loops and tandem agree up to rounding (different association).
  const double s_loop = loop_sum(px, nullptr, a.n, a.threads), s_td = td::sum(x).item();
  const double d_loop = loop_sum(px, py, a.n, a.threads), d_td = td::sum(x * y).item();
  const double scale = static_cast<double>(a.n) * 1e-12;
  if (std::abs(s_loop - s_td) > scale || std::abs(d_loop - d_td) > scale) {
    std::fprintf(stderr, "read_bound: results disagree: sum %.17g vs %.17g, dot %.17g vs %.17g\n", s_loop, s_td, d_loop,
                 d_td);
    return 1;
  }
  std::printf("%lld doubles, %d thread(s), %d rounds alternating (checksum %g)\n", static_cast<long long>(a.n),
              a.threads, a.rounds, sink);
  std::printf("| what | best ms | median ms | GB/s at best |\n|---|---:|---:|---:|\n");
  for (int k = 0; k < 4; ++k) {
    std::vector<double> v = times[k];
    std::sort(v.begin(), v.end());
    const double bytes = static_cast<double>(a.n) * sizeof(double) * (k >= 2 ? 2 : 1);
    std::printf("| %s | %.2f | %.2f | %.1f |\n", names[k], v.front() * 1e3, v[v.size() / 2] * 1e3,
                bytes / v.front() * 1e-9);
  }
  return 0;
}
