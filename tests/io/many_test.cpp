// load_many / save_many: many files on the I/O pool; each file's failure is reported with
// its path and reason, and every other file's result is kept.

#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::TempDir;
using td::test::throws_with;

TEST(ManyFiles, SaveThenLoadOnThePool) {
  TempDir dir;
  for (int threads : {0, 1, 3}) {
    SCOPED_TRACE(threads);
    std::vector<std::pair<std::string, td::UntypedArray>> files;
    std::vector<std::string> paths;
    for (int i = 0; i < 23; ++i) {
      paths.push_back(dir.file("f" + std::to_string(i) + ".npy"));
      files.emplace_back(paths.back(), random_array<double>({i, 3}, static_cast<std::uint64_t>(i)).untyped());
    }
    const auto saved = td::save_many(files, threads);
    ASSERT_EQ(saved.size(), files.size());
    for (const auto& r : saved) EXPECT_TRUE(r.ok()) << r.path << ": " << r.message;
    td::throw_if_failed(saved);
    const auto loaded = td::load_many(paths, threads);
    ASSERT_EQ(loaded.size(), paths.size());
    for (std::size_t i = 0; i < paths.size(); ++i) {
      EXPECT_EQ(loaded[i].path, paths[i]);
      ASSERT_TRUE(loaded[i].ok()) << loaded[i].message;
      EXPECT_TRUE(arrays_equal(loaded[i].array.as<double>(), files[i].second.as<double>()));
    }
  }
  EXPECT_TRUE(td::load_many({}).empty());
}

TEST(ManyFiles, FailuresAreReportedPerFile) {
  TempDir dir;
  const auto a = random_array<std::int32_t>({100}, 1);
  td::save_npy(dir.file("good1.npy"), a);
  td::save_npy(dir.file("good2.npy"), a);
  { std::ofstream(dir.file("corrupt.npy")) << "not a npy file"; }
  const std::vector<std::string> paths = {dir.file("good1.npy"), dir.file("missing.npy"), dir.file("corrupt.npy"),
                                          dir.file("good2.npy")};
  const auto r = td::load_many(paths, 2);
  EXPECT_TRUE(r[0].ok());
  EXPECT_TRUE(r[3].ok());
  EXPECT_TRUE(arrays_equal(r[3].array.as<std::int32_t>(), a));
  ASSERT_FALSE(r[1].ok());
  EXPECT_NE(r[1].message.find("No such file"), std::string::npos) << r[1].message;
  EXPECT_THROW(std::rethrow_exception(r[1].error), td::IoError);
  ASSERT_FALSE(r[2].ok());
  EXPECT_NE(r[2].message.find("bad magic"), std::string::npos) << r[2].message;
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::throw_if_failed(r); },
                                       {"load_many: 2 of 4 files failed", "missing.npy", "corrupt.npy"}));

  const auto s = td::save_many({{dir.file("ok.npy"), a.untyped()}, {dir.file("no/dir.npy"), a.untyped()}});
  EXPECT_TRUE(s[0].ok());
  EXPECT_FALSE(s[1].ok());
  EXPECT_NE(s[1].message.find("no/dir.npy"), std::string::npos);
  EXPECT_TRUE(arrays_equal(td::load_npy<std::int32_t>(dir.file("ok.npy")), a));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::throw_if_failed(s); }, {"save_many: 1 of 2 files failed"}));
}
