// tandem-bench: what this machine delivers and how close tandem gets to it
// (docs/tandem-bench.md). Exit status: 0 done, 1 a measurement or file failed, 2 bad usage.

#include <cstdio>
#include <exception>
#include <fstream>

#include "options.hpp"
#include "report.hpp"

int main(int argc, char** argv) {
  namespace bt = tandem::bench_tool;
  bt::Options options;
  try {
    options = bt::parse_options(argc, argv);
  } catch (const bt::UsageError& e) {
    std::fprintf(stderr, "tandem-bench: %s\n\n%s", e.what(), bt::usage());
    return 2;
  }
  if (options.command == "help") {
    std::fputs(bt::usage(), stdout);
    return 0;
  }
  try {
    if (options.command == "compare") {
      const bt::Json a = bt::load_report(options.compare_files[0]);
      const bt::Json b = bt::load_report(options.compare_files[1]);
      bt::print_comparison(a, b, stdout);
      return 0;
    }
    const bt::Json report = bt::run_report(options);
    bt::print_report(report, stdout);
    if (!options.json_path.empty()) {
      std::ofstream out(options.json_path, std::ios::binary | std::ios::trunc);
      out << report.dump(2) << '\n';
      if (!out.flush()) {
        std::fprintf(stderr, "tandem-bench: cannot write %s\n", options.json_path.c_str());
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\ntandem-bench: %s\n", e.what());
    return 1;
  }
}
