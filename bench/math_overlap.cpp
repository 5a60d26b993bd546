// Does a vector math loop over arrays far beyond the caches overlap its memory traffic with
// its math? SLEEF's AVX-512 exp (or libmvec's log or sin) over 2^25 doubles, out of place,
// with streaming stores, in 65536-element chunks as tandem's threads take them; software
// prefetch of the input at several distances, and the two bounds: a copy alone and the
// math alone on L1-resident data. Prints the best wall and per-thread CPU time of 5 passes.
// tuning::kMathPrefetchBytes comes from this (docs/performance.md). AVX-512 machines only.
//
// Usage: tandem_bench_math_overlap [threads (1)] [exp|log|sin (exp)]

#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>
#include <vector>

#include "cpu/vector_math_abi.hpp"  // libmvec and SLEEF entry points

namespace {

using Fn = __m512d (*)(__m512d);
constexpr std::size_t kN = std::size_t{1} << 25;
constexpr std::size_t kChunk = 65536;

enum class Mode { plain, prefetch, copy, math_only };

void pass(Mode mode, Fn f, const double* in, double* out, std::size_t n, std::size_t ahead_bytes) {
  const std::size_t ahead = ahead_bytes / sizeof(double);
  for (std::size_t i = 0; i < n; i += 8) {
    switch (mode) {
      case Mode::plain:
        _mm512_stream_pd(out + i, f(_mm512_loadu_pd(in + i)));
        break;
      case Mode::prefetch:  // may point past the end: a prefetch never faults
        _mm_prefetch(reinterpret_cast<const char*>(in + i) + ahead * sizeof(double), _MM_HINT_T0);
        _mm512_stream_pd(out + i, f(_mm512_loadu_pd(in + i)));
        break;
      case Mode::copy:
        _mm512_stream_pd(out + i, _mm512_loadu_pd(in + i));
        break;
      case Mode::math_only:
        _mm512_stream_pd(out + (i & 1023), f(_mm512_loadu_pd(in + (i & 1023))));
        break;
    }
  }
}

double* huge(std::size_t n) {
  void* p = std::aligned_alloc(std::size_t{2} << 20, n * sizeof(double));
  if (p == nullptr) std::exit(1);
  madvise(p, n * sizeof(double), MADV_HUGEPAGE);
  return static_cast<double*>(p);
}

double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  if (!__builtin_cpu_supports("avx512f")) {
    std::fprintf(stderr, "math_overlap: needs an AVX-512 CPU\n");
    return 1;
  }
  const int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 1;
  const char* name = argc > 2 ? argv[2] : "exp";
  const Fn f = std::strcmp(name, "log") == 0   ? _ZGVeN8v_log
               : std::strcmp(name, "sin") == 0 ? _ZGVeN8v_sin
                                               : Sleef_expd8_u10avx512f;
  double* in = huge(kN);
  double* out = huge(kN);
  for (std::size_t i = 0; i < kN; ++i) {
    in[i] = 0.1 + 9.9 * static_cast<double>(i) / static_cast<double>(kN - 1);
    out[i] = 0;
  }
  struct Case {
    const char* label;
    Mode mode;
    std::size_t ahead;
  };
  const std::vector<Case> cases = {{"copy alone", Mode::copy, 0},
                                   {"math alone (L1)", Mode::math_only, 0},
                                   {"no prefetch", Mode::plain, 0},
                                   {"prefetch 512 B", Mode::prefetch, 512},
                                   {"prefetch 1 KiB", Mode::prefetch, 1024},
                                   {"prefetch 2 KiB", Mode::prefetch, 2048},
                                   {"prefetch 4 KiB", Mode::prefetch, 4096},
                                   {"prefetch 8 KiB", Mode::prefetch, 8192},
                                   {"prefetch 16 KiB", Mode::prefetch, 16384}};
  std::printf("%s, 2^25 doubles, %d thread(s): best of 5, wall ms and CPU ms per thread\n", name, threads);
  for (const Case& c : cases) {
    double wall = 1e30, cpu = 1e30;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = cpu_ms();
      auto work = [&](int t) {
        const std::size_t begin = kN / static_cast<std::size_t>(threads) * static_cast<std::size_t>(t);
        const std::size_t end = kN / static_cast<std::size_t>(threads) * static_cast<std::size_t>(t + 1);
        for (std::size_t b = begin; b < end; b += kChunk)
          pass(c.mode, f, in + b, out + b, std::min(kChunk, end - b), c.ahead);
        _mm_sfence();
      };
      std::vector<std::thread> pool;
      for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
      work(0);
      for (std::thread& t : pool) t.join();
      wall = std::min(wall, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      cpu = std::min(cpu, (cpu_ms() - c0) / threads);
    }
    std::printf("%-18s %8.2f %8.2f\n", c.label, wall, cpu);
  }
  std::printf("(check: out[2^24] = %g)\n", out[kN / 2]);
  return 0;
}
