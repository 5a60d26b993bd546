// tandem's own ops across sizes on each backend, each against its roofline limit, and the
// CPU/device crossover size per op.

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <tandem/tandem.hpp>

#include "report.hpp"

namespace tandem::bench_tool {

namespace td = tandem;

namespace {
// The traffic and arithmetic each op needs at the least, per element of float32, which is
// what its roofline limit is computed from (docs/tandem-bench.md). An op whose arithmetic
// is not counted (flops 0) is limited by bandwidth alone, so its fraction also shows how far
// its arithmetic is from being hidden behind memory traffic.
struct OpModel {
  const char* name;
  const char* what;
  double bytes_per_element;
  double flops_per_element;
  bool compute_bound;  ///< limited by the peak (else by bandwidth)
};
constexpr OpModel kOps[] = {
    {"add", "c = a + b (out=)", 12, 1, false},
    {"fma", "a * b + c (two ops, one temporary; the limit assumes one fused pass)", 16, 2, false},
    {"exp", "exp(a) (out=)", 8, 0, false},
    {"sum", "sum(a).item()", 4, 1, false},
    {"sort", "sort(a) (the limit is one read and one write)", 8, 0, false},
    {"random", "Generator::uniform(out)", 4, 0, false},
    {"matmul", "matmul(a, b, out), n x n with n*n = size", 0, 0, true},
};

// Inputs resident on `device`, and the call to time (which waits for the device).
std::function<void()> make_op(const std::string& op, std::size_t size, Device device) {
  const std::int64_t n = static_cast<std::int64_t>(size);
  td::random::Generator g(11);
  const auto wait = [device] {
    if (!device.is_cpu()) td::Stream::current(device).synchronize();
  };
  if (op == "matmul") {
    const std::int64_t order = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(size))));
    auto a = g.uniform<float>({order, order}), b = g.uniform<float>({order, order});
    auto c = td::zeros<float>({order, order});
    a.to(device);
    b.to(device);
    c.to(device);
    return [=] {
      td::matmul(a, b, c);
      wait();
    };
  }
  auto a = g.uniform<float>({n}), b = g.uniform<float>({n}), c = g.uniform<float>({n});
  auto out = td::zeros<float>({n});
  for (const auto& x : {a, b, c, out}) x.to(device);
  if (op == "add") {
    return [=] {
      td::add(a, b, out);
      td::eval(out);  // an out= op into a whole array waits like a lazy result (docs/lazy.md)
      wait();
    };
  }
  if (op == "fma")
    return [=] {
      td::Array<float> r = a * b + c;
      td::eval(r);  // a lazy result is computed only when needed
      wait();
    };
  if (op == "exp") {
    return [=] {
      td::exp(a, out);
      td::eval(out);
      wait();
    };
  }
  if (op == "sum") return [=] { static_cast<void>(td::sum(a).item()); };
  if (op == "sort")
    return [=] {
      td::Array<float> r = td::sort(a);
      wait();
    };
  return [=]() mutable {  // random
    g.uniform(out);
    wait();
  };
}

// The sweep's sizes for one op: matmul takes the square matrices whose element count is
// each size (at most the GEMM section's order), the others every size.
std::vector<std::size_t> sizes_for(const std::string& op, const Plan& plan) {
  if (op != "matmul") return plan.sweep_sizes;
  std::vector<std::size_t> out;
  for (const std::size_t s : plan.sweep_sizes) {
    std::size_t order = 1;
    while ((2 * order) * (2 * order) <= s && 2 * order <= std::max<std::size_t>(plan.gemm_n, 4)) order *= 2;
    if (out.empty() || out.back() != order * order) out.push_back(order * order);
  }
  return out;
}

// The smallest size from which the device beats the CPU at every larger size measured,
// comparing medians of data resident on each side; null when it never does.
void record_crossover(Context& ctx, const std::string& op, const std::string& device) {
  std::vector<std::pair<double, bool>> device_wins;  // (size, device faster)
  for (const Json& d : ctx.report.at("measurements").items()) {
    if (d.at("section").string() != "op" || d.at("name").string() != op || d.at("backend").string() != device) continue;
    for (const Json& c : ctx.report.at("measurements").items()) {
      if (c.at("section").string() == "op" && c.at("name").string() == op && c.at("backend").string() == "cpu" &&
          c.at("size").number() == d.at("size").number()) {
        device_wins.emplace_back(d.at("size").number(),
                                 d.at("time_s").at("median").number() < c.at("time_s").at("median").number());
      }
    }
  }
  if (device_wins.empty()) return;
  Json x = Json::object();
  x["op"] = op;
  x["device"] = device;
  x["sizes_compared"] = static_cast<double>(device_wins.size());
  x["size"] = nullptr;
  for (auto it = device_wins.rbegin(); it != device_wins.rend() && it->second; ++it) x["size"] = it->first;
  ctx.report["crossover"].push_back(std::move(x));
}

// STREAM triad at every sweep size, over n/2 doubles per array: the working set of a
// float32 add of n elements, so each op size is compared with the bandwidth of the cache
// level (or memory) it sits in, not only with the DRAM roof. On one thread and on all: the
// bound is the better of the two (small loops lose to the cost of waking threads).
void measure_bandwidth_by_size(Context& ctx) {
  td::PlacementGuard on(Device::cpu());
  std::vector<int> thread_counts{1};
  if (ctx.threads > 1) thread_counts.push_back(ctx.threads);
  for (const std::size_t size : ctx.plan.sweep_sizes) {
    calibrate::StreamArrays arrays(std::max<std::size_t>(1, size / 2), ctx.threads);
    for (const int threads : thread_counts) {
      ctx.progress.step("bandwidth: STREAM triad, working set of " + std::to_string(size) + " floats, " +
                        std::to_string(threads) + " threads");
      const calibrate::Rate r =
          calibrate::host_bandwidth(arrays, calibrate::StreamKernel::triad, threads, ctx.plan.budget);
      Json& rec = ctx.add("bandwidth_by_size", "triad", "stream", "cpu", "float64", threads,
                          static_cast<double>(arrays.elements()), r.work, 0, r.timing, r.work, "GB/s");
      rec["description"] = "the bandwidth bound of the ops of " + std::to_string(size) + " elements";
      ctx.cpu_bandwidth_at_size[size] = std::max(ctx.cpu_bandwidth_at_size[size], r.best_rate());
    }
  }
}

bool selected(const Options& options, Device d) {
  if (options.devices.empty()) return true;
  return std::find(options.devices.begin(), options.devices.end(), kind_name(d)) != options.devices.end();
}
}  // namespace

void measure_ops(Context& ctx) {
  std::vector<Device> backends;
  for (const Device d : td::devices()) {
    if (selected(ctx.options, d)) backends.push_back(d);
  }
  const bool host_side =
      std::any_of(backends.begin(), backends.end(), [](Device d) { return d.kind != DeviceKind::cuda; });
  if (ctx.wants("bandwidth") && host_side) measure_bandwidth_by_size(ctx);
  for (const Device d : backends) {
    measure_device(ctx, d);
    // The emulated device runs the CPU kernels on host memory: the CPU's roofline.
    const Roofline roof = d.kind == DeviceKind::cuda ? ctx.device_rooflines[d.str()] : ctx.cpu_roofline;
    td::PlacementGuard on(d);
    for (const OpModel& model : kOps) {
      if (!ctx.wants(model.name)) continue;
      for (const std::size_t size : sizes_for(model.name, ctx.plan)) {
        ctx.progress.step("ops on " + d.str() + ": " + model.name + ", " + std::to_string(size) + " elements");
        const auto call = make_op(model.name, size, d);
        const calibrate::Timing t = calibrate::time_repeated(call, ctx.plan.budget);
        const double s = static_cast<double>(size);
        double bytes = model.bytes_per_element * s, flops = model.flops_per_element * s;
        if (std::string(model.name) == "matmul") {
          const double order = std::sqrt(s);
          bytes = 12 * s;
          flops = 2 * order * order * order;
        }
        Json& rec = ctx.add("op", model.name, "tandem", d.str(), "float32", ctx.threads, s, bytes, flops, t,
                            model.compute_bound ? flops : bytes, model.compute_bound ? "GFLOP/s" : "GB/s");
        rec["description"] = model.what;
        Roofline at_size = roof;
        if (d.kind != DeviceKind::cuda && ctx.cpu_bandwidth_at_size.count(size) > 0) {
          at_size.bytes_per_s = ctx.cpu_bandwidth_at_size[size];
        }
        if (const auto limit = at_size.limit_s(bytes, flops, model.compute_bound)) {
          rec["roofline"]["limit_s"] = *limit;
          rec["roofline"]["fraction"] = *limit / t.median;
        }
      }
    }
  }
  for (const Device d : backends) {
    if (d.is_cpu()) continue;
    for (const OpModel& model : kOps) record_crossover(ctx, model.name, d.str());
  }
}

}  // namespace tandem::bench_tool
