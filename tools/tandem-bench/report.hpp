#pragma once
// The report: what each mode measures (Plan), the sections that measure it (host.cpp,
// ops.cpp, device.cpp), and the text printers (print.cpp). A report is a calibrate::Json
// document whose schema docs/tandem-bench.md and docs/tandem-bench.schema.json describe; the
// printers read that document, so a report loaded from a file prints like a fresh one.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tandem/memory/device.hpp>
#include <utility>
#include <vector>

#include "calibrate/json.hpp"
#include "calibrate/measure.hpp"
#include "options.hpp"

namespace tandem::bench_tool {

using calibrate::Json;

/// The report's schema identifier and version: bump the version when a field changes
/// meaning or disappears (adding fields keeps it).
inline constexpr const char* kSchemaName = "tandem-bench";
inline constexpr int kSchemaVersion = 1;

/// What one mode measures.
struct Plan {
  calibrate::Budget budget;
  std::size_t stream_elements = 0;       ///< doubles per STREAM array
  std::vector<std::size_t> sweep_sizes;  ///< elements, powers of two from 2^4
  std::size_t gemm_n = 0;                ///< square GEMM order
  std::vector<std::size_t> transfer_bytes;
};
Plan make_plan(const Options& options, const calibrate::HostInfo& host);

/// One line on stderr, rewritten as the report goes (only when stderr is a terminal).
class Progress {
 public:
  Progress();
  void step(const std::string& what);
  void done();

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

/// The roofline of one backend: the bounds an op's time is compared with. Bounds are
/// ceilings, so they come from the fastest repetition (as STREAM reports its best); op times
/// are medians.
struct Roofline {
  double bytes_per_s = 0;  ///< 0: unknown
  double flops_per_s = 0;  ///< float32 peak; 0: unknown
  /// The shortest time the bounds allow for `bytes` and `flops`: the larger of bytes over
  /// the bandwidth and flops over the peak, where known; nullopt when the bound that
  /// limits the work (the peak when compute_bound, else the bandwidth) is unknown.
  std::optional<double> limit_s(double bytes, double flops, bool compute_bound) const;
};

/// State shared by the sections while a report runs.
struct Context {
  Context(const Options& o, Plan p, int all_threads) : options(o), plan(std::move(p)), threads(all_threads) {}

  const Options& options;
  Plan plan;
  int threads = 1;  ///< the all-threads count
  Json report;      ///< the document being built
  Progress progress;
  Roofline cpu_roofline;  ///< the DRAM roof: STREAM triad over arrays beyond the cache
  /// STREAM triad's bandwidth with the working set of a float32 add of each sweep size (the
  /// cache level that size sits in): the CPU's bandwidth bound at that size.
  std::map<std::size_t, double> cpu_bandwidth_at_size;
  std::map<std::string, Roofline> device_rooflines;  ///< by Device::str(), for CUDA devices

  bool wants(const std::string& measurement) const;
  /// Appends a measurement (see docs/tandem-bench.md for the fields) and returns it.
  Json& add(const std::string& section, const std::string& name, const std::string& variant, const std::string& backend,
            const std::string& dtype, int threads, double size, double bytes, double flops,
            const calibrate::Timing& timing, double work, const std::string& unit);
};

/// "cpu", "cuda" or "emulated": the names --device takes and the report's devices[].kind.
const char* kind_name(Device device);

/// A record's rate from its median time, in the record's unit (GB/s, GFLOP/s, or us for
/// latencies, which are times).
double value_of(const Json& record);

// Sections, run in this order by run_report().
void describe_machine(Context& ctx, const calibrate::HostInfo& host);
void measure_host(Context& ctx);  ///< bandwidth, peak, gemm
void measure_ops(Context& ctx);   ///< tandem's ops on each backend; calls measure_device first
/// A backend's launch latency, and for a device its transfers and (CUDA) copy bandwidth.
void measure_device(Context& ctx, Device device);

/// Runs every section the options ask for and returns the report.
Json run_report(const Options& options);

/// Text tables of a report, and of two reports side by side (ratios B / A).
void print_report(const Json& report, std::FILE* out);
void print_comparison(const Json& a, const Json& b, std::FILE* out);

/// Reads a report file; JsonError (or std::runtime_error when unreadable) naming the file
/// when it is not a tandem-bench report of a version this build reads.
Json load_report(const std::string& path);

}  // namespace tandem::bench_tool
