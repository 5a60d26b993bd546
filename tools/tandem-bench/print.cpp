// Text tables of a report and of two reports side by side. Both read only the JSON
// document, so a report loaded from a file prints as it did when it was measured.

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "report.hpp"

namespace tandem::bench_tool {

namespace {
std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string bytes_text(double b) {
  if (b >= double(1ull << 30)) return fmt("%.1f GiB", b / double(1ull << 30));
  if (b >= double(1ull << 20)) return fmt("%.0f MiB", b / double(1ull << 20));
  if (b >= 1024) return fmt("%.0f KiB", b / 1024);
  return fmt("%.0f B", b);
}

std::string seconds_text(double s) {
  if (s < 1e-6) return fmt("%.0f ns", s * 1e9);
  if (s < 1e-3) return fmt("%.1f us", s * 1e6);
  if (s < 1) return fmt("%.2f ms", s * 1e3);
  return fmt("%.2f s", s);
}

// 2^k for powers of two from 16 (the sweeps), the number otherwise.
std::string size_text(double size) {
  const auto n = static_cast<std::uint64_t>(size);
  if (n >= 16 && (n & (n - 1)) == 0) return "2^" + std::to_string(static_cast<int>(std::log2(size)));
  return std::to_string(n);
}

std::string str(const Json& record, const char* key) { return record.at(key).string(); }
double num(const Json& record, const char* key) { return record.at(key).number(); }

std::string fraction_text(const Json& record) {
  const Json* roof = record.find("roofline");
  return roof != nullptr ? fmt("%.2f", roof->at("fraction").number()) : "-";
}

void print_machine(const Json& report, std::FILE* out) {
  const Json& m = report.at("machine");
  const Json& cpu = m.at("cpu");
  const auto& load = cpu.at("load_average").items();
  std::fprintf(out, "machine   %s, %d logical CPUs (%d threads used), SIMD %s, last-level cache %s, memory %s\n",
               str(cpu, "model").c_str(), static_cast<int>(num(cpu, "logical_cpus")),
               static_cast<int>(num(cpu, "threads")), str(cpu, "simd_target").c_str(),
               bytes_text(num(cpu, "last_level_cache_bytes")).c_str(), bytes_text(num(cpu, "memory_bytes")).c_str());
  std::fprintf(out, "load      %.2f %.2f %.2f (1, 5, 15 min, at the start)\n", load[0].number(), load[1].number(),
               load[2].number());
  const Json& blas = m.at("openblas");
  std::fprintf(out, "OpenBLAS  %s (core %s, %d threads)\n", str(blas, "config").c_str(), str(blas, "core").c_str(),
               static_cast<int>(num(blas, "threads")));
  std::string names;
  for (const Json& d : m.at("devices").items()) {
    names += (names.empty() ? "" : ", ") + str(d, "name");
    if (const Json* gpu = d.find("gpu_name")) {
      names += " (" + gpu->string() + ", " + bytes_text(num(d, "memory_bytes")) + ", driver " +
               std::to_string(static_cast<int>(num(d, "driver_version"))) + ")";
    }
  }
  std::fprintf(out, "backends  %s\n", names.c_str());
}

const char* kTitles[][2] = {
    {"bandwidth", "Memory bandwidth (STREAM's loops, and tandem doing the same work)"},
    {"peak", "Peak arithmetic (FMA chains in registers)"},
    {"gemm", "GEMM (square, row-major), against OpenBLAS called directly and the FMA peak"},
    {"transfer", "Host <-> device transfers"},
    {"latency", "Launch latency (queue the smallest op and wait for it)"},
};

void print_section(const Json& report, const char* section, const char* title, std::FILE* out) {
  bool any = false;
  for (const Json& r : report.at("measurements").items()) {
    if (str(r, "section") != section) continue;
    if (!any) {
      std::fprintf(out, "\n%s\n", title);
      std::fprintf(out, "  %-16s %-11s %-8s %3s %8s %12s %12s %6s %4s  %-16s %s\n", "name", "backend", "dtype", "thr",
                   "size", "median", "best", "spread", "reps", "vs reference", "roofline");
      any = true;
    }
    const Json& t = r.at("time_s");
    std::string reference = "-";
    if (const Json* ref = r.find("reference")) {
      reference = fmt("%.2f x ", ref->at("ratio").number()) + str(*ref, "variant");
    }
    const std::string unit = str(r, "unit");
    std::fprintf(out, "  %-16s %-11s %-8s %3d %8s %12s %12s %5.0f%% %4d  %-16s %s\n",
                 (str(r, "name") + " " + str(r, "variant")).c_str(), str(r, "backend").c_str(), str(r, "dtype").c_str(),
                 static_cast<int>(num(r, "threads")), size_text(num(r, "size")).c_str(),
                 (fmt("%.1f ", num(r, "value")) + unit).c_str(), (fmt("%.1f ", num(r, "best")) + unit).c_str(),
                 100 * num(t, "spread"), static_cast<int>(num(t, "repetitions")), reference.c_str(),
                 fraction_text(r).c_str());
  }
}

// STREAM triad by working set: a row per op size, one column per thread count.
void print_bandwidth_by_size(const Json& report, std::FILE* out) {
  std::map<double, std::map<int, const Json*>> rows;  // op size (floats) -> threads -> record
  std::set<int> thread_counts;
  for (const Json& r : report.at("measurements").items()) {
    if (str(r, "section") != "bandwidth_by_size") continue;
    const int threads = static_cast<int>(num(r, "threads"));
    rows[2 * num(r, "size")][threads] = &r;  // size counts doubles per array: half the floats
    thread_counts.insert(threads);
  }
  if (rows.empty()) return;
  std::fprintf(out,
               "\nBandwidth by working set (STREAM triad with the working set of a float32 add of each size;\n"
               "the better column is the ops' bandwidth bound at that size), GB/s median [best]\n  %-8s",
               "size");
  for (const int t : thread_counts)
    std::fprintf(out, " %22s", (std::to_string(t) + (t == 1 ? " thread" : " threads")).c_str());
  std::fprintf(out, "\n");
  for (const auto& [size, by_threads] : rows) {
    std::fprintf(out, "  %-8s", size_text(size).c_str());
    for (const int t : thread_counts) {
      const auto it = by_threads.find(t);
      const std::string cell = it == by_threads.end() ? ""
                                                      : fmt("%.1f", num(*it->second, "value")) + " [" +
                                                            fmt("%.1f", num(*it->second, "best")) + "]";
      std::fprintf(out, " %22s", cell.c_str());
    }
    std::fprintf(out, "\n");
  }
}

// One table per backend: a row per size, a column per op, each cell the median time and
// the fraction of the roofline limit.
void print_ops(const Json& report, std::FILE* out) {
  std::vector<std::string> backends, ops;
  std::map<std::tuple<std::string, std::string, double>, const Json*> cells;
  std::map<std::string, std::set<double>> sizes;
  for (const Json& r : report.at("measurements").items()) {
    if (str(r, "section") != "op") continue;
    const std::string b = str(r, "backend"), op = str(r, "name");
    if (std::find(backends.begin(), backends.end(), b) == backends.end()) backends.push_back(b);
    if (std::find(ops.begin(), ops.end(), op) == ops.end()) ops.push_back(op);
    cells[{b, op, num(r, "size")}] = &r;
    sizes[b].insert(num(r, "size"));
  }
  for (const std::string& b : backends) {
    std::fprintf(out, "\ntandem's ops on %s (float32): median time and fraction of the roofline limit\n  %-6s",
                 b.c_str(), "size");
    for (const std::string& op : ops) std::fprintf(out, " %18s", op.c_str());
    std::fprintf(out, "\n");
    for (const double size : sizes[b]) {
      std::fprintf(out, "  %-6s", size_text(size).c_str());
      for (const std::string& op : ops) {
        const auto it = cells.find({b, op, size});
        const std::string cell = it == cells.end() ? ""
                                                   : seconds_text(num(it->second->at("time_s"), "median")) + " " +
                                                         fraction_text(*it->second);
        std::fprintf(out, " %18s", cell.c_str());
      }
      std::fprintf(out, "\n");
    }
  }
  const auto& crossover = report.at("crossover").items();
  if (crossover.empty()) return;
  std::fprintf(out, "\nCPU/device crossover (data resident on each side): the device is faster from\n");
  for (const Json& x : crossover) {
    const Json& size = x.at("size");
    std::fprintf(out, "  %-8s on %-11s %s\n", str(x, "op").c_str(), str(x, "device").c_str(),
                 size.is_null() ? "never, at the sizes measured" : (size_text(size.number()) + " elements").c_str());
  }
}

std::string record_key(const Json& r) {
  return str(r, "section") + " " + str(r, "name") + " " + str(r, "variant") + " " + str(r, "backend") + " " +
         str(r, "dtype") + " " + std::to_string(static_cast<int>(num(r, "threads"))) + "t " + size_text(num(r, "size"));
}
}  // namespace

void print_report(const Json& report, std::FILE* out) {
  std::fprintf(out, "tandem-bench %s, schema %s/%d, %s mode, %s, %.1f s\n", str(report, "tandem_version").c_str(),
               str(report, "schema").c_str(), static_cast<int>(num(report, "schema_version")),
               str(report, "mode").c_str(), str(report, "created").c_str(), num(report, "elapsed_s"));
  print_machine(report, out);
  for (const auto& [section, title] : kTitles) print_section(report, section, title, out);
  print_bandwidth_by_size(report, out);
  print_ops(report, out);
}

void print_comparison(const Json& a, const Json& b, std::FILE* out) {
  for (const auto& [label, r] : {std::pair<const char*, const Json*>{"A", &a}, {"B", &b}}) {
    const Json& cpu = r->at("machine").at("cpu");
    std::fprintf(out, "%s: %s, %s, %d threads, SIMD %s, %s mode, %s\n", label, str(*r, "created").c_str(),
                 str(cpu, "model").c_str(), static_cast<int>(num(cpu, "threads")), str(cpu, "simd_target").c_str(),
                 str(*r, "mode").c_str(), str(*r, "command").c_str());
  }
  std::map<std::string, const Json*> in_b;
  for (const Json& r : b.at("measurements").items()) in_b[record_key(r)] = &r;
  std::fprintf(out, "\n  %-58s %14s %14s %8s\n", "measurement (higher is better, except us)", "A", "B", "B / A");
  int only_a = 0, matched = 0;
  for (const Json& r : a.at("measurements").items()) {
    const auto it = in_b.find(record_key(r));
    if (it == in_b.end()) {
      ++only_a;
      continue;
    }
    ++matched;
    const double va = num(r, "value"), vb = num(*it->second, "value");
    const std::string unit = " " + str(r, "unit");
    std::fprintf(out, "  %-58s %14s %14s %8s\n", record_key(r).c_str(), (fmt("%.2f", va) + unit).c_str(),
                 (fmt("%.2f", vb) + unit).c_str(), va > 0 ? fmt("%.2f", vb / va).c_str() : "-");
    in_b.erase(it);
  }
  std::fprintf(out, "\n%d measurements in both, %d only in A, %zu only in B\n", matched, only_a, in_b.size());
}

}  // namespace tandem::bench_tool
