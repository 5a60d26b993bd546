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
  EXPECT_EQ(s.ops_cpu, 2u);
  EXPECT_EQ(s.host_allocations, 1u);  // only the first sum allocates
  EXPECT_EQ(s.bytes_host_to_device, 0u);
  EXPECT_NE(s.str().find("ops cpu/cuda/emulated: 2/0/0"), std::string::npos);
  td::reset_stats();
  EXPECT_EQ(td::stats().ops_cpu, 0u);
}
