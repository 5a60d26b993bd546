// Philox4x32-10 against the known-answer vectors of the Random123 distribution
// (Random123/examples/kat_vectors, "philox4x32 10" lines), the CPU's SIMD batch against the
// scalar kernel on every instruction set, and the bit-to-number conversions of
// src/kernels/random.hpp at their edges.

#include "kernels/philox.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "cpu/random.hpp"
#include "kernels/random.hpp"

namespace k = tandem::kernels;

namespace {

void expect_block(const k::PhiloxBlock& got, std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t d) {
  EXPECT_EQ(got.v[0], a);
  EXPECT_EQ(got.v[1], b);
  EXPECT_EQ(got.v[2], c);
  EXPECT_EQ(got.v[3], d);
}

}  // namespace

TEST(Philox, KnownAnswerZeros) {
  expect_block(k::philox4x32_10(k::PhiloxBlock{{0, 0, 0, 0}}, k::PhiloxKey{{0, 0}}), 0x6627e8d5u, 0xe169c58du,
               0xbc57ac4cu, 0x9b00dbd8u);
}

TEST(Philox, KnownAnswerOnes) {
  const std::uint32_t f = 0xffffffffu;
  expect_block(k::philox4x32_10(k::PhiloxBlock{{f, f, f, f}}, k::PhiloxKey{{f, f}}), 0x408f276du, 0x41c83b0eu,
               0xa20bc7c6u, 0x6d5451fdu);
}

TEST(Philox, KnownAnswerPi) {
  expect_block(k::philox4x32_10(k::PhiloxBlock{{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}},
                                k::PhiloxKey{{0xa4093822u, 0x299f31d0u}}),
               0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

TEST(Philox, CounterWordsLeastSignificantFirst) {
  const k::PhiloxBlock c = k::philox_counter(0x0123456789abcdefull, 0xfedcba9876543210ull);
  expect_block(c, 0x89abcdefu, 0x01234567u, 0x76543210u, 0xfedcba98u);
}

TEST(Philox, BlockAtCarriesIntoTheHighHalf) {
  k::RandomRequest r;
  r.counter_lo = ~std::uint64_t{0};
  r.counter_hi = 5;
  const k::PhiloxKey key{{1, 2}};
  const k::PhiloxBlock a = k::block_at(r, 1, key);
  const k::PhiloxBlock b = k::philox4x32_10(k::philox_counter(0, 6), key);
  expect_block(a, b.v[0], b.v[1], b.v[2], b.v[3]);
}

TEST(RandomBits, UniformDoubleEdges) {
  EXPECT_EQ(k::u01_f64(0), 0.0);
  EXPECT_EQ(k::u01_f64(std::uint64_t{1} << 63), 0.5);
  EXPECT_EQ(k::u01_f64(~std::uint64_t{0}), 1.0 - std::numeric_limits<double>::epsilon() / 2);
  EXPECT_EQ(k::u01_f64(1), 0x1p-64);
  // Below 0.5 the low mantissa bits still come from the word: 2^-2 * (1 + 2^-52).
  EXPECT_EQ(k::u01_f64((std::uint64_t{1} << 62) | (std::uint64_t{1} << 10)), 0.25 * (1 + 0x1p-52));
  EXPECT_EQ(k::u01_open_low(~std::uint64_t{0}), 0x1p-53);
  EXPECT_EQ(k::u01_open_low(0), 1.0);
}

TEST(RandomBits, UniformFloatEdges) {
  EXPECT_EQ(k::u01_f32(0), 0.0f);
  EXPECT_EQ(k::u01_f32(std::uint64_t{1} << 63), 0.5f);
  EXPECT_EQ(k::u01_f32(~std::uint64_t{0}), 1.0f - std::numeric_limits<float>::epsilon() / 2);
  EXPECT_EQ(k::u01_f32((std::uint64_t{1} << 62) | (std::uint64_t{1} << 39)), 0.25f * (1 + 0x1p-23f));
}

TEST(RandomBits, LemireRejectsExactlyTheBiasedZone) {
  // range 3: 2^64 mod 3 = 1, so only lo64(x * 3) == 0 is rejected (x == 0).
  std::uint64_t v = 99;
  EXPECT_FALSE(k::lemire_attempt(0, 3, &v));
  EXPECT_TRUE(k::lemire_attempt(1, 3, &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(k::lemire_attempt(~std::uint64_t{0}, 3, &v));
  EXPECT_EQ(v, 2u);
  // A power of two is never rejected.
  EXPECT_TRUE(k::lemire_attempt(0, 8, &v));
  EXPECT_EQ(v, 0u);
}

TEST(Philox, SimdLanesMatchTheScalarKernelOnEveryTarget) {
  const k::PhiloxKey key{{0xa4093822u, 0x299f31d0u}};
  const std::uint64_t lo = ~std::uint64_t{0} - 20;  // the batch carries into the high half
  const std::uint64_t hi = 0x0123456789abcdefull;
  int targets = 0;
  tandem::cpu::for_each_simd_target_for_testing([&](const char* name) {
    ++targets;
    tandem::cpu::PhiloxLanes lanes;
    tandem::cpu::philox_lanes(key, lo, hi, lanes);
    for (int l = 0; l < tandem::cpu::kPhiloxLanes; ++l) {
      const std::uint64_t x = lo + static_cast<std::uint64_t>(l);
      const k::PhiloxBlock want = k::philox4x32_10(k::philox_counter(x, hi + (x < lo ? 1 : 0)), key);
      for (int w = 0; w < 4; ++w)
        ASSERT_EQ(static_cast<std::uint32_t>(lanes.v[w][l]), want.v[w]) << name << " lane " << l << " word " << w;
    }
    alignas(64) double r[tandem::cpu::kPhiloxLanes];
    for (int l = 0; l < tandem::cpu::kPhiloxLanes; ++l) r[l] = 0.37 * l + 1e-3;
    tandem::cpu::sqrt_lanes(r);
    for (int l = 0; l < tandem::cpu::kPhiloxLanes; ++l) ASSERT_EQ(r[l], std::sqrt(0.37 * l + 1e-3)) << name;
  });
  EXPECT_GE(targets, 1);
}
