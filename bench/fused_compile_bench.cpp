// The host side of the CUDA backend's fused kernels (docs/gpu-fusion.md): generating the
// source of a typical 8-op chain, compiling it with NVRTC (CUBIN for sm_90, PTX for
// compute_90), and the per-call cost of a cache hit (launch parameters, key, lookup).
// Runs without a GPU. CUDA builds only.

#include <benchmark/benchmark.h>

#include <vector>

#include "cuda/nvrtc.hpp"
#include "kernels/fused_codegen.hpp"
#include "support/fused_programs.hpp"

namespace td = tandem;
namespace tk = tandem::kernels;

namespace {

tk::FusedLayout contiguous3() {
  tk::FusedLayout l;
  l.inputs.assign(3, tk::FusedAccess::contiguous);
  return l;
}

void BM_FusedSource(benchmark::State& state) {
  const tk::FusedProgram p = td::test::chain8();
  const tk::FusedLayout l = contiguous3();
  for (auto _ : state) benchmark::DoNotOptimize(tk::fused_source(p, l));
}
BENCHMARK(BM_FusedSource);

void BM_NvrtcCompile(benchmark::State& state, const char* arch) {
  const std::string src = tk::fused_source(td::test::chain8(), contiguous3());
  for (auto _ : state) benchmark::DoNotOptimize(td::cuda::compile_fused(src, arch));
}
BENCHMARK_CAPTURE(BM_NvrtcCompile, cubin_sm_90, "sm_90")->Unit(benchmark::kMillisecond)->Iterations(10);
BENCHMARK_CAPTURE(BM_NvrtcCompile, ptx_compute_90, "compute_90")->Unit(benchmark::kMillisecond)->Iterations(10);

void BM_CacheHit(benchmark::State& state) {
  const tk::FusedProgram p = td::test::chain8();
  td::KernelCache cache(td::cuda::nvrtc_compiler(), "");
  std::vector<double> a(1024), b(1024), c(1024), out(1024);
  tk::FusedCall call;
  call.program = &p;
  for (auto* v : {&a, &b, &c}) call.inputs.push_back(td::test::view_of(v->data(), td::DType::float64, {1024}, {1}));
  call.scalars = {td::Scalar::of(1.0), td::Scalar::of(2.0), td::Scalar::of(3.0)};
  call.out = td::test::view_of(out.data(), td::DType::float64, {1024}, {1});
  cache.wait("sm_90", tk::fused_kernel_key(p, contiguous3()), [&] { return tk::fused_source(p, contiguous3()); });
  for (auto _ : state) {
    tk::FusedLaunch launch = tk::fused_launch(call);
    const auto r = cache.lookup("sm_90", tk::fused_kernel_key(p, launch.layout), [] { return std::string(); });
    benchmark::DoNotOptimize(r.image.get());
    benchmark::DoNotOptimize(launch.args());
  }
}
BENCHMARK(BM_CacheHit);

}  // namespace

BENCHMARK_MAIN();
