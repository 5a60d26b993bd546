// Lazy element-wise evaluation (docs/lazy.md): fused chains against the same chains run
// eagerly (td::LazyGuard off), one copy pass, and a STREAM-style triad loop, plus the
// call overhead of a small allocating add, and sum(a * b), whose product a fused reduction
// never stores. scripts/bench_lazy.py runs it next to NumPy.
//
// Usage: tandem_bench_lazy [--threads=N] [Google Benchmark flags]
// Each timed call computes a new array and reads one element of it, which forces the lazy
// graph to run; times are wall-clock (UseRealTime).

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

constexpr std::int64_t kTriadSize = std::int64_t{1} << 25;
constexpr std::int64_t kChainSize = std::int64_t{1} << 24;

td::Array<double> input(std::int64_t n, double lo) { return td::linspace<double>(lo, lo + 1, n); }

// a * b + c, allocating; scripts/bench_lazy.py: NumPy's `a * b + c`.
void axpy(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  const auto n = state.range(0);
  auto a = input(n, 0.5), b = input(n, 1.5), c = input(n, 2.5);
  for (auto _ : state) {
    auto r = a * b + c;
    benchmark::DoNotOptimize(r.at({n - 1}));
  }
  state.SetBytesProcessed(state.iterations() * 4 * n * 8);
}

// Eight element-wise ops over one input, allocating; NumPy's
// `(((((((a * 1.5) + 0.5) * a) - 0.25) * 0.5) + a) * a) - 1.0`.
void chain8(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  const auto n = state.range(0);
  auto a = input(n, 0.5);
  for (auto _ : state) {
    auto r = (((((((a * 1.5) + 0.5) * a) - 0.25) * 0.5) + a) * a) - 1.0;
    benchmark::DoNotOptimize(r.at({n - 1}));
  }
  state.SetBytesProcessed(state.iterations() * 2 * n * 8);
}

// One copy pass of the same array, allocating: the floor of any chain that reads one
// array and writes one.
void copy_pass(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input(n, 0.5);
  for (auto _ : state) {
    auto r = a.copy();
    benchmark::DoNotOptimize(r.at({n - 1}));
  }
  state.SetBytesProcessed(state.iterations() * 2 * n * 8);
}

// STREAM triad a = b + s * c as a plain OpenMP loop into existing memory.
void triad(benchmark::State& state) {
  const auto n = state.range(0);
  std::vector<double> a(static_cast<std::size_t>(n)), b(a.size(), 1.0), c(a.size(), 2.0);
  for (auto _ : state) {
#pragma omp parallel for schedule(static)
    for (std::int64_t i = 0; i < n; ++i)
      a[static_cast<std::size_t>(i)] = b[static_cast<std::size_t>(i)] + 3.0 * c[static_cast<std::size_t>(i)];
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * 3 * n * 8);
}

// sum(a * b): lazy, the product is reduced as its graph runs (no temporary); eager, it is
// stored and then summed. scripts/bench_lazy.py: NumPy's `np.sum(a * b)`, `np.dot(a, b)`.
void sum_of_product(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  const auto n = state.range(0);
  auto a = input(n, 0.5), b = input(n, 1.5);
  for (auto _ : state) benchmark::DoNotOptimize(td::sum(a * b).item());
  state.SetBytesProcessed(state.iterations() * 2 * n * 8);
}

// The sum of a stored array of the same size: the floor of sum(a * b) reads twice as much.
void sum_stored(benchmark::State& state) {
  const auto n = state.range(0);
  auto a = input(n, 0.5);
  for (auto _ : state) benchmark::DoNotOptimize(td::sum(a).item());
  state.SetBytesProcessed(state.iterations() * n * 8);
}

// max(a * b, axis 0) of 4096 x 8192 doubles: a fused column reduction (lazy) against the
// product stored, then reduced; NumPy's `np.max(a * b, axis=0)`.
void column_max(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  auto a = input(kTriadSize, 0.5).reshape({4096, 8192}), b = input(kTriadSize, 1.5).reshape({4096, 8192});
  for (auto _ : state) benchmark::DoNotOptimize(td::max(a * b, 0).at({0}));
  state.SetBytesProcessed(state.iterations() * 2 * kTriadSize * 8);
}

// sum(a * b, axis 1) of 4096 x 8192 doubles (rows: the fused path of a whole sum, per
// row) and sum(a * b + c) of 2^25 doubles (a program of two instructions: pieces evaluated
// into memory, then reduced).
void row_sum(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  auto a = input(kTriadSize, 0.5).reshape({4096, 8192}), b = input(kTriadSize, 1.5).reshape({4096, 8192});
  for (auto _ : state) benchmark::DoNotOptimize(td::sum(a * b, 1).at({0}));
  state.SetBytesProcessed(state.iterations() * 2 * kTriadSize * 8);
}

void sum_of_axpy(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  auto a = input(kTriadSize, 0.5), b = input(kTriadSize, 1.5), c = input(kTriadSize, 2.5);
  for (auto _ : state) benchmark::DoNotOptimize(td::sum(a * b + c).item());
  state.SetBytesProcessed(state.iterations() * 3 * kTriadSize * 8);
}

// A 16-element allocating add, forced: the overhead laziness must not add to.
void add16(benchmark::State& state, bool lazy) {
  const td::LazyGuard mode(lazy);
  auto a = input(16, 0.5), b = input(16, 1.5);
  for (auto _ : state) {
    auto r = a + b;
    benchmark::DoNotOptimize(r.cdata());
  }
}

}  // namespace

int main(int argc, char** argv) {
  return td::bench::run_main("tandem_bench_lazy", argc, argv, [] {
    benchmark::RegisterBenchmark("axpy/lazy", axpy, true)
        ->Arg(kTriadSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("axpy/eager", axpy, false)
        ->Arg(kTriadSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("triad", triad)->Arg(kTriadSize)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("chain8/lazy", chain8, true)
        ->Arg(kChainSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("chain8/eager", chain8, false)
        ->Arg(kChainSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("copy", copy_pass)->Arg(kChainSize)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sumprod/lazy", sum_of_product, true)
        ->Arg(kTriadSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sumprod/eager", sum_of_product, false)
        ->Arg(kTriadSize)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sum", sum_stored)->Arg(kTriadSize)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("colmax/lazy", column_max, true)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("colmax/eager", column_max, false)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("rowsum/lazy", row_sum, true)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("rowsum/eager", row_sum, false)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sumaxpy/lazy", sum_of_axpy, true)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("sumaxpy/eager", sum_of_axpy, false)->UseRealTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("add16/lazy", add16, true)->UseRealTime();
    benchmark::RegisterBenchmark("add16/eager", add16, false)->UseRealTime();
  });
}
