#pragma once
// OpenBLAS's kernel choice on CPUs it does not know. OpenBLAS built with DYNAMIC_ARCH (the
// Debian package) picks its kernels from the CPU model at load time; a model newer than
// the release (0.3.21 knows Sapphire Rapids, not Emerald Rapids, model 207) falls back to
// the SSE3 `Prescott` kernels, 4-7 x slower for GEMM on an AVX-512 machine. When that
// happened and the user has not chosen a core (OPENBLAS_CORETYPE), tandem re-runs
// OpenBLAS's own initialisation with the best core the CPU's instruction sets support, as
// if the user had set OPENBLAS_CORETYPE, once, when the library loads (before any BLAS
// call). TANDEM_BLAS_CORE=keep leaves OpenBLAS's choice alone. docs/linalg.md.

#include <string>

namespace tandem::cpu {

/// What the CPU offers, as the choice needs it.
struct BlasCpu {
  bool avx512 = false;  ///< AVX-512 F/CD/BW/DQ/VL usable (the OS saves the registers)
  bool avx2_fma = false;
};

/// The OpenBLAS core to switch to, or "" to leave OpenBLAS's choice: only when OpenBLAS
/// fell back to Prescott on a CPU with AVX2 (Haswell) or AVX-512 (SkylakeX), the user set
/// no OPENBLAS_CORETYPE (`user_coretype` null or empty) and `tandem_setting` (the value of
/// TANDEM_BLAS_CORE, may be null) is not "keep".
std::string better_blas_core(const std::string& detected, const BlasCpu& cpu, const char* user_coretype,
                             const char* tandem_setting);

/// OpenBLAS's core as detected at load, and the core it runs now (equal unless tandem
/// switched it).
struct BlasCoreChoice {
  std::string detected;
  std::string active;
};
const BlasCoreChoice& blas_core_choice();

}  // namespace tandem::cpu
