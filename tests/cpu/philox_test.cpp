// Philox4x32-10 against the known-answer vectors of the Random123 distribution
// (Random123/examples/kat_vectors, "philox4x32 10" lines), the CPU's SIMD batch against the
// scalar kernel on every instruction set, and the bit-to-number conversions of
// src/kernels/random.hpp at their edges.

#include "kernels/philox.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

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
  });
  EXPECT_GE(targets, 1);
}

namespace {

// A batch whose word i of block l is words[(2 l + i) % size]: ziggurat_lanes reads the
// batch's 32-bit halves, so any 64-bit words can be fed to it.
tandem::cpu::PhiloxLanes batch_of(const std::vector<std::uint64_t>& words, std::size_t first) {
  tandem::cpu::PhiloxLanes b;
  for (int l = 0; l < tandem::cpu::kPhiloxLanes; ++l) {
    for (int i = 0; i < 2; ++i) {
      const std::uint64_t w =
          words[(first + 2 * static_cast<std::size_t>(l) + static_cast<std::size_t>(i)) % words.size()];
      b.v[2 * i][l] = (w & 0xffffffffu) | 0xdead000000000000ull;  // high halves are "not defined"
      b.v[2 * i + 1][l] = w >> 32;
    }
  }
  return b;
}

template <class T>
void expect_ziggurat_lanes_match(const std::vector<std::uint64_t>& words, double mean, double std_dev,
                                 const char* target) {
  const k::ZigguratTable& t = k::ziggurat_table();
  k::RandomRequest req;
  req.a = mean;
  req.b = std_dev;
  const k::NormalBlock<T> f{req};
  for (std::size_t first = 0; first < words.size(); first += 2 * tandem::cpu::kPhiloxLanes) {
    const auto batch = batch_of(words, first);
    alignas(64) T out[2 * tandem::cpu::kPhiloxLanes];
    std::uint64_t rejected[2];
    tandem::cpu::ziggurat_lanes(batch, mean, std_dev, out, rejected);
    for (int l = 0; l < tandem::cpu::kPhiloxLanes; ++l) {
      for (int i = 0; i < 2; ++i) {
        const std::uint64_t w =
            words[(first + 2 * static_cast<std::size_t>(l) + static_cast<std::size_t>(i)) % words.size()];
        const bool quick = k::ziggurat_quick_accept(w, t);
        ASSERT_EQ(((rejected[i] >> l) & 1) == 0, quick) << target << " word " << std::hex << w;
        if (!quick) continue;
        const T want = f.finish(k::ziggurat_candidate(w, t));
        const T got = out[2 * l + i];
        ASSERT_EQ(std::memcmp(&want, &got, sizeof(T)), 0) << target << " word " << std::hex << w << " " << got;
      }
    }
  }
}

}  // namespace

TEST(Ziggurat, SimdFastPathIsBitwiseTheScalarKernelOnEveryTarget) {
  // Random words, and crafted ones: every layer with the 52-bit uniform at 0, at its
  // largest value, and at the quick test's bound and one below it (k >> 40 in the top 12
  // bits), both signs.
  std::vector<std::uint64_t> words;
  const k::PhiloxKey key{{0x12345678u, 0x9abcdef0u}};
  for (std::uint64_t c = 0; c < 20000; ++c) {
    const auto b = k::philox4x32_10(k::philox_counter(c, 0), key);
    words.push_back(k::word64(b, 0));
    words.push_back(k::word64(b, 1));
  }
  const k::ZigguratTable& t = k::ziggurat_table();
  for (std::uint64_t layer = 0; layer < static_cast<std::uint64_t>(k::kZigguratLayers); ++layer) {
    std::uint64_t wbits;
    std::memcpy(&wbits, &t.w[layer], sizeof wbits);
    const std::uint64_t bound = wbits & 0xfff;
    for (std::uint64_t sign : {std::uint64_t{0}, std::uint64_t{0x400}}) {
      for (std::uint64_t top : {std::uint64_t{0}, std::uint64_t{0xfff}, bound, bound == 0 ? 0 : bound - 1}) {
        words.push_back((top << 52) | sign | layer);
        words.push_back((top << 52) | (0xfffffffffull << 12) | 0x800 | sign | layer);
      }
    }
  }
  int targets = 0;
  tandem::cpu::for_each_simd_target_for_testing([&](const char* name) {
    ++targets;
    expect_ziggurat_lanes_match<double>(words, 0.0, 1.0, name);
    expect_ziggurat_lanes_match<double>(words, 2.5, 0.75, name);
    expect_ziggurat_lanes_match<float>(words, 0.0, 1.0, name);
    expect_ziggurat_lanes_match<float>(words, -1.0, 3.0, name);
  });
  EXPECT_GE(targets, 1);
}

TEST(Ziggurat, TablesDescribeAClosedZiggurat) {
  // Widths increase downwards, densities decrease, and the rectangle bounds are the width
  // ratios; the quick bound never exceeds the exact one.
  const k::ZigguratTable& t = k::ziggurat_table();
  EXPECT_EQ(t.k[1], 0u);
  EXPECT_EQ(t.f[0], 1.0);
  EXPECT_NEAR(t.w[k::kZigguratLayers - 1] * 0x1p52, k::kZigguratR, 0x1p-39 * k::kZigguratR);  // low bits: the bound
  for (int i = 2; i < k::kZigguratLayers; ++i) {
    ASSERT_LT(t.w[i - 1], t.w[i]) << i;
    ASSERT_GT(t.f[i - 1], t.f[i]) << i;
    ASSERT_NEAR(static_cast<double>(t.k[i]) * 0x1p-52, t.w[i - 1] / t.w[i], 1e-11) << i;
    ASSERT_NEAR(t.f[i], std::exp(-0.5 * (t.w[i] * 0x1p52) * (t.w[i] * 0x1p52)), 1e-10 * t.f[i]) << i;
  }
  for (int i = 0; i < k::kZigguratLayers; ++i) {
    std::uint64_t wbits;
    std::memcpy(&wbits, &t.w[i], sizeof wbits);
    ASSERT_LE((wbits & 0xfff) << 40, t.k[i]) << i;
  }
}

TEST(Ziggurat, PortableExpMatchesLibm) {
  for (double x = -700.0; x <= 0.0; x += 0.0137) {
    const double want = std::exp(x);
    ASSERT_NEAR(k::exp_nonpositive(x), want, 2.3e-16 * want) << x;
  }
  EXPECT_EQ(k::exp_nonpositive(0.0), 1.0);
}

TEST(RandomMath, PortablePowOfAUnitUniformMatchesLibm) {
  // Gamma's boost u^(1/shape) for shape < 1: no libm pow, so the GPU gets the same bits.
  for (double x = -1399.0; x < -700.0; x += 0.731) {  // e^(x/2) squared: subnormal results
    const double want = std::exp(x);
    ASSERT_NEAR(k::exp_negative(x), want, 1e-15 * want + 5e-324) << x;
  }
  EXPECT_EQ(k::exp_negative(-1500.0), 0.0);
  EXPECT_EQ(k::exp_negative(-3.0), k::exp_nonpositive(-3.0));
  std::uint64_t state = 12345;
  for (int i = 0; i < 20000; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    const double u = (static_cast<double>(state >> 32) + 0.5) / 4294967296.0;  // (0, 1) as gamma draws it
    for (double shape : {0.9, 0.5, 0.3, 0.05, 0.004}) {
      const double want = std::pow(u, 1.0 / shape);
      const double got = k::pow_unit(u, 1.0 / shape);
      // e^(p log u) turns the roundings of log u and of the product (an ulp each, relative)
      // into an absolute error of the exponent: about 2 ulp per unit of |p log u|.
      const double tol = (4e-16 + 4.5e-16 * std::abs(std::log(u) / shape)) * want;
      ASSERT_NEAR(got, want, tol + 5e-324) << u << " " << shape;
    }
  }
}
