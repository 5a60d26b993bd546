// sort, argsort and searchsorted on the CPU. Each line along the sort axis is gathered into
// contiguous memory (the output's own line when it is contiguous), sorted there and written
// back; lines run in parallel, and one long line is bucketed by value and its buckets sorted
// on every thread (chunked and merged where the values do not spread), or, float32 and
// int32, radix sorted on every thread (cpu/radix_sort.hpp; its first pass reads the input,
// so the line is not copied first). Keys sort with
// Highway's vqsort after NaNs are moved to the end (NumPy's order); argsort packs (key,
// index) into one integer for vqsort, which makes every result stable.

#include <hwy/contrib/sort/vqsort.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "cpu/backend.hpp"
#include "cpu/clones.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "cpu/radix_sort.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/sort_key.hpp"
#include "tandem/core/threads.hpp"

namespace tandem {

namespace {

// The 1-d lines of two same-shape views along one axis, numbered in C order of the other
// axes.
struct AxisLines {
  std::int64_t count = 1;
  std::int64_t length = 0;
  int outer = 0;
  std::array<std::int64_t, kMaxDims> extent{};
  std::array<std::int64_t, kMaxDims> stride_a{};  // elements
  std::array<std::int64_t, kMaxDims> stride_b{};
  std::int64_t step_a = 0;
  std::int64_t step_b = 0;

  void offsets(std::int64_t line, std::int64_t& oa, std::int64_t& ob) const {
    oa = ob = 0;
    for (int d = outer - 1; d >= 0; --d) {
      const std::int64_t i = line % extent[static_cast<std::size_t>(d)];
      line /= extent[static_cast<std::size_t>(d)];
      oa += i * stride_a[static_cast<std::size_t>(d)];
      ob += i * stride_b[static_cast<std::size_t>(d)];
    }
  }
};

AxisLines make_lines(const StridedView& a, const StridedView& b, int axis) {
  AxisLines l;
  l.length = a.shape[axis];
  l.step_a = a.strides[axis];
  l.step_b = b.strides[axis];
  for (int d = 0; d < a.shape.size(); ++d) {
    if (d == axis || a.shape[d] == 1) continue;
    const auto k = static_cast<std::size_t>(l.outer++);
    l.extent[k] = a.shape[d];
    l.stride_a[k] = a.strides[d];
    l.stride_b[k] = b.strides[d];
    l.count *= a.shape[d];
  }
  return l;
}

// Calls f(line) for every line, in parallel when there is enough work.
template <class F>
void for_each_line(const AxisLines& lines, F&& f) {
  const int threads = num_threads();
  if (lines.count > 1 && threads > 1 && lines.count * lines.length >= tuning::kParallelMinElements) {
    cpu::parallel_tasks(lines.count, threads, f);
  } else {
    for (std::int64_t line = 0; line < lines.count; ++line) f(line);
  }
}

// Scratch memory for one line. Short lines (sorts of many rows) reuse a per-thread buffer;
// long ones get their own, freed at the end, so that one big sort does not pin memory.
// At most one Scratch<T> per type is alive on a thread at a time.
template <class T>
class Scratch {
 public:
  explicit Scratch(std::int64_t n) {
    const auto size = static_cast<std::size_t>(n);
    if (n <= kReuseMax) {
      thread_local std::vector<T> reused;
      if (reused.size() < size) reused.resize(size);
      data_ = reused.data();
    } else {
      own_.resize(size);
      data_ = own_.data();
    }
  }
  T* data() const { return data_; }

 private:
  static constexpr std::int64_t kReuseMax = 1 << 16;
  std::vector<T> own_;
  T* data_ = nullptr;
};

// NumPy's order: NaNs after every number.
template <class T>
bool less_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>)
    return a < b || (std::isnan(b) && !std::isnan(a));
  else
    return a < b;
}

// Moves the non-finite floats out of the way: -inf first, then the finite values, then
// +inf, NaN last; returns the finite range. vqsort orders NaN nowhere in particular, and
// Highway 1.0.3 turns infinities into the largest finite value, so only finite keys go to it.
template <class T>
std::pair<T*, std::int64_t> set_aside_nonfinite(T* p, std::int64_t n) {
  if constexpr (std::is_floating_point_v<T>) {
    std::int64_t k = 0, neg_inf = 0, pos_inf = 0;
    T nan = T(0);
    for (std::int64_t i = 0; i < n; ++i) {
      const T x = p[i];
      if (std::isfinite(x))
        p[k++] = x;
      else if (std::isnan(x))
        nan = x;
      else if (x > 0)
        ++pos_inf;
      else
        ++neg_inf;
    }
    if (neg_inf > 0) std::memmove(p + neg_inf, p, static_cast<std::size_t>(k) * sizeof(T));
    std::fill(p, p + neg_inf, -std::numeric_limits<T>::infinity());
    std::fill(p + neg_inf + k, p + neg_inf + k + pos_inf, std::numeric_limits<T>::infinity());
    std::fill(p + neg_inf + k + pos_inf, p + n, nan);
    return {p + neg_inf, k};
  } else {
    return {p, n};
  }
}

// Sorts finite (non-bool) keys.
template <class T>
void sort_finite(T* p, std::int64_t m) {
  if (m < 2) return;
  if (m <= 16) {
    std::sort(p, p + m);
    return;
  }
  thread_local const hwy::Sorter sorter;  // owns scratch memory; one per thread
  if constexpr (sizeof(T) == 4 && tuning::kSortWiden32BitKeys) {
    using Wide = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
    const Scratch<Wide> wide(m);
    std::copy(p, p + m, wide.data());
    sorter(wide.data(), static_cast<std::size_t>(m), hwy::SortAscending());
    std::copy(wide.data(), wide.data() + m, p);  // exact: every value came from a T
  } else {
    sorter(p, static_cast<std::size_t>(m), hwy::SortAscending());
  }
}

// Merges sorted a[0, na) and b[0, nb) into out on `threads` threads: each thread takes an
// equal share of the output and finds where it starts in a and b by binary search along
// the merge path.
template <class T, class Out>
void parallel_merge(const T* a, std::int64_t na, const T* b, std::int64_t nb, Out* out, int threads) {
  const std::int64_t total = na + nb;
  auto split = [&](std::int64_t d) {  // elements of a among the first d of the output
    std::int64_t lo = std::max<std::int64_t>(0, d - nb), hi = std::min(d, na);
    while (lo < hi) {
      const std::int64_t mid = lo + (hi - lo) / 2;
      if (!(b[d - mid - 1] < a[mid]))
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  };
  cpu::parallel_tasks(threads, threads, [&](int t) {
    const std::int64_t d0 = total * t / threads, d1 = total * (t + 1) / threads;
    const std::int64_t i0 = split(d0), i1 = split(d1);
    std::merge(a + i0, a + i1, b + (d0 - i0), b + (d1 - i1), out + d0);
  });
}

// Merges the sorted runs [bounds[i], bounds[i+1]) of keys pairwise until one is left, and
// writes it to out (converting K to Out). keys is overwritten; out must not overlap keys.
template <class K, class Out>
void merge_runs(K* keys, std::vector<std::int64_t> bounds, Out* out, int threads) {
  const std::int64_t m = bounds.back();
  std::unique_ptr<K[]> spare;  // default-initialised: no pass to zero it
  K* src = keys;
  while (bounds.size() > 2) {
    const bool last = bounds.size() <= 3;
    if (!last && !spare) spare.reset(new K[static_cast<std::size_t>(m)]);
    K* dst = last ? nullptr : (src == keys ? spare.get() : keys);
    std::vector<std::int64_t> merged{0};
    for (std::size_t r = 0; r + 1 < bounds.size(); r += 2) {
      const std::int64_t lo = bounds[r], mid = bounds[r + 1];
      const std::int64_t hi = r + 2 < bounds.size() ? bounds[r + 2] : mid;
      if (last)
        parallel_merge(src + lo, mid - lo, src + mid, hi - mid, out + lo, threads);
      else if (hi > mid)
        parallel_merge(src + lo, mid - lo, src + mid, hi - mid, dst + lo, threads);
      else
        std::copy(src + lo, src + mid, dst + lo);
      merged.push_back(hi);
    }
    bounds.swap(merged);
    if (!last) src = dst;
  }
}

// One long line on several threads: each thread copies its chunk into a key buffer (32-bit
// keys widened there) and sorts it; the chunks are then merged pairwise, the last merge
// writing the result back into p (narrowing widened keys).
template <class T>
void sort_finite_parallel(T* p, std::int64_t m, int threads) {
  constexpr bool widen = sizeof(T) == 4 && tuning::kSortWiden32BitKeys;
  using Wide = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
  using Key = std::conditional_t<widen, Wide, T>;
  std::vector<std::int64_t> bounds;
  for (int t = 0; t <= threads; ++t) bounds.push_back(m * t / threads);
  std::unique_ptr<Key[]> keys(new Key[static_cast<std::size_t>(m)]);  // not zero-filled
  cpu::parallel_tasks(threads, threads, [&](int t) {
    const std::int64_t lo = bounds[static_cast<std::size_t>(t)], hi = bounds[static_cast<std::size_t>(t) + 1];
    std::copy(p + lo, p + hi, keys.get() + lo);
    sort_finite(keys.get() + lo, hi - lo);
  });
  merge_runs(keys.get(), bounds, p, threads);
}

// Bucket ids of x[0, n) for 16 buckets: the number of the 15 splitters <= each value.
// Compares with every splitter instead of searching, so the loop vectorises (cloned for
// AVX2 / AVX-512).
template <class T, class Key>
TANDEM_ISA_CLONES void bucket_ids16(const T* __restrict x, std::int64_t n, const Key* __restrict split,
                                    std::uint8_t* __restrict id) {
  Key s[15];
  for (int j = 0; j < 15; ++j) s[j] = split[j];
  for (std::int64_t i = 0; i < n; ++i) {
    const auto v = static_cast<Key>(x[i]);
    int b = 0;
    for (int j = 0; j < 15; ++j) b += s[j] <= v ? 1 : 0;
    id[i] = static_cast<std::uint8_t>(b);
  }
}

// One long line on several threads, balanced dynamically (a sample sort): splitters from an
// evenly spaced sample cut the values into a power-of-two number of buckets, more buckets
// than threads; pieces of the input (more pieces than threads) count and then scatter their
// keys into the buckets (32-bit keys widened there), and the buckets are sorted and written
// back, biggest first, each by whichever thread is free. No merge pass, and a thread slowed
// by other work just sorts fewer buckets. Returns false, having changed nothing, when one
// bucket would hold more than a thread's share (few distinct values): the caller then
// chunks and merges (sort_finite_parallel).
template <class T>
bool sort_finite_buckets(T* p, std::int64_t m, int threads) {
  constexpr bool widen = sizeof(T) == 4 && tuning::kSortWiden32BitKeys;
  using Wide = std::conditional_t<std::is_floating_point_v<T>, double, std::int64_t>;
  using Key = std::conditional_t<widen, Wide, T>;
  int buckets = 1;
  while (buckets < threads * tuning::kSortBucketsPerThread) buckets *= 2;
  if (buckets > 128) return false;  // bucket ids are bytes
  constexpr std::int64_t kOversample = 64;
  const std::int64_t samples = kOversample * buckets;
  std::vector<Key> splitters(static_cast<std::size_t>(samples));
  for (std::int64_t i = 0; i < samples; ++i)
    splitters[static_cast<std::size_t>(i)] = static_cast<Key>(p[i * m / samples]);
  std::sort(splitters.begin(), splitters.end());
  for (int b = 1; b < buckets; ++b)
    splitters[static_cast<std::size_t>(b - 1)] = splitters[static_cast<std::size_t>(b * kOversample)];
  splitters.resize(static_cast<std::size_t>(buckets - 1));
  const Key* split = splitters.data();
  // The number of splitters <= x, branch-free (buckets is a power of two).
  auto bucket_of = [split, buckets](Key x) {
    int b = 0;
    for (int step = buckets / 2; step >= 1; step /= 2) b += (split[b + step - 1] <= x) ? step : 0;
    return b;
  };
  const int pieces = threads * tuning::kSortPiecesPerThread;
  auto piece_begin = [&](int q) { return m * q / pieces; };
  const auto nb = static_cast<std::size_t>(buckets);
  std::vector<std::int64_t> count(static_cast<std::size_t>(pieces) * nb, 0);
  std::unique_ptr<std::uint8_t[]> ids(new std::uint8_t[static_cast<std::size_t>(m)]);  // buckets <= 128
  cpu::parallel_tasks(pieces, threads, [&](int q) {
    std::int64_t* c = count.data() + static_cast<std::size_t>(q) * nb;
    const std::int64_t lo = piece_begin(q), hi = piece_begin(q + 1);
    std::uint8_t* id = ids.get() + lo;
    if (buckets == 16) {
      bucket_ids16(p + lo, hi - lo, split, id);
    } else {
      for (std::int64_t i = lo; i < hi; ++i) id[i - lo] = static_cast<std::uint8_t>(bucket_of(static_cast<Key>(p[i])));
    }
    for (std::int64_t i = 0; i < hi - lo; ++i) ++c[id[i]];
  });
  // Bucket b holds [start[b], start[b + 1]); piece q writes its part of it from next[q][b].
  std::vector<std::int64_t> start(nb + 1, 0), next(count.size());
  for (std::size_t b = 0; b < nb; ++b) {
    std::int64_t at = start[b];
    for (std::size_t q = 0; q < static_cast<std::size_t>(pieces); ++q) {
      next[q * nb + b] = at;
      at += count[q * nb + b];
    }
    start[b + 1] = at;
  }
  std::int64_t largest = 0;
  for (std::size_t b = 0; b < nb; ++b) largest = std::max(largest, start[b + 1] - start[b]);
  if (largest > m / threads) return false;
  std::unique_ptr<Key[]> keys(new Key[static_cast<std::size_t>(m)]);  // not zero-filled
  cpu::parallel_tasks(pieces, threads, [&](int q) {
    std::int64_t* at = next.data() + static_cast<std::size_t>(q) * nb;
    for (std::int64_t i = piece_begin(q); i < piece_begin(q + 1); ++i)
      keys[static_cast<std::size_t>(at[ids[static_cast<std::size_t>(i)]]++)] = static_cast<Key>(p[i]);
  });
  std::vector<int> order(nb);
  for (std::size_t b = 0; b < nb; ++b) order[b] = static_cast<int>(b);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return start[static_cast<std::size_t>(a) + 1] - start[static_cast<std::size_t>(a)] >
           start[static_cast<std::size_t>(b) + 1] - start[static_cast<std::size_t>(b)];
  });
  cpu::parallel_tasks(buckets, threads, [&](int k) {
    const auto b = static_cast<std::size_t>(order[static_cast<std::size_t>(k)]);
    Key* lo = keys.get() + start[b];
    const std::int64_t len = start[b + 1] - start[b];
    sort_finite(lo, len);
    std::copy(lo, lo + len, p + start[b]);  // exact: every key came from a T
  });
  return true;
}

// Whether a line of n elements sorted on `threads` threads takes the radix sort.
template <class T>
bool takes_radix(std::int64_t n, int threads) {
  return sizeof(T) == 4 && n >= (threads > 1 ? tuning::kSortRadixMinElements : tuning::kSortRadixMinElementsOneThread);
}

template <class T>
void sort_contiguous(T* p, std::int64_t n, int threads) {
  if (n < 2) return;
  if constexpr (std::is_same_v<T, bool>) {
    (void)threads;
    const auto trues = std::count(p, p + n, true);
    std::fill(p, p + (n - trues), false);
    std::fill(p + (n - trues), p + n, true);
  } else if constexpr (sizeof(T) == 4) {
    if (takes_radix<T>(n, threads)) {
      cpu::radix_sort32(p, p, n, threads);
      return;
    }
  }
  if constexpr (!std::is_same_v<T, bool>) {
    const auto [finite, m] = set_aside_nonfinite(p, n);
    if (threads > 1 && m >= tuning::kSortParallelMinElements) {
      if (!sort_finite_buckets(finite, m, threads)) sort_finite_parallel(finite, m, threads);
    } else {
      sort_finite(finite, m);
    }
  }
}

template <class T>
void sort_typed(const StridedView& src, const StridedView& dst, int axis) {
  const AxisLines lines = make_lines(src, dst, axis);
  const T* s = static_cast<const T*>(src.data);
  T* d = static_cast<T*>(dst.data);
  const std::int64_t n = lines.length;
  // A single line long enough uses every thread itself; several lines run one per thread.
  const int threads_per_line = lines.count == 1 ? num_threads() : 1;
  for_each_line(lines, [&](std::int64_t line) {
    std::int64_t os, od;
    lines.offsets(line, os, od);
    const T* in = s + os;
    T* out = d + od;
    using Store = std::conditional_t<std::is_same_v<T, bool>, unsigned char, T>;  // not vector<bool>
    const Scratch<Store> scratch(lines.step_b != 1 ? n : 0);
    T* work = lines.step_b != 1 ? reinterpret_cast<T*>(scratch.data()) : out;
    if constexpr (!std::is_same_v<T, bool> && sizeof(T) == 4) {
      // The radix sort's first pass reads the input where it lies: no copy first.
      const auto a = reinterpret_cast<std::uintptr_t>(in), b = reinterpret_cast<std::uintptr_t>(work);
      const auto bytes = static_cast<std::uintptr_t>(n) * sizeof(T);
      if (lines.step_a == 1 && takes_radix<T>(n, threads_per_line) && (a == b || a + bytes <= b || b + bytes <= a)) {
        cpu::radix_sort32(in, work, n, threads_per_line);
        if (work != out)
          for (std::int64_t i = 0; i < n; ++i) out[i * lines.step_b] = work[i];
        return;
      }
    }
    if (lines.step_a == 1) {
      if (work != in) std::memmove(work, in, static_cast<std::size_t>(n) * sizeof(T));
    } else {
      for (std::int64_t i = 0; i < n; ++i) work[i] = in[i * lines.step_a];
    }
    sort_contiguous(work, n, threads_per_line);
    if (work != out)
      for (std::int64_t i = 0; i < n; ++i) out[i * lines.step_b] = work[i];
  });
}

// argsort of one contiguous line of keys: (key, index) packed into one integer, so that a
// plain vqsort orders ties by position (the stable order). 32-bit keys pack into 64 bits,
// 64-bit keys into 128.
template <class T, class Read>
void argsort_line(std::int64_t n, Read read, std::int64_t* out, std::int64_t out_step, int threads) {
  using Packed = std::conditional_t<sizeof(T) <= 4, std::uint64_t, hwy::uint128_t>;
  const Scratch<Packed> scratch(n);
  Packed* packed = scratch.data();
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (sizeof(T) <= 4) {
      packed[i] = (std::uint64_t{kernels::ordered_key(read(i))} << 32) | static_cast<std::uint64_t>(i);
    } else {
      packed[i] = hwy::uint128_t{static_cast<std::uint64_t>(i), kernels::ordered_key(read(i))};
    }
  }
  if (threads > 1 && n >= tuning::kSortParallelMinElements)
    sort_finite_parallel(packed, n, threads);
  else
    sort_finite(packed, n);
  for (std::int64_t i = 0; i < n; ++i) {
    if constexpr (sizeof(T) <= 4)
      out[i * out_step] = static_cast<std::int64_t>(packed[i] & 0xffffffffu);
    else
      out[i * out_step] = static_cast<std::int64_t>(packed[i].lo);
  }
}

template <class T>
void argsort_typed(const StridedView& src, const StridedView& dst, int axis) {
  const AxisLines lines = make_lines(src, dst, axis);
  const T* s = static_cast<const T*>(src.data);
  auto* d = static_cast<std::int64_t*>(dst.data);
  const std::int64_t n = lines.length;
  const int threads_per_line = lines.count == 1 ? num_threads() : 1;
  if constexpr (sizeof(T) <= 4) {
    if (n >= (std::int64_t{1} << 32)) {
      // Indices no longer fit beside a 32-bit key: widen the key and pack into 128 bits.
      for_each_line(lines, [&](std::int64_t line) {
        std::int64_t os, od;
        lines.offsets(line, os, od);
        argsort_line<std::int64_t>(
            n,
            [&](std::int64_t i) { return static_cast<std::int64_t>(kernels::ordered_key(s[os + i * lines.step_a])); },
            d + od, lines.step_b, threads_per_line);
      });
      return;
    }
  }
  for_each_line(lines, [&](std::int64_t line) {
    std::int64_t os, od;
    lines.offsets(line, os, od);
    argsort_line<T>(
        n, [&](std::int64_t i) { return s[os + i * lines.step_a]; }, d + od, lines.step_b, threads_per_line);
  });
}

template <class T>
void searchsorted_typed(const StridedView& sorted, const StridedView& values, const StridedView& out, bool right) {
  const T* base = static_cast<const T*>(sorted.data);
  const std::int64_t n = sorted.shape[0];
  const std::int64_t step = sorted.strides[0];
  const auto loop = cpu::make_loop<2>({&out, &values});
  const std::int64_t so = loop.inner_stride(0) / static_cast<std::int64_t>(sizeof(std::int64_t));
  const std::int64_t sv = loop.inner_stride(1) / static_cast<std::int64_t>(sizeof(T));
  cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 2>& p, std::int64_t count) {
      auto* o = reinterpret_cast<std::int64_t*>(p[0]);
      const T* v = reinterpret_cast<const T*>(p[1]);
      for (std::int64_t i = 0; i < count; ++i) {
        const T x = v[i * sv];
        std::int64_t lo = 0, hi = n;  // first position where the predicate holds
        while (lo < hi) {
          const std::int64_t mid = lo + (hi - lo) / 2;
          const T y = base[mid * step];
          const bool after = right ? less_nan_last(x, y) : !less_nan_last(y, x);
          if (after)
            hi = mid;
          else
            lo = mid + 1;
        }
        o[i * so] = lo;
      }
    });
  });
}

}  // namespace

void CpuBackend::sort(const StridedView& src, const StridedView& dst, int axis) {
  visit_dtype(src.dtype, [&](auto tag) { sort_typed<decltype(tag)>(src, dst, axis); });
}

void CpuBackend::argsort(const StridedView& src, const StridedView& dst, int axis, bool /*stable*/) {
  visit_dtype(src.dtype, [&](auto tag) { argsort_typed<decltype(tag)>(src, dst, axis); });
}

void CpuBackend::searchsorted(const StridedView& sorted, const StridedView& values, const StridedView& out,
                              bool right) {
  visit_dtype(sorted.dtype, [&](auto tag) { searchsorted_typed<decltype(tag)>(sorted, values, out, right); });
}

}  // namespace tandem
