// N calls of a 16-element double add, into out or allocating, for counting instructions per
// call with valgrind (docs/performance.md, "Dispatch overhead after ops became data"):
//
//   valgrind --tool=callgrind --toggle-collect='*calls_*' tandem_small_op_calls out 1000
//
// counts only the 1000 measured calls (100 warm-up calls run first, outside calls_*); the
// instructions per call are callgrind's total over 1000. Not a Google Benchmark program:
// the point is a fixed, small number of calls that valgrind runs in a second.

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <tandem/tandem.hpp>

namespace td = tandem;

namespace {

__attribute__((noinline)) void calls_out(const td::Array<double>& a, const td::Array<double>& b,
                                         const td::Array<double>& out, long n) {
  for (long i = 0; i < n; ++i) td::add(a, b, out);
}

__attribute__((noinline)) double calls_alloc(const td::Array<double>& a, const td::Array<double>& b, long n) {
  double sink = 0;
  for (long i = 0; i < n; ++i) {
    auto c = a + b;
    td::eval(c);
    sink += c.cdata()[0];
  }
  return sink;
}

}  // namespace

int main(int argc, char** argv) {
  const bool into_out = argc < 2 || std::strcmp(argv[1], "alloc") != 0;
  const long n = argc > 2 ? std::atol(argv[2]) : 1000;
  const auto a = td::arange<double>(0, 16), b = td::full<double>({16}, 1.5), out = td::zeros<double>({16});
  for (int i = 0; i < 100; ++i) {  // warm-up: first calls resolve symbols and fill caches
    td::add(a, b, out);
    auto c = a + b;
    td::eval(c);
  }
  double sink = 0;
  if (into_out) {
    calls_out(a, b, out, n);
  } else {
    sink = calls_alloc(a, b, n);
  }
  std::printf("%s x %ld: %g %g\n", into_out ? "add(a, b, out)" : "a + b", n, sink, out.at({3}));
  return 0;
}
