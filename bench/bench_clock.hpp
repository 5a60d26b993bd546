#pragma once
// What the hand-timed benchmarks (dispatch_bench, gemm_pair_bench) print beside their times:
// a CPU clock in seconds and the machine's load.

#include <time.h>

#include <cstdio>

namespace tandem::bench {

/// Clock `c` (CLOCK_THREAD_CPUTIME_ID, CLOCK_PROCESS_CPUTIME_ID, ...) in seconds.
inline double clock_s(clockid_t c) {
  timespec ts{};
  clock_gettime(c, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

/// The 1-minute load average from /proc/loadavg, -1 where it cannot be read.
inline double load_average() {
  double load = -1;
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &load) != 1) load = -1;
    std::fclose(f);
  }
  return load;
}

}  // namespace tandem::bench
