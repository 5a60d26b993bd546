#include <gtest/gtest.h>

#include <tandem/tandem.hpp>

namespace td = tandem;

TEST(Stats, CountsCpuOpsAndAllocations) {
  auto a = td::ones<double>({1000});
  auto b = td::ones<double>({1000});
  td::reset_stats();
  auto c = a + b;
  td::add(a, b, c);
  const td::Stats s = td::stats();
  EXPECT_EQ(s.ops_on(td::Device::cpu()), 2u);
  EXPECT_EQ(s.host_allocations, 1u);  // only the first sum allocates
  EXPECT_EQ(s.bytes_host_to_device, 0u);
  ASSERT_FALSE(s.ops.empty());
  EXPECT_EQ(s.ops.front().device, td::Device::cpu());  // the CPU first
  EXPECT_NE(s.str().find("ops per device: cpu 2"), std::string::npos);
  td::reset_stats();
  EXPECT_EQ(td::stats().ops_on(td::Device::cpu()), 0u);
}
