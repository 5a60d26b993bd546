// Lazy element-wise graphs placed on a CUDA device (src/lazy, docs/lazy.md): op by op while
// the chain's kernel compiles, then one fused kernel, the result left on the device.
// Needs a GPU: skips without one (compiled, not run so far: no session has had a GPU).

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <tandem/tandem.hpp>
#include <thread>
#include <vector>

#include "registry/registry.hpp"
#include "support/test_support.hpp"

namespace td = tandem;

TEST(LazyGpu, AChainRunsOpByOpUntilItsKernelIsReadyThenFused) {
  td::Backend* gpu = td::accelerator_backend();
  if (gpu == nullptr || gpu->device().kind != td::DeviceKind::cuda) GTEST_SKIP() << "no CUDA device";
  const td::PlacementGuard on(gpu->device());
  const td::LazyGuard lazy(true);
  const std::int64_t n = 100003;
  auto a = td::test::random_array<double>({n}, 1, -3, 3);
  auto b = td::test::random_array<double>({n}, 2, -3, 3);
  a.to(gpu->device());
  b.to(gpu->device());
  std::vector<double> expected;
  {
    const td::LazyGuard eager(false);
    const td::PlacementGuard cpu(td::Placement::cpu);
    expected = (td::exp(a * b) * 0.5 - b).to_vector();
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    td::synchronize();
    td::reset_stats();
    td::Array<double> r = td::exp(a * b) * 0.5 - b;
    td::eval(r);
    td::synchronize();
    const td::Stats s = td::stats();
    EXPECT_EQ(s.bytes_device_to_host, 0u);
    EXPECT_EQ(r.device(), gpu->device());
    const std::vector<double> got = r.to_vector();
    for (std::int64_t i = 0; i < n; ++i) {
      const double want = expected[static_cast<std::size_t>(i)];
      // CUDA's exp and glibc's may differ in the last bit.
      ASSERT_NEAR(got[static_cast<std::size_t>(i)], want, 4e-16 * std::fabs(want) + 1e-300) << i;
    }
    if (s.fused_evaluations == 1) {
      EXPECT_EQ(s.fused_instructions, 4u);
      EXPECT_EQ(s.ops_on(gpu->device()), 2u);  // the fill of the scalar 0.5 (on the device) and the program
      break;
    }
    EXPECT_EQ(s.ops_on(gpu->device()), 5u);  // compiling: the fill and the four ops, one by one
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the fused kernel never became ready";
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}
