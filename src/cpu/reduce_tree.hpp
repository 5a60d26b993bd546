#pragma once
// The fixed pairwise tree of the CPU reductions (src/cpu/reduce.cpp), shared with the fused
// reductions of lazy graphs (src/cpu/fused_reduce.cpp) so that both evaluate literally the
// same code: NumPy's shape, leaves of at most kLeaf elements summed with 8 interleaved
// accumulators, inner nodes split at half the length rounded down to a multiple of 8. The
// tree depends only on the reduced extent; threads only decide who evaluates which subtree.

#include <array>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "kernels/reduce.hpp"

namespace tandem::cpu {

inline constexpr std::int64_t kReduceLeaf = 128;

inline std::int64_t reduce_split_point(std::int64_t n) {
  const std::int64_t half = n / 2;
  return half - half % 8;
}

/// A source whose elements lie one after the other: the tree reads them in place.
template <class T>
struct Contiguous {
  const T* p;
};

template <class R, class T>
typename R::acc_type leaf_values(const T* x, std::int64_t n) {
  using A = typename R::acc_type;
  if (n < 8) {
    A r = R::load(x[0]);
    for (std::int64_t i = 1; i < n; ++i) r = R::combine(r, R::load(x[i]));
    return r;
  }
  A r[8];
  for (int k = 0; k < 8; ++k) r[k] = R::load(x[k]);
  std::int64_t i = 8;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) r[k] = R::combine(r[k], R::load(x[i + k]));
  }
  A res = R::combine(R::combine(R::combine(r[0], r[1]), R::combine(r[2], r[3])),
                     R::combine(R::combine(r[4], r[5]), R::combine(r[6], r[7])));
  for (; i < n; ++i) res = R::combine(res, R::load(x[i]));
  return res;
}

/// A leaf: elements [lo, lo + n) of src, read in place (Contiguous) or gathered into a small
/// buffer by src.block() first.
template <class R, class T, class Src>
typename R::acc_type reduce_leaf(const Src& src, std::int64_t lo, std::int64_t n) {
  if constexpr (std::is_same_v<Src, Contiguous<T>>) {
    return leaf_values<R>(src.p + lo, n);
  } else {
    T scratch[kReduceLeaf] = {};  // zeroed only to quiet -Wmaybe-uninitialized; block() fills n >= 1
    return leaf_values<R>(src.block(lo, n, scratch), n);
  }
}

/// The tree over elements [lo, lo + n) of src (n >= 1).
template <class R, class T, class Src>
typename R::acc_type reduce_tree(const Src& src, std::int64_t lo, std::int64_t n) {
  if (n <= kReduceLeaf) return reduce_leaf<R, T>(src, lo, n);
  const std::int64_t h = reduce_split_point(n);
  // Left first, in its own statement: the order of function arguments is unspecified, and
  // GCC evaluates right to left, which walks memory backwards (4x slower: the prefetchers
  // follow ascending streams).
  const auto left = reduce_tree<R, T>(src, lo, h);
  return R::combine(left, reduce_tree<R, T>(src, lo + h, n - h));
}

/// The subtrees of at most `chunk` elements, left to right (chunk >= kReduceLeaf, so each is
/// a node of the tree above).
inline void collect_subtrees(std::int64_t lo, std::int64_t n, std::int64_t chunk,
                             std::vector<std::array<std::int64_t, 2>>& nodes) {
  if (n <= chunk) {
    nodes.push_back({lo, n});
    return;
  }
  const std::int64_t h = reduce_split_point(n);
  collect_subtrees(lo, h, chunk, nodes);
  collect_subtrees(lo + h, n - h, chunk, nodes);
}

/// Combines the subtree values of collect_subtrees(0, n, chunk) along the tree, consuming
/// them left to right from values[next].
template <class R, class V>
V combine_subtrees(std::int64_t n, std::int64_t chunk, const V* values, std::size_t& next) {
  if (n <= chunk) return values[next++];
  const std::int64_t h = reduce_split_point(n);
  const V left = combine_subtrees<R>(h, chunk, values, next);
  const V right = combine_subtrees<R>(n - h, chunk, values, next);
  return R::combine(left, right);
}

/// bool storage can hold bytes other than 0 and 1 (memory maps, shared memory, DLPack
/// imports): reductions read bool as bytes, any non-zero byte true, as the mask ops and
/// NumPy's casts do (a bool of value 255 would be undefined behaviour, and summed as 255).
template <class R>
struct BoolBytes {
  using acc_type = typename R::acc_type;
  using out_type = typename R::out_type;
  static acc_type load(unsigned char b) { return R::load(b != 0); }
  static acc_type combine(acc_type a, acc_type b) { return R::combine(a, b); }
  static out_type store(acc_type a) { return R::store(a); }
};

/// The type the elements of a T array are read as: bool as bytes.
template <class T>
using ReadAs = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;
/// The reducer of OP over the elements of a T array, read as ReadAs<T>.
template <ReduceOp OP, class T>
using CpuReducer =
    std::conditional_t<std::is_same_v<T, bool>, BoolBytes<kernels::Reducer<OP, bool>>, kernels::Reducer<OP, T>>;

}  // namespace tandem::cpu
