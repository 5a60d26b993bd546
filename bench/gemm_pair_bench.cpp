// The physical bound of issue 15's wall-clock hybrid GEMM on this machine: what two
// concurrent single-threaded OpenBLAS GEMMs (each half the rows of the output, each packing
// its own copy of B) gain over one thread computing all the rows. The hybrid split can do
// no better: its two sides are these two calls, plus the emulated device's copies.
// OpenBLAS is the one tandem links, with the kernels tandem selects at load
// (src/cpu/blas_core.cpp: SkylakeX where OpenBLAS fell back to Prescott).
//
// Usage: tandem_bench_gemm_pair [--repeats N] [--k K] [--split F]
//   --repeats N  rounds (default 9); each round times one call of each variant, back to back
//   --k K        the inner dimension (default 1024: (4096 x K) @ (K x 4096), 2^24 outputs)
//   --split F    the first thread's share of the rows in the pair (default 0.5)
// Prints, per dtype, the median and best wall time of one thread and of the pair, the
// speed-up of the medians (and of the best calls), and the CPU time per call of each thread.
// Then what a chunk costs beyond its rows: one thread's CPU time for all the rows of the
// float32 product in calls of 4096, 2048, 1024, 512, 256, 128 and 64 rows (each call packs
// all of B again: the hybrid split's matmul chunks, src/dispatch/split.cpp).

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "bench_clock.hpp"
#include "cpu/blas_core.hpp"

namespace {

using Clock = std::chrono::steady_clock;

using tandem::bench::load_average;

double thread_cpu_s() { return tandem::bench::clock_s(CLOCK_THREAD_CPUTIME_ID); }

void gemm(const float* a, const float* b, float* c, int rows, int k, int n) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, k, 1.0f, a, k, b, n, 0.0f, c, n);
}
void gemm(const double* a, const double* b, double* c, int rows, int k, int n) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, n, k, 1.0, a, k, b, n, 0.0, c, n);
}

/// Rows [begin, end) of C = A @ B on the calling thread, OpenBLAS on one thread (as tandem's
/// BlasThreads(1) does); returns the thread's CPU seconds.
template <class T>
double rows_on_this_thread(const T* a, const T* b, T* c, int begin, int end, int k, int n) {
  omp_set_num_threads(1);
  const double t0 = thread_cpu_s();
  gemm(a + static_cast<std::size_t>(begin) * k, b, c + static_cast<std::size_t>(begin) * n, end - begin, k, n);
  return thread_cpu_s() - t0;
}

struct Series {
  std::vector<double> ms;
  double cpu_a = 0, cpu_b = 0;  // CPU seconds summed over the calls, per thread
  double median() const {
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
  double best() const { return *std::min_element(ms.begin(), ms.end()); }
};

template <class T>
void measure(const char* dtype, int repeats, int m, int k, int n, double split) {
  std::vector<T> a(static_cast<std::size_t>(m) * k), b(static_cast<std::size_t>(k) * n);
  std::vector<T> c1(static_cast<std::size_t>(m) * n), c2(c1.size());
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<T>(0.01 * static_cast<double>(i % 97));
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<T>(0.02 * static_cast<double>(i % 89));
  const int cut = std::clamp(static_cast<int>(split * m + 0.5), 1, m - 1);
  Series one, pair;
  const double load_before = load_average();
  for (int round = 0; round <= repeats; ++round) {  // round 0: first touch, not timed
    auto t0 = Clock::now();
    const double cpu1 = rows_on_this_thread(a.data(), b.data(), c1.data(), 0, m, k, n);
    const double ms1 = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    t0 = Clock::now();
    double cpu_other = 0;
    std::thread other([&] { cpu_other = rows_on_this_thread(a.data(), b.data(), c2.data(), cut, m, k, n); });
    const double cpu_this = rows_on_this_thread(a.data(), b.data(), c2.data(), 0, cut, k, n);
    other.join();
    const double ms2 = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    if (round == 0) continue;
    one.ms.push_back(ms1), one.cpu_a += cpu1;
    pair.ms.push_back(ms2), pair.cpu_a += cpu_this, pair.cpu_b += cpu_other;
  }
  const bool same = std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(T)) == 0;
  const double r = repeats;
  std::printf(
      "| %s | %d x %d x %d | %.0f / %.0f | %.1f (%.1f) | %.1f (%.1f) | %.2fx (%.2fx) | %.1f | %.1f + %.1f | %s |\n",
      dtype, m, k, n, 100 * split, 100 * (1 - split), one.median(), one.best(), pair.median(), pair.best(),
      one.median() / pair.median(), one.best() / pair.best(), 1e3 * one.cpu_a / r, 1e3 * pair.cpu_a / r,
      1e3 * pair.cpu_b / r, same ? "yes" : "no");
  std::printf("  (load average %.2f before, %.2f after; pair calls in order, ms:", load_before, load_average());
  for (const double ms : pair.ms) std::printf(" %.1f", ms);
  std::printf(")\n");
}

/// One thread's CPU ms for all `m` rows of the float32 product in calls of `rows` rows
/// (median of `repeats`).
double rows_per_call_ms(int repeats, int m, int k, int n, int rows) {
  std::vector<float> a(static_cast<std::size_t>(m) * k, 0.5f), b(static_cast<std::size_t>(k) * n, 0.25f);
  std::vector<float> c(static_cast<std::size_t>(m) * n);
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    double cpu = 0;
    for (int begin = 0; begin < m; begin += rows)
      cpu += rows_on_this_thread(a.data(), b.data(), c.data(), begin, std::min(m, begin + rows), k, n);
    ms.push_back(1e3 * cpu);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 9, k = 1024;
  double split = 0.5;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--repeats") == 0)
      repeats = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--k") == 0)
      k = std::max(1, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--split") == 0)
      split = std::clamp(std::atof(argv[++i]), 0.0, 1.0);
  }
  const auto& core = tandem::cpu::blas_core_choice();
  std::printf("%s, core %s (detected %s); %d rounds, medians (best) in ms\n", OPENBLAS_VERSION, core.active.c_str(),
              core.detected.c_str(), repeats);
  std::printf(
      "| dtype | m x k x n | rows split | one thread | two threads | speed-up median (best) | CPU ms one | CPU ms pair "
      "| same bits |\n|---|---|---|---|---|---|---|---|---|\n");
  measure<float>("float32", repeats, 4096, k, 4096, split);
  measure<double>("float64", repeats, 4096, k, 4096, split);
  std::printf(
      "\nfloat32 (4096 x %d) @ (%d x 4096) on one thread in calls of R rows: CPU ms for all rows (median of 3)\n", k,
      k);
  const double whole = rows_per_call_ms(3, 4096, k, 4096, 4096);
  for (const int rows : {4096, 2048, 1024, 512, 256, 128, 64}) {
    const double ms = rows == 4096 ? whole : rows_per_call_ms(3, 4096, k, 4096, rows);
    const int calls = 4096 / rows;
    std::printf("  R = %4d: %6.1f ms in %2d calls (%+.2f ms per call beyond one call)\n", rows, ms, calls,
                calls > 1 ? (ms - whole) / (calls - 1) : 0.0);
  }
  return 0;
}
