#pragma once
// What a generated fused kernel includes (src/kernels/fused_codegen.cpp writes the kernel,
// NVRTC compiles it): the shared element-wise functors and conversions, and the index
// math of the strided path. Free of CUDA headers and of the standard library beyond what
// kernels/nvrtc_std.hpp provides, so NVRTC compiles it from the copy embedded in the
// library, and the host tests check FusedIndex against a plain loop.

#include <cstdint>

#include "kernels/convert.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/hd.hpp"

namespace tandem::kernels {

/// The strided path's index: the output's shape collapsed to N axes (extent-1 axes
/// dropped, adjacent axes merged where every strided operand allows) and the strides in
/// elements of its K strided operands. Only int64 fields, so the host builds the same
/// bytes as a kernel parameter (fused_codegen.hpp: FusedLaunch).
template <int N, int K>
struct FusedIndex {
  std::int64_t extent[N];
  std::int64_t stride[K][N];

  /// off[k] = the element offset of flat C-order index i in strided operand k.
  TANDEM_HD void offsets(std::int64_t i, std::int64_t* off) const {
    for (int k = 0; k < K; ++k) off[k] = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = N - 1; d > 0; --d) {
      const std::int64_t q = i / extent[d];
      const std::int64_t r = i - q * extent[d];
      for (int k = 0; k < K; ++k) off[k] += r * stride[k][d];
      i = q;
    }
    for (int k = 0; k < K; ++k) off[k] += i * stride[k][0];  // i < extent[0]: no division
  }
};

}  // namespace tandem::kernels
