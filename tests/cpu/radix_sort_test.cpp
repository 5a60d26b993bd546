// cpu::radix_sort32 (the sort path of long float32 / int32 lines on 2+ threads) called
// directly at small odd sizes, 1-4 threads, bit for bit against the order it promises
// (kernels::bits_key: -0.0 before +0.0; NaNs last, positive by increasing payload, then
// negative by decreasing payload, every payload kept), written out independently here; and
// td::sort through it once above tuning::kSortRadixMinElements.

#include "cpu/radix_sort.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <tandem/tandem.hpp>
#include <tuple>
#include <vector>

#include "dispatch/tuning.hpp"
#include "kernels/sort_key.hpp"
#include "support/special_values.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::special_mix;

namespace {

std::uint32_t bits(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

bool exact_less(float a, float b) {
  auto rank = [](float x) {
    const std::uint32_t payload = bits(x) & 0x7fffffu;
    if (!std::isnan(x)) return std::make_tuple(0, static_cast<double>(x), std::signbit(x) ? 0 : 1, 0u);
    if (!std::signbit(x)) return std::make_tuple(1, 0.0, 0, payload);
    return std::make_tuple(2, 0.0, 0, 0x7fffffu - payload);
  };
  return rank(a) < rank(b);
}
bool exact_less(std::int32_t a, std::int32_t b) { return a < b; }

template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& got, std::vector<T> vals) {
  std::sort(vals.begin(), vals.end(), [](T a, T b) { return exact_less(a, b); });
  if (got.size() != vals.size()) return ::testing::AssertionFailure() << "size " << got.size();
  for (std::size_t i = 0; i < got.size(); ++i)
    if (std::memcmp(&got[i], &vals[i], sizeof(T)) != 0)
      return ::testing::AssertionFailure() << "bits differ at " << i << " of " << got.size();
  return ::testing::AssertionSuccess();
}

template <class T>
class RadixSort : public ::testing::Test {};
using RadixTypes = ::testing::Types<float, std::int32_t>;
TYPED_TEST_SUITE(RadixSort, RadixTypes);

TYPED_TEST(RadixSort, OddSizesAndThreadCountsMatchTheExactOrder) {
  using T = TypeParam;
  for (std::int64_t n : {0, 1, 2, 7, 255, 1023, 4099, 65537}) {
    const auto vals = special_mix<T>(n, static_cast<std::uint64_t>(n) + 3);
    for (int threads : {1, 2, 3, 4, 7}) {
      auto v = vals;
      td::cpu::radix_sort32(v.data(), v.data(), n, threads);
      EXPECT_TRUE(same_bits(v, vals)) << "n=" << n << ", " << threads << " threads";
    }
  }
}

TYPED_TEST(RadixSort, KeysThatShareBytesSkipPasses) {
  // Keys differing in one, two or three of their four bytes (passes skipped, an odd number
  // of passes left: the result comes back from the spare buffer), all equal, sorted, reversed.
  using T = TypeParam;
  const std::int64_t n = 20011;
  auto inputs = td::test::byte_sharing_keys<T>(n);
  auto ascending = special_mix<T>(n, 9);
  std::sort(ascending.begin(), ascending.end(), [](T a, T b) { return exact_less(a, b); });
  inputs.push_back(ascending);
  inputs.emplace_back(ascending.rbegin(), ascending.rend());
  for (std::size_t c = 0; c < inputs.size(); ++c) {
    for (int threads : {1, 2, 3}) {
      auto v = inputs[c];
      td::cpu::radix_sort32(v.data(), v.data(), n, threads);
      EXPECT_TRUE(same_bits(v, inputs[c])) << c << ", " << threads << " threads";
    }
  }
}

TYPED_TEST(RadixSort, KeysVaryingInSomeDigitsOnly) {
  // Keys (kernels::bits_key) equal but in the masked bytes, turned into values: a constant
  // first digit (the first pass counted again), constant middle or top digits (passes
  // skipped, odd counts ending in the spare buffer), one byte only; float bit patterns
  // include NaNs of both signs. In place and into a separate output, 1-3 threads.
  using T = TypeParam;
  const std::int64_t n = 5003;
  const auto noise = td::test::random_values<std::int64_t>(n, 21, 0, 0xffffffffLL);
  for (std::uint32_t mask :
       {0xffu, 0xff00u, 0xff0000u, 0xff000000u, 0xffffff00u, 0xff00ff00u, 0x00ffff00u, 0x0f0000f0u}) {
    std::vector<T> vals(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < vals.size(); ++i) {
      const auto key =
          static_cast<std::uint32_t>((0x5a3c96a5u & ~mask) | (static_cast<std::uint32_t>(noise[i]) & mask));
      vals[i] = td::kernels::value_of_bits_key<T>(key);
    }
    for (int threads : {1, 2, 3}) {
      auto v = vals;
      td::cpu::radix_sort32(v.data(), v.data(), n, threads);
      EXPECT_TRUE(same_bits(v, vals)) << std::hex << mask << ", " << std::dec << threads << " threads, in place";
      std::vector<T> out(static_cast<std::size_t>(n));
      td::cpu::radix_sort32(vals.data(), out.data(), n, threads);
      EXPECT_TRUE(same_bits(out, vals)) << std::hex << mask << ", " << std::dec << threads << " threads";
    }
  }
}

TYPED_TEST(RadixSort, SeparateAndMisalignedOutputsAroundCacheLines) {
  // The scatter buffers a cache line (16 keys) per bucket and stores it whole: lengths
  // around multiples of 16, input and output starting at every offset within a line, the
  // input left as it was.
  using T = TypeParam;
  for (std::int64_t n : {2, 15, 16, 17, 31, 33, 64, 255, 1000, 4111}) {
    const auto vals = special_mix<T>(n, static_cast<std::uint64_t>(n) + 5);
    for (std::size_t in_at : {0, 1, 7}) {
      for (std::size_t out_at : {0, 3, 15}) {
        for (int threads : {1, 2, 3}) {
          std::vector<T> in(static_cast<std::size_t>(n) + in_at), out(static_cast<std::size_t>(n) + out_at + 1);
          std::copy(vals.begin(), vals.end(), in.begin() + static_cast<std::ptrdiff_t>(in_at));
          const T guard = out.back();
          td::cpu::radix_sort32(in.data() + in_at, out.data() + out_at, n, threads);
          const std::vector<T> got(out.begin() + static_cast<std::ptrdiff_t>(out_at), out.end() - 1);
          EXPECT_TRUE(same_bits(got, vals))
              << "n=" << n << " at " << in_at << "->" << out_at << ", " << threads << " threads";
          EXPECT_TRUE(std::equal(vals.begin(), vals.end(), in.begin() + static_cast<std::ptrdiff_t>(in_at),
                                 [](T a, T b) { return std::memcmp(&a, &b, sizeof(T)) == 0; }));
          EXPECT_EQ(std::memcmp(&out.back(), &guard, sizeof(T)), 0) << "wrote past the output";
        }
      }
    }
  }
}

TYPED_TEST(RadixSort, SortTakesItForALongLineOnTwoThreads) {
  // Above the threshold on 2 threads td::sort gives the exact order (the sample sort would
  // leave zeros and NaN payloads in no particular order), also through a negative stride.
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  td::set_num_threads(2);
  const std::int64_t n = td::tuning::kSortRadixMinElements + 3;
  const auto vals = special_mix<T>(n, 11);
  EXPECT_TRUE(same_bits(td::sort(td::Array<T>::from(vals)).to_vector(), vals));
  std::vector<T> rev(vals.rbegin(), vals.rend());
  EXPECT_TRUE(same_bits(td::sort(td::flip(td::Array<T>::from(rev))).to_vector(), vals));
}

TYPED_TEST(RadixSort, OneThreadTakesItForALongerLineWithTheSameBits) {
  // From tuning::kSortRadixMinElementsOneThread on, one thread sorts by radix too: td::sort
  // on one thread gives the bits radix_sort32 gives on two (whose order the tests above
  // check), also for a line that is a view into a bigger array.
  using T = TypeParam;
  const td::test::ThreadCountGuard guard;
  td::set_num_threads(1);
  const std::int64_t n = td::tuning::kSortRadixMinElementsOneThread + 3;
  auto vals = special_mix<T>(n + 5, 13);
  auto expected = std::vector<T>(vals.begin() + 5, vals.end());
  td::cpu::radix_sort32(expected.data(), expected.data(), n, 2);
  const auto got = td::sort(td::Array<T>::from(vals)(td::from(5))).to_vector();
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(T)), 0);
}

}  // namespace
