#pragma once
// Iterating the axes that an op keeps (the outputs of a reduction, the lines of a scan):
// each with its extent and its strides in the input and the output.

#include <array>
#include <cstdint>
#include <vector>

#include "tandem/core/dims.hpp"

namespace tandem::cpu {

struct Axis {
  std::int64_t extent;
  std::int64_t in_stride;   // elements
  std::int64_t out_stride;  // elements
};

/// Appends `a` to `axes`, merging it into the previous axis when both the input and the
/// output strides allow; length-1 axes are dropped.
inline void push_merged(std::vector<Axis>& axes, const Axis& a) {
  if (a.extent == 1) return;
  if (!axes.empty() && axes.back().in_stride == a.in_stride * a.extent &&
      axes.back().out_stride == a.out_stride * a.extent) {
    axes.back() = {axes.back().extent * a.extent, a.in_stride, a.out_stride};
  } else {
    axes.push_back(a);
  }
}

/// Calls f(in_offset, out_offset) for the flat indices [begin, end) over `axes` (C order).
template <class F>
void for_each_output(const std::vector<Axis>& axes, std::int64_t begin, std::int64_t end, F&& f) {
  const int n = static_cast<int>(axes.size());
  std::array<std::int64_t, kMaxDims> idx{};
  std::int64_t in_off = 0;
  std::int64_t out_off = 0;
  std::int64_t rem = begin;
  for (int d = n - 1; d >= 0; --d) {
    idx[d] = rem % axes[d].extent;
    rem /= axes[d].extent;
    in_off += idx[d] * axes[d].in_stride;
    out_off += idx[d] * axes[d].out_stride;
  }
  for (std::int64_t i = begin; i < end; ++i) {
    f(in_off, out_off);
    for (int d = n - 1; d >= 0; --d) {
      in_off += axes[d].in_stride;
      out_off += axes[d].out_stride;
      if (++idx[d] < axes[d].extent) break;
      in_off -= axes[d].extent * axes[d].in_stride;
      out_off -= axes[d].extent * axes[d].out_stride;
      idx[d] = 0;
    }
  }
}

}  // namespace tandem::cpu
