// LSD radix sort of 32-bit keys (see radix_sort.hpp). One read of the input counts its
// first digit (11 bits) and or's and and's the keys, which tells the digits that vary; each
// such digit is then one pass that scatters between the output and a spare buffer (the
// first reads the input). The first pass reads values and writes keys (kernels::bits_key),
// the last writes values (kernels::value_of_bits_key), so no pass only converts; in between
// the buffers hold keys, stored as T bit patterns.
//
// With several threads, thread t owns the t-th chunk of the pass's input; the chunks'
// histograms for the digit give each thread the positions it writes in every bucket. A
// scatter writes each bucket through a cache line of keys in a buffer (2048 lines, 128 KiB:
// L2) and stores a line only when it is full, as non-temporal stores: 2048 output streams
// written element by element thrash the caches and the TLB (buckets of equal size lie a
// power of two apart and fall into the same cache sets); plain stores of the full lines
// measured 1.3x slower at 2^24 keys. The chunk bounds of the next pass are whole lines, so
// a stored line lies in one chunk, and the scatter counts the next digit of the keys in each
// line it stores: no pass after the first needs a counting read. 11-bit digits (three
// passes) measured about 5 % faster than 8-bit ones (four passes, buffers in L1).

#include "cpu/radix_sort.hpp"

#include <emmintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <vector>

#include "cpu/parallel.hpp"
#include "kernels/sort_key.hpp"

namespace tandem::cpu {

namespace {

constexpr int kDigitBits = 11;
constexpr int kBuckets = 1 << kDigitBits;
constexpr int kPasses = (32 + kDigitBits - 1) / kDigitBits;  // the last has 10 bits
constexpr std::int64_t kLine = 16;                           // 32-bit keys in a 64-byte cache line

using Histogram = std::array<std::int64_t, kBuckets>;

std::uint32_t digit(std::uint32_t key, int pass) { return (key >> (pass * kDigitBits)) & (kBuckets - 1); }

template <class T>
std::uint32_t bits_of(T x) {
  std::uint32_t k;
  std::memcpy(&k, &x, sizeof k);
  return k;
}

// The bit pattern that stands for key k in a buffer: its value's (kValue) or the key itself.
template <class T, bool kValue>
std::uint32_t stored(std::uint32_t k) {
  if constexpr (kValue)
    return bits_of(kernels::value_of_bits_key<T>(k));
  else
    return k;
}

// count: digit `pass` of the keys of the values p[lo, hi); bits_or and bits_and: every
// key's bits or-ed and and-ed (a digit is the same in every key where they agree). Four
// copies of the histogram, taken in turn: the top digits of real data take few values, and
// consecutive increments of one counter would wait on each other.
template <class T>
void count_digit(const T* __restrict p, std::int64_t lo, std::int64_t hi, int pass, Histogram& count,
                 std::uint32_t& bits_or, std::uint32_t& bits_and) {
  constexpr int kCopies = 4;
  constexpr std::int64_t kBlock = std::int64_t{1} << 30;  // fits the 32-bit counters
  const int shift = pass * kDigitBits;
  count = Histogram{};
  std::uint32_t o = 0, a = ~0u;
  std::vector<std::uint32_t> c(kCopies * kBuckets);
  for (std::int64_t b0 = lo; b0 < hi; b0 += kBlock) {
    const std::int64_t b1 = std::min(hi, b0 + kBlock);
    std::fill(c.begin(), c.end(), 0u);
    std::uint32_t* __restrict h = c.data();
    std::int64_t i = b0;
    for (; i + kCopies <= b1; i += kCopies) {
      for (int j = 0; j < kCopies; ++j) {
        const std::uint32_t k = kernels::bits_key(p[i + j]);
        ++h[j * kBuckets + ((k >> shift) & (kBuckets - 1))];
        o |= k;
        a &= k;
      }
    }
    for (; i < b1; ++i) {
      const std::uint32_t k = kernels::bits_key(p[i]);
      ++h[(k >> shift) & (kBuckets - 1)];
      o |= k;
      a &= k;
    }
    for (std::size_t j = 0; j < kCopies; ++j)
      for (std::size_t b = 0; b < kBuckets; ++b) count[b] += h[j * kBuckets + b];
  }
  bits_or = o;
  bits_and = a;
}

// Where one thread's scatter writes: dst, its line phase, the first position of the thread's
// share of every bucket, and the chunk bounds of the next pass (whole lines of dst), whose
// digit `next_pass` (-1: none) it counts per chunk in next_count.
struct Target {
  std::uint32_t* dst;
  std::int64_t phase;  // dst + i starts a cache line when (i + phase) % kLine == 0
  const Histogram* start;
  const std::vector<std::int64_t>* next_bounds;
  int next_pass;
  std::vector<Histogram>* next_count;  // kCopies per chunk
};

constexpr std::int64_t kCopies = 4;  // of the next digit's histograms, per chunk

// Counts the next digit of keys line[j], j in [j0, j1), stored from dst[i0 + j0] on.
inline void count_next(const Target& to, const std::uint32_t* line, std::int64_t i0, std::int64_t j0, std::int64_t j1) {
  if (to.next_pass < 0) return;
  const auto& bounds = *to.next_bounds;
  std::size_t chunk = 0;
  while (i0 + j0 >= bounds[chunk + 1]) ++chunk;
  // Four copies taken in turn: the keys of a line share a digit and often the next one too.
  Histogram* c = &(*to.next_count)[chunk * kCopies];
  const int shift = to.next_pass * kDigitBits;
  if (j0 == 0 && j1 == kLine) {
    for (int j = 0; j < kLine; j += kCopies)
      for (int q = 0; q < kCopies; ++q) ++c[q][(line[j + q] >> shift) & (kBuckets - 1)];
  } else {
    for (std::int64_t j = j0; j < j1; ++j) ++c[0][(line[j] >> shift) & (kBuckets - 1)];
  }
}

// Stores a full line of buffered keys at dst[i0, i0 + 16), a cache line, bypassing the caches.
inline void store_line(const Target& to, const std::uint32_t* line, std::int64_t i0) {
  auto* out = reinterpret_cast<__m128i*>(to.dst + i0);
  for (int q = 0; q < 4; ++q) _mm_stream_si128(out + q, _mm_load_si128(reinterpret_cast<const __m128i*>(line) + q));
  count_next(to, line, i0, 0, kLine);
}

// Stores buffered keys line[j] for j in [j0, j1) at dst[i0 + j]: part of a line.
void store_part(const Target& to, const std::uint32_t* line, std::int64_t i0, std::int64_t j0, std::int64_t j1) {
  if (j0 >= j1) return;
  for (std::int64_t j = j0; j < j1; ++j) to.dst[i0 + j] = line[j];
  count_next(to, line, i0, j0, j1);
}

// Moves src[lo, hi) to to.dst by digit `pass`, the first element of bucket b going to
// to.start[b], stably. Bucket b's line is lines[16 b, 16 b + 16); fill[b] is its next slot
// there and line_at[b] where its first slot goes in dst (below start[b] for a bucket's
// first line when start[b] is not at a line's start: those slots are not stored).
template <class T, bool kValuesIn, bool kValuesOut>
void scatter(const std::conditional_t<kValuesIn, T, std::uint32_t>* __restrict src, std::int64_t lo, std::int64_t hi,
             int pass, const Target& to) {
  std::vector<std::uint32_t> buffer(kBuckets * kLine + kLine);
  std::uint32_t* const lines =
      buffer.data() + (kLine - reinterpret_cast<std::uintptr_t>(buffer.data()) / 4 % kLine) % kLine;
  std::vector<std::uint32_t> fill(kBuckets);
  std::vector<std::int64_t> line_at(kBuckets);
  const Histogram& start = *to.start;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    const std::int64_t slot = (start[b] + to.phase) % kLine;
    fill[b] = static_cast<std::uint32_t>(static_cast<std::int64_t>(b) * kLine + slot);
    line_at[b] = start[b] - slot;
  }
  const int shift = pass * kDigitBits;
  for (std::int64_t i = lo; i < hi; ++i) {
    std::uint32_t k;
    if constexpr (kValuesIn)
      k = kernels::bits_key(src[i]);
    else
      k = src[i];
    const std::uint32_t b = (k >> shift) & (kBuckets - 1);
    const std::uint32_t j = fill[b]++;
    lines[j] = stored<T, kValuesOut>(k);
    if (j % kLine == kLine - 1) {  // the line is full
      const std::uint32_t* line = lines + (j + 1 - kLine);
      if (line_at[b] >= start[b])
        store_line(to, line, line_at[b]);
      else  // the bucket's first line, partly below its start
        store_part(to, line, line_at[b], start[b] - line_at[b], kLine);
      line_at[b] += kLine;
      fill[b] -= kLine;
    }
  }
  for (std::size_t b = 0; b < kBuckets; ++b) {  // the last, partial lines
    store_part(to, lines + b * kLine, line_at[b], std::max<std::int64_t>(0, start[b] - line_at[b]),
               static_cast<std::int64_t>(fill[b] % kLine));
  }
  _mm_sfence();  // the streamed lines are visible before the region ends
}

// The spare buffer: n elements with the line phase of `like`, on transparent huge pages
// where the system gives them (a fresh 4 KiB page costs a fault: 16384 of them for 2^24 keys).
class Spare {
 public:
  Spare(std::int64_t n, const void* like) {
    constexpr std::size_t kHuge = std::size_t{2} << 20;
    const std::size_t bytes = (static_cast<std::size_t>(n + kLine) * 4 + kHuge - 1) / kHuge * kHuge;
    own_.reset(static_cast<std::uint32_t*>(std::aligned_alloc(kHuge, bytes)));
    if (!own_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    madvise(own_.get(), bytes, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
    data_ = own_.get() + static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(like) / 4 % kLine);
  }
  std::uint32_t* data() const { return data_; }

 private:
  struct Free {
    void operator()(std::uint32_t* p) const { std::free(p); }
  };
  std::unique_ptr<std::uint32_t, Free> own_;  // not zero-filled
  std::uint32_t* data_;
};

}  // namespace

template <class T>
void radix_sort32(const T* in, T* out, std::int64_t n, int threads) {
  static_assert(sizeof(T) == 4);
  if (n < 2) {
    if (n == 1) *out = *in;
    return;
  }
  if (threads < 1 || n < threads * kLine) threads = 1;
  const auto nt = static_cast<std::size_t>(threads);
  // Chunk bounds: whole lines of out (and of the spare buffer, which shares its phase).
  const auto phase = static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(out) / 4 % kLine);
  std::vector<std::int64_t> bounds(nt + 1);
  for (std::size_t t = 0; t <= nt; ++t) {
    const std::int64_t even = n * static_cast<std::int64_t>(t) / threads;
    bounds[t] = t == 0 || t == nt ? even : std::max<std::int64_t>(0, (even + phase) / kLine * kLine - phase);
  }

  // chunk[t]: digit 0 of the keys in the t-th chunk of the input (bounds on `in`: any split
  // does for the first pass, since in is read only); the passes are the digits that vary.
  std::vector<Histogram> chunk(nt);
  std::vector<std::uint32_t> bits_or(nt), bits_and(nt);
  parallel_tasks(threads, threads, [&](std::int64_t t) {
    const auto u = static_cast<std::size_t>(t);
    count_digit(in, bounds[u], bounds[u + 1], 0, chunk[u], bits_or[u], bits_and[u]);
  });
  std::uint32_t any = 0, all = ~0u;
  for (std::size_t t = 0; t < nt; ++t) {
    any |= bits_or[t];
    all &= bits_and[t];
  }
  const std::uint32_t varying = any & ~all;
  std::vector<int> passes;
  for (int d = 0; d < kPasses; ++d)
    if (digit(varying, d) != 0) passes.push_back(d);
  if (passes.empty()) {  // every key equal: already sorted
    if (in != out) std::copy(in, in + n, out);
    return;
  }
  if (passes[0] != 0) {  // digit 0 is the same in every key: count the first that is not
    parallel_tasks(threads, threads, [&](std::int64_t t) {
      const auto u = static_cast<std::size_t>(t);
      count_digit(in, bounds[u], bounds[u + 1], passes[0], chunk[u], bits_or[u], bits_and[u]);
    });
  }

  // The passes alternate between out and spare and end in out; an odd number starts in out
  // unless that is the input itself (then the last pass ends in spare, copied back).
  const Spare spare(n, out);
  auto* const o = reinterpret_cast<std::uint32_t*>(out);
  const bool odd = passes.size() % 2 == 1;
  std::uint32_t* dst = odd && static_cast<const void*>(in) != out ? o : spare.data();
  const void* src = in;
  std::vector<Histogram> start(nt);
  std::vector<std::vector<Histogram>> next_count(nt, std::vector<Histogram>(nt * kCopies));
  for (std::size_t k = 0; k < passes.size(); ++k) {
    const int d = passes[k];
    const bool first = k == 0, last = k + 1 == passes.size();
    // Thread t writes bucket b after the keys of every smaller bucket and those of bucket b
    // in the chunks before t: each key's place is fixed, whatever the timing.
    std::int64_t next = 0;
    for (std::size_t b = 0; b < kBuckets; ++b) {
      for (std::size_t t = 0; t < nt; ++t) {
        start[t][b] = next;
        next += chunk[t][b];
      }
    }
    for (auto& c : next_count) std::fill(c.begin(), c.end(), Histogram{});
    parallel_tasks(threads, threads, [&](std::int64_t t) {
      const auto u = static_cast<std::size_t>(t);
      const std::int64_t lo = bounds[u], hi = bounds[u + 1];
      const Target to{dst, phase, &start[u], &bounds, last ? -1 : passes[k + 1], &next_count[u]};
      if (first && last)
        scatter<T, true, true>(static_cast<const T*>(src), lo, hi, d, to);
      else if (first)
        scatter<T, true, false>(static_cast<const T*>(src), lo, hi, d, to);
      else if (last)
        scatter<T, false, true>(static_cast<const std::uint32_t*>(src), lo, hi, d, to);
      else
        scatter<T, false, false>(static_cast<const std::uint32_t*>(src), lo, hi, d, to);
    });
    for (std::size_t c = 0; c < nt && !last; ++c) {  // chunk[c]: the next digit, from the scatter
      chunk[c] = Histogram{};
      for (std::size_t t = 0; t < nt; ++t)
        for (std::size_t j = 0; j < kCopies; ++j)
          for (std::size_t b = 0; b < kBuckets; ++b) chunk[c][b] += next_count[t][c * kCopies + j][b];
    }
    src = dst;
    dst = dst == o ? spare.data() : o;
  }
  if (src != o) std::memcpy(out, src, static_cast<std::size_t>(n) * sizeof(T));
}

template void radix_sort32<float>(const float*, float*, std::int64_t, int);
template void radix_sort32<std::int32_t>(const std::int32_t*, std::int32_t*, std::int64_t, int);

}  // namespace tandem::cpu
