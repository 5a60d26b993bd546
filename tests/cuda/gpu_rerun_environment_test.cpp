// The "cuda." rerun of the whole suite (tests/CMakeLists.txt) sets TANDEM_REQUIRE_CUDA=1:
// without a CUDA device no test of that run executes, since it would only repeat the CPU
// run. GoogleTest 1.12 then still prints "[  PASSED  ]" (a skip in an environment's SetUp
// is not reported per test), so the line below carries the "[  SKIPPED ]" marker that
// gtest_discover_tests' SKIP_REGULAR_EXPRESSION looks for: ctest reports the test as
// skipped, never as passed.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <tandem/tandem.hpp>

namespace {

class RequireCudaEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* require = std::getenv("TANDEM_REQUIRE_CUDA");
    if (require == nullptr || std::string(require) != "1") return;
    if (tandem::cuda_device_count() == 0) {
      std::printf("[  SKIPPED ] no CUDA device: the cuda rerun of the suite does not run\n");
      GTEST_SKIP() << "no CUDA device";
    }
    // A device that answers but whose backend did not register (failed self-test) would
    // make this run repeat the CPU run and pass: fail instead.
    if (!tandem::has_gpu()) GTEST_FAIL() << "a CUDA device is present but the cuda backend is not registered";
  }
};

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new RequireCudaEnvironment);

}  // namespace
