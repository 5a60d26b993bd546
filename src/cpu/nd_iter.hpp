#pragma once
// Iteration over K operands that share one (broadcast) shape. Axes of extent 1 are dropped
// and adjacent axes that are contiguous in every operand are merged, so a contiguous
// array of any rank becomes one long inner run and a transposed or sliced view keeps only
// the axes it really needs.

#include <array>
#include <cstdint>

#include "kernels/catalogue.hpp"

namespace tandem::cpu {

// Entries past ndim are left uninitialised: make_loop runs on every element-wise op, and
// clearing 0.5 KB of them was a visible part of a small one (perf, bench add_out 16).
template <int K>
struct NdLoop {
  int ndim = 0;                                              // after merging; >= 1
  std::array<std::int64_t, kMaxDims> extent;                 // outermost first
  std::array<std::array<std::int64_t, kMaxDims>, K> stride;  // in bytes
  std::array<char*, K> base{};
  std::int64_t size = 0;

  std::int64_t inner_extent() const { return extent[static_cast<std::size_t>(ndim - 1)]; }
  std::int64_t inner_stride(int k) const {
    return stride[static_cast<std::size_t>(k)][static_cast<std::size_t>(ndim - 1)];
  }
};

/// Operand 0 decides the shape; all views must share it.
template <int K>
NdLoop<K> make_loop(const std::array<const StridedView*, K>& ops) {
  NdLoop<K> loop;
  const Shape& shape = ops[0]->shape;
  loop.size = 1;
  for (int k = 0; k < K; ++k) loop.base[k] = static_cast<char*>(ops[k]->data);
  int n = 0;
  for (int d = 0; d < shape.size(); ++d) {
    loop.size *= shape[d];
    if (shape[d] == 1) continue;
    bool merge = n > 0;
    for (int k = 0; k < K && merge; ++k) {
      const std::int64_t s = ops[k]->strides[d] * static_cast<std::int64_t>(itemsize(ops[k]->dtype));
      merge = loop.stride[k][n - 1] == s * shape[d];
    }
    if (merge) {
      loop.extent[n - 1] *= shape[d];
      for (int k = 0; k < K; ++k)
        loop.stride[k][n - 1] = ops[k]->strides[d] * static_cast<std::int64_t>(itemsize(ops[k]->dtype));
    } else {
      loop.extent[n] = shape[d];
      for (int k = 0; k < K; ++k)
        loop.stride[k][n] = ops[k]->strides[d] * static_cast<std::int64_t>(itemsize(ops[k]->dtype));
      ++n;
    }
  }
  if (n == 0) {  // a single element
    loop.extent[0] = 1;
    for (int k = 0; k < K; ++k) loop.stride[k][0] = 0;
    n = 1;
  }
  loop.ndim = n;
  return loop;
}

/// Runs inner(ptrs, count) for the flat element range [begin, end) in C order; each call
/// covers a run along the innermost merged axis (strides: loop.inner_stride(k)).
template <int K, class Inner>
void for_each_run(const NdLoop<K>& loop, std::int64_t begin, std::int64_t end, Inner&& inner) {
  const int nd = loop.ndim;
  if (nd == 1) {  // contiguous or one strided axis: a single run, no index bookkeeping
    std::array<char*, K> ptr;
    for (int k = 0; k < K; ++k) ptr[k] = loop.base[k] + begin * loop.stride[k][0];
    if (end > begin) inner(ptr, end - begin);
    return;
  }
  std::array<std::int64_t, kMaxDims> idx{};
  std::int64_t rem = begin;
  for (int d = nd - 1; d >= 0; --d) {
    idx[d] = rem % loop.extent[d];
    rem /= loop.extent[d];
  }
  std::array<char*, K> ptr;
  while (begin < end) {
    for (int k = 0; k < K; ++k) {
      char* p = loop.base[k];
      for (int d = 0; d < nd; ++d) p += idx[d] * loop.stride[k][d];
      ptr[k] = p;
    }
    const std::int64_t count = std::min(loop.extent[nd - 1] - idx[nd - 1], end - begin);
    inner(ptr, count);
    begin += count;
    idx[nd - 1] = 0;
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < loop.extent[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace tandem::cpu
