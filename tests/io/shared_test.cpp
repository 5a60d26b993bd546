// tandem::shared: create / attach / unlink of POSIX shared-memory arrays, the errors for
// missing, foreign, too-small and mismatched segments, and NumPy on the other side
// (tests/data/shared_numpy.py, the recipe of docs/io.md).

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/shared.hpp>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::throws_with;

namespace {

// Unique per process and test, so parallel ctest runs never share a segment.
std::string segment(const std::string& what) { return "tandem_test_" + std::to_string(::getpid()) + "_" + what; }

// Unlinks at scope exit whatever the test left.
struct Unlinker {
  std::string name;
  ~Unlinker() { ::shm_unlink(("/" + name).c_str()); }
};

// A raw segment of `bytes` bytes whose first bytes are `head`.
void raw_segment(const std::string& name, std::size_t bytes, const std::string& head) {
  const int fd = ::shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(bytes)), 0);
  ASSERT_EQ(::pwrite(fd, head.data(), std::min(head.size(), bytes), 0),
            static_cast<ssize_t>(std::min(head.size(), bytes)));
  ::close(fd);
}

template <class T>
td::Array<T> formula(const td::Shape& shape, bool second) {
  const std::int64_t n = td::shape_size(shape);
  std::vector<T> v(static_cast<std::size_t>(n));
  for (std::int64_t k = 0; k < n; ++k) {
    if constexpr (std::is_same_v<T, bool>)
      v[k] = (k % 3 == 0) != second;
    else if constexpr (std::is_integral_v<T>)
      v[k] = static_cast<T>((k * 7 - 50) * (second ? 2 : 1) + (second ? 1 : 0));
    else
      v[k] = static_cast<T>((static_cast<double>(k) * 0.5 - 3.0) * (second ? 2 : 1) + (second ? 1 : 0));
  }
  return td::Array<T>::from(v, shape);
}

}  // namespace

template <class T>
class SharedMemory : public ::testing::Test {};
TYPED_TEST_SUITE(SharedMemory, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(SharedMemory, CreateAttachShareTheData) {
  using T = TypeParam;
  const Unlinker u{segment("typed")};
  auto a = td::shared::create<T>(u.name, {5, 7});
  EXPECT_TRUE(arrays_equal(a, td::zeros<T>({5, 7})));
  const auto values = random_array<T>({5, 7}, 3);
  a.assign(values);
  const auto b = td::shared::attach<T>("/" + u.name);  // with or without the leading '/'
  EXPECT_EQ(b.shape(), td::Shape({5, 7}));
  EXPECT_TRUE(arrays_equal(b, values));
  b(2).fill(T(1));  // a write through one mapping shows in the other
  EXPECT_TRUE(arrays_equal(a(2), td::full<T>({7}, T(1))));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.cdata()) % 4096, 0u);  // data on its own page
  td::shared::unlink(u.name);
}

TEST(SharedMemory, ArraysAreOrdinaryArrays) {
  const Unlinker u{segment("math")};
  td::Array<double> view;
  {
    auto a = td::shared::create<double>(u.name, {4, 6});
    a.assign(random_array<double>({4, 6}, 4));
    a *= 2.0;
    view = a.T()(td::slice(1, 3));
  }
  td::shared::unlink(u.name);  // the mapping outlives the name and the base array
  const auto again = view.copy();
  EXPECT_TRUE(arrays_equal(again, (random_array<double>({4, 6}, 4) * 2.0).T()(td::slice(1, 3))));
  EXPECT_TRUE(arrays_equal(view * view + 1.0, again * again + 1.0));
}

TEST(SharedMemory, ZeroDimensionalAndEmpty) {
  const Unlinker u0{segment("0d")}, ue{segment("empty")};
  td::shared::create<std::int64_t>(u0.name, {}).fill(42);
  EXPECT_EQ(td::shared::attach<std::int64_t>(u0.name).item(), 42);
  td::shared::create<float>(ue.name, {0, 3});
  EXPECT_EQ(td::shared::attach<float>(ue.name).shape(), td::Shape({0, 3}));
}

TEST(SharedMemory, Errors) {
  const Unlinker u{segment("err")}, foreign{segment("foreign")}, tiny{segment("tiny")}, liar{segment("liar")};
  const std::string missing = segment("missing");
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach<double>(missing); },
                                       {"shared::attach", missing.c_str(), "No such file"}));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::unlink(missing); }, {"shared::unlink", "No such file"}));

  td::shared::create<double>(u.name, {3});
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::create<double>(u.name, {3}); }, {"shared::create", "exists"}));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::shared::attach<float>(u.name); },
                                          {"shared::attach", "float64", "float32"}));
  EXPECT_TRUE(
      throws_with<td::ValueError>([&] { td::shared::create<double>("a/b", {3}); }, {"invalid shared-memory name"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::shared::create<double>(segment("neg"), {-1}); }, {"negative"}));

  raw_segment(foreign.name, 8192, "NOTTANDEM");
  EXPECT_TRUE(
      throws_with<td::IoError>([&] { td::shared::attach_untyped(foreign.name); }, {"not a tandem array", "bad magic"}));
  raw_segment(tiny.name, 16, "TANDEMSH");
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach_untyped(tiny.name); }, {"16 bytes", "too small"}));

  // A header that claims 10 doubles in a segment with room for fewer.
  std::string head(176, '\0');
  std::memcpy(&head[0], "TANDEMSH", 8);
  auto put = [&](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) head[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put(8, 1, 4);
  put(12, 1, 4);
  put(16, 4096, 8);
  put(24, 80, 8);
  std::memcpy(&head[32], "<f8", 3);
  put(48, 10, 8);
  raw_segment(liar.name, 4096 + 40, head);
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach_untyped(liar.name); }, {"too small for its header"}));
}

TEST(SharedMemoryNumPy, NumPyAttachesToTandemSegments) {
  if (!td::test::have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const std::string script = std::string(TANDEM_TEST_DATA_DIR) + "/shared_numpy.py";
  td::test::TempDir dir;
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const Unlinker u{segment(std::string("py_") + td::dtype_name(td::dtype_of<T>()))};
    auto a = td::shared::create<T>(u.name, {2, 3, 4});
    a.assign(formula<T>({2, 3, 4}, false));
    const std::string cmd = "/usr/bin/python3 '" + script + "' check " + u.name;
    ASSERT_EQ(std::system(cmd.c_str()), 0) << "NumPy could not read " << td::dtype_name(a.dtype());
    EXPECT_TRUE(arrays_equal(a, formula<T>({2, 3, 4}, true)));  // NumPy's writes, seen here
    td::shared::unlink(u.name);                                 // the resource tracker did not remove it
  };
  run(false);
  run(std::int32_t{});
  run(std::int64_t{});
  run(0.0f);
  run(0.0);
}

TEST(SharedMemoryNumPy, TandemAttachesToNumPySegments) {
  if (!td::test::have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  const std::string script = std::string(TANDEM_TEST_DATA_DIR) + "/shared_numpy.py";
  auto run = [&](auto tag, const char* descr) {
    using T = decltype(tag);
    const Unlinker u{segment(std::string("np_") + td::dtype_name(td::dtype_of<T>()))};
    const std::string cmd = "/usr/bin/python3 '" + script + "' create " + u.name + " '" + descr + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const auto a = td::shared::attach<T>(u.name);
    EXPECT_TRUE(arrays_equal(a, formula<T>({3, 5}, false))) << descr;
    td::shared::unlink(u.name);
  };
  run(false, "|b1");
  run(std::int32_t{}, "<i4");
  run(std::int64_t{}, "<i8");
  run(0.0f, "<f4");
  run(0.0, "<f8");
}

TEST(SharedMemory, UnlinkOwnershipRemovesTheNameWithTheCreatorsArray) {
  const Unlinker u{segment("owned")}, k{segment("kept")};
  {
    auto a = td::shared::create<double>(u.name, {5}, td::shared::Ownership::unlink);
    const auto attached = td::shared::attach<double>(u.name);
    a.fill(2.5);
    {
      const auto copy = a;  // a second handle of the creator's: the name stays while either lives
    }
    EXPECT_EQ(attached.to_vector(), std::vector<double>(5, 2.5));
  }
  // The creator's array and every view of it are gone: so is the name.
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach<double>(u.name); }, {"No such file"}));

  { td::shared::create<double>(k.name, {5}); }  // Ownership::keep, the default
  EXPECT_EQ(td::shared::attach<double>(k.name).size(), 5);
}

TEST(SharedMemory, UnlinkOwnershipLeavesAReusedNameAlone) {
  const Unlinker u{segment("reused")};
  auto first = td::shared::create<double>(u.name, {2}, td::shared::Ownership::unlink);
  td::shared::unlink(u.name);
  const auto second = td::shared::create<double>(u.name, {3});
  first = td::Array<double>();  // releases the first segment: the second keeps its name
  EXPECT_EQ(td::shared::attach<double>(u.name).size(), 3);
}

TEST(SharedMemory, SegmentLargerThanDevShmFailsAtCreation) {
  // Reserved at creation: no sparse segment that would SIGBUS at first touch.
  const Unlinker u{segment("huge")};
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::create<double>(u.name, {std::int64_t{1} << 47}); },
                                       {"shared::create", "cannot reserve"}));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach_untyped(u.name); }, {"No such file"}));
}

TEST(SharedMemory, OverflowingShapesAreShownAsWritten) {
  const Unlinker u{segment("overflow")};
  std::string head(176, '\0');
  std::memcpy(&head[0], "TANDEMSH", 8);
  auto put = [&](std::size_t at, std::uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) head[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  put(8, 1, 4);
  put(12, 2, 4);
  put(16, 4096, 8);
  put(24, 0, 8);
  std::memcpy(&head[32], "<f8", 3);
  put(48, std::uint64_t{1} << 40, 8);
  put(56, std::uint64_t{1} << 40, 8);
  raw_segment(u.name, 8192, head);
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::shared::attach_untyped(u.name); },
                                       {"shared::attach", "(1099511627776, 1099511627776)", "too big"}));
  EXPECT_TRUE(throws_with<td::ValueError>(
      [&] {
        td::shared::create<double>(segment("big"), {std::int64_t{1} << 40, std::int64_t{1} << 40});
      },
      {"shared::create", "too big"}));
}
