// savez / savez_compressed / load_npz: round trips over every dtype, NumPy-written archives
// (tests/data/npz, made by tests/data/make_io_fixtures.py), ZIP64, atomic saves with a
// failure injected mid-write, malformed and corrupt archives, and NumPy reading tandem's.

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "io/format.hpp"
#include "io/zip.hpp"
#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::read_bytes;
using td::test::TempDir;
using td::test::throws_with;
using td::test::write_bytes;

namespace {

std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/npz/" + name; }

// Same dtype, shape and bytes (so NaN payloads and -0.0 survive too).
::testing::AssertionResult same_array(const td::UntypedArray& actual, const td::UntypedArray& expected) {
  if (actual.dtype() != expected.dtype())
    return ::testing::AssertionFailure() << "dtype " << td::dtype_name(actual.dtype()) << " vs "
                                         << td::dtype_name(expected.dtype());
  if (actual.shape() != expected.shape())
    return ::testing::AssertionFailure() << "shape " << td::to_string(actual.shape()) << " vs "
                                         << td::to_string(expected.shape());
  const td::UntypedArray a = td::untyped::contiguous(actual), e = td::untyped::contiguous(expected);
  const std::size_t bytes = static_cast<std::size_t>(a.size()) * td::itemsize(a.dtype());
  if (bytes > 0 && std::memcmp(a.host_data(false), e.host_data(false), bytes) != 0)
    return ::testing::AssertionFailure() << "values differ";
  return ::testing::AssertionSuccess();
}

const std::vector<std::string> kFixtureNames = {"b1",         "i4",         "i8",    "f4",       "f8",     "f8_fortran",
                                                "i4_fortran", "b1_fortran", "f8_0d", "i8_empty", "f4_ramp"};

// Offsets of every occurrence of a 4-byte little-endian signature.
std::vector<std::size_t> find_sig(const std::vector<unsigned char>& b, std::uint32_t sig) {
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i + 4 <= b.size(); ++i) {
    std::uint32_t v = 0;
    std::memcpy(&v, &b[i], 4);
    if (v == sig) at.push_back(i);
  }
  return at;
}

void put_le(std::vector<unsigned char>& b, std::size_t at, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) b[at + i] = static_cast<unsigned char>((v >> (8 * i)) & 0xFF);
}

td::ArrayDict mixed_dict() {
  td::ArrayDict d;
  d.insert("x", random_array<double>({3, 4}, 1));
  d.insert("mask", random_array<bool>({7}, 2));
  d.insert("idx", random_array<std::int64_t>({2, 2, 2}, 3, -1e9, 1e9));
  d.insert("f", random_array<float>({1023}, 4));
  d.insert("n", random_array<std::int32_t>({5}, 5));
  return d;
}

}  // namespace

// ---- NumPy-written archives ----

TEST(NpzFixtures, StoredAndCompressedMatchTheirNpyFiles) {
  for (const char* archive : {"mixed_stored.npz", "mixed_compressed.npz"}) {
    SCOPED_TRACE(archive);
    const td::ArrayDict d = td::load_npz(fixture(archive));
    EXPECT_EQ(d.names(), kFixtureNames);  // NumPy's order
    for (const std::string& name : kFixtureNames) {
      SCOPED_TRACE(name);
      EXPECT_TRUE(same_array(d[name], td::load_npy_untyped(fixture(name + ".npy"))));
    }
  }
}

TEST(NpzFixtures, MixedDTypesThroughTheUntypedHandle) {
  const td::ArrayDict d = td::load_npz(fixture("mixed_compressed.npz"));
  EXPECT_EQ(d["b1"].dtype(), td::DType::bool_);
  EXPECT_EQ(d["i4"].dtype(), td::DType::int32);
  EXPECT_EQ(d["f4"].shape(), td::Shape({2, 3, 4}));
  const td::Array<double> f = d["f8_fortran"].as<double>();
  EXPECT_EQ(f.shape(), td::Shape({5, 3}));
  EXPECT_TRUE(arrays_equal(d.get<std::int64_t>("i8"), td::load_npy<std::int64_t>(fixture("i8.npy"))));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { d["i4"].as<float>(); }, {"int32", "float32"}));
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { d.get<double>("b1"); }, {"bool", "float64"}));
  EXPECT_TRUE(throws_with<td::IndexError>([&] { d["nope"]; }, {"no array named 'nope'", "'b1'"}));
  EXPECT_TRUE(d.contains("f4_ramp"));
  EXPECT_FALSE(d.contains("f4_ramp.npy"));
}

TEST(NpzFixtures, PositionalAndEmptyArchives) {
  const td::ArrayDict p = td::load_npz(fixture("positional.npz"));
  EXPECT_EQ(p.names(), (std::vector<std::string>{"arr_0", "arr_1"}));
  EXPECT_TRUE(same_array(p["arr_1"], td::load_npy_untyped(fixture("f8.npy"))));
  EXPECT_TRUE(td::load_npz(fixture("empty_archive.npz")).empty());
}

TEST(NpzFixtures, UnsupportedMemberNamesArchiveAndMember) {
  const std::string path = fixture("bad_big_endian_member.npz");
  EXPECT_TRUE(
      throws_with<td::IoError>([&] { td::load_npz(path); }, {"load_npz: ", path.c_str(), ":bad.npy", "big-endian"}));
}

// ---- ArrayDict ----

TEST(ArrayDict, KeepsInsertionOrderAndReplacesInPlace) {
  td::ArrayDict d;
  const std::int64_t n = 100000;  // a linear insert made this quadratic (issue 3)
  for (std::int64_t i = 0; i < n; ++i) d.insert("a" + std::to_string((i * 7919) % n), td::full<std::int64_t>({}, i));
  ASSERT_EQ(d.size(), static_cast<std::size_t>(n));
  d.insert("a7919", td::full<std::int64_t>({}, -1));  // replaced: keeps its place (second)
  ASSERT_EQ(d.size(), static_cast<std::size_t>(n));
  const auto names = d.names();
  for (std::int64_t i = 0; i < n; i += 997) {
    const std::string name = "a" + std::to_string((i * 7919) % n);
    ASSERT_EQ(names[static_cast<std::size_t>(i)], name);
    ASSERT_EQ(d.get<std::int64_t>(name).item(), i == 1 ? -1 : i);
  }
  EXPECT_EQ(names[1], "a7919");
  EXPECT_EQ(d.get<std::int64_t>("a7919").item(), -1);
  EXPECT_TRUE(d.contains("a0"));
  EXPECT_FALSE(d.contains("a100000"));
  const td::ArrayDict copy = d;  // the index is copied with the items
  EXPECT_EQ(copy.get<std::int64_t>("a7919").item(), -1);
}

TEST(ArrayDict, ManyMembersRoundTrip) {
  TempDir dir;
  td::ArrayDict d;
  const int n = 20000;
  for (int i = 0; i < n; ++i) d.insert("m" + std::to_string(n - i), td::full<std::int32_t>({i % 3}, i));
  const std::string path = dir.file("many.npz");
  td::savez(path, d);
  const td::ArrayDict back = td::load_npz(path);
  ASSERT_EQ(back.names(), d.names());
  for (int i = 0; i < n; i += 101) {
    const auto a = back.get<std::int32_t>("m" + std::to_string(n - i));
    ASSERT_EQ(a.size(), i % 3);
    if (a.size() > 0) {
      ASSERT_EQ(a.to_vector()[0], i);
    }
  }
}

// ---- round trips ----

template <class T>
class NpzRoundTrip : public ::testing::Test {};
TYPED_TEST_SUITE(NpzRoundTrip, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(NpzRoundTrip, StoredAndCompressed) {
  using T = TypeParam;
  TempDir dir;
  const auto m = random_array<T>({7, 5}, 11, -1e6, 1e6);
  td::ArrayDict d;
  d.insert("matrix", m);
  d.insert("transposed", m.T());
  d.insert("reversed", m(td::slice(td::none, td::none, -1), 2));
  d.insert("scalar", random_array<T>({}, 12));
  d.insert("empty", random_array<T>({0, 3}, 13));
  d.insert("odd", random_array<T>({1, 1023}, 14));
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed ? "compressed" : "stored");
    const std::string path = dir.file("a.npz");
    if (compressed)
      td::savez_compressed(path, d);
    else
      td::savez(path, d);
    const td::ArrayDict back = td::load_npz(path);
    EXPECT_EQ(back.names(), d.names());
    for (const auto& [name, a] : d.items()) {
      SCOPED_TRACE(name);
      EXPECT_TRUE(same_array(back[name], a));
      EXPECT_TRUE(back[name].is_contiguous());
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npz"});  // no temporary left behind
  }
}

TEST(NpzRoundTrip, CompressionShrinksRepetitiveData) {
  TempDir dir;
  td::ArrayDict d{{"zeros", td::UntypedArray::empty(td::DType::float64, {1 << 16})}};
  td::untyped::fill(d["zeros"], td::Scalar::of(0.0));
  td::savez(dir.file("s.npz"), d);
  td::savez_compressed(dir.file("c.npz"), d);
  EXPECT_GT(read_bytes(dir.file("s.npz")).size(), std::size_t{8} << 16);
  EXPECT_LT(read_bytes(dir.file("c.npz")).size(), std::size_t{4096});
  EXPECT_TRUE(same_array(td::load_npz(dir.file("c.npz"))["zeros"], d["zeros"]));
}

TEST(NpzRoundTrip, Zip64RecordsWhenForced) {
  // The writer's ZIP64 path (sizes/offsets >= 4 GiB) with a lowered limit: every size and
  // offset then goes through the ZIP64 extra fields and end records.
  TempDir dir;
  td::detail::set_zip64_limit_for_testing(1);
  const td::ArrayDict d = mixed_dict();
  td::savez(dir.file("s.npz"), d);
  td::savez_compressed(dir.file("c.npz"), d);
  td::detail::set_zip64_limit_for_testing(0);
  for (const char* name : {"s.npz", "c.npz"}) {
    SCOPED_TRACE(name);
    const auto bytes = read_bytes(dir.file(name));
    EXPECT_EQ(find_sig(bytes, 0x06064b50).size(), 1u);  // ZIP64 end record
    const td::ArrayDict back = td::load_npz(dir.file(name));
    for (const auto& [key, a] : d.items()) EXPECT_TRUE(same_array(back[key], a)) << key;
  }
  if (!td::test::have_numpy()) return;
  const std::string cmd =
      "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load(sys.argv[1]); b = np.load(sys.argv[2]); "
      "assert sorted(a.files) == ['f', 'idx', 'mask', 'n', 'x']; "
      "assert all((a[k] == b[k]).all() for k in a.files)\" '" +
      dir.file("s.npz") + "' '" + dir.file("c.npz") + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "NumPy rejected a ZIP64 archive tandem wrote";
}

TEST(NpzErrors, BadNames) {
  TempDir dir;
  const auto a = td::Array<double>::from({1, 2});
  EXPECT_TRUE(throws_with<td::ValueError>(
      [&] {
        td::savez(dir.file("a.npz"), td::ArrayDict{{"", a.untyped()}});
      },
      {"savez", "must not be empty"}));
  EXPECT_TRUE(throws_with<td::ValueError>(
      [&] {
        td::savez_compressed(dir.file("a.npz"), td::ArrayDict{{"a/b", a.untyped()}});
      },
      {"savez_compressed", "'a/b'", "must not contain '/'"}));
  EXPECT_TRUE(dir.entries().empty());
}

// ---- atomic saves ----

TEST(NpzAtomic, FailureMidWriteKeepsTheOldFile) {
  TempDir dir;
  const std::string path = dir.file("a.npz");
  const td::ArrayDict old_dict{{"old", random_array<double>({50}, 1).untyped()}};
  td::savez(path, old_dict);
  const auto old_bytes = read_bytes(path);
  for (bool compressed : {false, true}) {
    for (std::uint64_t fail_at : {std::uint64_t{0}, std::uint64_t{100}, std::uint64_t{20000}}) {
      SCOPED_TRACE(std::to_string(fail_at) + (compressed ? " compressed" : " stored"));
      td::detail::set_write_hook_for_testing([&](const std::string& p, std::uint64_t offset) {
        if (p == path && offset >= fail_at) throw td::IoError("savez: injected failure");
      });
      const td::ArrayDict d{{"big", random_array<double>({4096}, 2).untyped()}};
      EXPECT_THROW(compressed ? td::savez_compressed(path, d) : td::savez(path, d), td::IoError);
      td::detail::set_write_hook_for_testing(nullptr);
      EXPECT_EQ(read_bytes(path), old_bytes);
      EXPECT_EQ(dir.entries(), std::vector<std::string>{"a.npz"});
    }
  }
  EXPECT_TRUE(same_array(td::load_npz(path)["old"], old_dict["old"]));
}

TEST(NpzAtomic, FailureMidWriteOfANewFileLeavesNothing) {
  TempDir dir;
  td::detail::set_write_hook_for_testing([](const std::string&, std::uint64_t offset) {
    if (offset > 64) throw td::IoError("savez: injected failure");
  });
  EXPECT_THROW(td::savez(dir.file("new.npz"), mixed_dict()), td::IoError);
  EXPECT_THROW(td::save_npy(dir.file("new.npy"), random_array<float>({1000}, 3)), td::IoError);
  td::detail::set_write_hook_for_testing(nullptr);
  EXPECT_TRUE(dir.entries().empty());
}

// ---- malformed archives ----

TEST(NpzErrors, CorruptMemberFailsItsCrc) {
  TempDir dir;
  td::savez(dir.file("a.npz"), td::ArrayDict{{"x", random_array<double>({100}, 1).untyped()}});
  auto b = read_bytes(dir.file("a.npz"));
  b[200] ^= 0x40;  // inside x's data
  write_bytes(dir.file("a.npz"), b);
  EXPECT_TRUE(
      throws_with<td::IoError>([&] { td::load_npz(dir.file("a.npz")); }, {"load_npz", ":x.npy", "CRC-32 mismatch"}));
}

TEST(NpzErrors, HeaderFieldsAreChecked) {
  TempDir dir;
  td::savez_compressed(dir.file("a.npz"), td::ArrayDict{{"x", random_array<double>({100}, 1).untyped()}});
  const auto good = read_bytes(dir.file("a.npz"));
  const std::size_t central = find_sig(good, 0x02014b50).at(0);
  struct Case {
    std::size_t offset;
    std::uint64_t value;
    int bytes;
    const char* needle;
  };
  const std::vector<Case> cases = {
      {central + 10, 12, 2, "compression method 12 is not supported"},
      {central + 8, 1, 2, "encrypted"},
      {central + 24, 0xFFFFFFF0u, 4, "impossible"},                    // zip bomb claim
      {central + 20, 0x7FFFFFFF, 4, "runs past the end of the file"},  // compressed size
      {central + 42, 0x7FFFFFFF, 4, "offset"},                         // local header offset
      {central + 28, 0xFFFF, 2, "runs past the directory"},            // name length
      {good.size() - 22 + 10, 500, 2, "cannot fit"},                   // entry count
      {good.size() - 22 + 16, 0x7FFFFFFF, 4, "outside the file"},      // directory offset
      {0, 0, 4, "bad local header signature"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.needle);
    auto b = good;
    put_le(b, c.offset, c.value, c.bytes);
    write_bytes(dir.file("bad.npz"), b);
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npz(dir.file("bad.npz")); }, {"load_npz", c.needle}));
  }
  write_bytes(dir.file("bad.npz"), std::vector<unsigned char>(good.begin(), good.begin() + 10));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npz(dir.file("bad.npz")); }, {"not a .npz"}));
  write_bytes(dir.file("bad.npz"), std::vector<unsigned char>(100, 'x'));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npz(dir.file("bad.npz")); }, {"no end of central directory"}));
}

TEST(NpzErrors, OverlappingMembersAreRefused) {
  // A zip bomb of the overlapping kind: central directory entries with different names that
  // all point at the same member, so a small file would inflate it once per entry.
  TempDir dir;
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed ? "compressed" : "stored");
    const td::ArrayDict d{{"a", random_array<double>({64}, 1).untyped()},
                          {"b", random_array<double>({64}, 2).untyped()}};
    compressed ? td::savez_compressed(dir.file("a.npz"), d) : td::savez(dir.file("a.npz"), d);
    auto b = read_bytes(dir.file("a.npz"));
    const auto central = find_sig(b, 0x02014b50);
    ASSERT_EQ(central.size(), 2u);
    std::uint32_t first_offset = 0;
    std::memcpy(&first_offset, &b[central[0] + 42], 4);
    std::uint32_t crc = 0, csize = 0, usize = 0;  // b's entry now describes a's bytes exactly
    std::memcpy(&crc, &b[central[0] + 16], 4);
    std::memcpy(&csize, &b[central[0] + 20], 4);
    std::memcpy(&usize, &b[central[0] + 24], 4);
    put_le(b, central[1] + 16, crc, 4);
    put_le(b, central[1] + 20, csize, 4);
    put_le(b, central[1] + 24, usize, 4);
    put_le(b, central[1] + 42, first_offset, 4);
    write_bytes(dir.file("bomb.npz"), b);
    EXPECT_TRUE(throws_with<td::IoError>([&] { td::load_npz(dir.file("bomb.npz")); }, {"load_npz", "members overlap"}));
  }
}

TEST(NpzErrors, EveryTruncationAndByteFlipThrowsIoErrorOrLoads) {
  // Small archives cut at every length and with every byte flipped in turn: each must
  // either load or throw IoError; anything else (a crash, another exception) fails.
  TempDir dir;
  const td::ArrayDict d{{"a", random_array<std::int32_t>({3, 2}, 1).untyped()},
                        {"b", random_array<bool>({5}, 2).untyped()}};
  for (bool compressed : {false, true}) {
    SCOPED_TRACE(compressed ? "compressed" : "stored");
    compressed ? td::savez_compressed(dir.file("a.npz"), d) : td::savez(dir.file("a.npz"), d);
    const auto good = read_bytes(dir.file("a.npz"));
    int errors = 0;
    auto attempt = [&](const std::vector<unsigned char>& bytes) {
      td::detail::MemoryRandomAccess in(bytes.data(), bytes.size());
      try {
        td::detail::read_npz(in, "load_npz", "mem");
      } catch (const td::IoError&) {
        ++errors;
      }
    };
    for (std::size_t n = 0; n < good.size(); ++n) attempt(std::vector<unsigned char>(good.begin(), good.begin() + n));
    EXPECT_EQ(errors, static_cast<int>(good.size()));  // no prefix is a valid archive
    for (std::size_t i = 0; i < good.size(); ++i) {
      auto b = good;
      b[i] ^= 0xFF;
      attempt(b);
    }
  }
}

// ---- NumPy reads what tandem writes ----

TEST(NpzNumPy, NumPyReadsTandemArchives) {
  if (!td::test::have_numpy()) GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";
  TempDir dir;
  td::ArrayDict d;
  std::vector<double> f(24);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = static_cast<double>(i) * 0.5 - 3.0;
  const auto f8 = td::Array<double>::from(f, td::Shape{2, 3, 4});
  d.insert("f8", f8);
  d.insert("f4_T", f8.astype<float>().T());
  d.insert("i4", f8.astype<std::int32_t>());
  d.insert("i8_rev", f8.astype<std::int64_t>().flatten()(td::slice(td::none, td::none, -1)));
  d.insert("b1", f8.astype<bool>());
  d.insert("scalar", td::Array<double>::from({2.5}).reshape(td::Shape{}));
  td::savez(dir.file("s.npz"), d);
  td::savez_compressed(dir.file("c.npz"), d);
  {
    std::ofstream script(dir.file("check.py"));
    script << R"PY(
import sys, zipfile
import numpy as np
k = (np.arange(24) * 0.5 - 3.0).reshape(2, 3, 4)
expected = {'f8': k, 'f4_T': k.astype('<f4').T, 'i4': k.astype('<i4'), 'i8_rev': k.astype('<i8').ravel()[::-1],
            'b1': k.astype(bool), 'scalar': np.array(2.5)}
for path, method in ((sys.argv[1], zipfile.ZIP_STORED), (sys.argv[2], zipfile.ZIP_DEFLATED)):
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None, path  # every CRC-32 checks out
        assert all(i.compress_type == method for i in z.infolist()), path
    with np.load(path) as f:
        assert f.files == list(expected), f.files
        for name, e in expected.items():
            a = f[name]
            assert a.dtype == e.dtype and a.shape == e.shape and np.array_equal(a, e), (path, name, a, e)
print('numpy npz check ok')
)PY";
  }
  const std::string cmd =
      "/usr/bin/python3 '" + dir.file("check.py") + "' '" + dir.file("s.npz") + "' '" + dir.file("c.npz") + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << "NumPy rejected an archive tandem wrote; see the Python error above";
}

TEST(NpzRoundTrip, BracedDictionaryAndReplacement) {
  TempDir dir;
  const auto a = td::Array<std::int32_t>::from({1, 2, 3});
  const auto b = td::Array<float>::from({0.5f});
  td::savez(dir.file("a.npz"), {{"a", a.untyped()}, {"b", b.untyped()}});
  td::ArrayDict d = td::load_npz(dir.file("a.npz"));
  EXPECT_TRUE(arrays_equal(d.get<std::int32_t>("a"), a));
  d.insert("a", b);  // replaces, keeps the position
  EXPECT_EQ(d.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d["a"].dtype(), td::DType::float32);
}
