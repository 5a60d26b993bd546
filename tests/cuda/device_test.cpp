// The CUDA build must start and run on machines without a driver or GPU; GPU-only checks
// skip there (ctest label "gpu" via the Gpu name filter in tests/CMakeLists.txt).

#include <gtest/gtest.h>

#include <tandem/tandem.hpp>

#ifdef TANDEM_HAS_CUDA
#include "cuda/probe.hpp"
#endif

namespace td = tandem;

TEST(CudaDevice, ReportsNoDeviceCleanlyWithoutDriver) {
  const int n = td::cuda_device_count();
  EXPECT_GE(n, 0);
#ifndef TANDEM_HAS_CUDA
  EXPECT_EQ(n, 0);
#endif
  if (n == 0) {
    EXPECT_FALSE(td::has_gpu());
    // Everything still runs, on the CPU.
    auto a = td::arange<float>(100.0f) * 2.0f;
    EXPECT_EQ(a.at({99}), 198.0f);
    EXPECT_TRUE(a.device().is_cpu());
  }
}

TEST(CudaDevice, DeviceListStartsWithCpu) {
  const auto devs = td::devices();
  ASSERT_FALSE(devs.empty());
  EXPECT_TRUE(devs.front().is_cpu());
  EXPECT_EQ(devs.front().str(), "cpu");
  EXPECT_EQ(td::Device::cuda(1).str(), "cuda:1");
}

TEST(GpuDevice, FillKernelRunsOnDevice) {
#ifdef TANDEM_HAS_CUDA
  if (td::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device";
  EXPECT_NO_THROW(td::cuda::self_test(1 << 20));
  EXPECT_FALSE(td::cuda::device_description(0).empty());
#else
  GTEST_SKIP() << "built without CUDA";
#endif
}
