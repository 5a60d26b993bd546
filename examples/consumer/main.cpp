// Links the installed tandem through find_package(tandem): no nvcc, no CUDA headers.
#include <cmath>
#include <iostream>
#include <tandem/tandem.hpp>

namespace td = tandem;

int main() {
  auto x = td::linspace<double>(0.0, 1.0, 5);
  auto y = td::sqrt(x * x + 1.0);
  const double expected = std::sqrt(0.75 * 0.75 + 1.0);
  std::cout << "tandem " << TANDEM_VERSION_STRING << ": y = " << y << "\n";
  if (std::fabs(y.at({3}) - expected) > 1e-15) {
    std::cerr << "consumer: wrong value " << y.at({3}) << ", expected " << expected << "\n";
    return 1;
  }
  std::cout << "consumer: ok (gpu: " << (td::has_gpu() ? "yes" : "no") << ")\n";
  return 0;
}
