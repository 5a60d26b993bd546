// Inclusive scans (cumsum, cumprod) on the CPU.
//
// A line of at most kScanBlock elements is scanned serially, as NumPy does. A longer line
// is cut into blocks of kScanBlock: each block is scanned serially from its own first
// element and then offset by the combined totals of the blocks before it. The blocks run
// in parallel, and since their boundaries depend only on the line length, the rounding of
// a long float scan is the same for any thread count.

#include <algorithm>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/outer_iter.hpp"
#include "cpu/parallel.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/reduce.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/threads.hpp"

namespace tandem {

namespace {

template <class S, class T>
struct Line {
  using A = typename S::acc_type;
  using Out = typename S::out_type;
  const T* in;
  std::int64_t in_stride;
  Out* out;
  std::int64_t out_stride;

  /// Scans [lo, lo + n) from its first element; with `offset`, every output is combined
  /// with it first. Returns the block's own total.
  A scan(std::int64_t lo, std::int64_t n, const A* offset) const {
    A acc = S::load(in[lo * in_stride]);
    out[lo * out_stride] = S::store(offset ? S::combine(*offset, acc) : acc);
    for (std::int64_t i = lo + 1; i < lo + n; ++i) {
      acc = S::combine(acc, S::load(in[i * in_stride]));
      out[i * out_stride] = S::store(offset ? S::combine(*offset, acc) : acc);
    }
    return acc;
  }

  A total(std::int64_t lo, std::int64_t n) const {
    A acc = S::load(in[lo * in_stride]);
    for (std::int64_t i = lo + 1; i < lo + n; ++i) acc = S::combine(acc, S::load(in[i * in_stride]));
    return acc;
  }

  void run(std::int64_t length, int threads) const {
    const std::int64_t block = tuning::kScanBlock;
    if (length <= block) {
      scan(0, length, nullptr);
      return;
    }
    const std::int64_t blocks = (length + block - 1) / block;
    std::vector<A> totals(static_cast<std::size_t>(blocks));
    cpu::parallel_tasks(blocks - 1, threads, [&](std::int64_t b) { totals[b] = total(b * block, block); });
    // offsets[b] = totals[0] (+) ... (+) totals[b - 1], combined left to right.
    std::vector<A> offsets(static_cast<std::size_t>(blocks));
    for (std::int64_t b = 1; b < blocks; ++b)
      offsets[b] = b == 1 ? totals[0] : S::combine(offsets[b - 1], totals[b - 1]);
    cpu::parallel_tasks(blocks, threads, [&](std::int64_t b) {
      scan(b * block, std::min(block, length - b * block), b == 0 ? nullptr : &offsets[b]);
    });
  }
};

template <ScanOp OP, class T>
void scan_typed(const StridedView& in, int axis, const StridedView& out) {
  using S = kernels::Scanner<OP, T>;
  using Out = typename S::out_type;
  std::vector<cpu::Axis> lines;
  std::int64_t line_count = 1;
  for (int d = 0; d < in.shape.size(); ++d) {
    if (d == axis) continue;
    cpu::push_merged(lines, {in.shape[d], in.strides[d], out.strides[d]});
    line_count *= in.shape[d];
  }
  const std::int64_t length = in.shape[axis];
  if (line_count == 0 || length == 0) return;
  const int threads = line_count * length < tuning::kParallelMinElements ? 1 : num_threads();
  auto one = [&](std::int64_t in_off, std::int64_t out_off, int inner_threads) {
    const Line<S, T> line{static_cast<const T*>(in.data) + in_off, in.strides[axis],
                          static_cast<Out*>(out.data) + out_off, out.strides[axis]};
    line.run(length, inner_threads);
  };
  if (threads > 1 && line_count >= 2 * threads) {
    cpu::parallel_tasks(threads, threads, [&](std::int64_t t) {
      cpu::for_each_output(lines, line_count * t / threads, line_count * (t + 1) / threads,
                           [&](std::int64_t i, std::int64_t o) { one(i, o, 1); });
    });
  } else {
    cpu::for_each_output(lines, 0, line_count, [&](std::int64_t i, std::int64_t o) { one(i, o, threads); });
  }
}

}  // namespace

void CpuBackend::scan(ScanOp op, const StridedView& in, int axis, const StridedView& out) {
  check_scan_operands(op, in, axis, out);
  visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    if (op == ScanOp::cumsum) {
      scan_typed<ScanOp::cumsum, T>(in, axis, out);
    } else {
      scan_typed<ScanOp::cumprod, T>(in, axis, out);
    }
  });
}

}  // namespace tandem
