// File I/O: save_npy and load_npy of one large float64 array (1 GiB by default), and 64
// files of 16 MiB loaded with load_many (the I/O pool) versus one after another.
//
// Usage: tandem_bench_io [--dir=PATH] [--mib=N] [Google Benchmark flags]
//   --dir=PATH  where the files go (default $TANDEM_BENCH_DIR, else /tmp); they are removed at exit
//   --mib=N     size of the large array in MiB (default 1024)
// Loads read files that the preceding save left in the page cache (warm reads: the cost is
// the parse, allocation, page faults and the copy out of the cache). Saves include fsync,
// since save_npy is atomic (temporary file, fsync, rename).
// scripts/bench_io.py runs this next to numpy.save / numpy.load.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

namespace td = tandem;

namespace {

std::string g_dir = "/tmp";
std::int64_t g_mib = 1024;
constexpr int kManyFiles = 64;
constexpr std::int64_t kManyMiB = 16;

std::string big_path() { return g_dir + "/tandem_bench_io_big.npy"; }
std::string many_path(int i) { return g_dir + "/tandem_bench_io_many_" + std::to_string(i) + ".npy"; }

td::Array<double> big_array() {
  static td::Array<double> a = td::random::Generator(1).random<double>({g_mib << 17});  // MiB / 8 bytes
  return a;
}

void save_big(benchmark::State& state) {
  const auto a = big_array();
  for (auto _ : state) td::save_npy(big_path(), a);
  state.SetBytesProcessed(state.iterations() * a.size() * 8);
}

void load_big(benchmark::State& state) {
  if (!std::filesystem::exists(big_path())) td::save_npy(big_path(), big_array());
  for (auto _ : state) {
    auto b = td::load_npy<double>(big_path());
    benchmark::DoNotOptimize(b.cdata());
  }
  state.SetBytesProcessed(state.iterations() * (g_mib << 20));
}

std::vector<std::string> many_files() {
  static std::vector<std::string> paths = [] {
    std::vector<std::pair<std::string, td::UntypedArray>> files;
    td::random::Generator g(2);
    for (int i = 0; i < kManyFiles; ++i) files.emplace_back(many_path(i), g.random<double>({kManyMiB << 17}).untyped());
    td::throw_if_failed(td::save_many(files));
    std::vector<std::string> p;
    for (const auto& f : files) p.push_back(f.first);
    return p;
  }();
  return paths;
}

void load_many_pool(benchmark::State& state) {
  const auto paths = many_files();
  for (auto _ : state) {
    auto r = td::load_many(paths, static_cast<int>(state.range(0)));
    td::throw_if_failed(r);
    benchmark::DoNotOptimize(r.data());
  }
  state.SetBytesProcessed(state.iterations() * kManyFiles * (kManyMiB << 20));
}

void load_many_sequential(benchmark::State& state) {
  const auto paths = many_files();
  for (auto _ : state) {
    std::vector<td::UntypedArray> out;
    for (const auto& p : paths) out.push_back(td::load_npy_untyped(p));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * kManyFiles * (kManyMiB << 20));
}

void register_all() {
  // One iteration per repetition: scripts/bench_io.py keeps the best repetition, as it does
  // for NumPy (the first touch of a fresh GiB of memory is often much slower than the rest).
  const auto ms = benchmark::kMillisecond;
  benchmark::RegisterBenchmark("BM_SaveNpy/big", save_big)->Unit(ms)->UseRealTime()->Iterations(1)->Repetitions(3);
  benchmark::RegisterBenchmark("BM_LoadNpy/big", load_big)->Unit(ms)->UseRealTime()->Iterations(1)->Repetitions(5);
  benchmark::RegisterBenchmark("BM_LoadSequential/64x16MiB", load_many_sequential)
      ->Unit(ms)
      ->UseRealTime()
      ->Iterations(1)
      ->Repetitions(5);
  benchmark::RegisterBenchmark("BM_LoadMany/64x16MiB", load_many_pool)
      ->Arg(2)
      ->Arg(4)
      ->Arg(16)
      ->Unit(ms)
      ->UseRealTime()
      ->Iterations(1)
      ->Repetitions(5);
}

void remove_files() {
  std::error_code ec;
  std::filesystem::remove(big_path(), ec);
  for (int i = 0; i < kManyFiles; ++i) std::filesystem::remove(many_path(i), ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* env = std::getenv("TANDEM_BENCH_DIR")) g_dir = env;
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--dir=", 6) == 0)
      g_dir = argv[i] + 6;
    else if (std::strncmp(argv[i], "--mib=", 6) == 0)
      g_mib = std::atoll(argv[i] + 6);
    else
      rest.push_back(argv[i]);
  }
  int n = static_cast<int>(rest.size());
  benchmark::Initialize(&n, rest.data());
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  remove_files();
  return 0;
}
