#include <gtest/gtest.h>

#include <tandem/tandem.hpp>

namespace td = tandem;

TEST(ArraySmoke, AddBroadcast) {
  auto a = td::arange<double>(6).reshape({2, 3});
  auto b = td::Array<double>::from({10, 20, 30});
  auto c = a + b;
  EXPECT_EQ(c.to_vector(), (std::vector<double>{10, 21, 32, 13, 24, 35}));
}
