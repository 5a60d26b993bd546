#include "options.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace tandem::bench_tool {

const char* usage() {
  return "usage: tandem-bench [report] [options]\n"
         "       tandem-bench compare A.json B.json\n"
         "\n"
         "report (the default) measures what this machine delivers (memory bandwidth, peak\n"
         "arithmetic, GEMM) and how close tandem's ops get to it, on the CPU and on every device\n"
         "present; compare prints two reports side by side with their ratios (B / A).\n"
         "\n"
         "options:\n"
         "  --quick            about 20 s: fewer sizes, shorter repetitions\n"
         "  --full             every size up to memory-sized arrays, long repetitions\n"
         "  --threads N        CPU threads for the all-threads figures (default: tandem's)\n"
         "  --device LIST      backends to run ops on: cpu, emulated, cuda (default: all present)\n"
         "  --ops LIST         measurements to run (default: all): bandwidth, peak, gemm, add, fma\n"
         "                     (a*b+c), exp, sum, sort, random, matmul, transfer, latency\n"
         "  --json FILE        also write the report as JSON (docs/tandem-bench.md: the schema)\n"
         "  --budget SECONDS   time per measurement (default: the mode's)\n"
         "  --max-size N       largest array of the size sweeps, in elements\n"
         "  -h, --help         this text\n";
}

namespace {
std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    out.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

double parse_number(const std::string& option, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !(v > 0)) {
    throw UsageError(option + " needs a positive number, got '" + text + "'");
  }
  return v;
}
}  // namespace

Options parse_options(int argc, const char* const* argv) {
  Options o;
  for (int i = 0; i < argc; ++i) o.command_line += (i > 0 ? " " : "") + std::string(argv[i]);
  bool quick = false, full = false;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      o.command = "help";
      return o;
    } else if (arg == "--quick") {
      quick = true;
    } else if (arg == "--full") {
      full = true;
    } else if (arg == "--threads") {
      const std::string text = value();
      const double n = parse_number(arg, text);
      if (n != static_cast<int>(n) || n > 4096)
        throw UsageError("--threads needs a whole number from 1, got '" + text + "'");
      o.threads = static_cast<int>(n);
    } else if (arg == "--device") {
      for (const std::string& d : split(value())) {
        if (d != "cpu" && d != "emulated" && d != "cuda") {
          throw UsageError("--device: unknown backend '" + d + "' (cpu, emulated, cuda)");
        }
        o.devices.push_back(d);
      }
    } else if (arg == "--ops") {
      const auto& all = all_measurements();
      std::vector<std::string> wanted = split(value());
      for (const std::string& w : wanted) {
        if (std::find(all.begin(), all.end(), w) == all.end()) {
          std::string known;
          for (const std::string& m : all) known += (known.empty() ? "" : ", ") + m;
          throw UsageError("--ops: unknown measurement '" + w + "' (" + known + ")");
        }
      }
      for (const std::string& m : all) {
        if (std::find(wanted.begin(), wanted.end(), m) != wanted.end()) o.measurements.push_back(m);
      }
    } else if (arg == "--json") {
      o.json_path = value();
    } else if (arg == "--budget") {
      o.budget_s = parse_number(arg, value());
    } else if (arg == "--max-size") {
      const std::string text = value();
      const double n = parse_number(arg, text);
      if (n != static_cast<double>(static_cast<std::size_t>(n)) || n < 16) {
        throw UsageError("--max-size needs a whole number of elements from 16, got '" + text + "'");
      }
      o.max_size = static_cast<std::size_t>(n);
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (quick && full) throw UsageError("--quick and --full exclude each other");
  o.mode = quick ? Mode::quick : full ? Mode::full : Mode::standard;
  if (o.measurements.empty()) o.measurements = all_measurements();

  if (!positional.empty() && (positional[0] == "report" || positional[0] == "compare")) {
    o.command = positional[0];
    positional.erase(positional.begin());
  }
  if (o.command == "compare") {
    if (positional.size() != 2) throw UsageError("compare needs two report files (A.json B.json)");
    o.compare_files = positional;
  } else if (!positional.empty()) {
    throw UsageError("unknown command or stray argument '" + positional[0] + "'");
  }
  return o;
}

}  // namespace tandem::bench_tool
