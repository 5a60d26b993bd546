// NVRTC on the host (no driver, no GPU needed): the generated fused kernels compile to PTX
// and CUBIN, the cache builds one kernel for a loop with changing scalars, and compile
// errors name "fused" with NVRTC's log. FusedGpu runs a fused kernel on a device against
// the CPU (skipped without one; ctest label gpu). CUDA builds only.

#include <gtest/gtest.h>

#include <tandem/config.hpp>

#ifdef TANDEM_HAS_CUDA

#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "cuda/nvrtc.hpp"
#include "kernels/convert.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/fused_codegen.hpp"
#include "registry/registry.hpp"
#include "support/fused_programs.hpp"
#include "support/temp_dir.hpp"

namespace td = tandem;
namespace tk = tandem::kernels;
using td::DType;
using tk::FusedAccess;
using namespace td::test;

namespace {

tk::FusedLayout contiguous(std::size_t inputs) {
  tk::FusedLayout l;
  l.inputs.assign(inputs, FusedAccess::contiguous);
  return l;
}

bool is_ptx_for(const std::string& image, const std::string& target) {
  return image.find(".target " + target) != std::string::npos &&
         image.find(tk::kFusedKernelName) != std::string::npos && image.back() == '\0';
}

}  // namespace

TEST(FusedNvrtc, EveryOpAndDtypeCompilesToPtx) {
  // One program per dtype instantiates every functor that accepts it, with bool results,
  // where, clip, astype to every dtype and converted scalars; broadcast and strided inputs.
  for (DType t : {DType::bool_, DType::int32, DType::int64, DType::float32, DType::float64}) {
    const tk::FusedProgram p = every_op(t);
    tk::FusedLayout layout;
    layout.inputs = {FusedAccess::strided, FusedAccess::scalar, FusedAccess::contiguous};
    layout.ndim = 3;
    const std::string arch = t == DType::float32 ? "compute_80" : "compute_90";
    const std::string image = td::cuda::compile_fused(tk::fused_source(p, layout), arch);
    EXPECT_TRUE(is_ptx_for(image, "sm_" + arch.substr(8))) << td::dtype_name(t);
  }
}

TEST(FusedNvrtc, LayoutClassesCompileToCubinAndPtx) {
  const tk::FusedProgram p = chain8();
  tk::FusedLayout all_contiguous = contiguous(3);
  tk::FusedLayout mixed;
  mixed.inputs = {FusedAccess::contiguous, FusedAccess::scalar, FusedAccess::strided};
  mixed.out = FusedAccess::strided;
  mixed.ndim = 2;
  const std::string cubin = td::cuda::compile_fused(tk::fused_source(p, all_contiguous), "sm_90");
  ASSERT_GE(cubin.size(), 4u);
  EXPECT_EQ(std::memcmp(cubin.data(),
                        "\x7f"
                        "ELF",
                        4),
            0);  // CUBIN is an ELF image
  EXPECT_TRUE(is_ptx_for(td::cuda::compile_fused(tk::fused_source(p, mixed), "compute_80"), "sm_80"));
}

TEST(FusedNvrtc, ArchitectureAndVersion) {
  EXPECT_EQ(td::cuda::nvrtc_version().rfind("nvrtc-", 0), 0u);
  EXPECT_EQ(td::cuda::fused_arch(9, 0), "sm_90");
  EXPECT_EQ(td::cuda::fused_arch(99, 9).rfind("compute_", 0), 0u);  // unknown to NVRTC: PTX
}

TEST(FusedNvrtc, CompileErrorsNameFusedWithTheLog) {
  const std::string source =
      "// tandem fused kernel: broken\nextern \"C\" __global__ void tandem_fused() { undeclared(); }\n";
  try {
    td::cuda::compile_fused(source, "compute_90");
    FAIL() << "compiled";
  } catch (const td::DeviceError& e) {
    const std::string what = e.what();
    EXPECT_EQ(what.rfind("fused: NVRTC", 0), 0u) << what;
    EXPECT_NE(what.find("tandem fused kernel: broken"), std::string::npos) << what;
    EXPECT_NE(what.find("undeclared"), std::string::npos) << what;  // NVRTC's log
  }
}

TEST(FusedNvrtc, ChangingScalarsBuildOneKernel) {
  // The loop: 10^4 iterations of one chain with new scalar values (and shapes)
  // each time build one kernel; the first lookups find it compiling (the caller runs the
  // chain eagerly), the later ones ready.
  td::test::TempDir dir;
  td::KernelCache cache(td::cuda::nvrtc_compiler(), dir.path());
  const tk::FusedProgram p = chain8();
  std::vector<double> a(64), b(64), c(64), out(64);
  int ready = 0;
  for (int it = 0; it < 10000; ++it) {
    tk::FusedCall call;
    call.program = &p;
    const std::int64_t n = 1 + it % 64;
    for (auto* v : {&a, &b, &c}) call.inputs.push_back(view_of(v->data(), DType::float64, {n}, {1}));
    call.scalars = {td::Scalar::of(0.5 * it), td::Scalar::of(-1.0 * it), td::Scalar::of(1.0 + it)};
    call.out = view_of(out.data(), DType::float64, {n}, {1});
    const tk::FusedLaunch launch = tk::fused_launch(call);
    const auto r = cache.lookup("compute_90", tk::fused_kernel_key(p, launch.layout),
                                [&] { return tk::fused_source(p, launch.layout); });
    ASSERT_NE(r.state, td::KernelCache::State::failed) << r.error;
    if (it == 0) {
      EXPECT_EQ(r.state, td::KernelCache::State::compiling);
    } else if (it > 5000) {
      EXPECT_EQ(r.state, td::KernelCache::State::ready);
    }
    ready += r.state == td::KernelCache::State::ready;
    if (it == 5000) {  // time passes: the compiler finishes
      EXPECT_EQ(cache.wait("compute_90", tk::fused_kernel_key(p, launch.layout), [] { return std::string(); }).state,
                td::KernelCache::State::ready);
    }
  }
  EXPECT_EQ(cache.entries(), 1u);
  EXPECT_EQ(cache.compiles(), 1u);
  EXPECT_GE(ready, 4999);
  // A fresh cache on the same folder (the next process) finds the kernel on disk.
  td::KernelCache next(td::cuda::nvrtc_compiler(), dir.path());
  EXPECT_EQ(next.lookup("compute_90", tk::fused_kernel_key(p, contiguous(3)), [] { return std::string(); }).state,
            td::KernelCache::State::ready);
  EXPECT_EQ(next.compiles(), 0u);
}

namespace {

/// chain8 of one element with the shared functors, as the eager ops compute it.
double chain8_on_cpu(double a, double b, double c, double s0, double s1, double s2) {
  const double v3 = tk::exp_fn{}(tk::negative_fn{}(a * b + c));
  const double v5 = tk::clip_fn{}(v3 * s0, s1, s2);
  return v5 < a ? v5 : b;
}

/// The element offset of (r, col) in a 2-d view with element 0 at `base`.
struct View2 {
  std::int64_t base, s0, s1;
  std::int64_t at(std::int64_t r, std::int64_t col) const { return base + r * s0 + col * s1; }
};

}  // namespace

TEST(FusedGpu, ChainMatchesTheCpu) {
  td::Backend* gpu = td::accelerator_backend();
  if (gpu == nullptr || gpu->device().kind != td::DeviceKind::cuda) GTEST_SKIP() << "no CUDA device";
  const tk::FusedProgram p = chain8();
  const double s[3] = {1.5, -0.25, 2.0};
  for (const std::int64_t rows : {std::int64_t{1}, std::int64_t{7}, std::int64_t{1023}}) {
    const std::int64_t cols = rows == 1023 ? 1025 : 3;
    const std::int64_t n = rows * cols;
    // Contiguous everywhere, then a with its rows reversed, b one row broadcast down, c a
    // broadcast single value and the output written transposed.
    const View2 dense{0, cols, 1};
    const std::vector<std::vector<View2>> layouts = {
        {dense, dense, dense, dense}, {{(rows - 1) * cols, -cols, 1}, {0, 0, 1}, {0, 0, 0}, {0, 1, rows}}};
    for (const auto& views : layouts) {
      std::mt19937 rng(static_cast<unsigned>(n));
      std::normal_distribution<double> dist;
      std::vector<std::vector<double>> host(4, std::vector<double>(n));
      for (int k = 0; k < 3; ++k)
        for (double& x : host[k]) x = dist(rng);
      const std::size_t bytes = sizeof(double) * n;
      void* d[4];
      for (int k = 0; k < 4; ++k) {
        d[k] = gpu->allocate(bytes);
        if (k < 3) gpu->copy_from_host(d[k], host[k].data(), bytes);
      }
      tk::FusedCall call;
      call.program = &p;
      for (int k = 0; k < 4; ++k) {
        const td::StridedView v = view_of(static_cast<double*>(d[k]) + views[k].base, DType::float64, {rows, cols},
                                          {views[k].s0, views[k].s1});
        if (k < 3)
          call.inputs.push_back(v);
        else
          call.out = v;
      }
      call.scalars = {td::Scalar::of(s[0]), td::Scalar::of(s[1]), td::Scalar::of(s[2])};
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!gpu->run_fused(call)) {  // compiling: the lazy layer would run eagerly meanwhile
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the fused kernel never became ready";
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      gpu->synchronize();
      gpu->copy_to_host(host[3].data(), d[3], bytes);
      for (void* ptr : d) gpu->deallocate(ptr, bytes);
      for (std::int64_t r = 0; r < rows; ++r)
        for (std::int64_t col = 0; col < cols; ++col) {
          const double want = chain8_on_cpu(host[0][views[0].at(r, col)], host[1][views[1].at(r, col)],
                                            host[2][views[2].at(r, col)], s[0], s[1], s[2]);
          const double got = host[3][views[3].at(r, col)];
          // exp on the GPU (CUDA's libdevice) and the CPU (glibc) may differ in the last bit.
          ASSERT_NEAR(got, want, 4e-16 * std::fabs(want) + 1e-300) << rows << "x" << cols << " at " << r << "," << col;
        }
    }
  }
}

#endif  // TANDEM_HAS_CUDA
