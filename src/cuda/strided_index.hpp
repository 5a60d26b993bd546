#pragma once
// Flat C-order index -> element offsets of K operands that share one shape: the index math
// of the CUDA element-wise, random, reduction and scan kernels. Free of CUDA headers, so
// the host tests check it (tests/cuda/strided_index_test.cpp).

#include <array>
#include <cstdint>

#include "kernels/catalogue.hpp"
#include "kernels/hd.hpp"

namespace tandem::cuda {

/// The shape and the K operands' strides (in elements) after collapsing: extent-1 axes
/// dropped, adjacent axes merged where every operand allows. ndim == 0 is one element.
template <int K>
struct Indexer {
  int ndim = 0;
  std::int64_t extent[kMaxDims] = {};
  std::int64_t stride[K][kMaxDims] = {};

  /// off[k] = the element offset of flat index i (C order) in operand k. The loop is
  /// unrolled over kMaxDims so that the arrays are indexed by constants (kernel
  /// parameters indexed at run time would be copied to local memory).
  TANDEM_HD void offsets(std::int64_t i, std::int64_t* off) const {
    if (ndim <= 1) {  // one axis (or one element): no division
      for (int k = 0; k < K; ++k) off[k] = ndim == 0 ? 0 : i * stride[k][0];
      return;
    }
    for (int k = 0; k < K; ++k) off[k] = 0;
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int d = kMaxDims - 1; d >= 0; --d) {
      if (d < ndim) {
        const std::int64_t e = extent[d];
        const std::int64_t q = i / e;
        const std::int64_t r = i - q * e;
        for (int k = 0; k < K; ++k) off[k] += r * stride[k][d];
        i = q;
      }
    }
  }
};

/// The indexer of `shape` over K stride lists (each with shape.size() entries).
template <int K>
Indexer<K> make_indexer(const Shape& shape, const std::array<const Strides*, K>& strides) {
  Indexer<K> ix;
  int n = 0;
  for (int d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = n > 0;
    for (int k = 0; k < K && merge; ++k) merge = ix.stride[k][n - 1] == (*strides[k])[d] * shape[d];
    if (merge) {
      ix.extent[n - 1] *= shape[d];
      for (int k = 0; k < K; ++k) ix.stride[k][n - 1] = (*strides[k])[d];
    } else {
      ix.extent[n] = shape[d];
      for (int k = 0; k < K; ++k) ix.stride[k][n] = (*strides[k])[d];
      ++n;
    }
  }
  ix.ndim = n;
  return ix;
}

/// Are the view's elements dense in C order (extent-1 axes ignored)?
inline bool is_c_contiguous(const Shape& shape, const Strides& strides) {
  std::int64_t expected = 1;
  for (int d = shape.size() - 1; d >= 0; --d) {
    if (shape[d] == 1) continue;
    if (strides[d] != expected) return false;
    expected *= shape[d];
  }
  return true;
}

/// Is every element the same one (a broadcast scalar: all strides 0)?
inline bool is_broadcast_scalar(const Shape& shape, const Strides& strides) {
  for (int d = 0; d < shape.size(); ++d)
    if (shape[d] != 1 && strides[d] != 0) return false;
  return true;
}

}  // namespace tandem::cuda
