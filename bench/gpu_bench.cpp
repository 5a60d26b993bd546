// GPU benchmarks (CUDA builds only): tandem's element-wise add, sum, uniform random fill,
// sort and float GEMM on the CUDA device, each next to its reference measured in the same
// run: cudaMemcpyAsync device-to-device bandwidth (for add, sum and random) and cuBLAS
// sgemm called directly (for GEMM); and host transfers next to cudaMemcpy from pageable
// and from pinned memory. Times are wall-clock around synchronised iterations
// (UseManualTime with CUDA events for the references, tandem::synchronize() for tandem).
//
// Usage: tandem_bench_gpu [Google Benchmark flags]; scripts/gpu-check.sh runs it and
// prints the ratios against the targets of issue 8. Without a device it prints a line and
// exits 0.

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_main.hpp"

namespace td = tandem;

namespace {

#define BENCH_CUDA(call)                                                                                  \
  do {                                                                                                    \
    const cudaError_t e_ = (call);                                                                        \
    if (e_ != cudaSuccess) {                                                                              \
      std::fprintf(stderr, "%s failed: %s (%s:%d)\n", #call, cudaGetErrorString(e_), __FILE__, __LINE__); \
      std::exit(1);                                                                                       \
    }                                                                                                     \
  } while (0)

/// Device-to-device copy of n floats: 2 * 4n bytes moved per iteration.
void copy_d2d(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  float *a = nullptr, *b = nullptr;
  BENCH_CUDA(cudaMalloc(&a, n * sizeof(float)));
  BENCH_CUDA(cudaMalloc(&b, n * sizeof(float)));
  BENCH_CUDA(cudaMemset(a, 0, n * sizeof(float)));
  cudaEvent_t start, stop;
  BENCH_CUDA(cudaEventCreate(&start));
  BENCH_CUDA(cudaEventCreate(&stop));
  for (auto _ : state) {
    BENCH_CUDA(cudaEventRecord(start));
    BENCH_CUDA(cudaMemcpyAsync(b, a, n * sizeof(float), cudaMemcpyDeviceToDevice));
    BENCH_CUDA(cudaEventRecord(stop));
    BENCH_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms * 1e-3);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 2 * static_cast<std::int64_t>(n) * 4);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(a);
  cudaFree(b);
}

/// Times body() with the device idle before and after (tandem::synchronize()).
template <class Body>
void timed(benchmark::State& state, Body&& body) {
  td::synchronize();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    body();
    td::synchronize();
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
}

/// c = a + b on the GPU: 3 * 4n bytes moved.
void tandem_add(benchmark::State& state) {
  const auto n = state.range(0);
  td::PlacementGuard g(td::Placement::gpu);
  auto a = td::full<float>({n}, 1.0f), b = td::full<float>({n}, 2.0f), c = td::zeros<float>({n});
  timed(state, [&] { td::add(a, b, c); });
  state.SetBytesProcessed(state.iterations() * 3 * n * 4);
}

/// sum of n floats: 4n bytes read.
void tandem_sum(benchmark::State& state) {
  const auto n = state.range(0);
  td::PlacementGuard g(td::Placement::gpu);
  auto a = td::full<float>({n}, 1.0f);
  auto out = td::zeros<float>({});
  timed(state, [&] { td::sum(a, td::Axes{}, false, out); });
  state.SetBytesProcessed(state.iterations() * n * 4);
}

/// Uniform floats: 4n bytes written.
void tandem_uniform(benchmark::State& state) {
  const auto n = state.range(0);
  td::PlacementGuard g(td::Placement::gpu);
  auto out = td::zeros<float>({n});
  td::random::Generator gen(1);
  timed(state, [&] { gen.uniform(out, 0.0f, 1.0f); });
  state.SetBytesProcessed(state.iterations() * n * 4);
}

/// sort of n floats (CUB radix sort).
void tandem_sort(benchmark::State& state) {
  const auto n = state.range(0);
  td::PlacementGuard g(td::Placement::gpu);
  auto a = td::random::Generator(2).uniform<float>({n});
  timed(state, [&] { benchmark::DoNotOptimize(td::sort(a)); });
  state.SetItemsProcessed(state.iterations() * n);
}

/// N x N float GEMM through tandem: 2 N^3 flops.
void tandem_gemm(benchmark::State& state) {
  const auto n = state.range(0);
  td::PlacementGuard g(td::Placement::gpu);
  auto a = td::full<float>({n, n}, 1.0f), b = td::full<float>({n, n}, 0.5f), c = td::zeros<float>({n, n});
  timed(state, [&] { td::matmul(a, b, c); });
  state.counters["flops"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
}

/// The same GEMM with cuBLAS called directly.
void cublas_gemm(benchmark::State& state) {
  const auto n = state.range(0);
  const auto bytes = static_cast<std::size_t>(n * n) * sizeof(float);
  float *a = nullptr, *b = nullptr, *c = nullptr;
  BENCH_CUDA(cudaMalloc(&a, bytes));
  BENCH_CUDA(cudaMalloc(&b, bytes));
  BENCH_CUDA(cudaMalloc(&c, bytes));
  // The same values as tandem_gemm's operands: a GPU's power draw depends on the data.
  const std::vector<float> ones(static_cast<std::size_t>(n * n), 1.0f), halves(ones.size(), 0.5f);
  BENCH_CUDA(cudaMemcpy(a, ones.data(), bytes, cudaMemcpyHostToDevice));
  BENCH_CUDA(cudaMemcpy(b, halves.data(), bytes, cudaMemcpyHostToDevice));
  cublasHandle_t h;
  if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) std::exit(1);
  cudaEvent_t start, stop;
  BENCH_CUDA(cudaEventCreate(&start));
  BENCH_CUDA(cudaEventCreate(&stop));
  const float one = 1, zero = 0;
  const int ni = static_cast<int>(n);
  for (auto _ : state) {
    BENCH_CUDA(cudaEventRecord(start));
    if (cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, ni, ni, ni, &one, a, ni, b, ni, &zero, c, ni) !=
        CUBLAS_STATUS_SUCCESS) {
      state.SkipWithError("cublasSgemm failed");
      break;
    }
    BENCH_CUDA(cudaEventRecord(stop));
    BENCH_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    BENCH_CUDA(cudaEventElapsedTime(&ms, start, stop));
    state.SetIterationTime(ms * 1e-3);
  }
  state.counters["flops"] = benchmark::Counter(2.0 * n * n * n, benchmark::Counter::kIsIterationInvariantRate);
  cublasDestroy(h);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
}

/// n bytes between a host buffer (pageable, or pinned with cudaMallocHost) and the device
/// with cudaMemcpy called directly: the references of tandem's transfers.
void raw_transfer(benchmark::State& state, bool pinned, cudaMemcpyKind kind) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<unsigned char> pageable;
  void* host = nullptr;
  if (pinned) {
    BENCH_CUDA(cudaMallocHost(&host, n));
  } else {
    pageable.assign(n, 1);
    host = pageable.data();
  }
  void* device = nullptr;
  BENCH_CUDA(cudaMalloc(&device, n));
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    if (kind == cudaMemcpyHostToDevice) {
      BENCH_CUDA(cudaMemcpy(device, host, n, kind));
    } else {
      BENCH_CUDA(cudaMemcpy(host, device, n, kind));
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
  cudaFree(device);
  if (pinned) cudaFreeHost(host);
}

/// n bytes of a tandem array moved to the device (h2d) or back to the host (d2h): the
/// backend's copy_from_host / copy_to_host, through pinned staging from
/// tuning::kPinnedStagingMinBytes on.
void tandem_transfer(benchmark::State& state, cudaMemcpyKind kind) {
  const auto n = state.range(0);
  auto a = td::Array<float>::from(std::vector<float>(static_cast<std::size_t>(n / 4), 1.0f));
  a.to(td::Device::cuda(0));
  for (auto _ : state) {
    if (kind == cudaMemcpyHostToDevice) {
      a.data();  // written on the host: the device copy is stale
    } else {
      a.device_data(td::Device::cuda(0));  // written on the device: the host copy is stale
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (kind == cudaMemcpyHostToDevice) {
      a.to(td::Device::cuda(0));
    } else {
      benchmark::DoNotOptimize(a.cdata());
    }
    state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  state.SetBytesProcessed(state.iterations() * n);
}

constexpr std::int64_t kElements = std::int64_t{1} << 28;  // 1 GiB of floats
constexpr std::int64_t kSortElements = std::int64_t{1} << 24;
constexpr std::int64_t kGemmN = 8192;

}  // namespace

int main(int argc, char** argv) {
  if (!td::has_gpu()) {
    std::printf("tandem_bench_gpu: no CUDA device, nothing to measure\n");
    return 0;
  }
  return td::bench::run_main("tandem_bench_gpu", argc, argv, [] {
    benchmark::RegisterBenchmark("copy_d2d", copy_d2d)->Arg(kElements)->UseManualTime()->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tandem_add", tandem_add)
        ->Arg(kElements)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tandem_sum", tandem_sum)
        ->Arg(kElements)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tandem_uniform", tandem_uniform)
        ->Arg(kElements)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tandem_sort", tandem_sort)
        ->Arg(kSortElements)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("tandem_gemm", tandem_gemm)
        ->Arg(kGemmN)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("cublas_gemm", cublas_gemm)
        ->Arg(kGemmN)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    // Host transfers around the pinned staging threshold: tandem's path against cudaMemcpy
    // from pageable and from pinned memory.
    const auto transfer_sizes = [](benchmark::internal::Benchmark* b) {
      for (std::int64_t bytes :
           {std::int64_t{1} << 20, std::int64_t{4} << 20, std::int64_t{16} << 20, std::int64_t{256} << 20})
        b->Arg(bytes);
      b->UseManualTime()->Unit(benchmark::kMillisecond);
    };
    for (cudaMemcpyKind kind : {cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost}) {
      const std::string dir = kind == cudaMemcpyHostToDevice ? "h2d" : "d2h";
      benchmark::RegisterBenchmark(("tandem_" + dir).c_str(), [kind](benchmark::State& st) {
        tandem_transfer(st, kind);
      })->Apply(transfer_sizes);
      benchmark::RegisterBenchmark(("pageable_" + dir).c_str(), [kind](benchmark::State& st) {
        raw_transfer(st, false, kind);
      })->Apply(transfer_sizes);
      benchmark::RegisterBenchmark(("pinned_" + dir).c_str(), [kind](benchmark::State& st) {
        raw_transfer(st, true, kind);
      })->Apply(transfer_sizes);
    }
  });
}
