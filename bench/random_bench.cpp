// Random fills: uniform doubles and standard normals into an existing array (the out-
// parameter form, so allocation and page faults stay out of the timing), at sizes from
// "call overhead" to "far beyond the caches".
//
// Usage: tandem_bench_random [--threads=N] [Google Benchmark flags]
//   --threads=N   threads for tandem (td::set_num_threads); default: $TANDEM_BENCH_THREADS, else 2.
// Times are wall-clock (UseRealTime), since the work runs on several threads.
// scripts/bench_random.py runs this next to NumPy's default_rng.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

namespace td = tandem;

namespace {

int g_threads = 2;

template <class T>
void uniform(benchmark::State& state) {
  const auto n = state.range(0);
  td::random::Generator g(42);
  auto out = td::zeros<T>({n});
  for (auto _ : state) {
    g.random(out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(T)));
}

template <class T>
void standard_normal(benchmark::State& state) {
  const auto n = state.range(0);
  td::random::Generator g(42);
  auto out = td::zeros<T>({n});
  for (auto _ : state) {
    g.standard_normal(out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(T)));
}

void integers(benchmark::State& state) {
  const auto n = state.range(0);
  td::random::Generator g(42);
  auto out = td::zeros<std::int64_t>({n});
  for (auto _ : state) {
    g.integers(out, std::int64_t{0}, std::int64_t{1000});
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void register_all() {
  const std::vector<std::int64_t> sizes = {16, std::int64_t{1} << 16, std::int64_t{1} << 20, std::int64_t{1} << 25};
  for (auto n : sizes) {
    benchmark::RegisterBenchmark("BM_Uniform<double>", uniform<double>)->Arg(n)->UseRealTime();
    benchmark::RegisterBenchmark("BM_Uniform<float>", uniform<float>)->Arg(n)->UseRealTime();
    benchmark::RegisterBenchmark("BM_StandardNormal<double>", standard_normal<double>)->Arg(n)->UseRealTime();
    benchmark::RegisterBenchmark("BM_StandardNormal<float>", standard_normal<float>)->Arg(n)->UseRealTime();
    benchmark::RegisterBenchmark("BM_Integers<int64>", integers)->Arg(n)->UseRealTime();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* env = std::getenv("TANDEM_BENCH_THREADS")) g_threads = std::atoi(env);
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--threads=", 10) == 0)
      g_threads = std::atoi(argv[i] + 10);
    else
      rest.push_back(argv[i]);
  }
  td::set_num_threads(g_threads);
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
