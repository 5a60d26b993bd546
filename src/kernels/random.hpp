#pragma once
// Random distributions over Philox4x32-10 blocks, shared by every backend.
//
// Counter layout. A generator is a 64-bit Philox key plus a 128-bit counter position
// (stream:offset). Element i (C order) of a request's output takes its bits from block
// j = i / k, i.e. Philox(counter = position + j, key), where k is the number of values a
// distribution draws from one block (values_per_block). Its value is a pure function of
// (key, position + i / k, i % k): it does not depend on threads, chunking or device. A
// request uses ceil(n / k) counters and the generator then advances by that much.
//
// Rejection sampling (integers, gamma) stays per element: round 0 uses the element's own
// block; round r >= 1 uses the same counter under the key retry_key(key, r), which no
// ordinary draw of this generator uses. Rounds are capped at kMaxRounds; the chance of
// reaching the cap is below 2^-64 for every parameter (see each distribution).

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/hd.hpp"
#include "kernels/philox.hpp"
#include "kernels/random_math.hpp"
#include "kernels/random_request.hpp"
#include "kernels/ziggurat_tables.hpp"

namespace tandem::kernels {

inline constexpr int kMaxRounds = 64;

TANDEM_HD inline PhiloxKey retry_key(PhiloxKey key, std::uint32_t round) {
  return PhiloxKey{{key.k[0] ^ 0x52455452u, key.k[1] + round * kPhiloxW1}};
}

/// Philox block j of a request: counter (counter_hi:counter_lo) + j, 128-bit.
TANDEM_HD inline PhiloxBlock block_at(const RandomRequest& r, std::uint64_t j, PhiloxKey key) {
  const std::uint64_t lo = r.counter_lo + j;
  const std::uint64_t hi = r.counter_hi + (lo < j ? 1 : 0);
  return philox4x32_10(philox_counter(lo, hi), key);
}

// ---- bits to numbers ----

TANDEM_HD inline std::uint64_t word64(const PhiloxBlock& w, int i) {
  return static_cast<std::uint64_t>(w.v[2 * i]) | (static_cast<std::uint64_t>(w.v[2 * i + 1]) << 32);
}

TANDEM_HD inline int clz64(std::uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __clzll(static_cast<long long>(x));
#else
  return x == 0 ? 64 : __builtin_clzll(x);
#endif
}

TANDEM_HD inline std::uint64_t mulhi64(std::uint64_t a, std::uint64_t b, std::uint64_t* lo) {
#if defined(__CUDA_ARCH__)
  *lo = a * b;
  return __umul64hi(a, b);
#else
  __extension__ typedef unsigned __int128 u128;
  const u128 p = static_cast<u128>(a) * b;
  *lo = static_cast<std::uint64_t>(p);
  return static_cast<std::uint64_t>(p >> 64);
#endif
}

/// x / 2^64 rounded down to a double: uniform on [0, 1). Every value at or above 2^-12 has
/// all 52 mantissa bits random (a plain (x >> 11) * 2^-53 leaves up to 52 of them zero for
/// small values); below 2^-12 the bits run out at 2^-64.
TANDEM_HD inline double u01_f64(std::uint64_t x) {
  const auto lz = static_cast<std::uint64_t>(clz64(x | 1));  // branch-free: x == 0 is fixed below
  const std::uint64_t mantissa = ((x << lz) << 1) >> 12;
  const std::uint64_t bits = x == 0 ? 0 : ((1022 - lz) << 52) | mantissa;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

/// x / 2^64 rounded down to a float: uniform on [0, 1), all 23 mantissa bits random above 2^-41.
TANDEM_HD inline float u01_f32(std::uint64_t x) {
  const auto lz = static_cast<std::uint64_t>(clz64(x | 1));
  const auto mantissa = static_cast<std::uint32_t>(((x << lz) << 1) >> 41);
  const std::uint32_t bits = x == 0 ? 0u : (static_cast<std::uint32_t>(126 - lz) << 23) | mantissa;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

/// Uniform on (0, 1]: never 0, so its logarithm is finite.
TANDEM_HD inline double u01_open_low(std::uint64_t x) { return 1.0 - u01_f64(x); }

// ---- distributions: each fills the k = values_per_block values of block j ----

template <class T>
struct UniformBlock {
  static constexpr int k = 2;
  T low, span;
  TANDEM_HD void operator()(const PhiloxBlock& w, std::uint64_t /*j*/, T* out) const {
    for (int i = 0; i < 2; ++i) {
      T u;
      if constexpr (sizeof(T) == 4)
        u = u01_f32(word64(w, i));
      else
        u = u01_f64(word64(w, i));
      out[i] = low + span * u;
    }
  }
};

// ---- the standard normal: a 1024-layer ziggurat (tables: src/kernels/ziggurat_tables.hpp) ----

struct ZigguratTable {
  std::uint64_t k[kZigguratLayers];  // inside the layer's rectangle when the 52-bit uniform is below k
  double w[kZigguratLayers];         // the candidate is the 52-bit uniform times w; low 12 bits: k >> 40
  double f[kZigguratLayers];         // the density exp(-x^2 / 2) at the layer's right edge
};
inline constexpr ZigguratTable kZigguratHost = {TANDEM_ZIGGURAT_K, TANDEM_ZIGGURAT_W, TANDEM_ZIGGURAT_F};
#if defined(__CUDACC__)
static __device__ const ZigguratTable kZigguratDevice = {TANDEM_ZIGGURAT_K, TANDEM_ZIGGURAT_W, TANDEM_ZIGGURAT_F};
#endif

TANDEM_HD inline const ZigguratTable& ziggurat_table() {
#if defined(__CUDA_ARCH__)
  return kZigguratDevice;
#else
  return kZigguratHost;
#endif
}

/// The ziggurat's candidate from a 64-bit word: layer = bits 0-9, sign = bit 10, and the
/// 52-bit uniform u = bits 12-63; the candidate is +-u * w[layer] (exact conversion of u,
/// one rounding in the product). Branch-free, so CPU loops vectorise it (one gather).
TANDEM_HD inline double ziggurat_candidate(std::uint64_t w, const ZigguratTable& t) {
  const std::uint64_t ubits = (w >> 12) | 0x4330000000000000ull;  // 2^52 + u, exactly
  double u;
  std::memcpy(&u, &ubits, sizeof u);
  const double x = (u - 0x1p52) * t.w[w & 0x3ff];
  std::uint64_t xbits;
  std::memcpy(&xbits, &x, sizeof xbits);
  xbits ^= (w & 0x400) << 53;
  double out;
  std::memcpy(&out, &xbits, sizeof out);
  return out;
}

/// The fast test: the top 12 bits of the 52-bit uniform below the 12-bit bound k >> 40
/// kept in the low bits of w[layer] (so the test needs no second lookup). A subset of the
/// exact test u < k[layer]; it accepts 99.56 % of words, ziggurat_rare the rest.
TANDEM_HD inline bool ziggurat_quick_accept(std::uint64_t w, const ZigguratTable& t) {
  std::uint64_t wbits;
  std::memcpy(&wbits, &t.w[w & 0x3ff], sizeof wbits);
  return (w >> 52) < (wbits & 0xfff);
}

/// The key of block s of the rare-path stream of value i: (k0 ^ "NORM", k1 + (2 s + i) W1).
TANDEM_HD inline PhiloxKey normal_key(PhiloxKey key, std::uint32_t s, int i) {
  return PhiloxKey{{key.k[0] ^ 0x4e4f524du, key.k[1] + (2 * s + static_cast<std::uint32_t>(i)) * kPhiloxW1}};
}

/// The value of a word the quick test rejected (value i of block j). Its further draws
/// come from its own stream: the 64-bit words of the blocks at counter j under the keys
/// normal_key(key, s, i), s = 0, 1, ..., which no other draw uses; so the value still
/// depends only on (key, counter, i). Each round is a new ziggurat attempt, a wedge test
/// (one word) or one step of Marsaglia's tail method beyond r (two words). A round after
/// the first fails with probability < 0.07, so the cap of kMaxRounds rounds (after which
/// the last candidate is returned) is reached with probability < 2^-240.
TANDEM_HD inline double ziggurat_rare(const RandomRequest& r, std::uint64_t j, int i, std::uint64_t w) {
  const ZigguratTable& t = ziggurat_table();
  std::uint32_t block_index = 0;
  int used = 2;
  PhiloxBlock aux{};
  auto next_word = [&]() {
    if (used == 2) {
      const PhiloxKey key = normal_key(r.key, block_index, i);
      aux = block_at(r, j, key);
      ++block_index;
      used = 0;
    }
    return word64(aux, used++);
  };
  double x = ziggurat_candidate(w, t);
  for (int round = 0; round < kMaxRounds; ++round) {
    const unsigned layer = static_cast<unsigned>(w & 0x3ff);
    if ((w >> 12) < t.k[layer]) return x;  // inside the rectangle
    if (layer == 0) {
      // Beyond r: x = r + e1 / r with e1, e2 exponential, accepted when 2 e2 > (e1 / r)^2.
      for (; round < kMaxRounds; ++round) {
        const double xx = -kZigguratInvR * log_positive(u01_open_low(next_word()));
        const double yy = -log_positive(u01_open_low(next_word()));
        if (yy + yy > xx * xx) return (w & 0x400) ? -(kZigguratR + xx) : kZigguratR + xx;
      }
      return x;
    }
    // The wedge between the layer's rectangle and the curve.
    const double y = (t.f[layer - 1] - t.f[layer]) * u01_f64(next_word()) + t.f[layer];
    if (y < exp_nonpositive(-0.5 * x * x)) return x;
    w = next_word();
    x = ziggurat_candidate(w, t);
  }
  return x;
}

/// Standard normal value i of block j from its 64-bit word.
TANDEM_HD inline double standard_normal_at(const RandomRequest& r, std::uint64_t j, int i, std::uint64_t w) {
  const ZigguratTable& t = ziggurat_table();
  return ziggurat_quick_accept(w, t) ? ziggurat_candidate(w, t) : ziggurat_rare(r, j, i, w);
}

/// Normal values: one per 64-bit word of the block, by the ziggurat above, computed in
/// double for both dtypes (float and double draws of one seed agree to rounding).
template <class T>
struct NormalBlock {
  static constexpr int k = 2;
  RandomRequest req;  // a: mean, b: std
  TANDEM_HD void operator()(const PhiloxBlock& w, std::uint64_t j, T* out) const {
    for (int i = 0; i < 2; ++i) out[i] = finish(standard_normal_at(req, j, i, word64(w, i)));
  }
  TANDEM_HD T finish(double z) const { return static_cast<T>(req.a + req.b * z); }
};

template <class T>
struct ExponentialBlock {
  static constexpr int k = 2;
  double scale;
  TANDEM_HD void operator()(const PhiloxBlock& w, std::uint64_t /*j*/, T* out) const {
    for (int i = 0; i < 2; ++i) out[i] = static_cast<T>(-scale * log_positive(u01_open_low(word64(w, i))));
  }
};

struct BernoulliBlock {
  static constexpr int k = 2;
  double p;
  TANDEM_HD void operator()(const PhiloxBlock& w, std::uint64_t /*j*/, bool* out) const {
    for (int i = 0; i < 2; ++i) out[i] = u01_f64(word64(w, i)) < p;
  }
};

/// One Lemire attempt (Lemire 2019, "Fast random integer generation in an interval"):
/// hi64(x * range) is accepted unless lo64(x * range) < 2^64 mod range, which removes the
/// modulo bias exactly.
TANDEM_HD inline bool lemire_attempt(std::uint64_t x, std::uint64_t range, std::uint64_t* out) {
  std::uint64_t lo;
  const std::uint64_t hi = mulhi64(x, range, &lo);
  if (lo < range) {
    const std::uint64_t threshold = (0 - range) % range;
    if (lo < threshold) return false;
  }
  *out = hi;
  return true;
}

/// An unbiased integer in [0, range) for block j: two attempts per round (the block's two
/// 64-bit words). An attempt fails with probability (2^64 mod range) / 2^64 < 1/2 (< 2^-32
/// for int32 ranges), so all 128 attempts of 64 rounds fail with probability < 2^-128;
/// after the cap the last candidate is returned.
TANDEM_HD inline std::uint64_t bounded_u64(const RandomRequest& r, PhiloxBlock w, std::uint64_t j,
                                           std::uint64_t range) {
  std::uint64_t value = 0;
  for (std::uint32_t round = 0;; ++round) {
    if (lemire_attempt(word64(w, 0), range, &value) || lemire_attempt(word64(w, 1), range, &value)) return value;
    if (round + 1 == static_cast<std::uint32_t>(kMaxRounds)) return value;
    w = block_at(r, j, retry_key(r.key, round + 1));
  }
}

template <class T>
struct IntegersBlock {
  static constexpr int k = 1;
  RandomRequest req;
  TANDEM_HD void operator()(const PhiloxBlock& w, std::uint64_t j, T* out) const {
    const std::uint64_t v = static_cast<std::uint64_t>(req.low) + bounded_u64(req, w, j, req.range);
    out[0] = static_cast<T>(static_cast<std::int64_t>(v));
  }
};

/// Marsaglia-Tsang (2000). Each round uses one block: a normal from 32-bit uniforms
/// (words 0, 1), the acceptance uniform (word 2); for shape < 1 the boost uniform
/// u^(1/shape) comes from word 3 of round 0. Acceptance is >= 95% per round, so the cap
/// of 64 rounds is reached with probability < 2^-270.
template <class T>
struct GammaBlock {
  static constexpr int k = 1;
  RandomRequest req;  // a: shape, b: scale
  TANDEM_HD void operator()(PhiloxBlock w, std::uint64_t j, T* out) const {
    const double shape = req.a;
    const double alpha = shape < 1.0 ? shape + 1.0 : shape;
    const double d = alpha - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    constexpr double k2m32 = 1.0 / 4294967296.0;
    const double boost = shape < 1.0 ? pow_unit((w.v[3] + 0.5) * k2m32, 1.0 / shape) : 1.0;
    double x = d;
    for (std::uint32_t round = 0; round < static_cast<std::uint32_t>(kMaxRounds); ++round) {
      if (round > 0) w = block_at(req, j, retry_key(req.key, round));
      const double u1 = 1.0 - w.v[0] * k2m32;  // (0, 1]
      double sin_t, cos_t;
      sincos_turns(w.v[1] * k2m32, &sin_t, &cos_t);
      const double z = std::sqrt(-2.0 * log_positive(u1)) * cos_t;
      const double t = 1.0 + c * z;
      if (t <= 0.0) continue;
      const double v = t * t * t;
      const double u = (w.v[2] + 0.5) * k2m32;  // (0, 1)
      x = d * v;
      if (log_positive(u) < 0.5 * z * z + d - x + d * log_positive(v)) break;
    }
    out[0] = static_cast<T>(x * boost * req.b);
  }
};

}  // namespace tandem::kernels
