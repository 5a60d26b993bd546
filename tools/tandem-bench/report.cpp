// The report's frame: the plan of each mode, the machine description, the record format,
// and run_report() which calls the sections in order.

#include "report.hpp"

#include <cblas.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <tandem/tandem.hpp>

#ifdef TANDEM_HAS_CUDA
#include "cuda_probe.hpp"
#endif

namespace tandem::bench_tool {

Plan make_plan(const Options& options, const calibrate::HostInfo& host) {
  Plan p;
  // STREAM's rule: arrays well beyond the last-level cache (4x in --full), or the figure is
  // the cache's bandwidth. Cap the three arrays at a quarter of the memory.
  const std::size_t llc = std::max<std::uint64_t>(host.l3_bytes, std::uint64_t{32} << 20);
  std::size_t stream_bytes = llc;
  std::size_t top_exponent = 22;
  switch (options.mode) {
    case Mode::quick:
      p.budget = {0.02, 2, 50, 1};
      p.gemm_n = 512;
      p.transfer_bytes = {std::size_t{1} << 20, std::size_t{32} << 20};
      break;
    case Mode::standard:
      p.budget = {0.1, 3, 200, 1};
      stream_bytes = 2 * llc;
      top_exponent = 24;
      p.gemm_n = 1024;
      p.transfer_bytes = {std::size_t{64} << 10, std::size_t{1} << 20, std::size_t{16} << 20, std::size_t{256} << 20};
      break;
    case Mode::full:
      p.budget = {0.3, 5, 1000, 2};
      stream_bytes = 4 * llc;
      top_exponent = 26;
      while ((std::size_t{4} << top_exponent) < 2 * llc) ++top_exponent;  // memory-sized float arrays
      p.gemm_n = 2048;
      p.transfer_bytes = {std::size_t{4} << 10,  std::size_t{64} << 10,  std::size_t{1} << 20,
                          std::size_t{16} << 20, std::size_t{256} << 20, std::size_t{1} << 30};
      break;
  }
  stream_bytes = std::min<std::size_t>(stream_bytes, host.memory_bytes / 12);
  p.stream_elements = stream_bytes / sizeof(double);
  // Three float arrays of the largest sweep size must fit in an eighth of the memory.
  while (top_exponent > 4 && (std::size_t{12} << top_exponent) > host.memory_bytes / 8) --top_exponent;
  const std::size_t step = options.mode == Mode::quick ? 6 : options.mode == Mode::standard ? 2 : 1;
  for (std::size_t e = 4; e <= top_exponent; e += step) p.sweep_sizes.push_back(std::size_t{1} << e);
  if (options.budget_s > 0) p.budget.seconds = options.budget_s;
  if (options.max_size > 0) {
    p.stream_elements = std::min(p.stream_elements, options.max_size);
    p.gemm_n = std::min<std::size_t>(p.gemm_n, 64);
    while (p.gemm_n * p.gemm_n > options.max_size && p.gemm_n > 4) p.gemm_n /= 2;
    std::vector<std::size_t> kept;
    for (std::size_t s : p.sweep_sizes) {
      if (s <= options.max_size) kept.push_back(s);
    }
    p.sweep_sizes = kept;
    std::vector<std::size_t> transfers;
    for (std::size_t b : p.transfer_bytes) transfers.push_back(std::min(b, options.max_size * sizeof(float)));
    transfers.erase(std::unique(transfers.begin(), transfers.end()), transfers.end());
    p.transfer_bytes = transfers;
  }
  return p;
}

Progress::Progress() : tty_(isatty(STDERR_FILENO) != 0), start_(std::chrono::steady_clock::now()) {}

void Progress::step(const std::string& what) {
  if (!tty_) return;
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\r\033[K[%6.1f s] %s", s, what.c_str());
  std::fflush(stderr);
}

void Progress::done() {
  if (tty_) std::fprintf(stderr, "\r\033[K");
}

std::optional<double> Roofline::limit_s(double bytes, double flops, bool compute_bound) const {
  if ((compute_bound ? flops_per_s : bytes_per_s) <= 0) return std::nullopt;
  double t = 0;
  if (bytes_per_s > 0) t = bytes / bytes_per_s;
  if (flops_per_s > 0) t = std::max(t, flops / flops_per_s);
  return t;
}

bool Context::wants(const std::string& measurement) const {
  const auto& m = options.measurements;
  return std::find(m.begin(), m.end(), measurement) != m.end();
}

Json& Context::add(const std::string& section, const std::string& name, const std::string& variant,
                   const std::string& backend, const std::string& dtype, int thread_count, double size, double bytes,
                   double flops, const calibrate::Timing& timing, double work, const std::string& unit) {
  Json r = Json::object();
  r["section"] = section;
  r["name"] = name;
  r["variant"] = variant;
  r["backend"] = backend;
  r["dtype"] = dtype;
  r["threads"] = thread_count;
  r["size"] = size;
  r["bytes"] = bytes;
  r["flops"] = flops;
  r["unit"] = unit;
  const double scale = unit == "us" ? 1e6 : 1e-9;
  r["value"] = unit == "us" ? timing.median * scale : (timing.median > 0 ? work / timing.median * scale : 0.0);
  r["best"] = unit == "us" ? timing.min * scale : (timing.min > 0 ? work / timing.min * scale : 0.0);
  r["time_s"] = calibrate::to_json(timing);
  return report["measurements"].push_back(std::move(r));
}

const char* kind_name(Device device) {
  switch (device.kind) {
    case DeviceKind::cpu:
      return "cpu";
    case DeviceKind::cuda:
      return "cuda";
    case DeviceKind::emulated:
      return "emulated";
  }
  return "?";
}

double value_of(const Json& record) { return record.at("value").number(); }

namespace {
std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  return s;
}
}  // namespace

void describe_machine(Context& ctx, const calibrate::HostInfo& host) {
  Json& m = ctx.report["machine"];
  Json& cpu = m["cpu"];
  cpu["model"] = host.cpu_model;
  cpu["logical_cpus"] = host.logical_cpus;
  cpu["threads"] = ctx.threads;
  cpu["simd_target"] = calibrate::simd_target();
  cpu["last_level_cache_bytes"] = host.l3_bytes;
  cpu["memory_bytes"] = host.memory_bytes;
  Json& load = cpu["load_average"];
  load = Json::array();
  for (double l : host.load_average) load.push_back(l);

  Json& blas = m["openblas"];
  blas["config"] = trimmed(openblas_get_config());
  blas["core"] = trimmed(openblas_get_corename());
  blas["threads"] = openblas_get_num_threads();

  Json& devices = m["devices"];
  devices = Json::array();
  for (const Device d : tandem::devices()) {
    Json dev = Json::object();
    dev["name"] = d.str();
    dev["kind"] = kind_name(d);
#ifdef TANDEM_HAS_CUDA
    if (d.kind == DeviceKind::cuda) {
      const GpuDescription gpu = describe_gpu(d.index);
      dev["gpu_name"] = gpu.name;
      dev["memory_bytes"] = gpu.memory_bytes;
      dev["compute_capability"] = std::to_string(gpu.major) + "." + std::to_string(gpu.minor);
      dev["driver_version"] = gpu.driver_version;
      dev["runtime_version"] = gpu.runtime_version;
    }
#endif
    devices.push_back(std::move(dev));
  }
  m["cuda_devices_seen"] = cuda_device_count();
}

Json run_report(const Options& options) {
  std::string registered;
  for (const Device d : tandem::devices()) registered += (registered.empty() ? "" : ", ") + d.str();
  for (const std::string& kind : options.devices) {
    const auto all = tandem::devices();
    if (std::none_of(all.begin(), all.end(), [&](Device d) { return kind == kind_name(d); })) {
      throw std::runtime_error("--device " + kind + ": no such backend here (registered: " + registered +
                               "; the emulated device needs TANDEM_EMULATED_DEVICE=1)");
    }
  }
  const calibrate::HostInfo host = calibrate::host_info();
  Context ctx(options, make_plan(options, host), options.threads > 0 ? options.threads : num_threads());
  set_num_threads(ctx.threads);
  openblas_set_num_threads(ctx.threads);

  Json& r = ctx.report;
  r["schema"] = kSchemaName;
  r["schema_version"] = kSchemaVersion;
  r["tandem_version"] = TANDEM_VERSION_STRING;
  r["created"] = utc_now();
  r["command"] = options.command_line;
  r["mode"] = options.mode == Mode::quick ? "quick" : options.mode == Mode::full ? "full" : "standard";
  r["budget_s"] = ctx.plan.budget.seconds;
  describe_machine(ctx, host);
  r["measurements"] = Json::array();
  r["crossover"] = Json::array();

  const auto start = std::chrono::steady_clock::now();
  measure_host(ctx);
  measure_ops(ctx);
  ctx.progress.done();
  r["elapsed_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::move(ctx.report);
}

Json load_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  Json j;
  try {
    j = Json::parse(text.str());
  } catch (const calibrate::JsonError& e) {
    throw calibrate::JsonError(path + ": " + e.what());
  }
  const Json* schema = j.find("schema");
  const Json* version = j.find("schema_version");
  if (schema == nullptr || !schema->is_string() || schema->string() != kSchemaName || version == nullptr ||
      !version->is_number()) {
    throw calibrate::JsonError(path + ": not a tandem-bench report (no \"schema\": \"tandem-bench\")");
  }
  if (version->number() != kSchemaVersion) {
    throw calibrate::JsonError(path + ": schema version " + std::to_string(static_cast<int>(version->number())) +
                               ", this tandem-bench reads version " + std::to_string(kSchemaVersion));
  }
  return j;
}

}  // namespace tandem::bench_tool
