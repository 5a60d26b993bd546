// The 2-D heat stencil of issue 21 written as plain compiled loops, beside tandem's two forms
// of it: what the machine gives a hand-written kernel, the bound tandem's fused evaluator is
// measured against (docs/performance.md). Each step computes, for the grid's interior,
//   c + k * (n + s + w + e - 4 c)
// from the old values (NumPy's rule), in one of these schedules:
//   two_grids       into a second grid, then swap (Eigen's program)
//   in_place_rows   in the grid: each row's old values copied to a row buffer just before
//                   the row is written; north and the row itself read the copies
//   in_place_ring   in the grid: each row computed into a buffer, written back one row late
//   tandem_in_place u(slice(1, -1), slice(1, -1)).assign(expr), tandem's lazy fused pass
//   tandem_swap     v's interior assigned from u's slices, then swapped
// Every schedule must give the same grid, bit for bit (checked against two_grids' and printed);
// the hand-written rows split the
// interior's rows evenly between the OpenMP threads, computing the rows at the split from a
// copy taken before any thread writes.
// Usage: tandem_bench_heat_bound [--n=2048] [--steps=50] [--reps=5] [--threads=2]

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <utility>
#include <vector>

#include "../src/cpu/clones.hpp"

namespace td = tandem;
using td::slice;

namespace {

constexpr double kK = 0.1;

// o[1..m] of one row from the rows above (n), at (c) and below (s); o may be any of them
// only when the caller keeps the old values elsewhere. Written as NumPy evaluates it.
TANDEM_ISA_CLONES void row_kernel(const double* __restrict n, const double* __restrict c, const double* __restrict s,
                                  double* __restrict o, std::int64_t m) {
#pragma omp simd
  for (std::int64_t j = 1; j <= m; ++j) {
    const double sum = n[j] + s[j] + c[j - 1] + c[j + 1];
    const double four_c = 4.0 * c[j];
    const double diff = sum - four_c;
    const double scaled = kK * diff;
    o[j] = c[j] + scaled;
  }
}

struct Args {
  std::int64_t n = 2048;
  int steps = 50, reps = 5, threads = 2;
};

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    const auto value = [&](const char* key) { return s.compare(0, std::strlen(key), key) == 0; };
    if (value("--n="))
      a.n = std::atoll(s.c_str() + 4);
    else if (value("--steps="))
      a.steps = std::atoi(s.c_str() + 8);
    else if (value("--reps="))
      a.reps = std::atoi(s.c_str() + 7);
    else if (value("--threads="))
      a.threads = std::atoi(s.c_str() + 10);
    else {
      std::fprintf(stderr, "usage: %s [--n=N] [--steps=S] [--reps=R] [--threads=T]\n", argv[0]);
      std::exit(2);
    }
  }
  if (a.n < 3 || a.steps < 1 || a.reps < 1 || a.threads < 1) {
    std::fprintf(stderr, "%s: --n must be >= 3, --steps, --reps and --threads >= 1\n", argv[0]);
    std::exit(2);
  }
  return a;
}

std::vector<double> initial(std::int64_t n) {
  std::vector<double> g(static_cast<std::size_t>(n * n));
  std::uint64_t x = 7;
  for (double& v : g) {  // splitmix64 bits to [0, 1)
    x += 0x9E3779B97F4A7C15ull;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    v = static_cast<double>((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
  }
  return g;
}

// Rows [1, n - 1) split evenly; each thread's first row reads the row above it, which the
// thread before writes: a copy of every thread's boundary rows is taken before any write.
void step_in_place(std::vector<double>& u, std::int64_t n, bool ring) {
  const std::int64_t m = n - 2;
#pragma omp parallel
  {
    const auto threads = static_cast<std::int64_t>(omp_get_num_threads());
    const auto t = static_cast<std::int64_t>(omp_get_thread_num());
    const std::int64_t r0 = 1 + m * t / threads;
    const std::int64_t r1 = 1 + m * (t + 1) / threads;
    std::vector<double> above(static_cast<std::size_t>(n)), below(static_cast<std::size_t>(n));
    std::vector<double> a(static_cast<std::size_t>(n)), b(static_cast<std::size_t>(n));
    double* data = u.data();
    const auto row = [&](std::int64_t r) { return data + r * n; };
    if (r0 < r1) {
      std::memcpy(above.data(), row(r0 - 1), static_cast<std::size_t>(n) * sizeof(double));
      std::memcpy(below.data(), row(r1), static_cast<std::size_t>(n) * sizeof(double));
    }
#pragma omp barrier
    if (r0 < r1) {
      const auto south = [&](std::int64_t r) { return r + 1 == r1 ? below.data() : row(r + 1); };
      if (!ring) {  // copy each row before writing it; north and centre from the copies
        double* copies[2] = {a.data(), b.data()};
        const double* prev = above.data();
        for (std::int64_t r = r0; r < r1; ++r) {
          double* cur = copies[(r - r0) % 2];
          std::memcpy(cur, row(r), static_cast<std::size_t>(n) * sizeof(double));
          row_kernel(prev, cur, south(r), row(r), m);
          prev = cur;
        }
      } else {  // compute each row into a buffer; write it back once the next row is done
        double* pending = a.data();
        double* fresh = b.data();
        for (std::int64_t r = r0; r < r1; ++r) {
          const double* north = r == r0 ? above.data() : row(r - 1);
          row_kernel(north, row(r), south(r), fresh, m);
          if (r > r0) std::memcpy(row(r - 1) + 1, pending + 1, static_cast<std::size_t>(m) * sizeof(double));
          std::swap(pending, fresh);
        }
        std::memcpy(row(r1 - 1) + 1, pending + 1, static_cast<std::size_t>(m) * sizeof(double));
      }
    }
  }
}

void step_two_grids(const std::vector<double>& u, std::vector<double>& v, std::int64_t n) {
  const std::int64_t m = n - 2;
#pragma omp parallel for schedule(static)
  for (std::int64_t r = 1; r <= m; ++r) row_kernel(&u[(r - 1) * n], &u[r * n], &u[(r + 1) * n], &v[r * n], m);
}

template <class F>
double best_ms(const Args& a, F&& run) {
  double best = 1e300;
  for (int rep = 0; rep < a.reps; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    best = std::min(best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  omp_set_num_threads(a.threads);
  td::set_num_threads(a.threads);
  const std::int64_t n = a.n;
  const std::vector<double> init = initial(n);
  std::printf("heat %lld^2 x %d steps, %d thread(s), best of %d\n", static_cast<long long>(n), a.steps, a.threads,
              a.reps);
  std::printf("| schedule | ms | the grid bitwise equal to two_grids' |\n|---|---:|---|\n");
  std::vector<std::pair<std::string, double>> times;
  std::vector<std::vector<double>> grids;
  const auto report = [&](const char* name, double ms, std::vector<double> grid) {
    times.emplace_back(name, ms);
    grids.push_back(std::move(grid));
  };

  std::vector<double> u, v;
  for (const bool ring : {false, true}) {
    const double ms = best_ms(a, [&] {
      u = init;
      for (int s = 0; s < a.steps; ++s) step_in_place(u, n, ring);
    });
    report(ring ? "in_place_ring" : "in_place_rows", ms, u);
  }
  const double two = best_ms(a, [&] {
    u = init;
    v = init;
    for (int s = 0; s < a.steps; ++s) {
      step_two_grids(u, v, n);
      std::swap(u, v);
    }
  });
  report("two_grids", two, u);

  const td::Array<double> start = td::Array<double>::from(init).reshape({n, n});
  td::Array<double> tu = td::empty<double>({n, n}), tv = td::empty<double>({n, n});
  const double in_place = best_ms(a, [&] {
    tu.assign(start);
    auto c = tu(slice(1, -1), slice(1, -1));
    const auto no = tu(slice(0, -2), slice(1, -1)), so = tu(slice(2, td::none), slice(1, -1)),
               we = tu(slice(1, -1), slice(0, -2)), ea = tu(slice(1, -1), slice(2, td::none));
    for (int s = 0; s < a.steps; ++s) c.assign(c + kK * (no + so + we + ea - 4.0 * c));
    td::sum(tu).item();  // evaluated
  });
  report("tandem_in_place", in_place, tu.to_vector());
  const double swap = best_ms(a, [&] {
    tu.assign(start);
    tv.assign(start);
    for (int s = 0; s < a.steps; ++s) {
      const auto c = tu(slice(1, -1), slice(1, -1));
      auto inner = tv(slice(1, -1), slice(1, -1));
      inner.assign(c + kK * (tu(slice(0, -2), slice(1, -1)) + tu(slice(2, td::none), slice(1, -1)) +
                             tu(slice(1, -1), slice(0, -2)) + tu(slice(1, -1), slice(2, td::none)) - 4.0 * c));
      std::swap(tu, tv);
    }
    td::sum(tu).item();
  });
  report("tandem_swap", swap, tu.to_vector());
  bool all_equal = true;
  for (std::size_t i = 0; i < times.size(); ++i) {
    const bool equal = std::memcmp(grids[i].data(), grids[2].data(), grids[i].size() * sizeof(double)) == 0;
    all_equal = all_equal && equal;
    std::printf("| %s | %.1f | %s |\n", times[i].first.c_str(), times[i].second, equal ? "yes" : "NO");
  }
  return all_equal ? 0 : 1;
}
