// OpenBLAS's kernel choice on CPUs it does not know (src/cpu/blas_core.hpp).

#include "cpu/blas_core.hpp"

#include <cblas.h>
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cstdlib>
#include <string>

namespace tandem::cpu {
namespace {

constexpr BlasCpu kAvx512{true, true};
constexpr BlasCpu kAvx2{false, true};
constexpr BlasCpu kSse{false, false};

TEST(BlasCore, SwitchesOnlyFromTheUnknownCpuFallback) {
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, nullptr, nullptr), "SkylakeX");
  EXPECT_EQ(better_blas_core("Prescott", kAvx2, nullptr, nullptr), "Haswell");
  EXPECT_EQ(better_blas_core("Prescott", kSse, nullptr, nullptr), "");
  // A core OpenBLAS recognised is its own choice, whatever the CPU offers.
  EXPECT_EQ(better_blas_core("Haswell", kAvx512, nullptr, nullptr), "");
  EXPECT_EQ(better_blas_core("SkylakeX", kAvx512, nullptr, nullptr), "");
  EXPECT_EQ(better_blas_core("Zen", kAvx2, nullptr, nullptr), "");
}

TEST(BlasCore, TheUsersChoiceWins) {
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, "Prescott", nullptr), "");
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, "Haswell", nullptr), "");
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, "", nullptr), "SkylakeX");
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, nullptr, "keep"), "");
  EXPECT_EQ(better_blas_core("Prescott", kAvx512, nullptr, "auto"), "SkylakeX");
}

// On this machine: whatever OpenBLAS detected, the core it runs now is what the rule says,
// and the environment is as the process found it.
TEST(BlasCore, TheLoadedLibraryFollowsTheRule) {
  const BlasCoreChoice& choice = blas_core_choice();
  std::string now = openblas_get_corename();
  while (!now.empty() && now.back() == ' ') now.pop_back();
  EXPECT_EQ(now, choice.active);
  const auto targets = hwy::SupportedTargets();
  const BlasCpu cpu{(targets & HWY_AVX3) != 0, (targets & HWY_AVX2) != 0};
  const std::string expected =
      better_blas_core(choice.detected, cpu, std::getenv("OPENBLAS_CORETYPE"), std::getenv("TANDEM_BLAS_CORE"));
  EXPECT_EQ(choice.active, expected.empty() ? choice.detected : expected) << "detected " << choice.detected;
  if (!expected.empty()) {
    EXPECT_EQ(std::getenv("OPENBLAS_CORETYPE"), nullptr);
  }
}

}  // namespace
}  // namespace tandem::cpu
