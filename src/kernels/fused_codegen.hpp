#pragma once
// CUDA C++ source for a fused element-wise program (kernels/fused_program.hpp): one kernel,
// a grid-stride loop over the output's elements that evaluates every instruction with the
// shared functors of kernels/elementwise.hpp and kernels/convert.hpp, compiled at run time
// by NVRTC (src/cuda/nvrtc.cpp) with the headers embedded in the library. Host code free
// of CUDA, so the cpu build tests the text, the layout classes and the launch parameters;
// docs/gpu-fusion.md describes the whole path.
//
// What the source depends on: the program's key() and the call's layout class (which
// inputs are contiguous, broadcast scalars or strided; whether the output is contiguous;
// the number of axes of the strided index). Shapes, strides, pointers and scalar values
// are kernel parameters, so calls that differ only in those reuse one compiled kernel.

#include <cstdint>
#include <string>
#include <vector>

#include "kernels/fused_program.hpp"

namespace tandem::kernels {

/// The C++ type the generated source spells for `t` ("std::int32_t", "double", ...).
const char* c_type(DType t);

/// The name of the generated kernel (extern "C", so unmangled).
inline constexpr const char* kFusedKernelName = "tandem_fused";

/// How an operand is addressed in the generated loop over flat index i.
enum class FusedAccess : unsigned char {
  contiguous,  ///< C-contiguous in the output's shape: element i
  scalar,      ///< every stride 0 (a broadcast single value): element 0, loaded once
  strided,     ///< anything else: the offset from the strided index (kernels/fused_device.hpp)
};

/// The layout class of a call: everything besides the program that the source depends on.
struct FusedLayout {
  std::vector<FusedAccess> inputs;            ///< one per FusedCall::inputs
  FusedAccess out = FusedAccess::contiguous;  ///< contiguous or strided
  int ndim = 0;                               ///< axes of the strided index after collapsing; 0 when nothing is strided

  /// "c,s,x>c/0": the inputs' classes (c, s, x), the output's, and ndim.
  std::string key() const;
  /// Operands read through the strided index: the strided inputs, then the output if strided.
  int strided_operands() const;
};

/// The kernel parameters of one call, in the order of the generated signature: n, the
/// input pointers, the output pointer, the scalars (each converted to its program dtype),
/// and the strided index (FusedIndex<ndim, strided_operands()>) when ndim > 0. Each
/// parameter is held in its own 8-byte-aligned storage; args() points at them, as
/// cuLaunchKernel and cudaLaunchKernel take them.
struct FusedLaunch {
  FusedLayout layout;
  std::int64_t n = 0;  ///< output elements; no launch when 0
  std::vector<std::vector<std::uint64_t>> params;

  std::vector<void*> args();
};

/// The launch of `call`: its layout class and parameters. Throws ValueError (op "fused")
/// when the call does not match its program (operand counts, dtypes, shapes) and
/// ShapeError for more axes than the strided index holds.
FusedLaunch fused_launch(const FusedCall& call);

/// The CUDA C++ source of the kernel that runs `program` over calls of class `layout`.
/// Throws ValueError (op "fused") for an invalid program: a family that does not fuse
/// (only unary, binary, where, clip and copy/astype do), an (op, dtype) pair the catalogue
/// rejects, a result dtype other than the eager op's, or an operand of the wrong dtype
/// (scalars convert as the eager ops convert them; arrays and values must match).
std::string fused_source(const FusedProgram& program, const FusedLayout& layout);

/// The key of a compiled kernel: program and layout class ("<program key>|<layout key>").
std::string fused_kernel_key(const FusedProgram& program, const FusedLayout& layout);

/// A header NVRTC needs to compile fused_source's text, embedded in the library at build
/// time (cmake/TandemEmbed.cmake): the include name and the text.
struct EmbeddedHeader {
  const char* name;
  const char* text;
};

/// Every header a fused kernel includes, directly or not: the functor headers, the public
/// headers they include, and kernels/nvrtc_std.hpp under the names of the standard headers
/// it stands in for.
const std::vector<EmbeddedHeader>& fused_kernel_headers();

}  // namespace tandem::kernels
