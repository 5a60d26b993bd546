// Linear algebra: matmul against the same OpenBLAS cblas_?gemm called directly (the
// wrapper's overhead), a transposed operand (must not copy), small batched products (one
// matrix per thread), solve and cholesky.
//
// Usage: tandem_bench_linalg [--threads=N] [Google Benchmark flags]
//   --threads=N   threads for tandem (td::set_num_threads) and for the direct cblas calls;
//                 default: $TANDEM_BENCH_THREADS, else 2.
// Times are wall-clock (UseRealTime); items processed are floating-point operations, so
// Google Benchmark's items/s is flop/s. scripts/bench_linalg.py runs this next to NumPy.

#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <tandem/tandem.hpp>
#include <vector>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

template <class T>
td::Array<T> random_matrix(std::int64_t rows, std::int64_t cols, std::uint64_t seed) {
  td::random::Generator g(seed);
  return g.uniform<T>({rows, cols}, T(-1), T(1));
}

void set_flops(benchmark::State& state, double flops_per_call) {
  state.SetItemsProcessed(static_cast<std::int64_t>(static_cast<double>(state.iterations()) * flops_per_call));
}

template <class T>
void matmul(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_matrix<T>(n, n, 1), b = random_matrix<T>(n, n, 2);
  for (auto _ : state) {
    auto c = td::matmul(a, b);
    benchmark::DoNotOptimize(c);
  }
  set_flops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

template <class T>
void matmul_transposed(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_matrix<T>(n, n, 1), b = random_matrix<T>(n, n, 2);
  for (auto _ : state) {
    auto c = td::matmul(a.T(), b);
    benchmark::DoNotOptimize(c);
  }
  set_flops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

void gemm(int n, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
}
void gemm(int n, const double* a, const double* b, double* c) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
}

/// The same product through cblas directly, into a preallocated C: the reference.
template <class T>
void cblas_direct(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_matrix<T>(n, n, 1), b = random_matrix<T>(n, n, 2);
  std::vector<T> c(static_cast<std::size_t>(n * n));
  openblas_set_num_threads(td::num_threads());
  for (auto _ : state) {
    gemm(static_cast<int>(n), a.cdata(), b.cdata(), c.data());
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

/// 4096 products of 16 x 16 matrices: the batch is split over threads, BLAS single-threaded.
template <class T>
void batched_matmul(benchmark::State& state) {
  const auto n = state.range(0);
  const std::int64_t batch = 4096;
  td::random::Generator g(3);
  const auto a = g.uniform<T>({batch, n, n}, T(-1), T(1)), b = g.uniform<T>({batch, n, n}, T(-1), T(1));
  for (auto _ : state) {
    auto c = td::matmul(a, b);
    benchmark::DoNotOptimize(c);
  }
  set_flops(state, 2.0 * static_cast<double>(batch * n * n * n));
}

/// The same into a preallocated output (matmul's out= form): no allocation per call.
template <class T>
void batched_matmul_out(benchmark::State& state) {
  const auto n = state.range(0);
  const std::int64_t batch = 4096;
  td::random::Generator g(3);
  const auto a = g.uniform<T>({batch, n, n}, T(-1), T(1)), b = g.uniform<T>({batch, n, n}, T(-1), T(1));
  auto c = td::zeros<T>({batch, n, n});
  for (auto _ : state) {
    td::matmul(a, b, c);
    benchmark::ClobberMemory();
  }
  set_flops(state, 2.0 * static_cast<double>(batch * n * n * n));
}

template <class T>
void solve(benchmark::State& state) {
  const auto n = state.range(0);
  const auto a = random_matrix<T>(n, n, 4) + td::eye<T>(n) * static_cast<T>(n);
  td::random::Generator g(5);
  const auto b = g.uniform<T>({n}, T(-1), T(1));
  for (auto _ : state) {
    auto x = td::linalg::solve(a, b);
    benchmark::DoNotOptimize(x);
  }
  set_flops(state, 2.0 / 3.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

template <class T>
void cholesky(benchmark::State& state) {
  const auto n = state.range(0);
  const auto m = random_matrix<T>(n, n, 6);
  const auto a = td::matmul(m, m.T()) + td::eye<T>(n) * static_cast<T>(n);
  for (auto _ : state) {
    auto l = td::linalg::cholesky(a);
    benchmark::DoNotOptimize(l);
  }
  set_flops(state, 1.0 / 3.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n));
}

void register_all() {
  for (std::int64_t n : {std::int64_t{256}, std::int64_t{2048}}) {
    benchmark::RegisterBenchmark("BM_Matmul<double>", matmul<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Matmul<float>", matmul<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Cblas<double>", cblas_direct<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Cblas<float>", cblas_direct<float>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_MatmulTransposed<double>", matmul_transposed<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Solve<double>", solve<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_Cholesky<double>", cholesky<double>)
        ->Arg(n)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("BM_BatchedMatmul<double>", batched_matmul<double>)
      ->Arg(16)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_BatchedMatmulOut<double>", batched_matmul_out<double>)
      ->Arg(16)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) { return td::bench::run_main("tandem_bench_linalg", argc, argv, register_all); }
