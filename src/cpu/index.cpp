// take / put along an axis, boolean-mask selection and assignment, and nonzero on the CPU.
// These move elements without looking at them, so they switch on the element size, not the
// dtype.

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "dispatch/tuning.hpp"
#include "tandem/core/threads.hpp"

namespace tandem {

namespace {

// Unsigned integer of the element size: the copy unit.
template <class F>
void visit_size(DType t, F&& f) {
  switch (itemsize(t)) {
    case 1:
      f(std::uint8_t{});
      return;
    case 4:
      f(std::uint32_t{});
      return;
    default:
      f(std::uint64_t{});
      return;
  }
}

// The axes before `axis` of two views, as an odometer over their offsets (in elements).
struct OuterAxes {
  int n = 0;
  std::int64_t count = 1;
  std::array<std::int64_t, kMaxDims> extent{};
  std::array<std::int64_t, kMaxDims> stride_a{};
  std::array<std::int64_t, kMaxDims> stride_b{};

  OuterAxes(const StridedView& a, const StridedView& b, int axis) {
    for (int d = 0; d < axis; ++d) {
      const auto k = static_cast<std::size_t>(n++);
      extent[k] = a.shape[d];
      stride_a[k] = a.strides[d];
      stride_b[k] = b.strides[d];
      count *= a.shape[d];
    }
  }
  void offsets(std::int64_t i, std::int64_t& oa, std::int64_t& ob) const {
    oa = ob = 0;
    for (int d = n - 1; d >= 0; --d) {
      const auto k = static_cast<std::size_t>(d);
      oa += (i % extent[k]) * stride_a[k];
      ob += (i % extent[k]) * stride_b[k];
      i /= extent[k];
    }
  }
};

// The axes after `axis` of a view, as its own view (one element when there are none).
StridedView trailing(const StridedView& v, int axis) {
  StridedView t;
  t.data = v.data;
  t.dtype = v.dtype;
  for (int d = axis + 1; d < v.shape.size(); ++d) {
    t.shape.push_back(v.shape[d]);
    t.strides.push_back(v.strides[d]);
  }
  return t;
}

// The shared loop of take and put: for every outer position and every index j, copies the
// trailing block between `indexed` at position indices[j] and `plain` at position j along
// `axis`. scatter = false: plain <- indexed (take); true: indexed <- plain (put).
template <class U>
void gather_scatter(const StridedView& indexed, const StridedView& indices, const StridedView& plain, int axis,
                    bool scatter) {
  const OuterAxes outer(indexed, plain, axis);
  const std::int64_t n = indexed.shape[axis];
  const std::int64_t m = plain.shape[axis];
  const std::int64_t step_x = indexed.strides[axis];
  const std::int64_t step_p = plain.strides[axis];
  const auto* idx = static_cast<const std::int64_t*>(indices.data);
  const std::int64_t istep = indices.strides[0];
  const StridedView tx = trailing(indexed, axis);
  const StridedView tp = trailing(plain, axis);
  const auto block = cpu::make_loop<2>({&tp, &tx});
  const std::int64_t sp = block.inner_stride(0) / static_cast<std::int64_t>(sizeof(U));
  const std::int64_t sx = block.inner_stride(1) / static_cast<std::int64_t>(sizeof(U));
  U* xbase = static_cast<U*>(indexed.data);
  U* pbase = static_cast<U*>(plain.data);

  if (!scatter && block.size == 1) {
    // Single elements (take along the last axis, or of a 1-d array): a flat gather over
    // (outer, j), split across threads however many outer positions there are.
    cpu::parallel_for(outer.count * m, [&](std::int64_t begin, std::int64_t end) {
      std::int64_t o = begin / m, j = begin % m;
      std::int64_t ox, op;
      outer.offsets(o, ox, op);
      for (std::int64_t f = begin; f < end; ++f) {
        if (j + tuning::kGatherPrefetchDistance < m) {  // random reads: start the miss early
          std::int64_t ahead = idx[(j + tuning::kGatherPrefetchDistance) * istep];
          if (ahead < 0) ahead += n;
          __builtin_prefetch(xbase + ox + ahead * step_x);
        }
        std::int64_t k = idx[j * istep];
        if (k < 0) k += n;
        pbase[op + j * step_p] = xbase[ox + k * step_x];
        if (++j == m && f + 1 < end) {
          j = 0;
          outer.offsets(++o, ox, op);
        }
      }
    });
    return;
  }
  auto one_outer = [&](std::int64_t o) {
    std::int64_t ox, op;
    outer.offsets(o, ox, op);
    auto loop = block;
    for (std::int64_t j = 0; j < m; ++j) {
      std::int64_t k = idx[j * istep];
      if (k < 0) k += n;
      loop.base[0] = reinterpret_cast<char*>(pbase + op + j * step_p);
      loop.base[1] = reinterpret_cast<char*>(xbase + ox + k * step_x);
      cpu::for_each_run(loop, 0, loop.size, [&](const std::array<char*, 2>& p, std::int64_t count) {
        U* a = reinterpret_cast<U*>(p[0]);
        U* b = reinterpret_cast<U*>(p[1]);
        if (scatter) {
          for (std::int64_t i = 0; i < count; ++i) b[i * sx] = a[i * sp];
        } else if (sp == 1 && sx == 1) {
          std::memcpy(a, b, static_cast<std::size_t>(count) * sizeof(U));
        } else {
          for (std::int64_t i = 0; i < count; ++i) a[i * sp] = b[i * sx];
        }
      });
    }
  };
  // Outer positions write disjoint memory, so they may run in parallel; within one, the
  // indices run in order (put: the last of repeated indices wins).
  const int threads = num_threads();
  if (outer.count > 1 && threads > 1 && outer.count * m * block.size >= tuning::kParallelMinElements) {
    cpu::parallel_tasks(outer.count, threads, one_outer);
  } else {
    for (std::int64_t o = 0; o < outer.count; ++o) one_outer(o);
  }
}

}  // namespace

void CpuBackend::take(const StridedView& src, const StridedView& indices, const StridedView& out, int axis) {
  visit_size(src.dtype, [&](auto unit) { gather_scatter<decltype(unit)>(src, indices, out, axis, false); });
}

void CpuBackend::put(const StridedView& dst, const StridedView& indices, const StridedView& values, int axis) {
  visit_size(dst.dtype, [&](auto unit) { gather_scatter<decltype(unit)>(dst, indices, values, axis, true); });
}

namespace {

// Stream compaction of elements [first, last) of one run without a branch on the mask (a
// random mask would mispredict half the time): element j is emitted at position k (emit(k,
// j)) whatever its flag, and only a true one (is_true(j)) moves k on. Position k_end is not
// the caller's (the next thread's share, or past the end), so nothing is emitted there;
// while at least 8 positions remain, blocks of 8 elements skip that check. Returns k.
template <class IsTrue, class Emit>
std::int64_t compress_run(std::int64_t first, std::int64_t last, std::int64_t k, std::int64_t k_end, IsTrue&& is_true,
                          Emit&& emit) {
  std::int64_t j = first;
  for (; j + 8 <= last && k_end - k >= 8; j += 8)
    for (int u = 0; u < 8; ++u) {
      emit(k, j + u);
      k += is_true(j + u) ? 1 : 0;
    }
  for (; j < last && k < k_end; ++j) {
    emit(k, j);
    k += is_true(j) ? 1 : 0;
  }
  return k;
}

// Splits [0, size) into one share per thread; runs count(begin, end) on every share, then
// write(begin, end, k, k_end) with k the sum of the counts of the shares before it and
// k_end = k + the share's own count. Short ranges (or one thread) are one share on the
// calling thread, written directly, with k_end = total (the count of all of [0, size)).
template <class Count, class Write>
void scan_shares(std::int64_t size, std::int64_t total, Count&& count, Write&& write) {
  const int threads = num_threads();
  if (threads <= 1 || size < tuning::kParallelMinElements) {
    write(std::int64_t{0}, size, std::int64_t{0}, total);
    return;
  }
  std::vector<std::int64_t> first(static_cast<std::size_t>(threads) + 1, 0);
  auto bound = [&](std::int64_t i) { return size * i / threads; };
  cpu::parallel_tasks(threads, threads,
                      [&](std::int64_t t) { first[static_cast<std::size_t>(t) + 1] = count(bound(t), bound(t + 1)); });
  for (int i = 0; i < threads; ++i) first[static_cast<std::size_t>(i) + 1] += first[static_cast<std::size_t>(i)];
  cpu::parallel_tasks(threads, threads, [&](std::int64_t t) {
    write(bound(t), bound(t + 1), first[static_cast<std::size_t>(t)], first[static_cast<std::size_t>(t) + 1]);
  });
}

// Runs k = body(p, count, k, k_end) over the runs of `loop` (operand 0 the mask, with `total`
// true elements) in C order, where k is the number of true mask elements before the run
// and k_end the number before the end of the calling thread's share. Long masks run on
// every thread: each counts its share first, then a prefix sum gives every share its k.
template <class Body>
void for_each_masked_run(const cpu::NdLoop<2>& loop, std::int64_t total, Body&& body) {
  const std::int64_t sm = loop.inner_stride(0);
  auto count_true = [&](std::int64_t begin, std::int64_t end) {
    std::int64_t c = 0;
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 2>& p, std::int64_t count) {
      const auto* m = reinterpret_cast<const unsigned char*>(p[0]);
      for (std::int64_t i = 0; i < count; ++i) c += m[i * sm] ? 1 : 0;
    });
    return c;
  };
  scan_shares(
      loop.size, total, count_true, [&](std::int64_t begin, std::int64_t end, std::int64_t k, std::int64_t k_end) {
        cpu::for_each_run(loop, begin, end,
                          [&](const std::array<char*, 2>& p, std::int64_t count) { k = body(p, count, k, k_end); });
      });
}

}  // namespace

void CpuBackend::mask_select(const StridedView& src, const StridedView& mask, const StridedView& out) {
  visit_size(src.dtype, [&](auto unit) {
    using U = decltype(unit);
    const auto loop = cpu::make_loop<2>({&mask, &src});
    const std::int64_t sm = loop.inner_stride(0);
    const std::int64_t ss = loop.inner_stride(1) / static_cast<std::int64_t>(sizeof(U));
    U* o = static_cast<U*>(out.data);
    const std::int64_t so = out.strides[0];
    const std::int64_t total = out.shape[0];
    for_each_masked_run(loop, total,
                        [&](const std::array<char*, 2>& p, std::int64_t count, std::int64_t k, std::int64_t k_end) {
                          const auto* m = reinterpret_cast<const unsigned char*>(p[0]);
                          const U* s = reinterpret_cast<const U*>(p[1]);
                          return compress_run(
                              0, count, k, k_end, [m, sm](std::int64_t i) { return m[i * sm] != 0; },
                              [o, so, s, ss](std::int64_t at, std::int64_t i) { o[at * so] = s[i * ss]; });
                        });
  });
}

void CpuBackend::mask_assign(const StridedView& dst, const StridedView& mask, const StridedView& values) {
  visit_size(dst.dtype, [&](auto unit) {
    using U = decltype(unit);
    const auto loop = cpu::make_loop<2>({&mask, &dst});
    const std::int64_t sm = loop.inner_stride(0);
    const std::int64_t sd = loop.inner_stride(1) / static_cast<std::int64_t>(sizeof(U));
    const U* v = static_cast<const U*>(values.data);
    const std::int64_t sv = values.strides[0];
    for_each_masked_run(loop, values.shape[0],
                        [&](const std::array<char*, 2>& p, std::int64_t count, std::int64_t k, std::int64_t) {
                          const auto* m = reinterpret_cast<const unsigned char*>(p[0]);
                          U* d = reinterpret_cast<U*>(p[1]);
                          for (std::int64_t i = 0; i < count; ++i)
                            if (m[i * sm]) d[i * sd] = v[(k++) * sv];
                          return k;
                        });
  });
}

void CpuBackend::nonzero(const StridedView& mask, const StridedView& out) {
  const int nd = mask.shape.size();
  const auto* m = static_cast<const unsigned char*>(mask.data);
  auto* o = static_cast<std::int64_t*>(out.data);
  const std::int64_t row = out.strides[0];
  const std::int64_t col = out.strides[1];
  const std::int64_t len = mask.shape[nd - 1];
  const std::int64_t step = mask.strides[nd - 1];
  // Visits the flat (C-order) positions [begin, end) of the mask a line (along the last
  // axis) at a time: line(idx, p, first, last) for the line's elements [first, last), with
  // idx the coordinates of its element 0 on the other axes and p its address.
  auto for_each_line = [&](std::int64_t begin, std::int64_t end, auto&& line) {
    if (begin >= end) return;
    std::array<std::int64_t, kMaxDims> idx{};
    std::int64_t offset = 0;
    for (std::int64_t q = begin / len, d = nd - 2; d >= 0; --d) {
      const auto u = static_cast<std::size_t>(d);
      idx[u] = q % mask.shape[d];
      q /= mask.shape[d];
      offset += idx[u] * mask.strides[d];
    }
    for (std::int64_t first = begin % len, start = begin - first; start < end; start += len, first = 0) {
      line(idx, m + offset, first, std::min(len, end - start));
      for (int d = nd - 2; d >= 0; --d) {
        const auto u = static_cast<std::size_t>(d);
        offset += mask.strides[d];
        if (++idx[u] < mask.shape[d]) break;
        offset -= idx[u] * mask.strides[d];
        idx[u] = 0;
      }
    }
  };
  auto count = [&](std::int64_t begin, std::int64_t end) {
    std::int64_t c = 0;
    for_each_line(begin, end, [&](const auto&, const unsigned char* p, std::int64_t first, std::int64_t last) {
      if (step == 1) {  // contiguous: the compiler vectorises this form
        for (std::int64_t j = first; j < last; ++j) c += p[j] != 0;
      } else {
        for (std::int64_t j = first; j < last; ++j) c += p[j * step] != 0;
      }
    });
    return c;
  };
  const std::int64_t total = out.shape[1];
  scan_shares(shape_size(mask.shape), total, count,
              [&](std::int64_t begin, std::int64_t end, std::int64_t k, std::int64_t k_end) {
                for_each_line(begin, end,
                              [&](const std::array<std::int64_t, kMaxDims>& idx, const unsigned char* p,
                                  std::int64_t first, std::int64_t last) {
                                // The int64 stores could alias anything captured by reference: copies.
                                const auto is_true = [p, step](std::int64_t j) { return p[j * step] != 0; };
                                if (nd == 1) {
                                  k = compress_run(first, last, k, k_end, is_true,
                                                   [o, col](std::int64_t at, std::int64_t j) { o[at * col] = j; });
                                  return;
                                }
                                k = compress_run(first, last, k, k_end, is_true,
                                                 [o, col, row, nd, &idx](std::int64_t at, std::int64_t j) {
                                                   std::int64_t* dst = o + at * col;
                                                   for (int d = 0; d < nd - 1; ++d)
                                                     dst[d * row] = idx[static_cast<std::size_t>(d)];
                                                   dst[(nd - 1) * row] = j;
                                                 });
                              });
              });
}

}  // namespace tandem
