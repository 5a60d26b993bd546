#pragma once
// NVRTC, the run-time compiler of the CUDA backend's fused element-wise kernels
// (docs/gpu-fusion.md). NVRTC needs no driver and no GPU, so all of this runs, and is
// tested, on machines without either. Compiled only when TANDEM_HAS_CUDA; this header
// includes no CUDA header.

#include <memory>
#include <string>

#include "backend/kernel_cache.hpp"
#include "kernels/fused_codegen.hpp"

namespace tandem::cuda {

/// "nvrtc-13.0": the version of the NVRTC library loaded.
std::string nvrtc_version();

/// The target for a device of compute capability major.minor: "sm_XY" (CUBIN) when this
/// NVRTC supports the architecture, else "compute_XY" (PTX, which the driver compiles) for
/// the newest architecture it supports.
std::string fused_arch(int major, int minor);

/// Compiles a generated fused kernel (kernels/fused_codegen.hpp) with the embedded headers:
/// CUBIN for "sm_XY", NUL-terminated PTX for "compute_XY". No FMA contraction, so a fused
/// chain rounds every op as the eager kernels do. Throws DeviceError naming "fused" with
/// NVRTC's log when the source does not compile.
std::string compile_fused(const std::string& source, const std::string& arch);

/// compile_fused as the kernel cache's compiler.
std::shared_ptr<const KernelCompiler> nvrtc_compiler();

/// The process's cache of fused kernels (NVRTC, disk cache at KernelCache::default_root()).
KernelCache& fused_kernel_cache();

/// The image of `program` for calls of `layout` on `arch`, waiting while it compiles.
/// Throws DeviceError naming "fused" with NVRTC's log when it fails to compile.
std::shared_ptr<const std::string> fused_kernel_blocking(const kernels::FusedProgram& program,
                                                         const kernels::FusedLayout& layout, const std::string& arch);

}  // namespace tandem::cuda
