// save_npy / load_npy: round trips over every dtype and layout, the NumPy-written fixtures
// of tests/data/npy (made by tests/data/make_fixtures.py), malformed files, and files that
// NumPy itself reads back.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
namespace fs = std::filesystem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::read_bytes;
using td::test::TempDir;
using td::test::throws_with;
using td::test::values_match;

namespace {

std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/npy/" + name; }

/// Raw little-endian values (a fixture's .bin file) as a vector of T.
template <class T>
std::vector<T> read_values(const std::string& path) {
  const std::vector<unsigned char> bytes = read_bytes(path);
  std::vector<T> v(bytes.size() / sizeof(T));
  for (std::size_t i = 0; i < v.size(); ++i) {
    if constexpr (std::is_same_v<T, bool>)
      v[i] = bytes[i] != 0;
    else
      std::memcpy(&v[i], bytes.data() + i * sizeof(T), sizeof(T));
  }
  return v;
}

/// Same values and the same bits (so -0.0 and NaN payloads survive too).
template <class T>
::testing::AssertionResult same_bits(const td::Array<T>& actual, const td::Array<T>& expected) {
  auto r = arrays_equal(actual, expected);
  if (!r) return r;
  if constexpr (!std::is_same_v<T, bool>) {
    const std::vector<T> a = actual.to_vector(), e = expected.to_vector();
    if (!a.empty() && std::memcmp(a.data(), e.data(), a.size() * sizeof(T)) != 0)
      return ::testing::AssertionFailure() << "values equal but bits differ";
  }
  return ::testing::AssertionSuccess();
}

/// The layout np.save produces: header ends in '\n', data starts on 64 bytes, nothing after it.
::testing::AssertionResult well_formed(const std::string& path, std::int64_t data_bytes) {
  const std::vector<unsigned char> b = read_bytes(path);
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY\x01\x00", 8) != 0)
    return ::testing::AssertionFailure() << "no version 1.0 magic";
  const std::size_t start = 10 + (b[8] | (b[9] << 8));
  if (start % 64 != 0) return ::testing::AssertionFailure() << "data starts at " << start;
  if (b[start - 1] != '\n') return ::testing::AssertionFailure() << "header does not end with a newline";
  if (b.size() != start + static_cast<std::size_t>(data_bytes))
    return ::testing::AssertionFailure() << "file has " << b.size() << " bytes, expected " << start + data_bytes;
  return ::testing::AssertionSuccess();
}

}  // namespace

// ---- round trips, every dtype ----

template <class T>
class NpyRoundTrip : public ::testing::Test {};
TYPED_TEST_SUITE(NpyRoundTrip, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(NpyRoundTrip, Shapes) {
  using T = TypeParam;
  TempDir dir;
  const std::vector<std::vector<std::int64_t>> shapes = {
      {},        {0},          {0, 3},          {4, 0, 2},
      {1},       {7},          {1023},          {3, 5},
      {2, 3, 4}, {1, 1, 1, 1}, {2, 3, 1, 5, 1}, {1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}};
  std::uint64_t seed = 100;
  for (const auto& shape : shapes) {
    SCOPED_TRACE(td::to_string(td::Shape(shape)));
    const auto a = random_array<T>(shape, ++seed, -1e6, 1e6);
    const std::string path = dir.file("a.npy");
    td::save_npy(path, a);
    EXPECT_TRUE(well_formed(path, a.size() * static_cast<std::int64_t>(sizeof(T))));
    const auto b = td::load_npy<T>(path);
    EXPECT_TRUE(b.is_contiguous());
    EXPECT_TRUE(same_bits(b, a));
    const td::UntypedArray u = td::load_npy_untyped(path);
    EXPECT_EQ(u.dtype(), td::dtype_of<T>());
    EXPECT_EQ(u.shape(), td::Shape(shape));
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npy"});  // no temporary left behind
}

TYPED_TEST(NpyRoundTrip, NonContiguousViewsAreWrittenInCOrder) {
  using T = TypeParam;
  TempDir dir;
  const auto m = random_array<T>({5, 7}, 7);
  const auto cube = random_array<T>({3, 4, 5}, 8);
  const auto line = random_array<T>({11}, 9);
  const std::vector<td::Array<T>> views = {
      m.T(),
      line(td::slice(td::none, td::none, -1)),
      line(td::slice(9, 1, -3)),
      m(td::slice(1, 5, 2), td::slice(td::none, td::none, -2)),
      cube.transpose({2, 0, 1})(td::slice(td::none, td::none, -1), 1),
      cube(td::ellipsis, td::slice(0, 0)),
      cube(2, 3, 4),
  };
  for (std::size_t i = 0; i < views.size(); ++i) {
    SCOPED_TRACE("view " + std::to_string(i) + " of shape " + td::to_string(views[i].shape()));
    const std::string path = dir.file("v.npy");
    td::save_npy(path, views[i]);
    const auto back = td::load_npy<T>(path);
    EXPECT_TRUE(back.is_contiguous());
    EXPECT_TRUE(same_bits(back, views[i].copy()));
  }
}

TEST(NpyRoundTrip, FloatSpecialValues) {
  TempDir dir;
  const double inf = std::numeric_limits<double>::infinity();
  const auto a = td::Array<double>::from({0.0, -0.0, inf, -inf, std::nan(""), 5e-324, 1.7976931348623157e308});
  td::save_npy(dir.file("s.npy"), a);
  EXPECT_TRUE(same_bits(td::load_npy<double>(dir.file("s.npy")), a));
  const auto f = a.astype<float>();
  td::save_npy(dir.file("s.npy"), f);
  EXPECT_TRUE(same_bits(td::load_npy<float>(dir.file("s.npy")), f));
}

TEST(NpyRoundTrip, OverwritesAnExistingFile) {
  TempDir dir;
  td::save_npy(dir.file("a.npy"), random_array<double>({100}, 1));
  const auto small = td::Array<std::int32_t>::from({1, 2, 3});
  td::save_npy(dir.file("a.npy"), small);
  EXPECT_TRUE(arrays_equal(td::load_npy<std::int32_t>(dir.file("a.npy")), small));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npy"});
}

// ---- NumPy-written fixtures ----

namespace {

struct Fixture {
  const char* name;
  td::DType dtype;
  std::vector<std::int64_t> shape;
};

const std::vector<Fixture>& valid_fixtures() {
  static const std::vector<Fixture> all = {
      {"bool_2d", td::DType::bool_, {5, 7}},
      {"i4_1d", td::DType::int32, {13}},
      {"i8_3d", td::DType::int64, {2, 3, 4}},
      {"f4_1d", td::DType::float32, {17}},
      {"f8_3d", td::DType::float64, {3, 4, 5}},
      {"f8_0d", td::DType::float64, {}},
      {"i4_0d", td::DType::int32, {}},
      {"f4_empty", td::DType::float32, {0, 3}},
      {"f8_fortran_2d", td::DType::float64, {4, 6}},
      {"i4_fortran_3d", td::DType::int32, {2, 3, 5}},
      {"f8_v2", td::DType::float64, {3, 2}},
      {"i8_v3", td::DType::int64, {7}},
      {"i8_handwritten_header", td::DType::int64, {2, 3}},
  };
  return all;
}

}  // namespace

TEST(NpyFixtures, LoadWithExactValues) {
  for (const Fixture& f : valid_fixtures()) {
    SCOPED_TRACE(f.name);
    const std::string npy = fixture(std::string(f.name) + ".npy");
    const std::string bin = fixture(std::string(f.name) + ".bin");
    const td::UntypedArray u = td::load_npy_untyped(npy);
    EXPECT_EQ(u.dtype(), f.dtype);
    EXPECT_EQ(u.shape(), td::Shape(f.shape));
    EXPECT_TRUE(u.is_contiguous());
    td::visit_dtype(f.dtype, [&](auto tag) {
      using T = decltype(tag);
      const auto a = td::load_npy<T>(npy);
      const std::vector<T> expected = read_values<T>(bin);
      ASSERT_EQ(expected.size(), static_cast<std::size_t>(td::test::numel(f.shape)));
      EXPECT_TRUE(same_bits(a, td::Array<T>::from(expected, td::Shape(f.shape))));
    });
  }
}

TEST(NpyFixtures, FortranOrderValuesByIndex) {
  // f8_fortran_2d.bin holds the C-order values; spot-check a(i, j) against it by index.
  const auto a = td::load_npy<double>(fixture("f8_fortran_2d.npy"));
  const auto expected = read_values<double>(fixture("f8_fortran_2d.bin"));
  for (std::int64_t i = 0; i < 4; ++i)
    for (std::int64_t j = 0; j < 6; ++j) EXPECT_EQ(a.at({i, j}), expected[static_cast<std::size_t>(i * 6 + j)]);
}

TEST(NpyFixtures, BoolBytesOtherThanOneAreTrue) {
  const auto a = td::load_npy<bool>(fixture("bool_nonzero_bytes.npy"));
  EXPECT_TRUE(values_match(a, {false, true, true, true, false, true}, {6}));
}

TEST(NpyFixtures, SavedBytesMatchNumPy) {
  // Loading a file np.save wrote and saving it again gives the same bytes.
  TempDir dir;
  for (const char* name : {"bool_2d", "i4_1d", "i8_3d", "f4_1d", "f8_3d", "f8_0d", "i4_0d", "f4_empty"}) {
    SCOPED_TRACE(name);
    const std::string src = fixture(std::string(name) + ".npy");
    td::save_npy(dir.file("copy.npy"), td::load_npy_untyped(src));
    EXPECT_EQ(read_bytes(dir.file("copy.npy")), read_bytes(src));
  }
}

// The one header builder serves save_npy (np.save's room for the growth axis) and
// tandem::dist's MPI-IO files (no room): both put the data on a multiple of 64 bytes and
// read back as the shape and dtype they were built for.
TEST(NpyPreamble, BothRoomsAlignTheDataAndReadBack) {
  using td::detail::NpyHeaderRoom;
  for (const td::Shape& shape : {td::Shape{}, td::Shape{0}, td::Shape{7}, td::Shape{1023, 3}, td::Shape{2, 0, 5}}) {
    for (const td::DType dtype : {td::DType::float32, td::DType::int64, td::DType::bool_}) {
      SCOPED_TRACE(td::dtype_name(dtype));
      const std::string numpy = td::detail::npy_preamble(dtype, shape, "test");
      const std::string bare = td::detail::npy_preamble(dtype, shape, "test", NpyHeaderRoom::none);
      for (const std::string& preamble : {numpy, bare}) {
        EXPECT_EQ(preamble.size() % 64, 0u) << preamble;
        const std::vector<char> file = [&] {
          std::vector<char> f(preamble.begin(), preamble.end());
          f.resize(f.size() + static_cast<std::size_t>(td::shape_size(shape)) * td::itemsize(dtype));
          return f;
        }();
        td::detail::MemorySource src(file.data(), file.size());
        const td::detail::NpyLayout layout = td::detail::read_npy_header(src, "test", "memory");
        EXPECT_EQ(layout.dtype, dtype);
        EXPECT_EQ(layout.shape, shape);
        EXPECT_EQ(layout.data_offset, preamble.size());
      }
      // The same dict; after it, np.save's form leaves spaces for shape[0] to grow to 21
      // digits, and the bare form only the alignment's (1 to 64).
      const std::size_t end = bare.rfind('}');
      EXPECT_EQ(numpy.substr(10, end - 9), bare.substr(10, end - 9));
      const auto spaces_after_dict = [](const std::string& p) { return p.size() - p.rfind('}') - 2; };
      EXPECT_GE(spaces_after_dict(bare), 1u);
      EXPECT_LE(spaces_after_dict(bare), 64u);
      if (shape.size() == 0)
        EXPECT_EQ(numpy, bare);
      else
        EXPECT_GE(spaces_after_dict(numpy), 21 - std::to_string(shape[0]).size() + 1);
    }
  }
}

TEST(NpyFixtures, MalformedFilesThrowIoErrorNamingTheFile) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"bad_truncated.npy", "truncated: expected 80 bytes of data, found 72"},
      {"bad_trailing.npy", "trailing data: expected 80 bytes of data, found 88"},
      {"bad_magic.npy", "bad magic string"},
      {"bad_version.npy", "unsupported .npy format version 4.0"},
      {"bad_header_len.npy", "truncated: header length"},
      {"bad_short.npy", "truncated"},
      {"bad_no_newline.npy", "does not end with a newline"},
      {"bad_big_endian.npy", "big-endian data is not supported"},
      {"bad_u2.npy", "unsupported dtype '<u2'"},
      {"bad_c16.npy", "unsupported dtype '<c16'"},
      {"bad_object.npy", "unsupported dtype '|O'"},
      {"bad_structured.npy", "unsupported dtype [("},
      {"bad_negative_shape.npy", "non-negative"},
      {"bad_missing_key.npy", "missing key 'shape'"},
      {"bad_syntax.npy", "malformed header"},
      {"bad_overflow.npy", "too large"},
      {"bad_huge_shape.npy", "truncated: expected 8000000000000 bytes of data, found 64"},
  };
  for (const auto& [name, needle] : cases) {
    SCOPED_TRACE(name);
    const std::string path = fixture(name);
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy_untyped(path); }, {"load_npy: ", path.c_str(), needle}));
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy<double>(path); }, {path.c_str(), needle}));
  }
}

// ---- other errors ----

TEST(NpyErrors, WrongDTypeIsADTypeErrorNamingBoth) {
  // One rule for every typed reader (load_npy, mmap_npy, ArrayDict::get, shared::attach):
  // a dtype mismatch is a DTypeError.
  const std::string path = fixture("f8_3d.npy");
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::load_npy<float>(path); },
                                          {"load_npy", path.c_str(), "float64", "float32"}));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::load_npy<bool>(fixture("i4_1d.npy")); }, {"int32", "bool"}));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::mmap_npy<float>(path); },
                                          {"mmap_npy", path.c_str(), "float64", "float32"}));
}

TEST(NpyErrors, MissingFile) {
  const std::string path = fixture("no_such_file.npy");
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy<double>(path); },
                                       {"load_npy", path.c_str(), "cannot open", "No such file"}));
}

TEST(NpyErrors, EmptyFileAndDirectory) {
  TempDir dir;
  { std::ofstream(dir.file("empty.npy")); }
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy_untyped(dir.file("empty.npy")); }, {"bad magic"}));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy_untyped(dir.path()); }, {"not a regular file"}));
}

TEST(NpyErrors, SaveIntoMissingDirectoryLeavesNothing) {
  TempDir dir;
  const std::string path = dir.file("missing/a.npy");
  EXPECT_TRUE(throws_with<td::IoError>(
      [&] {
        td::save_npy(path, td::Array<double>::from({1, 2}));
      },
      {"save_npy", path.c_str(), "No such file"}));
  EXPECT_FALSE(fs::exists(dir.file("missing")));
  EXPECT_TRUE(dir.entries().empty());
}

TEST(NpyErrors, FailedRenameRemovesTheTemporary) {
  // The final name is a non-empty directory: the temporary is written, rename() fails, and
  // the temporary must be gone afterwards.
  TempDir dir;
  fs::create_directory(dir.file("target"));
  { std::ofstream(dir.file("target/keep")); }
  EXPECT_TRUE(throws_with<td::IoError>(
      [&] {
        td::save_npy(dir.file("target"), td::Array<double>::from({1, 2}));
      },
      {"save_npy", "target", "rename"}));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"target"});
}

// ---- NumPy reads what tandem writes ----

namespace {

// Values by index i (C order of the (2, 3, 4) source): the Python check uses the same formulas.
template <class T>
td::Array<T> formula_array() {
  std::vector<T> v(24);
  for (std::size_t i = 0; i < v.size(); ++i) {
    const auto k = static_cast<std::int64_t>(i);
    if constexpr (std::is_same_v<T, bool>)
      v[i] = k % 3 == 0;
    else if constexpr (std::is_same_v<T, std::int32_t>)
      v[i] = static_cast<T>(k * 7 - 50);
    else if constexpr (std::is_same_v<T, std::int64_t>)
      v[i] = k * 1000000007 - 30000000000;
    else
      v[i] = static_cast<T>(static_cast<double>(k) * 0.5 - 3.0);
  }
  return td::Array<T>::from(v, td::Shape{2, 3, 4});
}

constexpr const char* kNumpyCheck = R"PY(
import io, sys
import numpy as np
d = sys.argv[1]
k = np.arange(24)
def check(name, expected):
    a = np.load(d + '/' + name)
    assert a.dtype == expected.dtype, (name, a.dtype, expected.dtype)
    assert a.shape == expected.shape, (name, a.shape, expected.shape)
    assert np.array_equal(a, expected), (name, a, expected)
    buf = io.BytesIO()
    np.save(buf, expected.copy(order='C'))  # ascontiguousarray would make 0-d 1-d
    assert open(d + '/' + name, 'rb').read() == buf.getvalue(), (name, 'bytes differ from np.save')
check('bool.npy', (k % 3 == 0).reshape(2, 3, 4).T)
check('int32.npy', (k * 7 - 50).astype('<i4').reshape(2, 3, 4).T)
check('int64.npy', (k * 1000000007 - 30000000000).astype('<i8').reshape(2, 3, 4).T)
check('float32.npy', (k * 0.5 - 3.0).astype('<f4').reshape(2, 3, 4).T)
check('float64.npy', (k * 0.5 - 3.0).astype('<f8').reshape(2, 3, 4).T)
check('reversed.npy', (k * 0.5 - 3.0).astype('<f8')[::-1])
check('scalar.npy', np.array(2.5))
check('empty.npy', np.zeros((0, 3), dtype='<i4'))
print('numpy check ok')
)PY";

}  // namespace

TEST(NpyNumPy, NumPyReadsTandemFiles) {
  if (std::system("/usr/bin/python3 -c 'import numpy' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available, so NumPy cannot check tandem's files";
  TempDir dir;
  td::save_npy(dir.file("bool.npy"), formula_array<bool>().T());
  td::save_npy(dir.file("int32.npy"), formula_array<std::int32_t>().T());
  td::save_npy(dir.file("int64.npy"), formula_array<std::int64_t>().T());
  td::save_npy(dir.file("float32.npy"), formula_array<float>().T());
  td::save_npy(dir.file("float64.npy"), formula_array<double>().T());
  td::save_npy(dir.file("reversed.npy"), formula_array<double>().flatten()(td::slice(td::none, td::none, -1)));
  td::save_npy(dir.file("scalar.npy"), td::Array<double>::from({2.5}).reshape(td::Shape{}));
  td::save_npy(dir.file("empty.npy"), td::Array<std::int32_t>::from(std::vector<std::int32_t>{}, td::Shape{0, 3}));
  {
    std::ofstream script(dir.file("check.py"));
    script << kNumpyCheck;
  }
  const std::string cmd = "/usr/bin/python3 '" + dir.file("check.py") + "' '" + dir.path() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "NumPy rejected a file tandem wrote; see the Python error above";
}

TEST(NpyErrors, HeaderContentIsValidated) {
  // Version 1.0 files with a hand-written header dict and 8 bytes of data.
  auto write = [](const std::string& path, std::string dict) {
    std::size_t pad = 64 - (10 + dict.size() + 1) % 64;
    dict.append(pad, ' ');
    dict += '\n';
    std::ofstream out(path, std::ios::binary);
    out.write("\x93NUMPY\x01\x00", 8);
    const char len[2] = {static_cast<char>(dict.size() & 0xFF), static_cast<char>(dict.size() >> 8)};
    out.write(len, 2);
    out << dict << std::string(8, '\0');
  };
  TempDir dir;
  const std::string path = dir.file("h.npy");
  const std::vector<std::pair<std::string, const char*>> cases = {
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1), }", "at most 16"},
      {"{'descr': '<f8', 'fortran_order': 1, 'shape': (1,), }", "not True or False"},
      // Empty, but the other extents' product overflows (strides are computed from it).
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (0, 1099511627776, 1099511627776), }", "too large"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", "not a tuple"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 0}", "unexpected key 'extra'"},
      {"{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'shape': (1,)}", "duplicate key"},
      {"{'descr': '=f8', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '=f8'"},
      {"['descr', '<f8']", "not a dict"},
  };
  for (const auto& [dict, needle] : cases) {
    SCOPED_TRACE(dict);
    write(path, dict);
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npy_untyped(path); }, {"load_npy", path.c_str(), needle}));
  }
  // Python 2 wrote shapes with an 'L' suffix; NumPy still reads those files.
  write(path, "{'descr': '<i8', 'fortran_order': False, 'shape': (1L,), }");
  EXPECT_TRUE(values_match(td::load_npy<std::int64_t>(path), {0}, {1}));
}

TEST(NpyRoundTrip, LargeFilesAreReadInParallelRanges) {
  // Above 64 MiB of data, load_npy reads disjoint ranges on several threads; an odd size
  // leaves a short last range.
  TempDir dir;
  const std::int64_t n = (std::int64_t{64} << 17) + 1027;
  const auto a = td::arange<double>(0.0, static_cast<double>(n), 1.0) * 0.5;
  td::save_npy(dir.file("big.npy"), a);
  const auto b = td::load_npy<double>(dir.file("big.npy"));
  EXPECT_TRUE(same_bits(b, a));
  const auto m = td::mmap_npy<double>(dir.file("big.npy"));
  EXPECT_EQ(m.at({n - 1}), static_cast<double>(n - 1) * 0.5);
}

// A bool file just over the parallel-read threshold whose size is not a multiple of the
// thread count: every byte, the last one included, must be read.
TEST(NpyLarge, OddSizedBoolFileIsReadToTheLastByte) {
  TempDir dir;
  const std::int64_t n = (std::int64_t{1} << 26) + 1;
  auto a = td::zeros<bool>({n});
  bool* p = a.data();
  p[0] = true;
  p[n / 2] = true;
  p[n - 1] = true;
  td::save_npy(dir.file("odd.npy"), a);
  const auto b = td::load_npy<bool>(dir.file("odd.npy"));
  EXPECT_EQ(td::count_nonzero(b).item(), 3);
  EXPECT_TRUE(b.cdata()[n - 1]);
}
