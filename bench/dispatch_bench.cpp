// Dispatch: the cost of a placement decision, and time against size for CPU-only,
// device-only, automatic and hybrid placement of a compute-bound op (sin) and a
// memory-bound op (add) over host data, on the emulated device with a wall-clock model
// (the device really takes the modelled time), on two presets: "equal" (the device as
// fast as one host thread) and "slow" (a quarter of that, 20 us launches). Then the
// issue's measurement: sin over 2^24 floats and a GEMM with 2^24 outputs, one CPU thread +
// the device thread at equal modelled speed, hybrid against the better side alone, results
// checked bitwise, with the CPU time each group of threads spent per call (which threads
// really worked: the machine is shared, so wall times alone mislead).
//
// Usage: tandem_bench_dispatch [--quick] [--hybrid] [--repeats N] [--k K] [--cuda]
//   --quick  sizes up to 2^20, 3 repeats
//   --hybrid only the measurement (sin and GEMM, CPU alone / device alone /
//            hybrid, with the CPU time per group of threads); a few seconds
//   --repeats N  calls per variant (default 5)
//   --k K    with --hybrid: only the GEMM with inner dimension K (64, 256 or 1024), no sin
//   --cuda   on the first CUDA device instead (scripts/gpu-check.sh): its calibration
//            (measured again, printed), the cost model's CPU/device crossover sizes per op
//            and operand residency, and the same hybrid runs with the CPU on its threads
//            less one. Compiled, never run: no session has had a GPU.
// Times are the median of the repeats, wall clock, in ms. No NumPy column: NumPy has no
// device to place on; the CPU-only column is tandem's own CPU path.

#include <dirent.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <tandem/tandem.hpp>
#include <vector>

#include "bench_clock.hpp"
#include "cpu/thread_limit.hpp"
#include "dispatch/calibrate.hpp"
#include "dispatch/cost_model.hpp"
#include "dispatch/hybrid.hpp"
#include "dispatch/split.hpp"
#include "registry/registry.hpp"

namespace td = tandem;
using Clock = std::chrono::steady_clock;
using tandem::bench::clock_s;
using tandem::bench::load_average;

namespace {

int g_repeats = 5;
std::int64_t g_only_k = 0;  // --k: only this GEMM of the hybrid measurements

template <class F>
double median_ms(F&& f) {
  std::vector<double> t;
  for (int i = 0; i < g_repeats; ++i) {
    const auto t0 = Clock::now();
    f();
    t.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

td::StridedView flat(const float* p, std::int64_t n) {
  td::StridedView v;
  v.data = const_cast<float*>(p);
  v.dtype = td::DType::float32;
  v.shape = td::Shape{n};
  v.strides = td::Strides{std::int64_t{1}};
  return v;
}

td::OpCall call_of(bool compute_bound, const float* x, const float* y, float* out, std::int64_t n) {
  td::OpCall call(compute_bound ? td::OpKey::of(td::UnaryOp::sin, td::DType::float32)
                                : td::OpKey::of(td::BinaryOp::add, td::DType::float32));
  call.add_input(flat(x, n));
  if (!compute_bound) call.add_input(flat(y, n));
  call.add_output(flat(out, n));
  return call;
}

void decision_cost() {
  td::CostModel model;
  td::OpEstimate c;
  c.op = td::OpKey::of(td::BinaryOp::add, td::DType::float32);
  c.work = td::elementwise_work(c.op, 4096, 3 * 4096 * 4.0);
  c.bytes_to_device = 2 * 4096 * 4.0;
  const int n = 2000000;
  int device = 0;
  const auto t0 = Clock::now();
  for (int i = 0; i < n; ++i) {
    c.work.elements = 4096 + (i & 1023);  // different buckets, as a program's ops would be
    device += model.choose(c).place == td::Place::device;
  }
  const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / n;
  std::printf("decision (CostModel::choose): %.1f ns per call (%d device)\n", ns, device);
}

/// One row of the sweep: the four placements of one op at one size.
void sweep_row(const char* preset, td::Device dev, bool compute_bound, std::int64_t n) {
  std::vector<float> x(static_cast<std::size_t>(n)), y(static_cast<std::size_t>(n)), out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001f * static_cast<float>(i % 10007), y[i] = 1.5f;
  const td::OpCall call = call_of(compute_bound, x.data(), y.data(), out.data(), n);
  td::Backend& device = td::backend_for(dev);
  const double cpu = median_ms([&] {
    const td::cpu::ThreadLimit one(1);
    td::cpu_backend().run(call);
  });
  const double dev_only = median_ms([&] { td::run_split(call, device, 1.0, 1); });
  // Automatic: the public API over host data (made host-only again before each call).
  auto a = td::Array<float>::from(x);
  auto b = td::Array<float>::from(y);
  const double automatic = median_ms([&] {
    a.data();  // the host copy is the newest: a device copy would be stale
    td::PlacementGuard target(dev);
    td::PlacementGuard automatic_placement(td::Placement::automatic);
    const td::cpu::ThreadLimit one(1);
    auto r = compute_bound ? td::sin(a) : a + b;
    r.cdata();
  });
  td::SplitPlanner planner;
  double fraction = 0.5;
  td::SplitRates rates;  // after the first call: the planner's, as plan_split's
  const double hybrid = median_ms([&] {
    const td::SplitTimes t = td::run_split(call, device, fraction, 1, rates.cpu > 0 ? &rates : nullptr);
    planner.observe(call.key, n, t.device_rows, t.device_s, t.cpu_rows, t.cpu_s);
    rates = planner.rates(call.key, n, {1, 1});
    fraction = rates.device / (rates.device + rates.cpu);
  });
  std::printf("| %-6s | %-4s | 2^%-2d | %9.3f | %9.3f | %9.3f | %9.3f | %5.2f |\n", preset,
              compute_bound ? "sin" : "add", static_cast<int>(std::log2(static_cast<double>(n))), cpu, dev_only,
              automatic, hybrid, std::min(cpu, dev_only) / hybrid);
}

/// CPU time of the process's threads, to see which threads burn CPU in a variant: the
/// calling thread (the CPU's share), threads that ended during the call (the split's
/// device driver and its stream workers: the emulated device's compute and copies), and
/// threads alive before and after (tandem's pool, OpenMP and OpenBLAS threads, the
/// device's default stream). Read through the kernel's per-thread CPU clocks (ns).
class ThreadCpu {
 public:
  struct Split {
    double calling = 0, ended = 0, others = 0;  // seconds
    double page_faults = 0;                     // minor faults, the whole process
    double waits = 0, preempted = 0;            // the calling thread's context switches
  };
  void start() {
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    waits0_ = u.ru_nvcsw, preempted0_ = u.ru_nivcsw;
    faults0_ = minor_faults();
    process0_ = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    calling0_ = clock_s(CLOCK_THREAD_CPUTIME_ID);
    others0_ = others();
  }
  Split stop() {
    Split s;
    s.calling = clock_s(CLOCK_THREAD_CPUTIME_ID) - calling0_;
    double others_now = 0;
    for (const auto& [tid, t] : others()) {
      const auto it = others0_.find(tid);
      others_now += t - (it == others0_.end() ? 0.0 : it->second);
    }
    s.others = others_now;
    s.ended = std::max(0.0, clock_s(CLOCK_PROCESS_CPUTIME_ID) - process0_ - s.calling - s.others);
    s.page_faults = static_cast<double>(minor_faults() - faults0_);
    rusage u{};
    getrusage(RUSAGE_THREAD, &u);
    s.waits = static_cast<double>(u.ru_nvcsw - waits0_), s.preempted = static_cast<double>(u.ru_nivcsw - preempted0_);
    return s;
  }

 private:
  static long minor_faults() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return u.ru_minflt;
  }
  static std::map<long, double> others() {  // every thread but the calling one
    std::map<long, double> m;
    const long self = syscall(SYS_gettid);
    DIR* d = opendir("/proc/self/task");
    if (d == nullptr) return m;
    while (const dirent* e = readdir(d)) {
      const long tid = std::strtol(e->d_name, nullptr, 10);
      if (tid <= 0 || tid == self) continue;
      timespec ts{};
      // A thread's CPU clock (Linux ABI: CPUCLOCK_PERTHREAD | CPUCLOCK_SCHED); fails if it ended.
      if (clock_gettime(static_cast<clockid_t>((~static_cast<unsigned long>(tid) << 3) | 6), &ts) == 0)
        m[tid] = static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
    }
    closedir(d);
    return m;
  }
  long faults0_ = 0, waits0_ = 0, preempted0_ = 0;
  double process0_ = 0, calling0_ = 0;
  std::map<long, double> others0_;
};

/// One variant's calls: wall times (ms, in call order) and the CPU time by thread.
struct Variant {
  std::vector<double> ms;
  ThreadCpu::Split cpu;  // summed over the calls, seconds
  std::vector<double> sorted() const {
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v;
  }
  double median() const { return sorted()[ms.size() / 2]; }
  double best() const { return sorted().front(); }
  double per_call(double ThreadCpu::Split::*field) const { return cpu.*field / static_cast<double>(ms.size()); }

  /// Times one call of f.
  template <class F>
  void time(F&& f) {
    ThreadCpu clocks;
    clocks.start();
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    const ThreadCpu::Split s = clocks.stop();
    cpu.calling += s.calling, cpu.ended += s.ended, cpu.others += s.others;
    cpu.page_faults += s.page_faults, cpu.waits += s.waits, cpu.preempted += s.preempted;
  }
};

void print_variant(const char* name, const Variant& v) {
  using S = ThreadCpu::Split;
  std::printf("  | %-12s | %8.1f | %8.1f | %9.1f | %9.1f | %9.1f | %7.0f | %5.0f / %5.0f |\n", name, v.median(),
              v.best(), 1e3 * v.per_call(&S::calling), 1e3 * v.per_call(&S::ended), 1e3 * v.per_call(&S::others),
              v.per_call(&S::page_faults), v.per_call(&S::waits), v.per_call(&S::preempted));
}

/// The wall-clock measurement: `call` on one CPU thread, on the device thread
/// alone, and split (the fraction learned from each call's finish times), with the CPU
/// time each group of threads spent per call.
void hybrid_measurement(td::Device dev, const char* what, const td::OpCall& call, std::vector<float>& out) {
  const bool emulated = dev.kind == td::DeviceKind::emulated;
  if (emulated) td::emulated::set_model(dev, "equal,clock=wall");
  // The emulated device is one thread: the CPU gets one too. A GPU: the threads less one.
  const int cpu_threads = emulated ? 1 : std::max(1, td::num_threads() - 1);
  td::Backend& device = td::backend_for(dev);
  const double load_before = load_average();
  auto run_cpu = [&] {
    const td::cpu::ThreadLimit limit(emulated ? 1 : td::num_threads());
    td::cpu_backend().run(call);
  };
  run_cpu();
  const std::vector<float> reference = out;
  // Each side's results are checked against the CPU-only run after each call.
  bool same = true;
  auto check = [&] { same = same && std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)) == 0; };
  auto clear = [&] { std::fill(out.begin(), out.end(), -1.0f); };
  td::SplitPlanner planner;
  double fraction = 0.5;
  td::SplitRates rates;  // the first call's fraction is a guess; then the planner's rates (as plan_split's)
  td::SplitTimes last;
  auto run_hybrid = [&] {
    last = td::run_split(call, device, fraction, cpu_threads, rates.cpu > 0 ? &rates : nullptr);
    planner.observe(call.key, call.elements(), last.device_rows, last.device_s, last.cpu_rows, last.cpu_s);
    rates = planner.rates(call.key, call.elements(), {1, 1});
    fraction = rates.device / (rates.device + rates.cpu);
  };
  // Rounds of one call per variant, back to back, so that the machine's slow and fast
  // moments (other processes) fall on every variant alike. The first round is not timed
  // (first touch, thread start-up; the hybrid's fraction is then learned from one call).
  Variant cpu, cpu_all, dev_only, hybrid;
  for (int round = 0; round <= g_repeats; ++round) {
    Variant warm_up;
    const bool timed = round > 0;
    (timed ? cpu : warm_up).time(run_cpu);
    // For scale: the CPU on all its threads, what this machine gives them now.
    (timed ? cpu_all : warm_up).time([&] { td::cpu_backend().run(call); });
    clear();
    (timed ? dev_only : warm_up).time([&] { td::run_split(call, device, 1.0, 1); });
    check();
    clear();
    (timed ? hybrid : warm_up).time(run_hybrid);
    check();
  }
  const double better = std::min(cpu.median(), dev_only.median());
  if (emulated)
    std::printf("\n%s, one CPU thread + the emulated device thread (\"equal\", wall clock):\n", what);
  else
    std::printf("\n%s, %d CPU threads (alone: %d) + %s:\n", what, cpu_threads, td::num_threads(), dev.str().c_str());
  std::printf(
      "  load average %.2f before, %.2f after; %d calls each; CPU ms per call by thread: calling = the CPU's\n"
      "  share, ended = the split's device driver and stream workers (kernels, copies), others = pool,\n"
      "  OpenMP, BLAS and the device's default stream\n",
      load_before, load_average(), g_repeats);
  std::printf(
      "  | variant      | median ms | best ms | CPU calling | CPU ended | CPU others | page faults | calling thread "
      "waits / preempted |\n");
  std::printf("  |--------------|----------|----------|-----------|-----------|-----------|---------|---------|\n");
  print_variant("CPU alone", cpu);
  if (emulated) print_variant(("(CPU, " + std::to_string(td::num_threads()) + " thr)").c_str(), cpu_all);
  print_variant("device alone", dev_only);
  print_variant("hybrid", hybrid);
  std::printf("  hybrid calls in order (ms):");
  for (const double ms : hybrid.ms) std::printf(" %.1f", ms);
  std::printf("\n");
  std::printf(
      "  speed-up over the better side alone: %.2fx (median), %.2fx (best call over best alone); last split: device "
      "%lld rows in %d chunks, done at %.1f ms; CPU %lld rows in %d chunks, done at %.1f ms; bitwise equal to the "
      "CPU-only run: %s\n",
      better / hybrid.median(), std::min(cpu.best(), dev_only.best()) / hybrid.best(),
      static_cast<long long>(last.device_rows), last.device_chunks, 1e3 * last.device_s,
      static_cast<long long>(last.cpu_rows), last.cpu_chunks, 1e3 * last.cpu_s,
      same ? "yes" : "no (matmul: BLAS rounds by block shape)");
  // What the CPU time allows on two free cores: the hybrid's threads together need
  // total / 2, and its calling thread alone needs its own time.
  using S = ThreadCpu::Split;
  const double total = hybrid.per_call(&S::calling) + hybrid.per_call(&S::ended) + hybrid.per_call(&S::others);
  const double cpu_work = cpu.per_call(&S::calling) + cpu.per_call(&S::ended) + cpu.per_call(&S::others);
  std::printf(
      "  CPU time: hybrid %.1f ms per call for the CPU alone's %.1f ms (+%.0f %%: the device's copies, chunks, "
      "threads); on 2 free cores at these per-thread speeds the hybrid takes at least %.1f ms: at most %.2fx over "
      "the CPU alone\n",
      1e3 * total, 1e3 * cpu_work, 100 * (total / cpu_work - 1),
      1e3 * std::max(hybrid.per_call(&S::calling), total / 2),
      cpu_work / std::max(hybrid.per_call(&S::calling), total / 2));
}

void hybrid_measurements(td::Device dev) {
  const std::int64_t n = std::int64_t{1} << 24;
  std::vector<float> x(static_cast<std::size_t>(n)), out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001f * static_cast<float>(i % 100003);
  if (g_only_k == 0)
    hybrid_measurement(dev, "sin over 2^24 floats", call_of(true, x.data(), nullptr, out.data(), n), out);
  // GEMM with 2^24 outputs, float32, row blocks of the output: (4096 x k) @ (k x 4096). With
  // OpenBLAS's AVX-512 kernels (docs/linalg.md) one thread computes k = 64 in about the time
  // the emulated device copies its 64 MB output; k = 256 does 4x the arithmetic on it.
  for (const std::int64_t k : {std::int64_t{64}, std::int64_t{256}, std::int64_t{1024}}) {
    if (g_only_k != 0 && k != g_only_k) continue;
    const std::int64_t m = 4096, cols = 4096;
    std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(k * cols));
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = 0.01f * static_cast<float>(i % 97);
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = 0.02f * static_cast<float>(i % 89);
    td::OpCall gemm(td::OpKey::of(td::OpFamily::matmul, td::DType::float32));
    td::StridedView va = flat(a.data(), m * k), vb = flat(b.data(), k * cols), vo = flat(out.data(), m * cols);
    va.shape = td::Shape{m, k}, va.strides = td::Strides{k, std::int64_t{1}};
    vb.shape = td::Shape{k, cols}, vb.strides = td::Strides{cols, std::int64_t{1}};
    vo.shape = td::Shape{m, cols}, vo.strides = td::Strides{cols, std::int64_t{1}};
    gemm.add_input(va);
    gemm.add_input(vb);
    gemm.add_output(vo);
    const std::string name =
        "GEMM (4096 x " + std::to_string(k) + ") @ (" + std::to_string(k) + " x 4096) float32, 2^24 outputs";
    hybrid_measurement(dev, name.c_str(), gemm, out);
  }
}

}  // namespace

/// The first size (powers of two, 2^4..2^28) from which the model places `op` on the
/// device, for operands on the host or already on the device.
void crossovers(td::Device dev) {
  const auto probe = td::make_hardware_probe(td::cpu_backend(), &td::backend_for(dev), td::num_threads());
  setenv("TANDEM_CALIBRATE", "force", 1);
  const td::Profile p = td::load_or_calibrate(dev.str() + "-" + td::backend_for(dev).name(), *probe);
  unsetenv("TANDEM_CALIBRATE");
  std::printf("calibration of %s:\n%s", dev.str().c_str(), p.to_text().c_str());
  const td::CostModel model(p);
  std::printf("\n| op (float32) | operands on the host: device from | on the device: CPU below |\n|---|---|---|\n");
  for (const auto& [name, key] :
       {std::pair<const char*, td::OpKey>{"add", td::OpKey::of(td::BinaryOp::add, td::DType::float32)},
        {"sin", td::OpKey::of(td::UnaryOp::sin, td::DType::float32)},
        {"sum", td::OpKey::of(td::ReduceOp::sum, td::DType::float32)}}) {
    int from_host = -1, to_cpu = -1;
    for (int log_n = 4; log_n <= 28; ++log_n) {
      const double n = std::ldexp(1.0, log_n);
      td::OpEstimate c;
      c.op = key;
      c.work = td::elementwise_work(key, static_cast<std::int64_t>(n), 3 * 4 * n);
      c.cpu_threads = n < 32768 ? 1 : td::num_threads();  // as dispatch does (tuning::kParallelMinElements)
      c.bytes_to_device = 2 * 4 * n;
      if (from_host < 0 && model.choose(c).place == td::Place::device) from_host = log_n;
      c.bytes_to_device = 0;
      c.bytes_to_host = 2 * 4 * n;
      c.home = td::Place::device;
      if (model.choose(c).place == td::Place::device) to_cpu = log_n;
    }
    std::printf("| %s | 2^%d | %s |\n", name, from_host,
                to_cpu < 28 ? ("2^" + std::to_string(to_cpu + 1)).c_str() : "never");
  }
}

int main(int argc, char** argv) {
  bool quick = false, cuda = false, hybrid_only = false;
  for (int i = 1; i < argc; ++i) {
    quick = quick || std::strcmp(argv[i], "--quick") == 0;
    cuda = cuda || std::strcmp(argv[i], "--cuda") == 0;
    hybrid_only = hybrid_only || std::strcmp(argv[i], "--hybrid") == 0;
    if (std::strcmp(argv[i], "--repeats") == 0 && i + 1 < argc) g_repeats = std::max(1, std::atoi(argv[++i]));
    if (std::strcmp(argv[i], "--k") == 0 && i + 1 < argc) g_only_k = std::atoi(argv[++i]);
  }
  if (quick) g_repeats = 3;
  if (cuda) {
    if (!td::has_gpu()) {
      std::fprintf(stderr, "tandem_bench_dispatch: --cuda: no CUDA device\n");
      return 2;
    }
    const td::Device gpu = td::Device::cuda(0);
    decision_cost();
    crossovers(gpu);
    hybrid_measurements(gpu);
    return 0;
  }
  td::set_num_threads(2);
  const td::Device dev = td::emulated::add_device();
  if (hybrid_only) {
    hybrid_measurements(dev);
    return 0;
  }
  decision_cost();
  std::printf("\n| preset | op   | n    | CPU (ms)  | device    | automatic | hybrid    | speed-up |\n");
  std::printf("|--------|------|------|-----------|-----------|-----------|-----------|-------|\n");
  const std::vector<std::pair<const char*, const char*>> presets = {
      {"equal", "equal,clock=wall"}, {"slow", "equal,clock=wall,compute_ratio=0.125,memory_ratio=0.125,launch_us=20"}};
  const int max_log = quick ? 20 : 24;
  for (const auto& [name, spec] : presets) {
    td::emulated::set_model(dev, spec);
    for (const bool compute_bound : {true, false})
      for (int log_n = 12; log_n <= max_log; log_n += 4) sweep_row(name, dev, compute_bound, std::int64_t{1} << log_n);
  }
  td::emulated::set_model(dev, "equal,clock=wall");
  std::printf("\n");
  crossovers(dev);  // the --cuda path's table, here for the emulated device
  hybrid_measurements(dev);
  return 0;
}
