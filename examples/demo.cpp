// A first look at tandem: creation, broadcasting, views, element-wise math, and where the
// work ran. Built by the `bench` preset as build/bench/examples/tandem_demo.
#include <iostream>
#include <tandem/tandem.hpp>

namespace td = tandem;

int main() {
  std::cout << "tandem " << TANDEM_VERSION_STRING << "\n"
            << "  gpu backend active: " << (td::has_gpu() ? "yes" : "no")
            << ", CUDA devices seen: " << td::cuda_device_count() << ", CPU threads: " << td::num_threads() << "\n\n";

  // Creation: a (3, 4) grid from arange (reshape is a view when strides allow).
  auto a = td::arange<double>(12).reshape({3, 4});
  auto row = td::Array<double>::from({10, 20, 30, 40});
  std::cout << "a = arange(12).reshape(3, 4)\n" << a << "\n\n";

  // Broadcasting: (3, 4) + (4,) adds row to every row of a, as NumPy does.
  auto b = a + row;
  std::cout << "a + [10, 20, 30, 40]\n" << b << "\n\n";

  // Views share storage: writing through a slice changes a.
  auto middle = a(td::slice(1, 2), td::slice(td::none, td::none, -1));  // row 1, reversed
  middle = -1.0;
  std::cout << "after a[1:2, ::-1] = -1\n"
            << a << "\n"
            << "a.T() (a view, shape 4x3)\n"
            << a.T() << "\n\n";

  // Element-wise math, masks and out-parameters (no allocation on the out= form).
  auto x = td::linspace<double>(0.0, 3.14159265358979, 5);
  auto y = td::sin(x) * td::exp(-x);
  std::cout << "x = linspace(0, pi, 5)\n"
            << x << "\n"
            << "sin(x) * exp(-x)\n"
            << y << "\n";
  auto positive = y > 0.1;
  std::cout << "y > 0.1\n"
            << positive << "\n"
            << "where(y > 0.1, y, 0)\n"
            << td::where(positive, y, 0.0) << "\n";
  auto out = td::empty<double>({5});
  td::add(x, y, out);
  std::cout << "add(x, y, out=out)\n" << out << "\n\n";

  // The counters show where ops ran and what was allocated or copied.
  std::cout << "td::stats()\n" << td::stats().str() << "\n";
  return 0;
}
