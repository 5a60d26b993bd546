// mmap_npy: read-only, read-write and copy-on-write maps of .npy files; the map outlives
// its base array through views; read-only maps refuse every write path.

#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::read_bytes;
using td::test::TempDir;
using td::test::throws_with;

namespace {
std::string npy_fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/npy/" + name; }
}  // namespace

template <class T>
class MmapNpy : public ::testing::Test {};
TYPED_TEST_SUITE(MmapNpy, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(MmapNpy, ReadOnlyMapMatchesLoad) {
  using T = TypeParam;
  TempDir dir;
  for (const auto& shape : std::vector<std::vector<std::int64_t>>{{}, {0}, {1}, {7}, {3, 5}, {2, 3, 4}, {1023}}) {
    SCOPED_TRACE(td::to_string(td::Shape(shape)));
    const auto a = random_array<T>(shape, 5, -1e6, 1e6);
    td::save_npy(dir.file("a.npy"), a);
    const auto m = td::mmap_npy<T>(dir.file("a.npy"));
    EXPECT_TRUE(m.untyped().read_only());
    EXPECT_TRUE(arrays_equal(m, a));
    EXPECT_TRUE(arrays_equal(m.T().copy(), a.T()));  // views and copies of a map work
  }
}

TYPED_TEST(MmapNpy, ReadWriteMapWritesTheFile) {
  using T = TypeParam;
  TempDir dir;
  const auto a = random_array<T>({4, 6}, 6);
  td::save_npy(dir.file("a.npy"), a);
  {
    const auto m = td::mmap_npy<T>(dir.file("a.npy"), td::MapMode::read_write);
    EXPECT_FALSE(m.untyped().read_only());
    m(1).fill(T(1));
    m.data()[0] = T(0);
  }
  auto expected = a.copy();
  expected(1).fill(T(1));
  expected.data()[0] = T(0);
  EXPECT_TRUE(arrays_equal(td::load_npy<T>(dir.file("a.npy")), expected));
}

TEST(MmapNpy, ArithmeticOnAReadWriteMapReachesTheFile) {
  // Under the emulated device the op runs there; the map's buffer copies the result back
  // into the file's pages when the last view goes.
  TempDir dir;
  const auto a = random_array<double>({1000}, 7);
  td::save_npy(dir.file("a.npy"), a);
  {
    auto m = td::mmap_npy<double>(dir.file("a.npy"), td::MapMode::read_write);
    m *= 2.0;
    m += 1.0;
  }
  EXPECT_TRUE(arrays_equal(td::load_npy<double>(dir.file("a.npy")), a * 2.0 + 1.0));
}

TEST(MmapNpy, CopyOnWriteLeavesTheFileAlone) {
  TempDir dir;
  const auto a = random_array<float>({100}, 8);
  td::save_npy(dir.file("a.npy"), a);
  const auto before = read_bytes(dir.file("a.npy"));
  {
    auto m = td::mmap_npy<float>(dir.file("a.npy"), td::MapMode::copy_on_write);
    m.fill(3.0f);
    EXPECT_EQ(m.at({50}), 3.0f);
  }
  EXPECT_EQ(read_bytes(dir.file("a.npy")), before);
}

TEST(MmapNpy, ReadOnlyMapRefusesEveryWrite) {
  TempDir dir;
  td::save_npy(dir.file("a.npy"), random_array<double>({3, 4}, 9));
  auto m = td::mmap_npy<double>(dir.file("a.npy"));  // not const: the map itself refuses writes
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m.data(); }, {"data: ", "read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m.fill(1.0); }, {"fill: ", "read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m(0) = 1.0; }, {"read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m += 1.0; }, {"add: ", "read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m.assign(td::zeros<double>({3, 4})); }, {"assign: ", "read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::add(m, m, m); }, {"read-only"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { m.device_data(td::Device::cpu()); }, {"read-only"}));
  EXPECT_EQ(m.cdata()[0], td::load_npy<double>(dir.file("a.npy")).at({0, 0}));  // reading is fine
  auto c = m.copy();
  c.fill(1.0);  // a copy is ordinary memory
  EXPECT_FALSE(c.untyped().read_only());
}

TEST(MmapNpy, ViewsKeepTheMappingAlive) {
  TempDir dir;
  const auto a = random_array<std::int64_t>({10, 10}, 10);
  td::save_npy(dir.file("a.npy"), a);
  td::Array<std::int64_t> view;
  {
    const auto m = td::mmap_npy<std::int64_t>(dir.file("a.npy"));
    view = m(td::slice(2, 5), td::slice(td::none, td::none, -1));
  }
  EXPECT_TRUE(arrays_equal(view.copy(), a(td::slice(2, 5), td::slice(td::none, td::none, -1))));
}

TEST(MmapNpy, FortranOrderIsAStridedView) {
  const auto m = td::mmap_npy<double>(npy_fixture("f8_fortran_2d.npy"));
  EXPECT_EQ(m.shape(), td::Shape({4, 6}));
  EXPECT_EQ(m.strides(), td::Strides({1, 4}));
  EXPECT_TRUE(arrays_equal(m.copy(), td::load_npy<double>(npy_fixture("f8_fortran_2d.npy"))));
}

TEST(MmapNpy, Errors) {
  const std::string f8 = npy_fixture("f8_3d.npy");
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::mmap_npy<float>(f8); }, {"mmap_npy", "float64", "float32"}));
  for (const char* bad : {"bad_truncated.npy", "bad_big_endian.npy", "bad_overflow.npy", "bad_magic.npy"}) {
    const std::string path = npy_fixture(bad);
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::mmap_npy_untyped(path); }, {"mmap_npy: ", path.c_str()})) << bad;
  }
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::mmap_npy<double>("/nonexistent/a.npy", td::MapMode::read_write); },
                                       {"mmap_npy", "cannot open"}));
}
