#pragma once
// The fixed pairwise tree of the CPU reductions (src/cpu/reduce.cpp), shared with the fused
// reductions of lazy graphs (src/cpu/fused_reduce.cpp) so that both evaluate literally the
// same code: NumPy's shape, leaves of at most kLeaf elements summed with 8 interleaved
// accumulators, inner nodes split at half the length rounded down to a multiple of 8. The
// tree depends only on the reduced extent; threads only decide who evaluates which subtree.

#include <array>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "cpu/clones.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/reduce.hpp"

namespace tandem::cpu {

inline constexpr std::int64_t kReduceLeaf = 128;

inline std::int64_t reduce_split_point(std::int64_t n) {
  const std::int64_t half = n / 2;
  return half - half % 8;
}

/// Prefetches tuning::kReducePrefetchBytes ahead of the n elements from x on, a line at a
/// time: one thread reading a stream otherwise waits on the hardware prefetchers, which stop
/// at every 4 KiB page.
template <class T>
__attribute__((always_inline)) inline void prefetch_ahead(const T* x, std::int64_t n) {
  constexpr std::int64_t kLine = 64 / sizeof(T) > 0 ? 64 / sizeof(T) : 1;
  constexpr std::int64_t kAhead = tuning::kReducePrefetchBytes / sizeof(T);
  for (std::int64_t i = 0; i < n; i += kLine) __builtin_prefetch(x + i + kAhead);
}

/// A source whose elements lie one after the other: the tree reads them in place. `stream`:
/// they come from memory (an array), not from a cache-sized buffer just written (the fused
/// reductions' pieces), and the process chose to prefetch (prefetch_tuner.hpp), so the tree
/// prefetches ahead. Sources read in place have at(i), the
/// element i, shifted(lo), the source from element lo on, and prefetch(lo, n), called before
/// a leaf reads elements [lo, lo + n); all three are always inlined into reduce_in_place's
/// clones (a call per element would run the baseline code).
template <class T>
struct Contiguous {
  const T* p;
  bool stream = true;
  __attribute__((always_inline)) T at(std::int64_t i) const { return p[i]; }
  __attribute__((always_inline)) Contiguous shifted(std::int64_t lo) const { return {p + lo, stream}; }
  __attribute__((always_inline)) void prefetch(std::int64_t lo, std::int64_t n) const {
    if (stream) prefetch_ahead(p + lo, n);
  }
  template <class A>
  static constexpr bool kVector8 = std::is_same_v<A, T>;
  template <class V>
  __attribute__((always_inline)) void vector8(std::int64_t i, V& v) const {
    std::memcpy(&v, p + i, sizeof v);
  }
};

/// Every `stride`-th element from p on, gathered a leaf at a time into the caller's scratch
/// (the strided source of CpuBackend::reduce and of the fused middle-axis reductions).
template <class T>
struct Strided {
  const T* p;
  std::int64_t stride;
  const T* block(std::int64_t lo, std::int64_t n, T* scratch) const {
    const T* q = p + lo * stride;
    for (std::int64_t i = 0; i < n; ++i) scratch[i] = q[i * stride];
    return scratch;
  }
};

/// A leaf's 8 accumulators (an array, or a vector of 8 lanes) combined pairwise, in the
/// one order every leaf uses.
template <class R, class Eight>
__attribute__((always_inline)) inline typename R::acc_type combine_eight(const Eight& r) {
  return R::combine(R::combine(R::combine(r[0], r[1]), R::combine(r[2], r[3])),
                    R::combine(R::combine(r[4], r[5]), R::combine(r[6], r[7])));
}

/// A leaf: the elements [0, n) of src (a source read in place: src.at(i)). Always inlined:
/// GCC inlines a function compiled for the baseline into an AVX-512/AVX2 clone
/// (reduce_in_place) only when told to, and a call per leaf would run the SSE2 code.
template <class R, class Src>
__attribute__((always_inline)) inline typename R::acc_type leaf_values(const Src& src, std::int64_t n) {
  using A = typename R::acc_type;
  if (n < 8) {
    A r = R::load(src.at(0));
    for (std::int64_t i = 1; i < n; ++i) r = R::combine(r, R::load(src.at(i)));
    return r;
  }
  A r[8];
  for (int k = 0; k < 8; ++k) r[k] = R::load(src.at(k));
  std::int64_t i = 8;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) r[k] = R::combine(r[k], R::load(src.at(i + k)));
  }
  A res = combine_eight<R>(r);
  for (; i < n; ++i) res = R::combine(res, R::load(src.at(i)));
  return res;
}

/// Sums and products: a leaf's 8 accumulators as one vector of GCC's vector extension, the
/// combine applied lane by lane into the first operand (leaf_pair_vectors).
template <class R>
struct VectorLeaves : std::false_type {};
template <class T>
struct VectorLeaves<kernels::Reducer<ReduceOp::sum, T>> : std::true_type {
  template <class V>
  __attribute__((always_inline)) static void combine(V& a, const V& b) {
    a = a + b;
  }
};
template <class T>
struct VectorLeaves<kernels::Reducer<ReduceOp::prod, T>> : std::true_type {
  template <class V>
  __attribute__((always_inline)) static void combine(V& a, const V& b) {
    a = a * b;
  }
};

/// Eight values of A as one vector (GCC's vector extension).
template <class A>
struct Vector8 {
  typedef A type __attribute__((vector_size(8 * sizeof(A))));
};

/// Whether Src gives its elements [i, i + 8) as one Vector8<A> (src.vector8(i, v), each
/// lane the value at(i + k) would give).
template <class Src, class A, class = void>
struct HasVector8 : std::false_type {};
template <class Src, class A>
struct HasVector8<Src, A, std::enable_if_t<Src::template kVector8<A>>> : std::true_type {};

/// The two leaves of a pair node, [0, h) and [h, h + n2) of src (8 <= h <= n2, h a
/// multiple of 8), as leaf_values computes each, in one loop: accumulator k of each leaf
/// combines its elements k, k + 8, ... left to right, then the eight are combined as
/// leaf_values does (combine_eight) and the tail added, so every value is the same. The two
/// leaves' chains of dependent combines interleave (one leaf after the other, each waits on
/// its own chain of 15 additions; written with scalar accumulators, GCC compiled two leaves
/// in one loop to scalar code: docs/performance.md, "Leaf pairs").
template <class R, class Src>
__attribute__((always_inline)) inline typename R::acc_type leaf_pair_vectors(const Src& src, std::int64_t h,
                                                                             std::int64_t n2) {
  using A = typename R::acc_type;
  using V = typename Vector8<A>::type;
  V r1, r2, x1, x2;  // vectors are passed by reference: no vector return, whose ABI differs by ISA
  src.vector8(0, r1);
  src.vector8(h, r2);
  std::int64_t i = 8;
  for (; i + 8 <= h; i += 8) {
    src.vector8(i, x1);
    src.vector8(h + i, x2);
    VectorLeaves<R>::combine(r1, x1);
    VectorLeaves<R>::combine(r2, x2);
  }
  for (; i + 8 <= n2; i += 8) {
    src.vector8(h + i, x2);
    VectorLeaves<R>::combine(r2, x2);
  }
  const A first = combine_eight<R>(r1);
  A second = combine_eight<R>(r2);
  for (; i < n2; ++i) second = R::combine(second, R::load(src.at(h + i)));
  return R::combine(first, second);
}

/// Levels of a tree, at most: an inner node of n elements has children of at most n / 2 + 8.
inline constexpr int kReduceMaxDepth = 64;

/// The tree over the elements [0, n) of a source read in place (Contiguous, or the fused
/// reductions' sources that compute each element from their operands as they read it), the
/// recursion of reduce_tree unrolled into a loop over an explicit stack so that one function
/// holds the whole tree with its leaves inlined, and TANDEM_ISA_CLONES compiles it for
/// AVX-512 and AVX2 (a leaf's 8 accumulators are one vector; with the SSE2 baseline's four,
/// one thread summed doubles at 0.75 x the read bandwidth). src.prefetch runs before each
/// leaf. Same operations in the same order as reduce_tree: the same bits from every clone.
template <class R, class Src>
static TANDEM_ISA_CLONES typename R::acc_type reduce_in_place(const Src& src, std::int64_t n) {
  using A = typename R::acc_type;
  // Level d's node: elements [lo[d], lo[d] + len[d]); is_right[d]: it is its parent's right
  // child, whose left sibling's value waits in left[d - 1].
  std::int64_t lo[kReduceMaxDepth + 1];
  std::int64_t len[kReduceMaxDepth + 1];
  bool is_right[kReduceMaxDepth + 1];
  A left[kReduceMaxDepth + 1];
  int d = 0;
  lo[0] = 0;
  len[0] = n;
  is_right[0] = false;
  for (;;) {
    A v;
    for (;;) {
      if (len[d] <= kReduceLeaf) {
        src.prefetch(lo[d], len[d]);
        v = leaf_values<R>(src.shifted(lo[d]), len[d]);
        break;
      }
      // A node of two leaves (the right one the longer) is summed here, without walking down
      // to each leaf and back (one thread's sum of 2^25 doubles 8.7 -> 7.1 ms, sum(a*b)
      // 17.4 -> 14.2 on the AMD EPYC VM, medians alternating). The two leaves one after the
      // other, each leaf_values' vector loop: one loop over both, interleaved, was compiled
      // to scalar additions and was slower (docs/performance.md, "Leaf pairs").
      const std::int64_t h = reduce_split_point(len[d]);
      if (len[d] - h <= kReduceLeaf) {
        src.prefetch(lo[d], len[d]);
        if constexpr (VectorLeaves<R>::value && HasVector8<Src, A>::value) {
          v = leaf_pair_vectors<R>(src.shifted(lo[d]), h, len[d] - h);
        } else {
          const A first = leaf_values<R>(src.shifted(lo[d]), h);
          v = R::combine(first, leaf_values<R>(src.shifted(lo[d] + h), len[d] - h));
        }
        break;
      }
      lo[d + 1] = lo[d];
      len[d + 1] = h;
      is_right[d + 1] = false;
      ++d;
    }
    for (;;) {
      if (d == 0) return v;
      if (!is_right[d]) {
        left[d - 1] = v;
        lo[d] = lo[d - 1] + len[d];
        len[d] = len[d - 1] - len[d];
        is_right[d] = true;
        break;
      }
      --d;
      v = R::combine(left[d], v);
    }
  }
}

/// A leaf: elements [lo, lo + n) of src, read in place (Contiguous) or gathered into a small
/// buffer by src.block() first.
template <class R, class T, class Src>
typename R::acc_type reduce_leaf(const Src& src, std::int64_t lo, std::int64_t n) {
  if constexpr (std::is_same_v<Src, Contiguous<T>>) {
    return leaf_values<R>(src.shifted(lo), n);
  } else {
    T scratch[kReduceLeaf] = {};  // zeroed only to quiet -Wmaybe-uninitialized; block() fills n >= 1
    return leaf_values<R>(Contiguous<T>{src.block(lo, n, scratch), false}, n);
  }
}

/// The tree over elements [lo, lo + n) of src (n >= 1).
template <class R, class T, class Src>
typename R::acc_type reduce_tree(const Src& src, std::int64_t lo, std::int64_t n) {
  if (n <= kReduceLeaf) return reduce_leaf<R, T>(src, lo, n);
  if constexpr (std::is_same_v<Src, Contiguous<T>>) return reduce_in_place<R>(src.shifted(lo), n);
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
