#pragma once
// tandem-bench's command line: `tandem-bench [report] [options]` or
// `tandem-bench compare A.json B.json`.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace tandem::bench_tool {

/// A bad command line; main() prints the message and the usage, and exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class Mode : unsigned char { quick, standard, full };

/// What `report` can measure, in the order it runs them. The first three measure the host,
/// the next seven are tandem's ops, the last two need a device.
inline const std::vector<std::string>& all_measurements() {
  static const std::vector<std::string> names = {"bandwidth", "peak", "gemm",   "add",    "fma",      "exp",
                                                 "sum",       "sort", "random", "matmul", "transfer", "latency"};
  return names;
}

struct Options {
  std::string command = "report";  ///< "report", "compare" or "help"
  Mode mode = Mode::standard;
  int threads = 0;                         ///< 0: tandem::num_threads()
  std::vector<std::string> devices;        ///< empty: every backend present ("cpu", "emulated", "cuda")
  std::vector<std::string> measurements;   ///< a subset of all_measurements(), in that order
  std::string json_path;                   ///< empty: no JSON file
  double budget_s = 0;                     ///< seconds per measurement; 0: the mode's
  std::size_t max_size = 0;                ///< largest array (elements) of the sweeps; 0: the mode's
  std::vector<std::string> compare_files;  ///< compare's two reports
  std::string command_line;                ///< as typed, recorded in the report
};

/// Parses argv (argv[0] is the program); UsageError naming the bad argument.
Options parse_options(int argc, const char* const* argv);

/// The usage text printed by --help and after a UsageError.
const char* usage();

}  // namespace tandem::bench_tool
