// The timing harness, STREAM's kernels and the host description (fma_peak.cpp holds the
// SIMD kernel).

#include "calibrate/measure.hpp"

#include <omp.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <vector>

#include "backend/host_cache.hpp"  // header-only: the one piece of the library used here

namespace tandem::calibrate {

Timing time_repeated(const std::function<void()>& fn, const Budget& budget) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < budget.warmup; ++i) fn();
  std::vector<double> seconds;
  double total = 0;
  while (static_cast<int>(seconds.size()) < std::max(budget.min_reps, 1) ||
         (total < budget.seconds && static_cast<int>(seconds.size()) < budget.max_reps)) {
    const auto start = clock::now();
    fn();
    const double s = std::chrono::duration<double>(clock::now() - start).count();
    seconds.push_back(s);
    total += s;
  }
  std::sort(seconds.begin(), seconds.end());
  Timing t;
  t.repetitions = static_cast<int>(seconds.size());
  t.min = seconds.front();
  t.max = seconds.back();
  const std::size_t mid = seconds.size() / 2;
  t.median = seconds.size() % 2 ? seconds[mid] : (seconds[mid - 1] + seconds[mid]) / 2;
  t.mean = total / static_cast<double>(seconds.size());
  return t;
}

const char* name(StreamKernel kernel) {
  switch (kernel) {
    case StreamKernel::copy:
      return "copy";
    case StreamKernel::scale:
      return "scale";
    case StreamKernel::add:
      return "add";
    case StreamKernel::triad:
      return "triad";
  }
  return "?";
}

std::size_t stream_bytes_per_element(StreamKernel kernel) {
  return (kernel == StreamKernel::add || kernel == StreamKernel::triad ? 3 : 2) * sizeof(double);
}

namespace {
constexpr double kScalar = 3.0;  // STREAM's

double* allocate_doubles(std::size_t n) {
  // 2 MiB alignment lets the kernel back large arrays with huge pages.
  void* p = std::aligned_alloc(std::size_t{1} << 21, ((n * sizeof(double)) | ((std::size_t{1} << 21) - 1)) + 1);
  if (p == nullptr) throw std::bad_alloc();
  return static_cast<double*>(p);
}

bool close(double got, double want) { return std::abs(got - want) <= 1e-13 * std::abs(want); }
}  // namespace

StreamArrays::StreamArrays(std::size_t elements, int threads)
    : n_(elements), a_(allocate_doubles(elements)), b_(allocate_doubles(elements)), c_(allocate_doubles(elements)) {
  const auto n = static_cast<std::int64_t>(n_);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    a_[i] = 1.0;
    b_[i] = 2.0;
    c_[i] = 0.0;
  }
}

StreamArrays::~StreamArrays() {
  std::free(a_);
  std::free(b_);
  std::free(c_);
}

void StreamArrays::run(StreamKernel kernel, int threads) {
  const auto n = static_cast<std::int64_t>(n_);
  double* __restrict a = a_;
  double* __restrict b = b_;
  double* __restrict c = c_;
  switch (kernel) {
    case StreamKernel::copy:
      // GCC and clang compile STREAM's copy loop into one memcpy per thread's share (whose
      // large copies bypass the cache, so copy outruns scale there); do the same, so that
      // the figure is the reference STREAM binary's.
#pragma omp parallel num_threads(threads)
    {
      const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
      const std::int64_t lo = n * t / nt, hi = n * (t + 1) / nt;
      if (hi > lo) std::memcpy(c + lo, a + lo, static_cast<std::size_t>(hi - lo) * sizeof(double));
    }
      expect_c_ = expect_a_;
      break;
    case StreamKernel::scale:
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::int64_t i = 0; i < n; ++i) b[i] = kScalar * c[i];
      expect_b_ = kScalar * expect_c_;
      break;
    case StreamKernel::add:
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::int64_t i = 0; i < n; ++i) c[i] = a[i] + b[i];
      expect_c_ = expect_a_ + expect_b_;
      break;
    case StreamKernel::triad:
#pragma omp parallel for schedule(static) num_threads(threads)
      for (std::int64_t i = 0; i < n; ++i) a[i] = b[i] + kScalar * c[i];
      expect_a_ = expect_b_ + kScalar * expect_c_;
      break;
  }
}

bool StreamArrays::check() const {
  for (std::size_t i = 0; i < n_; i += std::max<std::size_t>(1, n_ / 997)) {
    if (!close(a_[i], expect_a_) || !close(b_[i], expect_b_) || !close(c_[i], expect_c_)) return false;
  }
  return n_ == 0 || (close(a_[n_ - 1], expect_a_) && close(b_[n_ - 1], expect_b_) && close(c_[n_ - 1], expect_c_));
}

Rate host_bandwidth(StreamArrays& arrays, StreamKernel kernel, int threads, const Budget& budget) {
  Rate r;
  r.work = static_cast<double>(stream_bytes_per_element(kernel) * arrays.elements());
  r.timing = time_repeated([&] { arrays.run(kernel, threads); }, budget);
  return r;
}

const char* name(Precision precision) { return precision == Precision::f32 ? "float32" : "float64"; }

Rate transfer_bandwidth(const std::function<void()>& copy, std::size_t bytes, const Budget& budget) {
  Rate r;
  r.work = static_cast<double>(bytes);
  r.timing = time_repeated(copy, budget);
  return r;
}

Timing launch_latency(const std::function<void()>& launch_and_wait, const Budget& budget) {
  return time_repeated(launch_and_wait, budget);
}

namespace {
std::string cpuinfo_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

}  // namespace

HostInfo host_info() {
  HostInfo info;
  info.cpu_model = cpuinfo_model();
  cpu_set_t set;
  info.logical_cpus =
      sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN));
  info.l3_bytes = detail::last_level_cache_bytes();
  info.memory_bytes =
      static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  if (getloadavg(info.load_average, 3) != 3) std::fill(info.load_average, info.load_average + 3, 0.0);
  return info;
}

}  // namespace tandem::calibrate
