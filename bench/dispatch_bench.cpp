// Dispatch: the cost of a placement decision, and time against size for CPU-only,
// device-only, automatic and hybrid placement of a compute-bound op (sin) and a
// memory-bound op (add) over host data, on the emulated device with a wall-clock model
// (the device really takes the modelled time), on two presets: "equal" (the device as
// fast as one host thread) and "slow" (a quarter of that, 20 us launches). Then the
// issue's measurement: sin over 2^24 floats, one CPU thread + the device thread at equal
// modelled speed, hybrid against the better side alone, results checked bitwise.
//
// Usage: tandem_bench_dispatch [--quick]    (--quick: sizes up to 2^20, 3 repeats)
// Times are the median of the repeats, wall clock, in ms. No NumPy column: NumPy has no
// device to place on; the CPU-only column is tandem's own CPU path.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <tandem/tandem.hpp>

#include "cpu/thread_limit.hpp"
#include "dispatch/cost_model.hpp"
#include "dispatch/hybrid.hpp"
#include "dispatch/registry.hpp"
#include "dispatch/split.hpp"

namespace td = tandem;
using Clock = std::chrono::steady_clock;

namespace {

int g_repeats = 5;

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
  const double hybrid = median_ms([&] {
    const td::SplitTimes t = td::run_split(call, device, fraction, 1);
    planner.observe(call.key, n, t.device_rows, t.device_s, t.cpu_rows, t.cpu_s);
    const auto r = planner.rates(call.key, n, {1, 1});
    fraction = r.device / (r.device + r.cpu);
  });
  std::printf("| %-6s | %-4s | 2^%-2d | %9.3f | %9.3f | %9.3f | %9.3f | %5.2f |\n", preset,
              compute_bound ? "sin" : "add", static_cast<int>(std::log2(static_cast<double>(n))), cpu, dev_only,
              automatic, hybrid, std::min(cpu, dev_only) / hybrid);
}

void hybrid_measurement(td::Device dev) {
  td::emulated::set_model(dev, "equal,clock=wall");
  const std::int64_t n = std::int64_t{1} << 24;
  std::vector<float> x(static_cast<std::size_t>(n)), out(x.size()), reference(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = 0.001f * static_cast<float>(i % 100003);
  const td::OpCall call = call_of(true, x.data(), nullptr, out.data(), n);
  td::Backend& device = td::backend_for(dev);
  const double cpu = median_ms([&] {
    const td::cpu::ThreadLimit one(1);
    td::cpu_backend().run(call);
  });
  reference = out;
  const double dev_only = median_ms([&] { td::run_split(call, device, 1.0, 1); });
  td::SplitPlanner planner;
  double fraction = 0.5;
  std::vector<double> calls;
  td::SplitTimes last;
  for (int i = 0; i < g_repeats; ++i) {
    std::fill(out.begin(), out.end(), -1.0f);
    const auto t0 = Clock::now();
    last = td::run_split(call, device, fraction, 1);
    calls.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    planner.observe(call.key, n, last.device_rows, last.device_s, last.cpu_rows, last.cpu_s);
    const auto r = planner.rates(call.key, n, {1, 1});
    fraction = r.device / (r.device + r.cpu);
  }
  const bool same = std::memcmp(out.data(), reference.data(), out.size() * sizeof(float)) == 0;
  std::vector<double> sorted = calls;
  std::sort(sorted.begin(), sorted.end());
  const double hybrid = sorted[sorted.size() / 2];
  std::printf("\nsin over 2^24 floats, one CPU thread + the emulated device thread (\"equal\", wall clock):\n");
  std::printf("  CPU alone %.1f ms, device alone %.1f ms, hybrid median %.1f ms (calls:", cpu, dev_only, hybrid);
  for (double c : calls) std::printf(" %.1f", c);
  std::printf(
      ")\n  speed-up over the better side alone: %.2fx; last split: device %lld rows in %d chunks, CPU %lld "
      "rows in %d chunks; bitwise equal to the CPU-only run: %s\n",
      std::min(cpu, dev_only) / hybrid, static_cast<long long>(last.device_rows), last.device_chunks,
      static_cast<long long>(last.cpu_rows), last.cpu_chunks, same ? "yes" : "NO");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; ++i) quick = quick || std::strcmp(argv[i], "--quick") == 0;
  if (quick) g_repeats = 3;
  td::set_num_threads(2);
  const td::Device dev = td::emulated::add_device();
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
  hybrid_measurement(dev);
  return 0;
}
