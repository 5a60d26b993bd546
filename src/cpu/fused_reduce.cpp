// Fused reductions: a program's values are evaluated piece by piece (cpu::FusedRanges) into
// per-thread memory and reduced there along the fixed tree of cpu/reduce_tree.hpp.
//
// The bits are those of reducing the stored result (CpuBackend::reduce over a C-contiguous
// array, the "rows" path): every output's elements are consecutive, and each is reduced by
// the same tree, cut into subtrees (of at most `piece` elements: where the tree is cut does
// not change a bit) and combined in the same order. Each piece is evaluated from the multiple of 16 below its
// first element to the one above its last (or the end), so vectors of the element-wise
// kernels cover the elements they cover when the whole result is evaluated; the few
// elements evaluated twice at piece boundaries get the same bits both times.
//
// A program of one add, subtract or multiply of two float arrays in C order (`sum(a * b)`)
// is not evaluated into memory at all: its source (ZipSource) computes each element as the
// tree's leaves read it, from a and b read in place and prefetched as a plain sum reads its
// array, with the eager kernels' per-lane operation, so the bits are the same (a float sum
// or product that comes out NaN is computed again from pieces: which NaN it is depends on
// the machine code, see reduce_rows).

#include "cpu/fused_reduce.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/counters.hpp"
#include "cpu/clones.hpp"
#include "cpu/fused.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/prefetch_tuner.hpp"
#include "cpu/reduce_tree.hpp"
#include "cpu/simd.hpp"
#include "dispatch/tuning.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/threads.hpp"

namespace tandem::cpu {

namespace {

constexpr std::int64_t kAlign = 16;  // FusedRanges::run's bounds

// This thread's memory for one piece, kept between calls (one buffer for every dtype).
char* thread_memory(std::size_t bytes) {
  thread_local std::vector<std::uint64_t> memory;
  if (memory.size() * sizeof(std::uint64_t) < bytes) memory.resize((bytes + 7) / 8);
  return reinterpret_cast<char*>(memory.data());
}

// One piece of the result, evaluated into this thread's memory: elements [lo, hi) of the
// flat result, with hi - lo <= piece.
template <class T>
class PieceReader {
 public:
  PieceReader(const FusedRanges& ranges, std::int64_t piece) : ranges_(ranges), piece_(piece) {}

  const T* read(std::int64_t lo, std::int64_t hi) const {
    const std::size_t scratch = ranges_.scratch_bytes();
    char* s = thread_memory(scratch + static_cast<std::size_t>(piece_ + 2 * kAlign) * sizeof(T));
    const std::int64_t b = lo - lo % kAlign;
    const std::int64_t e = std::min(ranges_.size(), (hi + kAlign - 1) / kAlign * kAlign);
    T* values = reinterpret_cast<T*>(s + scratch);  // scratch is a multiple of 8 bytes
    ranges_.run(b, e, values, s);
    return values + (lo - b);
  }

 private:
  const FusedRanges& ranges_;
  const std::int64_t piece_;
};

// Element i of op(a[i], b[i]) for two float arrays read in place, by cpu::simd's functor
// (simd.hpp: the eager kernels' value in every lane; a float add or multiply of two NaNs
// gives the first one, quieted). Always inlined into reduce_in_place's clones, as
// Contiguous is.
// kNanRule false: the plain operation, for the reductions in which a NaN element's sign and
// payload cannot show (sum and prod compute a NaN row again from pieces; nansum and nanprod
// skip NaNs): one multiply instead of the rule's two and a blend (sum(a * b) on an AVX2 Zen 1,
// one thread: 51.3 -> see docs/performance.md).
template <BinaryOp OP, class T, bool kNanRule = true>
struct ZipSource {
  const T* a;
  const T* b;
  bool prefetching = true;  // the process's choice (prefetch_tuner.hpp)
  __attribute__((always_inline)) T at(std::int64_t i) const {
    if constexpr (kNanRule)
      return typename simd::binary_functor<OP>::type{}(a[i], b[i]);
    else
      return typename kernels::binary_functor<OP>::type{}(a[i], b[i]);
  }
  __attribute__((always_inline)) ZipSource shifted(std::int64_t lo) const { return {a + lo, b + lo, prefetching}; }
  __attribute__((always_inline)) void prefetch(std::int64_t lo, std::int64_t n) const {
    if (!prefetching) return;
    prefetch_ahead(a + lo, n);
    prefetch_ahead(b + lo, n);
  }
  // Eight elements as one vector (reduce_tree.hpp's leaf_pair_vectors): the plain
  // operation only, which is the same lane by lane.
  template <class A>
  static constexpr bool kVector8 = !kNanRule && std::is_same_v<A, T>;
  template <class V>
  __attribute__((always_inline)) void vector8(std::int64_t i, V& v) const {
    V y;
    std::memcpy(&v, a + i, sizeof v);
    std::memcpy(&y, b + i, sizeof y);
    if constexpr (OP == BinaryOp::add)
      v = v + y;
    else if constexpr (OP == BinaryOp::subtract)
      v = v - y;
    else
      v = v * y;
  }
};

// The operands of a program that ZipSource computes: one add, subtract or multiply whose
// operands are two inputs of the result's dtype, float32 or float64, each C-contiguous
// (not broadcast, not reversed).
struct ZipOperands {
  BinaryOp op = BinaryOp::add;
  const void* a = nullptr;
  const void* b = nullptr;
};

std::optional<ZipOperands> zip_operands(const kernels::FusedCall& call) {
  const kernels::FusedProgram& prog = *call.program;
  if (prog.code.size() != 1) return std::nullopt;
  const kernels::FusedInstr& instr = prog.code[0];
  const auto op = static_cast<BinaryOp>(instr.key.code);
  if (instr.key.family != OpFamily::binary || instr.arity != 2 ||
      (op != BinaryOp::add && op != BinaryOp::subtract && op != BinaryOp::multiply))
    return std::nullopt;
  if ((instr.result != DType::float32 && instr.result != DType::float64) || instr.key.dtype != instr.result)
    return std::nullopt;
  const void* operand[2] = {};
  for (int k = 0; k < 2; ++k) {
    const kernels::FusedArg& arg = instr.args[k];
    if (arg.kind != kernels::FusedArg::Kind::input) return std::nullopt;
    const StridedView& v = call.inputs[static_cast<std::size_t>(arg.index)];
    const NdLoop<1> loop = make_loop<1>({&v});
    if (v.dtype != instr.result || loop.ndim != 1 ||
        loop.inner_stride(0) != static_cast<std::int64_t>(itemsize(v.dtype)))
      return std::nullopt;
    operand[k] = loop.base[0];
  }
  return ZipOperands{op, operand[0], operand[1]};
}

// Whether the NaN an element comes out as can reach the result: min and max return the first
// NaN they meet, nanmin and nanmax a row's NaN when it has nothing else, so their ZipSource
// computes each element with the eager kernels' NaN rule.
constexpr bool shows_nan(ReduceOp op) {
  return op == ReduceOp::min || op == ReduceOp::max || op == ReduceOp::nanmin || op == ReduceOp::nanmax;
}

// The reductions with a ZipSource form: those of a float program that sums, multiplies or
// compares values (all, any and count_nonzero, rare on a product, take the pieces).
constexpr bool has_zip_form(ReduceOp op) {
  return op == ReduceOp::sum || op == ReduceOp::prod || op == ReduceOp::min || op == ReduceOp::max ||
         op == ReduceOp::nansum || op == ReduceOp::nanprod || op == ReduceOp::nanmin || op == ReduceOp::nanmax;
}

// No ZipSource: reduce_rows evaluates pieces.
struct NoZip {};

// Rows: output r reduces elements [r m, (r + 1) m). With a ZipSource, each tree reads its
// elements from zip; else (and to redo a NaN, below) from pieces evaluated into memory.
template <ReduceOp OP, class Stored, class Zip>
void reduce_rows(const FusedRanges& ranges, const Zip& zip, std::int64_t rows, void* out, std::int64_t piece) {
  using R = CpuReducer<OP, Stored>;
  using T = ReadAs<Stored>;
  using A = typename R::acc_type;
  using Out = typename R::out_type;
  constexpr bool kZip = !std::is_same_v<Zip, NoZip>;
  // A float sum or product where two NaNs meet is the NaN of whichever operand the machine
  // code puts first, and the eager tree's code is not zip's: a NaN value of zip's is computed
  // again from pieces, which run the eager tree's code (non-NaN values are the same bits
  // either way: the same IEEE operations in the same order, and no NaN among them).
  constexpr bool kRedoNan = kZip && (OP == ReduceOp::sum || OP == ReduceOp::prod);
  const std::int64_t n = ranges.size();
  const std::int64_t m = n / rows;
  const PieceReader<T> reader(ranges, piece);
  Out* o = static_cast<Out*>(out);
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  if (m <= piece) {
    // Short rows: as many whole rows per piece as fit, each row one tree.
    const std::int64_t per = std::max<std::int64_t>(1, piece / m);
    const std::int64_t pieces = (rows + per - 1) / per;
    parallel_pieces(pieces, threads, [&](std::int64_t p) {
      const std::int64_t r0 = p * per;
      const std::int64_t r1 = std::min(rows, r0 + per);
      if constexpr (kZip) {
        bool nan = false;
        for (std::int64_t r = r0; r < r1; ++r) {
          const A v = reduce_in_place<R>(zip.shifted(r * m), m);
          if constexpr (kRedoNan) nan = nan || v != v;
          o[r] = R::store(v);
        }
        if (!nan) return;
      }
      const T* x = reader.read(r0 * m, r1 * m);
      if (m < 8) {  // leaf_values' short form, inline (sum(d * d, axis=-1) of 3-vectors)
        for (std::int64_t r = r0; r < r1; ++r, x += m) {
          A a = R::load(x[0]);
          for (std::int64_t i = 1; i < m; ++i) a = R::combine(a, R::load(x[i]));
          o[r] = R::store(a);
        }
        return;
      }
      for (std::int64_t r = r0; r < r1; ++r)
        o[r] = R::store(reduce_tree<R, T>(Contiguous<T>{x + (r - r0) * m, false}, 0, m));
    });
    return;
  }
  // Long rows: each row's subtrees of at most `piece` elements, combined along the tree.
  std::vector<std::array<std::int64_t, 2>> nodes;
  collect_subtrees(0, m, piece, nodes);
  const auto count = static_cast<std::int64_t>(nodes.size());
  const std::unique_ptr<A[]> values(new A[static_cast<std::size_t>(rows * count)]);  // not a vector: A may be bool
  // A subtree evaluated and reduced in steps of its own subtrees of at most
  // tuning::kFusedReduceStep elements, so that each step's values are read back from L1.
  auto steps = [&](auto&& self, std::int64_t lo, std::int64_t len) -> A {
    if (len <= tuning::kFusedReduceStep)
      return reduce_tree<R, T>(Contiguous<T>{reader.read(lo, lo + len), false}, 0, len);
    const std::int64_t h = reduce_split_point(len);
    const A left = self(self, lo, h);
    return R::combine(left, self(self, lo + h, len - h));
  };
  parallel_pieces(rows * count, threads, [&](std::int64_t t) {
    const std::array<std::int64_t, 2>& node = nodes[static_cast<std::size_t>(t % count)];
    const std::int64_t lo = t / count * m + node[0];
    if constexpr (kZip) {
      const A v = reduce_in_place<R>(zip.shifted(lo), node[1]);
      if (!kRedoNan || v == v) {
        values[t] = v;
        return;
      }
    }
    values[t] = steps(steps, lo, node[1]);
  });
  for (std::int64_t r = 0; r < rows; ++r) {
    std::size_t next = 0;
    o[r] = R::store(combine_subtrees<R>(m, piece, values.get() + r * count, next));
  }
}

// reduce_rows, by a ZipSource where the program has one.
template <ReduceOp OP, class Stored>
void reduce_rows_by_best_source(const FusedRanges& ranges, const std::optional<ZipOperands>& zip, std::int64_t rows,
                                void* out, std::int64_t piece) {
  if constexpr (std::is_floating_point_v<Stored> && has_zip_form(OP)) {
    if (zip && (zip->op == BinaryOp::add || zip->op == BinaryOp::subtract || zip->op == BinaryOp::multiply)) {
      const auto* a = static_cast<const Stored*>(zip->a);
      const auto* b = static_cast<const Stored*>(zip->b);
      const std::int64_t bytes = 2 * ranges.size() * static_cast<std::int64_t>(sizeof(Stored));
      run_with_prefetch_choice(
          prefetch_tuner(PrefetchUse::reduce), beyond_cache(bytes), true,
          [&] {
            return "zip/" + std::to_string(static_cast<int>(zip->op)) + "/" + std::to_string(static_cast<int>(OP)) +
                   "/" + std::to_string(sizeof(Stored)) + "/" + std::to_string(rows) + "x" +
                   std::to_string(ranges.size() / std::max<std::int64_t>(rows, 1));
          },
          [&](bool prefetch) {
            constexpr bool kRule = shows_nan(OP);
            switch (zip->op) {
              case BinaryOp::add:
                return reduce_rows<OP, Stored>(ranges, ZipSource<BinaryOp::add, Stored, kRule>{a, b, prefetch}, rows,
                                               out, piece);
              case BinaryOp::subtract:
                return reduce_rows<OP, Stored>(ranges, ZipSource<BinaryOp::subtract, Stored, kRule>{a, b, prefetch},
                                               rows, out, piece);
              default:
                return reduce_rows<OP, Stored>(ranges, ZipSource<BinaryOp::multiply, Stored, kRule>{a, b, prefetch},
                                               rows, out, piece);
            }
          });
      return;
    }
  }
  reduce_rows<OP, Stored>(ranges, NoZip{}, rows, out, piece);
}

// Middle: output (o, k) reduces elements k, k + inner, ... of the o-th slab of m * inner
// consecutive ones, by the tree of m elements. Whole slabs, as many as fit a piece, are
// evaluated at a time; a longer slab in subtrees of rows, combined along the tree.
template <ReduceOp OP, class Stored>
void reduce_middle(const FusedRanges& ranges, std::int64_t outputs, std::int64_t inner, void* out, std::int64_t piece) {
  using R = CpuReducer<OP, Stored>;
  using T = ReadAs<Stored>;
  using A = typename R::acc_type;
  using Out = typename R::out_type;
  const std::int64_t n = ranges.size();
  const std::int64_t slabs = outputs / inner;
  const std::int64_t slab = n / slabs;
  const std::int64_t m = slab / inner;
  const std::int64_t chunk_rows = std::max(kReduceLeaf, piece / inner);
  const PieceReader<T> reader(ranges, std::max(piece, chunk_rows * inner));
  Out* o = static_cast<Out*>(out);
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  if (slab <= piece) {
    const std::int64_t per = std::max<std::int64_t>(1, piece / slab);
    parallel_tasks((slabs + per - 1) / per, threads, [&](std::int64_t p) {
      const std::int64_t s0 = p * per;
      const std::int64_t s1 = std::min(slabs, s0 + per);
      const T* x = reader.read(s0 * slab, s1 * slab);
      for (std::int64_t s = s0; s < s1; ++s)
        for (std::int64_t k = 0; k < inner; ++k)
          o[s * inner + k] = R::store(reduce_tree<R, T>(Strided<T>{x + (s - s0) * slab + k, inner}, 0, m));
    });
    return;
  }
  std::vector<std::array<std::int64_t, 2>> nodes;
  collect_subtrees(0, m, chunk_rows, nodes);
  const auto count = static_cast<std::int64_t>(nodes.size());
  const std::unique_ptr<A[]> values(new A[static_cast<std::size_t>(outputs * count)]);  // not a vector: A may be bool
  parallel_tasks(slabs * count, threads, [&](std::int64_t t) {
    const std::array<std::int64_t, 2>& node = nodes[static_cast<std::size_t>(t % count)];
    const std::int64_t s = t / count;
    const std::int64_t lo = s * slab + node[0] * inner;
    const T* x = reader.read(lo, lo + node[1] * inner);
    for (std::int64_t k = 0; k < inner; ++k)
      values[(s * inner + k) * count + t % count] = reduce_tree<R, T>(Strided<T>{x + k, inner}, 0, node[1]);
  });
  for (std::int64_t j = 0; j < outputs; ++j) {
    std::size_t next = 0;
    o[j] = R::store(combine_subtrees<R>(m, chunk_rows, values.get() + j * count, next));
  }
}

// rk[j] = combine(rk[j], load(x[j])) over a row of a column tile, cloned for AVX-512/AVX2 as
// CpuBackend::reduce's columns path is; every clone gives the same bits.
template <class R, class A, class T>
TANDEM_ISA_CLONES void accumulate_row(A* __restrict rk, const T* __restrict x, std::int64_t w) {
  for (std::int64_t j = 0; j < w; ++j) rk[j] = R::combine(rk[j], R::load(x[j]));
}

// Columns: output j reduces elements j, j + cols, j + 2 cols, ... (a C-contiguous result of
// shape (rows, cols) reduced over its first axis). Each column has the tree of its rows, as
// in CpuBackend::reduce's columns and strided paths; here a tile of up to `width` columns
// runs it together, as the columns path does: a leaf's 8 accumulators per column are 8 rows
// of the tile's width, vectorised over the columns, and each row is evaluated just before it
// is accumulated (long streams through memory), or, for narrow results, a leaf's whole rows
// are evaluated as one range. Tiles and subtrees of rows are spread over the threads and
// combined in tree order.
template <ReduceOp OP, class Stored>
void reduce_columns(const FusedRanges& ranges, std::int64_t cols, void* out, std::int64_t piece) {
  using R = CpuReducer<OP, Stored>;
  using T = ReadAs<Stored>;
  using A = typename R::acc_type;
  using Out = typename R::out_type;
  const std::int64_t n = ranges.size();
  const std::int64_t rows = n / cols;
  const bool leaf_blocks = cols * kReduceLeaf <= piece;
  // Tiles as wide as 2^13 columns with the default pieces (CpuBackend::reduce's kMaxTile:
  // whole rows of long streams), narrower for the small pieces of the tests.
  const std::int64_t width = leaf_blocks ? cols : std::min(cols, std::max(kAlign, piece / 4));
  const std::int64_t tiles = (cols + width - 1) / width;
  const std::int64_t buffer_elements = (leaf_blocks ? kReduceLeaf * cols : width) + 2 * kAlign;
  // Subtrees of rows: at least a leaf, and about `piece` elements each.
  const std::int64_t chunk_rows = std::max(kReduceLeaf, piece / width);
  // Levels of partial results below a subtree's root: a node of m rows has children of at
  // most m / 2 + 8.
  int depth = 1;
  for (std::int64_t m = chunk_rows; m > kReduceLeaf; m = m / 2 + 8) ++depth;
  std::vector<std::array<std::int64_t, 2>> nodes;
  collect_subtrees(0, rows, chunk_rows, nodes);
  const auto count = static_cast<std::int64_t>(nodes.size());
  const std::unique_ptr<A[]> values(new A[static_cast<std::size_t>(tiles * count * width)]);
  const int threads = n < tuning::kParallelMinElements ? 1 : num_threads();
  parallel_tasks(tiles * count, threads, [&](std::int64_t t) {
    const std::int64_t j0 = t / count * width;
    const std::int64_t w = std::min(width, cols - j0);
    const std::size_t scratch = ranges.scratch_bytes();
    char* memory = thread_memory(scratch + static_cast<std::size_t>(buffer_elements) * sizeof(T));
    T* buffer = reinterpret_cast<T*>(memory + scratch) + kAlign;
    // Elements [begin, end) of the result to `at`, evaluated from the multiple of 16 below.
    auto place = [&](std::int64_t begin, std::int64_t end, T* at) {
      const std::int64_t b = begin - begin % kAlign;
      ranges.run(b, std::min(n, (end + kAlign - 1) / kAlign * kAlign), at - (begin - b), memory);
    };
    const T* block = nullptr;  // leaf_blocks: the current leaf's rows
    std::int64_t block_lo = 0;
    auto row = [&](std::int64_t i) -> const T* {
      if (leaf_blocks) return block + (i - block_lo) * cols;
      place(i * cols + j0, i * cols + j0 + w, buffer);
      return buffer;
    };
    const std::unique_ptr<A[]> levels(new A[static_cast<std::size_t>((depth + 8) * w)]);  // and 8 accumulator rows
    // leaf_values for each column, with its 8 accumulators as 8 rows of w: the same
    // operations in the same order per column.
    auto leaf = [&](std::int64_t lo, std::int64_t m, A* res) {
      if (leaf_blocks) {
        place(lo * cols, (lo + m) * cols, buffer);
        block = buffer;
        block_lo = lo;
      }
      if (m < 8) {
        const T* x = row(lo);
        for (std::int64_t j = 0; j < w; ++j) res[j] = R::load(x[j]);
        for (std::int64_t i = 1; i < m; ++i) accumulate_row<R>(res, row(lo + i), w);
        return;
      }
      A* acc = levels.get() + depth * w;
      for (int k = 0; k < 8; ++k) {
        const T* x = row(lo + k);
        for (std::int64_t j = 0; j < w; ++j) acc[k * w + j] = R::load(x[j]);
      }
      std::int64_t i = 8;
      for (; i + 8 <= m; i += 8)
        for (int k = 0; k < 8; ++k) accumulate_row<R>(acc + k * w, row(lo + i + k), w);
      const A* r = acc;
      for (std::int64_t j = 0; j < w; ++j)
        res[j] = R::combine(R::combine(R::combine(r[j], r[w + j]), R::combine(r[2 * w + j], r[3 * w + j])),
                            R::combine(R::combine(r[4 * w + j], r[5 * w + j]), R::combine(r[6 * w + j], r[7 * w + j])));
      for (; i < m; ++i) accumulate_row<R>(res, row(lo + i), w);
    };
    // reduce_tree's recursion over rows, for the w columns at once.
    auto tree = [&](auto&& self, std::int64_t lo, std::int64_t m, A* res, int level) -> void {
      if (m <= kReduceLeaf) return leaf(lo, m, res);
      const std::int64_t h = reduce_split_point(m);
      A* right = levels.get() + level * w;
      self(self, lo, h, res, level + 1);
      self(self, lo + h, m - h, right, level + 1);
      for (std::int64_t j = 0; j < w; ++j) res[j] = R::combine(res[j], right[j]);
    };
    const std::array<std::int64_t, 2>& node = nodes[static_cast<std::size_t>(t % count)];
    tree(tree, node[0], node[1], values.get() + t * width, 0);
  });
  Out* o = static_cast<Out*>(out);
  const std::unique_ptr<A[]> column(new A[static_cast<std::size_t>(count)]);  // not a vector: A may be bool
  for (std::int64_t j = 0; j < cols; ++j) {
    const std::int64_t tile = j / width;
    for (std::int64_t k = 0; k < count; ++k) column[k] = values[(tile * count + k) * width + j % width];
    std::size_t next = 0;
    o[j] = R::store(combine_subtrees<R>(rows, chunk_rows, column.get(), next));
  }
}

template <ReduceOp OP, class Stored>
void reduce_layout(const FusedRanges& ranges, const std::optional<ZipOperands>& zip, FusedReduceLayout layout,
                   std::int64_t outputs, void* out, std::int64_t piece, std::int64_t inner) {
  switch (layout) {
    case FusedReduceLayout::rows:
      return reduce_rows_by_best_source<OP, Stored>(ranges, zip, outputs, out, piece);
    case FusedReduceLayout::columns:
      return reduce_columns<OP, Stored>(ranges, outputs, out, piece);
    case FusedReduceLayout::middle:
      return reduce_middle<OP, Stored>(ranges, outputs, inner, out, piece);
  }
}

template <class Stored>
void reduce_typed(ReduceOp op, const FusedRanges& ranges, const std::optional<ZipOperands>& zip,
                  FusedReduceLayout layout, std::int64_t outputs, void* out, std::int64_t piece, std::int64_t inner) {
  switch (op) {
    case ReduceOp::sum:
      return reduce_layout<ReduceOp::sum, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::prod:
      return reduce_layout<ReduceOp::prod, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::min:
      return reduce_layout<ReduceOp::min, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::max:
      return reduce_layout<ReduceOp::max, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::all:
      return reduce_layout<ReduceOp::all, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::any:
      return reduce_layout<ReduceOp::any, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::count_nonzero:
      return reduce_layout<ReduceOp::count_nonzero, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::nansum:
      return reduce_layout<ReduceOp::nansum, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::nanprod:
      return reduce_layout<ReduceOp::nanprod, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::nanmin:
      return reduce_layout<ReduceOp::nanmin, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::nanmax:
      return reduce_layout<ReduceOp::nanmax, Stored>(ranges, zip, layout, outputs, out, piece, inner);
    case ReduceOp::argmin:
    case ReduceOp::argmax:
      break;
  }
  TANDEM_THROW(ValueError, op_name(op), "has no fused form (it reads elements in logical order)");
}

}  // namespace

void reduce_fused(ReduceOp op, const kernels::FusedCall& call, FusedReduceLayout layout, std::int64_t outputs,
                  void* out, std::int64_t piece, std::int64_t inner) {
  TANDEM_CHECK(piece >= kReduceLeaf, ValueError, op_name(op), "fused pieces of ", piece, " elements, fewer than ",
               kReduceLeaf);
  TANDEM_CHECK(layout != FusedReduceLayout::middle || (inner >= 1 && outputs % inner == 0), ValueError, op_name(op),
               "fused middle reduction of ", outputs, " outputs in groups of ", inner);
  const FusedRanges ranges(call);
  const std::optional<ZipOperands> zip = layout == FusedReduceLayout::rows ? zip_operands(call) : std::nullopt;
  visit_dtype(call.program->result(),
              [&](auto tag) { reduce_typed<decltype(tag)>(op, ranges, zip, layout, outputs, out, piece, inner); });
  detail::counters().fused_evaluations.fetch_add(1, std::memory_order_relaxed);
  detail::counters().fused_instructions.fetch_add(call.program->code.size(), std::memory_order_relaxed);
}

}  // namespace tandem::cpu
