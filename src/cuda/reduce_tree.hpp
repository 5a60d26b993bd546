#pragma once
// The fixed reduction tree of the CUDA backend, as host/device code free of CUDA headers
// (the host tests evaluate it: tests/cuda/reduce_tree_test.cpp).
//
// The n elements of one output, in logical C order over the reduced axes, are cut into
// tiles of kReduceTile. In a tile, lane t (0 <= t < kReduceLanes) combines the tile's
// elements t, t + kReduceLanes, ... from left to right; the lanes are then combined by
// the in-order pairwise tree (node [t, t + 2s) = combine([t, t + s), [t + s, t + 2s)),
// absent lanes dropped). With more than one tile, the tile values are reduced again by the
// same rule, until one value is left. The tree depends on n alone: not on the grid, the
// block count, the layout in memory, or which kernel (a block per tile, or a thread per
// tile) evaluates it.

#include <cstdint>

#include "kernels/hd.hpp"

namespace tandem::cuda {

inline constexpr int kReduceLanes = 256;
inline constexpr int kReducePerLane = 8;
inline constexpr std::int64_t kReduceTile = std::int64_t{kReduceLanes} * kReducePerLane;

/// Tiles of a pass over `len` elements.
TANDEM_HD inline std::int64_t reduce_tiles(std::int64_t len) { return (len + kReduceTile - 1) / kReduceTile; }

/// The value of one tile evaluated by a single thread, in the order of the tree: lanes are
/// pushed left to right and merged like a binary counter, then the remaining complete
/// subtrees are folded from the right. fetch(e) is the loaded element e of the tile
/// (0 <= e < len), combine(a, b) the op.
template <class Acc, class Fetch, class Combine>
TANDEM_HD Acc tile_value_serial(std::int64_t len, const Fetch& fetch, const Combine& combine) {
  const int count = len < kReduceLanes ? static_cast<int>(len) : kReduceLanes;
  Acc stack[10];
  int level[10];
  int top = 0;
  for (int t = 0; t < count; ++t) {
    Acc v = fetch(t);
    for (int i = 1; i < kReducePerLane; ++i) {
      const std::int64_t e = t + std::int64_t{i} * kReduceLanes;
      if (e < len) v = combine(v, fetch(e));
    }
    int lv = 0;
    while (top > 0 && level[top - 1] == lv) {
      v = combine(stack[top - 1], v);
      --top;
      ++lv;
    }
    stack[top] = v;
    level[top] = lv;
    ++top;
  }
  Acc acc = stack[top - 1];
  for (int i = top - 2; i >= 0; --i) acc = combine(stack[i], acc);
  return acc;
}

}  // namespace tandem::cuda
