// LSD radix sort of 32-bit keys (see radix_sort.hpp). The line is counted once for the
// histograms of all four digits; each pass then scatters by one digit between the line and
// a spare buffer. The first pass reads values and writes keys (kernels::bits_key), the last
// writes values back (kernels::value_of_bits_key), so no pass only converts; in between the
// buffers hold keys, stored as T bit patterns. With several threads, thread t owns the t-th
// chunk of the pass's input; the chunks' histograms for the digit (from the first count for
// the first pass, recounted before every later one) give each thread the positions it
// writes in every bucket.

#include "cpu/radix_sort.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <vector>

#include "cpu/parallel.hpp"
#include "kernels/sort_key.hpp"

namespace tandem::cpu {

namespace {

constexpr int kDigitBits = 8;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kPasses = 32 / kDigitBits;

using Histogram = std::array<std::int64_t, kBuckets>;
using Histograms = std::array<Histogram, kPasses>;

std::uint32_t digit(std::uint32_t key, int pass) { return (key >> (pass * kDigitBits)) & (kBuckets - 1); }

template <class T>
std::uint32_t bits_of(T x) {
  std::uint32_t k;
  std::memcpy(&k, &x, sizeof k);
  return k;
}

template <class T>
T from_bits(std::uint32_t k) {
  T x;
  std::memcpy(&x, &k, sizeof x);
  return x;
}

// The key of x: x is a value (kValue) or a key's bit pattern.
template <class T, bool kValue>
std::uint32_t key_of(T x) {
  if constexpr (kValue)
    return kernels::bits_key(x);
  else
    return bits_of(x);
}

// What stands for key k in a buffer: its value (kValue) or its bit pattern.
template <class T, bool kValue>
T stored(std::uint32_t k) {
  if constexpr (kValue)
    return kernels::value_of_bits_key<T>(k);
  else
    return from_bits<T>(k);
}

// count[d]: the digits d of the values p[lo, hi), every digit.
template <class T>
void count_all_digits(const T* __restrict p, std::int64_t lo, std::int64_t hi, Histograms& count) {
  Histograms c{};
  for (std::int64_t i = lo; i < hi; ++i) {
    const std::uint32_t k = kernels::bits_key(p[i]);
    for (int d = 0; d < kPasses; ++d) ++c[static_cast<std::size_t>(d)][digit(k, d)];
  }
  count = c;
}

// count: digit `pass` of the keys src[lo, hi).
template <class T>
void count_digit(const T* __restrict src, std::int64_t lo, std::int64_t hi, int pass, Histogram& count) {
  Histogram c{};
  for (std::int64_t i = lo; i < hi; ++i) ++c[digit(bits_of(src[i]), pass)];
  count = c;
}

// Moves src[lo, hi) to dst by digit `pass`, the next element of bucket b going to at[b].
template <class T, bool kValuesIn, bool kValuesOut>
void scatter(const T* __restrict src, T* __restrict dst, std::int64_t lo, std::int64_t hi, int pass,
             const Histogram& offsets) {
  Histogram at = offsets;
  for (std::int64_t i = lo; i < hi; ++i) {
    const std::uint32_t k = key_of<T, kValuesIn>(src[i]);
    dst[at[digit(k, pass)]++] = stored<T, kValuesOut>(k);
  }
}

}  // namespace

template <class T>
void radix_sort32(T* p, std::int64_t n, int threads) {
  static_assert(sizeof(T) == 4);
  if (n < 2) return;
  if (threads < 1 || n < threads) threads = 1;
  const auto nt = static_cast<std::size_t>(threads);
  std::vector<std::int64_t> bounds(nt + 1);
  for (std::size_t t = 0; t <= nt; ++t) bounds[t] = n * static_cast<std::int64_t>(t) / threads;

  // count[t][d]: the digits d of thread t's chunk of the line as it is now.
  std::vector<Histograms> count(nt);
  parallel_tasks(threads, threads, [&](std::int64_t t) {
    const auto u = static_cast<std::size_t>(t);
    count_all_digits(p, bounds[u], bounds[u + 1], count[u]);
  });
  // A pass whose digit is the same for every key moves nothing: skipped.
  std::vector<int> passes;
  for (std::size_t d = 0; d < kPasses; ++d) {
    std::int64_t most = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      std::int64_t total = 0;
      for (std::size_t t = 0; t < nt; ++t) total += count[t][d][b];
      most = std::max(most, total);
    }
    if (most < n) passes.push_back(static_cast<int>(d));
  }
  if (passes.empty()) return;  // every key equal: already sorted

  std::unique_ptr<T[]> spare(new T[static_cast<std::size_t>(n)]);  // not zero-filled
  T* src = p;
  std::vector<Histogram> at(nt);
  for (std::size_t k = 0; k < passes.size(); ++k) {
    const int d = passes[k];
    const auto du = static_cast<std::size_t>(d);
    const bool first = k == 0, last = k + 1 == passes.size();
    if (!first && threads > 1) {  // the chunks hold other keys than at the first count
      parallel_tasks(threads, threads, [&](std::int64_t t) {
        const auto u = static_cast<std::size_t>(t);
        count_digit(src, bounds[u], bounds[u + 1], d, count[u][du]);
      });
    }
    // Thread t writes bucket b after the keys of every smaller bucket and those of bucket b
    // in the chunks before t: each key's place is fixed, whatever the timing.
    std::int64_t next = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      for (std::size_t t = 0; t < nt; ++t) {
        at[t][b] = next;
        next += count[t][du][b];
      }
    }
    T* dst = src == p ? spare.get() : p;
    parallel_tasks(threads, threads, [&](std::int64_t t) {
      const auto u = static_cast<std::size_t>(t);
      const std::int64_t lo = bounds[u], hi = bounds[u + 1];
      if (first && last)
        scatter<T, true, true>(src, dst, lo, hi, d, at[u]);
      else if (first)
        scatter<T, true, false>(src, dst, lo, hi, d, at[u]);
      else if (last)
        scatter<T, false, true>(src, dst, lo, hi, d, at[u]);
      else
        scatter<T, false, false>(src, dst, lo, hi, d, at[u]);
    });
    src = dst;
  }
  if (src != p) std::copy(src, src + n, p);  // an odd number of passes
}

template void radix_sort32<float>(float*, std::int64_t, int);
template void radix_sort32<std::int32_t>(std::int32_t*, std::int64_t, int);

}  // namespace tandem::cpu
