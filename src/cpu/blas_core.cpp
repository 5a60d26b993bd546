// OpenBLAS's kernel choice on CPUs it does not know (blas_core.hpp).

#include "cpu/blas_core.hpp"

#include <cblas.h>
#include <hwy/targets.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

// OpenBLAS's own initialisation of a DYNAMIC_ARCH build: `quit` forgets the core, `init`
// picks one again, reading OPENBLAS_CORETYPE first. Weak, so that a BLAS without them
// (another build of OpenBLAS, another BLAS) links and keeps its choice.
extern "C" {
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace tandem::cpu {

std::string better_blas_core(const std::string& detected, const BlasCpu& cpu, const char* user_coretype,
                             const char* tandem_setting) {
  if (user_coretype != nullptr && *user_coretype != '\0') return {};
  if (tandem_setting != nullptr && std::strcmp(tandem_setting, "keep") == 0) return {};
  if (detected != "Prescott") return {};
  if (cpu.avx512) return "SkylakeX";
  if (cpu.avx2_fma) return "Haswell";
  return {};
}

namespace {

std::string corename() {
  const char* name = openblas_get_corename();
  std::string s = name != nullptr ? name : "";
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  return s;
}

BlasCoreChoice choose() {
  BlasCoreChoice choice;
  choice.detected = corename();
  choice.active = choice.detected;
  if (gotoblas_dynamic_init == nullptr || gotoblas_dynamic_quit == nullptr) return choice;
  const auto targets = hwy::SupportedTargets();
  BlasCpu cpu;
  cpu.avx512 = (targets & HWY_AVX3) != 0;
  cpu.avx2_fma = (targets & HWY_AVX2) != 0;
  const std::string core =
      better_blas_core(choice.detected, cpu, std::getenv("OPENBLAS_CORETYPE"), std::getenv("TANDEM_BLAS_CORE"));
  if (core.empty()) return choice;
  // As the user's OPENBLAS_CORETYPE would, for OpenBLAS's init only: the variable is
  // removed again so that child processes see the environment they were given.
  setenv("OPENBLAS_CORETYPE", core.c_str(), 1);
  gotoblas_dynamic_quit();
  gotoblas_dynamic_init();
  unsetenv("OPENBLAS_CORETYPE");
  choice.active = corename();
  return choice;
}

// At load, before any BLAS call can run (OpenBLAS's own constructor has run: libtandem
// needs libopenblas, so it is initialised first).
[[maybe_unused]] const BlasCoreChoice& loaded_choice = blas_core_choice();

}  // namespace

const BlasCoreChoice& blas_core_choice() {
  static const BlasCoreChoice choice = choose();
  return choice;
}

}  // namespace tandem::cpu
