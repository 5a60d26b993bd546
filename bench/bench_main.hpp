#pragma once
// The main() shared by the benchmark programs: `--threads=N` (default $TANDEM_BENCH_THREADS,
// else 2) sets tandem's and OpenMP's thread counts; other flags go to Google Benchmark.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

namespace tandem::bench {

template <class Register>
int run_main(const char* program, int argc, char** argv, Register&& register_benchmarks) {
  int threads = 2;
  if (const char* env = std::getenv("TANDEM_BENCH_THREADS")) threads = std::atoi(env);
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      threads = std::atoi(argv[i] + 10);
    else
      rest.push_back(argv[i]);
  }
  if (threads < 1) {
    std::fprintf(stderr, "%s: --threads must be >= 1\n", program);
    return 2;
  }
  set_num_threads(threads);
  omp_set_num_threads(threads);
  benchmark::AddCustomContext("tandem_threads", std::to_string(threads));
  benchmark::AddCustomContext("tandem_version", TANDEM_VERSION_STRING);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  if (benchmark::ReportUnrecognizedArguments(n, rest.data())) return 1;
  register_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tandem::bench
