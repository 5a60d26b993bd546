// Random fills: uniform doubles and standard normals into an existing array (the out-
// parameter form, so allocation and page faults stay out of the timing), at sizes from
// "call overhead" to "far beyond the caches".
//
// Usage: tandem_bench_random [--threads=N] [Google Benchmark flags]
//   --threads=N   threads for tandem (td::set_num_threads); default: $TANDEM_BENCH_THREADS, else 2.
// Times are wall-clock (UseRealTime), since the work runs on several threads.
// scripts/bench_random.py runs this next to NumPy's default_rng.

#include <cstdint>
#include <vector>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

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

int main(int argc, char** argv) { return td::bench::run_main("tandem_bench_random", argc, argv, register_all); }
