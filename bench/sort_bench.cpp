// Sorting and indexing: td::sort / argsort / take / nonzero / mask_select on random inputs, compared with NumPy by
// scripts/bench_sort.py (same sizes, same kind of data, one run).
//
// Usage: tandem_bench_sort [--threads=N] [Google Benchmark flags]
//   --threads=N   threads for tandem (td::set_num_threads); default: $TANDEM_BENCH_THREADS, else 2.
// Each iteration sorts a fresh copy (td::sort returns a new array, as np.sort does); times
// are wall-clock (UseRealTime). Items processed = elements sorted.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <tandem/tandem.hpp>
#include <vector>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

template <class T>
td::Array<T> random_input(const td::Shape& shape) {
  td::random::Generator g(7);
  if constexpr (std::is_floating_point_v<T>) {
    return g.uniform<T>(shape);
  } else {
    auto a = td::zeros<T>(shape);
    g.integers(a, T(0), T(1) << 30);
    return a;
  }
}

template <class T>
void sort_1d(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_input<T>({n});
  for (auto _ : state) {
    auto s = td::sort(a);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// rows x 4096 along the last axis: the lines are sorted in parallel.
template <class T>
void sort_rows(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_input<T>(td::Shape{n / 4096, std::int64_t{4096}});
  for (auto _ : state) {
    auto s = td::sort(a, -1);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

template <class T>
void argsort_1d(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_input<T>({n});
  for (auto _ : state) {
    auto s = td::argsort(a, -1, true);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void take_1d(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_input<float>({n});
  td::random::Generator g(9);
  auto idx = td::zeros<std::int64_t>({n});
  g.integers(idx, std::int64_t{0}, n);
  for (auto _ : state) {
    auto s = td::take(a, idx, 0);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// Boolean-mask indexing on a half-true mask: np.nonzero(mask) and np's a[mask].
void nonzero_1d(benchmark::State& state) {
  const auto n = state.range(0);
  const auto mask = random_input<float>({n}) < 0.5f;
  for (auto _ : state) {
    auto idx = td::nonzero(mask);
    benchmark::DoNotOptimize(idx);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void mask_select_1d(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_input<float>({n});
  const auto mask = a < 0.5f;
  for (auto _ : state) {
    auto s = td::mask_select(a, mask);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void register_all() {
  // Sizes between the ones below for the 32-bit keys, where the radix path
  // (tuning::kSortRadixMinElements) and the vqsort paths trade places.
  for (std::int64_t n : {std::int64_t{1} << 18, std::int64_t{1} << 22}) {
    benchmark::RegisterBenchmark("BM_Sort<float>", sort_1d<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Sort<int32>", sort_1d<std::int32_t>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  for (std::int64_t n : {std::int64_t{1} << 16, std::int64_t{1} << 20, std::int64_t{1} << 24}) {
    benchmark::RegisterBenchmark("BM_Sort<float>", sort_1d<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Sort<double>", sort_1d<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Sort<int32>", sort_1d<std::int32_t>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_SortRows<float>", sort_rows<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Argsort<float>", argsort_1d<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Take<float>", take_1d)->Arg(n)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Nonzero<bool>", nonzero_1d)->Arg(n)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_MaskSelect<float>", mask_select_1d)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) { return td::bench::run_main("tandem_bench_sort", argc, argv, register_all); }
