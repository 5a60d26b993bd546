// Reductions on the CPU.
//
// Determinism: every output reduces its elements along one fixed pairwise tree (NumPy's
// shape: leaves of at most 128 elements summed with 8 interleaved accumulators, inner
// nodes split at half the length rounded down to a multiple of 8). The tree depends only
// on the reduced extent. Threads only decide who evaluates which subtree: large reductions
// are cut at subtrees of at most kReduceChunk elements, evaluated in parallel, and
// combined along the same tree, so the result is bitwise the same for any thread count.
//
// Layouts: the reduced axes are put in memory order (negative strides flipped, sorted by
// stride) and merged; then a reduction runs one of three ways:
//   rows     the reduced elements are contiguous: the tree reads them in place;
//   columns  the innermost kept axis is contiguous: a tile of outputs is reduced at once,
//            the 8 accumulators becoming 8 rows of accumulators (vectorised over outputs);
//   gather   anything else: each leaf gathers its elements into a small buffer first.
// All three evaluate the same tree, so they give the same bits for the same values. The
// tree's code is in cpu/reduce_tree.hpp, shared with the fused reductions of lazy graphs.

#include "kernels/reduce.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/clones.hpp"
#include "cpu/outer_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/prefetch_tuner.hpp"
#include "cpu/reduce_tree.hpp"
#include "dispatch/tuning.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/threads.hpp"

namespace tandem {

namespace {

// Outputs per tile on the columns path, at most: whole rows when they fit, so each input row
// is read as one long stream (tiles of 512 doubles, 4 KiB per row, made the hardware
// prefetchers restart on every row: axis-0 sum of 4096 x 8192 doubles 13.9 ms vs 4.3 ms
// for the full sum). The accumulators (8 rows of a tile) then live in L2.
constexpr std::int64_t kMaxTile = 8192;
// Outputs are cut into this many pieces per thread and handed out as the
// threads come free, so that one slowed by another process takes fewer.
constexpr int kOutputPiecesPerThread = 4;

using cpu::Axis;
using cpu::collect_subtrees;
using cpu::combine_subtrees;
using cpu::Contiguous;
using cpu::CpuReducer;
using cpu::for_each_output;
using cpu::ReadAs;
using cpu::reduce_split_point;
using cpu::reduce_tree;
using cpu::Strided;
constexpr std::int64_t kLeaf = cpu::kReduceLeaf;

/// The reduction in canonical form: kept axes (outer to inner, merged where both the input
/// and the output allow) and reduced axes (merged; memory order unless the op needs the
/// logical order).
struct Layout {
  const char* base = nullptr;  // element 0 of the (possibly flipped) input
  char* out = nullptr;
  std::vector<Axis> kept;
  std::vector<Axis> reduced;  // out_stride unused
  std::int64_t kept_size = 1;
  std::int64_t reduced_size = 1;
};

template <class T>
Layout canonical(const StridedView& in, const StridedView& out, bool memory_order) {
  Layout l;
  const int k = out.shape.size();
  const char* base = static_cast<const char*>(in.data);
  for (int d = 0; d < k; ++d) cpu::push_merged(l.kept, {in.shape[d], in.strides[d], out.strides[d]});
  std::vector<Axis> red;
  for (int d = k; d < in.shape.size(); ++d) {
    if (in.shape[d] == 1) continue;
    Axis a{in.shape[d], in.strides[d], 0};
    if (memory_order && a.in_stride < 0) {
      base += (a.extent - 1) * a.in_stride * static_cast<std::int64_t>(sizeof(T));
      a.in_stride = -a.in_stride;
    }
    red.push_back(a);
  }
  if (memory_order) {
    std::stable_sort(red.begin(), red.end(), [](const Axis& x, const Axis& y) { return x.in_stride > y.in_stride; });
  }
  for (const Axis& a : red) cpu::push_merged(l.reduced, a);
  if (l.reduced.empty()) l.reduced.push_back({1, 1, 0});
  for (const Axis& a : l.kept) l.kept_size *= a.extent;
  for (const Axis& a : l.reduced) l.reduced_size *= a.extent;
  l.base = base;
  l.out = static_cast<char*>(out.data);
  return l;
}

// ---- sources: where a leaf's elements come from -------------------------------------

/// Logical (C) order over several reduced axes.
template <class T>
struct Gather {
  const T* p;
  const std::vector<Axis>* axes;
  const T* block(std::int64_t lo, std::int64_t n, T* scratch) const {
    const std::vector<Axis>& ax = *axes;
    const int nd = static_cast<int>(ax.size());
    std::array<std::int64_t, kMaxDims> idx{};
    std::int64_t off = 0;
    std::int64_t rem = lo;
    for (int d = nd - 1; d >= 0; --d) {
      idx[d] = rem % ax[d].extent;
      rem /= ax[d].extent;
      off += idx[d] * ax[d].in_stride;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      scratch[i] = p[off];
      for (int d = nd - 1; d >= 0; --d) {
        off += ax[d].in_stride;
        if (++idx[d] < ax[d].extent) break;
        off -= ax[d].extent * ax[d].in_stride;
        idx[d] = 0;
      }
    }
    return scratch;
  }
};

/// The whole tree for one output, its subtrees spread over the threads.
template <class R, class T, class Src>
typename R::acc_type tree_parallel(const Src& src, std::int64_t n, int threads) {
  using A = typename R::acc_type;
  const std::int64_t chunk = tuning::kReduceChunk;
  if (threads <= 1 || n < 2 * chunk) return reduce_tree<R, T>(src, 0, n);
  std::vector<std::array<std::int64_t, 2>> nodes;
  collect_subtrees(0, n, chunk, nodes);
  const std::unique_ptr<A[]> values(new A[nodes.size()]);  // not std::vector: A may be bool
  const auto count = static_cast<std::int64_t>(nodes.size());
  // Each thread reads its own consecutive subtrees, then helps the others; each value has
  // its slot, combined in tree order below, so the result never depends on who computed what.
  cpu::parallel_pieces(count, threads,
                       [&](std::int64_t i) { values[i] = reduce_tree<R, T>(src, nodes[i][0], nodes[i][1]); });
  std::size_t next = 0;
  return combine_subtrees<R>(n, chunk, values.get(), next);
}

// ---- the columns path: a tile of outputs, same tree per output -------------------------

/// rk[j] = combine(rk[j], load(x[j])): the hot loop of column reductions, cloned for
/// AVX-512/AVX2 (the library's baseline is SSE2); every clone gives the same bits.
template <class R, class A, class T>
TANDEM_ISA_CLONES void accumulate_row(A* __restrict rk, const T* __restrict x, std::int64_t w) {
  for (std::int64_t j = 0; j < w; ++j) rk[j] = R::combine(rk[j], R::load(x[j]));
}

template <class R, class T>
struct ColumnTile {
  using A = typename R::acc_type;
  const char* base;         // input element (row 0, column 0 of the tile)
  std::int64_t row_stride;  // in elements
  std::int64_t width;       // columns in this tile
  A* acc;                   // scratch: 8 * width accumulators
  A* levels;                // scratch: width per tree level (64 levels)

  const T* row(std::int64_t i) const { return reinterpret_cast<const T*>(base) + i * row_stride; }

  void leaf(std::int64_t lo, std::int64_t n, A* res) const {
    const std::int64_t w = width;
    if (n < 8) {
      const T* x = row(lo);
      for (std::int64_t j = 0; j < w; ++j) res[j] = R::load(x[j]);
      for (std::int64_t i = 1; i < n; ++i) {
        x = row(lo + i);
        for (std::int64_t j = 0; j < w; ++j) res[j] = R::combine(res[j], R::load(x[j]));
      }
      return;
    }
    for (int k = 0; k < 8; ++k) {
      const T* x = row(lo + k);
      A* rk = acc + k * w;
      for (std::int64_t j = 0; j < w; ++j) rk[j] = R::load(x[j]);
    }
    std::int64_t i = 8;
    for (; i + 8 <= n; i += 8) {
      for (int k = 0; k < 8; ++k) {
        const T* x = row(lo + i + k);
        A* rk = acc + k * w;
        accumulate_row<R>(rk, x, w);
      }
    }
    const A* r0 = acc;
    for (std::int64_t j = 0; j < w; ++j) {
      res[j] =
          R::combine(R::combine(R::combine(r0[j], r0[w + j]), R::combine(r0[2 * w + j], r0[3 * w + j])),
                     R::combine(R::combine(r0[4 * w + j], r0[5 * w + j]), R::combine(r0[6 * w + j], r0[7 * w + j])));
    }
    for (; i < n; ++i) {
      const T* x = row(lo + i);
      for (std::int64_t j = 0; j < w; ++j) res[j] = R::combine(res[j], R::load(x[j]));
    }
  }

  void tree(std::int64_t lo, std::int64_t n, A* res, int depth = 0) const {
    if (n <= kLeaf) {
      leaf(lo, n, res);
      return;
    }
    const std::int64_t h = reduce_split_point(n);
    A* right = levels + depth * width;
    tree(lo, h, res, depth + 1);
    tree(lo + h, n - h, right, depth + 1);
    for (std::int64_t j = 0; j < width; ++j) res[j] = R::combine(res[j], right[j]);
  }
};

template <class R, class T>
void reduce_columns(const Layout& l) {
  using A = typename R::acc_type;
  using Out = typename R::out_type;
  const Axis inner = l.kept.back();
  const std::vector<Axis> outer(l.kept.begin(), l.kept.end() - 1);
  const std::int64_t outer_size = l.kept_size / inner.extent;
  const std::int64_t rows = l.reduced_size;
  const std::int64_t row_stride = l.reduced[0].in_stride;
  const int threads = l.kept_size * rows < tuning::kParallelMinElements ? 1 : num_threads();
  // Enough tiles for every thread, each as wide as possible (narrower tiles, more of them
  // to balance a busy core, would cost the long row streams kMaxTile explains).
  const std::int64_t per_row = std::max<std::int64_t>(1, (threads + outer_size - 1) / outer_size);
  const std::int64_t tile = std::min(kMaxTile, std::max<std::int64_t>(8, (inner.extent + per_row - 1) / per_row));
  const std::int64_t tiles = (inner.extent + tile - 1) / tile;
  const std::int64_t tasks = outer_size * tiles;
  constexpr int kMaxDepth = 64;  // tree levels: the extent halves at each

  auto run_task = [&](std::int64_t in_off, std::int64_t out_off, std::int64_t t) {
    const std::int64_t j0 = t * tile;
    const std::int64_t width = std::min(tile, inner.extent - j0);
    const std::unique_ptr<A[]> scratch(new A[static_cast<std::size_t>((8 + kMaxDepth + 1) * width)]);
    const ColumnTile<R, T> ct{l.base + (in_off + j0 * inner.in_stride) * static_cast<std::int64_t>(sizeof(T)),
                              row_stride, width, scratch.get(), scratch.get() + 8 * width};
    A* res = scratch.get() + (8 + kMaxDepth) * width;
    ct.tree(0, rows, res);
    Out* o = reinterpret_cast<Out*>(l.out) + out_off + j0 * inner.out_stride;
    for (std::int64_t j = 0; j < ct.width; ++j) o[j * inner.out_stride] = R::store(res[j]);
  };
  cpu::parallel_tasks(tasks, threads, [&](std::int64_t t) {
    for_each_output(outer, t / tiles, t / tiles + 1,
                    [&](std::int64_t in_off, std::int64_t out_off) { run_task(in_off, out_off, t % tiles); });
  });
}

/// Calls one(in_offset, out_offset, inner_threads) for every output: many outputs are split
/// over the threads (each reduced on one thread), few are taken one at a time with all
/// threads inside each.
template <class One>
void for_outputs(const Layout& l, int threads, One&& one) {
  if (threads > 1 && l.kept_size >= 2 * threads) {
    // kOutputPiecesPerThread pieces per thread, taken by whichever thread is free: a thread
    // slowed by another process takes fewer. Each output is one thread's, so the pieces
    // cannot change a value.
    const std::int64_t k = l.kept_size;
    const std::int64_t pieces = std::min<std::int64_t>(k, std::int64_t{threads} * kOutputPiecesPerThread);
    cpu::parallel_tasks(pieces, threads, [&](std::int64_t t) {
      for_each_output(l.kept, k * t / pieces, k * (t + 1) / pieces,
                      [&](std::int64_t i, std::int64_t o) { one(i, o, 1); });
    });
  } else {
    for_each_output(l.kept, 0, l.kept_size, [&](std::int64_t i, std::int64_t o) { one(i, o, threads); });
  }
}

// ---- rows and gather paths: one output at a time -------------------------------------

template <class R, class T, class MakeSrc>
void reduce_each_output(const Layout& l, MakeSrc&& make_src) {
  using Out = typename R::out_type;
  const std::int64_t n = l.reduced_size;
  const int threads = l.kept_size * n < tuning::kParallelMinElements ? 1 : num_threads();
  auto one = [&](std::int64_t in_off, std::int64_t out_off, int inner_threads) {
    const T* p = reinterpret_cast<const T*>(l.base) + in_off;
    reinterpret_cast<Out*>(l.out)[out_off] = R::store(tree_parallel<R, T>(make_src(p), n, inner_threads));
  };
  for_outputs(l, threads, one);
}

template <ReduceOp OP, class Stored>
void reduce_typed(const StridedView& in, const StridedView& out) {
  using R = CpuReducer<OP, Stored>;
  using T = ReadAs<Stored>;
  const Layout l = canonical<T>(in, out, /*memory_order=*/true);
  if (l.reduced.size() == 1) {
    const std::int64_t s = l.reduced[0].in_stride;
    if (s == 1) {
      // The leaves prefetch ahead as the process chose (prefetch_tuner.hpp).
      const std::int64_t bytes = l.kept_size * l.reduced_size * static_cast<std::int64_t>(sizeof(T));
      cpu::run_with_prefetch_choice(
          cpu::prefetch_tuner(cpu::PrefetchUse::reduce), cpu::beyond_cache(bytes), true,
          [&] {
            return "reduce/" + std::to_string(static_cast<int>(OP)) + "/" + std::to_string(sizeof(T)) + "/" +
                   std::to_string(l.kept_size) + "x" + std::to_string(l.reduced_size);
          },
          [&](bool prefetch) {
            reduce_each_output<R, T>(l, [prefetch](const T* p) { return Contiguous<T>{p, prefetch}; });
          });
    } else if (!l.kept.empty() && l.kept.back().in_stride == 1 && l.kept.back().extent >= 8) {
      reduce_columns<R, T>(l);
    } else {
      reduce_each_output<R, T>(l, [s](const T* p) { return Strided<T>{p, s}; });
    }
  } else {
    const std::vector<Axis>* axes = &l.reduced;
    reduce_each_output<R, T>(l, [axes](const T* p) { return Gather<T>{p, axes}; });
  }
}

// ---- argmin / argmax: logical order, first best wins ----------------------------------

template <ReduceOp OP, class T>
struct ArgBest {
  T value;
  std::int64_t index;
};

/// An element as argmin/argmax compare it. bool is read as bytes (ReadAs; unsigned char is
/// no other dtype's type): any non-zero byte is true, i.e. 1.
template <class T>
T arg_value(T x) {
  if constexpr (std::is_same_v<T, unsigned char>) {
    return x != 0 ? 1 : 0;
  } else {
    return x;
  }
}

template <ReduceOp OP, class T>
ArgBest<OP, T> arg_range(const Gather<T>& src, std::int64_t lo, std::int64_t n) {
  T scratch[kLeaf];
  ArgBest<OP, T> best{arg_value(src.block(lo, 1, scratch)[0]), lo};
  for (std::int64_t b = lo; b < lo + n; b += kLeaf) {
    const std::int64_t m = std::min(kLeaf, lo + n - b);
    const T* x = src.block(b, m, scratch);
    for (std::int64_t i = 0; i < m; ++i) {
      const T v = arg_value(x[i]);
      if (kernels::arg_better<OP>(v, best.value)) best = {v, b + i};
    }
  }
  return best;
}

template <ReduceOp OP, class T>
void arg_typed(const StridedView& in, const StridedView& out) {
  const Layout l = canonical<T>(in, out, /*memory_order=*/false);
  const std::int64_t n = l.reduced_size;
  const int threads = l.kept_size * n < tuning::kParallelMinElements ? 1 : num_threads();
  auto one = [&](std::int64_t in_off, std::int64_t out_off, int inner_threads) {
    const Gather<T> src{reinterpret_cast<const T*>(l.base) + in_off, &l.reduced};
    ArgBest<OP, T> best{};
    if (inner_threads <= 1 || n < 2 * tuning::kReduceChunk) {
      best = arg_range<OP>(src, 0, n);
    } else {
      const std::int64_t chunk = tuning::kReduceChunk;
      const std::int64_t pieces = (n + chunk - 1) / chunk;
      std::vector<ArgBest<OP, T>> part(static_cast<std::size_t>(pieces));
      cpu::parallel_tasks(pieces, inner_threads, [&](std::int64_t c) {
        part[c] = arg_range<OP>(src, c * chunk, std::min(chunk, n - c * chunk));
      });
      best = part[0];
      for (std::int64_t c = 1; c < pieces; ++c) {
        if (kernels::arg_better<OP>(part[c].value, best.value)) best = part[c];
      }
    }
    reinterpret_cast<std::int64_t*>(l.out)[out_off] = best.index;
  };
  for_outputs(l, threads, one);
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const StridedView& in, const StridedView& out) {
  check_reduce_operands(op, in, out);
  visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case ReduceOp::sum:
        return reduce_typed<ReduceOp::sum, T>(in, out);
      case ReduceOp::prod:
        return reduce_typed<ReduceOp::prod, T>(in, out);
      case ReduceOp::min:
        return reduce_typed<ReduceOp::min, T>(in, out);
      case ReduceOp::max:
        return reduce_typed<ReduceOp::max, T>(in, out);
      case ReduceOp::all:
        return reduce_typed<ReduceOp::all, T>(in, out);
      case ReduceOp::any:
        return reduce_typed<ReduceOp::any, T>(in, out);
      case ReduceOp::count_nonzero:
        return reduce_typed<ReduceOp::count_nonzero, T>(in, out);
      case ReduceOp::nansum:
        return reduce_typed<ReduceOp::nansum, T>(in, out);
      case ReduceOp::nanprod:
        return reduce_typed<ReduceOp::nanprod, T>(in, out);
      case ReduceOp::nanmin:
        return reduce_typed<ReduceOp::nanmin, T>(in, out);
      case ReduceOp::nanmax:
        return reduce_typed<ReduceOp::nanmax, T>(in, out);
      case ReduceOp::argmin:
        return arg_typed<ReduceOp::argmin, ReadAs<T>>(in, out);
      case ReduceOp::argmax:
        return arg_typed<ReduceOp::argmax, ReadAs<T>>(in, out);
    }
  });
}

}  // namespace tandem
