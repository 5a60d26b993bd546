// Misuse of arrays ends in a defined state or a clear error, never in a crash or a silent
// write: moved-from arrays are empty arrays, writes through broadcast views are refused,
// messages name the user's function, and byte counts from the environment parse or are
// refused. (to()'s release-and-retry is in tests/emulated/transfer_test.cpp.)

#include <sstream>
#include <string>
#include <utility>

#include "backend/byte_size.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::random_array;
using td::test::throws_with;

TEST(ArraySafety, MovedFromArrayIsAnEmptyArray) {
  auto a = random_array<double>({3, 4}, 1);
  const auto values = a.to_vector();
  const td::Array<double> b = std::move(a);
  EXPECT_EQ(b.to_vector(), values);
  // NOLINTBEGIN(bugprone-use-after-move): the moved-from state is what is tested
  EXPECT_EQ(a.shape(), td::Shape{0});
  EXPECT_EQ(a.size(), 0);
  EXPECT_EQ(a.dtype(), td::DType::float64);
  EXPECT_EQ(td::sum(a).item(), 0.0);
  EXPECT_EQ((a + 1.0).size(), 0);
  EXPECT_EQ(a.copy().size(), 0);
  EXPECT_TRUE(a.to_vector().empty());
  std::ostringstream printed;
  printed << a;
  EXPECT_EQ(printed.str(), "[]");
  a.fill(3.0);
  td::Array<double> c;
  c = std::move(a);
  EXPECT_EQ(a.size(), 0);
  EXPECT_EQ(c.size(), 0);
  // NOLINTEND(bugprone-use-after-move)
  a = td::ones<double>({2});  // and it can be assigned again
  EXPECT_EQ(a.to_vector(), (std::vector<double>{1, 1}));
}

TEST(ArraySafety, WritesThroughBroadcastViewsAreRefused) {
  const auto src = td::Array<double>::from({1, 2, 3});
  auto v = src.broadcast_to({4, 3});
  const std::vector<double> before = src.to_vector();
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v.fill(9); }, {"fill: ", "broadcast view"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v(1) = 9.0; }, {"fill: ", "broadcast view"}));  // a view of it too
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v(1, 2) = 9.0; }, {"broadcast view"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v.data(); }, {"data: ", "broadcast view"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v.T().data(); }, {"data: "}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v += 1.0; }, {"broadcast view"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { v.assign(td::zeros<double>({4, 3})); }, {"assign: "}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::add(src, src, v(0)); }, {"add: "}));
  EXPECT_EQ(src.to_vector(), before);
  // Reading is fine, and a copy is an ordinary array.
  EXPECT_EQ(v.cdata()[0], 1.0);
  EXPECT_EQ(td::sum(v).item(), 24.0);
  auto c = v.copy();
  c(1) = 9.0;
  EXPECT_EQ(c.at({1, 2}), 9.0);
  EXPECT_EQ(src.to_vector(), before);
  // A same-shape broadcast_to is the array itself, as before.
  src.broadcast_to({3}).fill(5.0);
  EXPECT_EQ(src.to_vector(), (std::vector<double>(3, 5.0)));
}

TEST(ArraySafety, ToAnUnregisteredDeviceNamesTo) {
  const auto a = td::ones<double>({3});
  EXPECT_TRUE(throws_with<td::DeviceError>([&] { a.to(td::Device::cuda(7)); }, {"to: ", "cuda:7"}));
}

TEST(ArraySafety, ByteSizesParseUnitsOrAreRefused) {
  using td::detail::parse_byte_size;
  EXPECT_EQ(parse_byte_size("V", "67108864"), std::size_t{67108864});
  EXPECT_EQ(parse_byte_size("V", "64MiB"), std::size_t{64} << 20);
  EXPECT_EQ(parse_byte_size("V", " 1GiB "), std::size_t{1} << 30);
  EXPECT_EQ(parse_byte_size("V", "1.5 KiB"), std::size_t{1536});
  EXPECT_EQ(parse_byte_size("V", "2G"), std::size_t{2} << 30);
  EXPECT_EQ(parse_byte_size("V", "3MB"), std::size_t{3000000});
  EXPECT_EQ(parse_byte_size("V", "10B"), std::size_t{10});
  EXPECT_EQ(parse_byte_size("V", "0"), std::size_t{0});
  for (const char* bad : {"", "MiB", "64 mib", "64MiBs", "-1", "1.5", "1e6", "0x40", "64 M iB", "99999999999999999999"})
    EXPECT_TRUE(throws_with<td::ValueError>([&] { parse_byte_size("TANDEM_EMULATED_MEMORY", bad); },
                                            {"TANDEM_EMULATED_MEMORY: "}))
        << bad;
  EXPECT_TRUE(throws_with<td::ValueError>([] { parse_byte_size("V", "100000000TiB"); }, {"too large"}));
}
