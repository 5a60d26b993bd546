// The file plumbing under every reader and writer (src/io/file.cpp): non-regular paths are
// refused without blocking, saves keep an existing file's mode and write through symbolic
// links as np.save does, and a save killed at any point leaves the old file or the new one
// and, after the next save, nothing else.

#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
namespace fs = std::filesystem;
using td::test::random_array;
using td::test::TempDir;
using td::test::throws_with;

namespace {

mode_t mode_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// A pid that no process has: a child that has already been reaped.
pid_t dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

}  // namespace

TEST(FileSafety, FifoIsRefusedWithoutBlocking) {
  TempDir dir;
  const std::string path = dir.file("pipe.npy");
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  for (const char* op : {"load_npy", "load_npz", "mmap_npy"}) {
    SCOPED_TRACE(op);
    auto load = std::async(std::launch::async, [&] {
      return throws_with<td::IoError>(
          [&] {
            if (std::string(op) == "load_npy")
              td::load_npy<double>(path);
            else if (std::string(op) == "load_npz")
              td::load_npz(path);
            else
              td::mmap_npy<double>(path);
          },
          {op, "pipe.npy", "not a regular file"});
    });
    if (load.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
      std::ofstream unblock(path);  // a writer lets the blocked open return
      ADD_FAILURE() << op << " blocked on a FIFO";
    }
    EXPECT_TRUE(load.get());
  }
}

TEST(FileSafety, SavingKeepsTheModeOfAnExistingFile) {
  TempDir dir;
  for (const mode_t mode : {mode_t{0600}, mode_t{0640}, mode_t{0604}}) {
    const std::string npy = dir.file("a.npy"), npz = dir.file("a.npz");
    td::save_npy(npy, td::Array<double>::from({1, 2}));
    td::savez(npz, {{"x", td::Array<double>::from({1, 2}).untyped()}});
    ASSERT_EQ(::chmod(npy.c_str(), mode), 0);
    ASSERT_EQ(::chmod(npz.c_str(), mode), 0);
    td::save_npy(npy, td::Array<double>::from({3, 4, 5}));
    td::savez_compressed(npz, {{"y", td::Array<double>::from({3}).untyped()}});
    EXPECT_EQ(mode_of(npy), mode);
    EXPECT_EQ(mode_of(npz), mode);
    EXPECT_EQ(td::load_npy<double>(npy).to_vector(), (std::vector<double>{3, 4, 5}));
  }
}

TEST(FileSafety, NewFilesGetTheUmaskMode) {
  TempDir dir;
  const mode_t old = ::umask(027);
  td::save_npy(dir.file("n.npy"), td::Array<double>::from({1}));
  ::umask(old);
  EXPECT_EQ(mode_of(dir.file("n.npy")), mode_t{0640});
}

TEST(FileSafety, SavingToASymlinkWritesItsTarget) {
  TempDir dir;
  fs::create_directory(dir.file("data"));
  const std::string target = dir.file("data/real.npy");
  td::save_npy(target, td::Array<double>::from({1}));
  fs::create_symlink("data/real.npy", dir.file("link.npy"));        // relative, as users make them
  fs::create_symlink(dir.file("link.npy"), dir.file("link2.npy"));  // a chain, absolute
  td::save_npy(dir.file("link2.npy"), td::Array<double>::from({7, 8}));
  EXPECT_TRUE(fs::is_symlink(dir.file("link.npy")));
  EXPECT_TRUE(fs::is_symlink(dir.file("link2.npy")));
  EXPECT_EQ(td::load_npy<double>(target).to_vector(), (std::vector<double>{7, 8}));

  // A dangling link: the target is created, as open(..., 'wb') does.
  fs::create_symlink("data/new.npz", dir.file("dangling.npz"));
  td::savez(dir.file("dangling.npz"), {{"x", td::Array<double>::from({2}).untyped()}});
  EXPECT_TRUE(fs::is_symlink(dir.file("dangling.npz")));
  EXPECT_EQ(td::load_npz(dir.file("data/new.npz")).get<double>("x").to_vector(), std::vector<double>{2});
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"dangling.npz", "data", "link.npy", "link2.npy"}));
}

TEST(FileSafety, LinkLoopIsAnIoError) {
  TempDir dir;
  fs::create_symlink("b.npy", dir.file("a.npy"));
  fs::create_symlink("a.npy", dir.file("b.npy"));
  EXPECT_TRUE(throws_with<td::IoError>([&] { td::save_npy(dir.file("a.npy"), td::Array<double>::from({1})); },
                                       {"save_npy", "symbolic links"}));
}

TEST(FileSafety, LeftoversOfDeadSaversAreRemovedAndLiveOnesKept) {
  TempDir dir;
  const std::string dead = "a.npy.tmp." + std::to_string(dead_pid()) + ".3";
  const std::string live = "a.npy.tmp." + std::to_string(::getpid()) + ".999999";
  std::ofstream(dir.file(dead)) << "partial";
  std::ofstream(dir.file(live)) << "in progress";
  std::ofstream(dir.file("b.npy.tmp.1.1")) << "another file's";
  td::save_npy(dir.file("a.npy"), td::Array<double>::from({1}));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"a.npy", live, "b.npy.tmp.1.1"}));
}

// A child process saves in a loop and is killed at a random moment, a few times: the
// destination always holds the old array or the new one, and once the next save has run
// nothing else is left in the directory. Small arrays keep each round fast.
TEST(FileSafety, KilledSavesLeaveOldOrNewAndNothingElse) {
  TempDir dir;
  const std::string path = dir.file("a.npy");
  const auto old_array = random_array<double>({4096}, 1);
  const auto new_array = random_array<double>({3, 1000}, 2);
  const auto old_values = old_array.to_vector(), new_values = new_array.to_vector();
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(0, 4000);
  for (int round = 0; round < 6; ++round) {
    SCOPED_TRACE(round);
    td::save_npy(path, old_array);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (;;) {
        td::save_npy(path, new_array);
        td::savez(dir.file("a.npz"), {{"x", new_array.untyped()}});
      }
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    const auto now = td::load_npy<double>(path).to_vector();
    EXPECT_TRUE(now == old_values || now == new_values);
    // What a kill can leave: at most a name for the new file, between link and rename.
    for (const std::string& name : dir.entries()) {
      if (name != "a.npy" && name != "a.npz") {
        const std::string child = ".tmp." + std::to_string(pid) + ".";
        EXPECT_TRUE(name.rfind("a.npy" + child, 0) == 0 || name.rfind("a.npz" + child, 0) == 0) << name;
      }
    }
    td::save_npy(path, old_array);
    td::savez(dir.file("a.npz"), {{"x", old_array.untyped()}});
    const auto left = dir.entries();
    EXPECT_EQ(left, (std::vector<std::string>{"a.npy", "a.npz"}));
  }
}
