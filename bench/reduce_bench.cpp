// Reductions and scans: the full sum of 2^25 doubles against the same run's read
// bandwidth (a plain OpenMP loop that only loads and XORs the same bytes), sums along each
// axis of a 4096 x 8192 matrix against its full sum, and cumsum.
//
// Usage: tandem_bench_reduce [--threads=N] [Google Benchmark flags]
// scripts/bench_reduce.py runs this next to NumPy and prints the ratios.

#include <cstdint>
#include <cstring>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

constexpr std::int64_t kRows = 4096;
constexpr std::int64_t kCols = 8192;

// Read bandwidth: every 8-byte word loaded once, combined with XOR (no floating-point
// dependency chain, vectorised by the compiler).
void read_bandwidth(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = td::full<double>({n}, 1.5);
  const auto* words = reinterpret_cast<const std::uint64_t*>(a.cdata());
  for (auto _ : state) {
    std::uint64_t acc = 0;
#pragma omp parallel for reduction(^ : acc) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) acc ^= words[i];
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(state.iterations() * n * 8);
}

template <class T>
void sum_all(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = td::full<T>({n}, T(1));
  auto out = td::zeros<T>({});
  for (auto _ : state) {
    td::sum(a, {}, false, out);
    benchmark::DoNotOptimize(out.cdata());
  }
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(T)));
}

void sum_matrix(benchmark::State& state) {
  const int axis = static_cast<int>(state.range(0));  // -1: all
  const auto m = td::full<double>({kRows, kCols}, 0.5);
  for (auto _ : state) {
    auto r = axis < 0 ? td::sum(m) : td::sum(m, axis);
    benchmark::DoNotOptimize(r.cdata());
  }
  state.SetBytesProcessed(state.iterations() * kRows * kCols * 8);
}

void cumsum(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = td::full<double>({n}, 0.25);
  auto out = td::zeros<double>({n});
  for (auto _ : state) {
    td::cumsum(a, 0, out);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * n * 16);
}

void register_all() {
  const std::int64_t big = std::int64_t{1} << 25;
  benchmark::RegisterBenchmark("BM_ReadBandwidth", read_bandwidth)->Arg(big)->UseRealTime();
  for (std::int64_t n : {std::int64_t{16}, std::int64_t{1} << 16, big}) {
    benchmark::RegisterBenchmark("BM_Sum<double>", sum_all<double>)->Arg(n)->UseRealTime();
  }
  benchmark::RegisterBenchmark("BM_Sum<float>", sum_all<float>)->Arg(big)->UseRealTime();
  benchmark::RegisterBenchmark("BM_SumMatrix", sum_matrix)->Arg(-1)->Arg(0)->Arg(1)->UseRealTime();
  benchmark::RegisterBenchmark("BM_Cumsum", cumsum)->Arg(std::int64_t{1} << 24)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) { return td::bench::run_main("tandem_bench_reduce", argc, argv, register_all); }
