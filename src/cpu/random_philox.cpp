// The Highway parts of the CPU random fills. Philox4x32-10 over consecutive counters: the
// 32 x 32 -> 64-bit products are MulEven (one pmuludq per vector), which the auto-vectoriser
// does not find (it emits the much slower 64-bit vpmullq). And the fast path of the normal
// ziggurat, whose table lookups the auto-vectoriser leaves scalar (here: one gather per
// vector). Compiled once per instruction set through foreach_target.h; HWY_DYNAMIC_DISPATCH
// picks one at run time. Equal to kernels::philox4x32_10 and kernels::ziggurat_candidate
// lane by lane.

// No FMA contraction (GCC contracts across Highway's Mul and Add otherwise): the normal
// values must round exactly as the scalar kernels do. Before the includes, so that every
// target's code gets it.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif

#include <cstdint>
#include <cstring>
#include <functional>

#include "cpu/random.hpp"
#include "kernels/philox.hpp"
#include "kernels/random.hpp"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/random_philox.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void PhiloxBatchImpl(std::uint32_t key0, std::uint32_t key1, std::uint64_t lo, std::uint64_t hi, PhiloxLanes& out) {
  std::uint64_t* c0 = out.v[0];
  std::uint64_t* c1 = out.v[1];
  std::uint64_t* c2 = out.v[2];
  std::uint64_t* c3 = out.v[3];
  for (int l = 0; l < kPhiloxLanes; ++l) {
    const std::uint64_t x = lo + static_cast<std::uint64_t>(l);
    const std::uint64_t h = hi + (x < lo ? 1 : 0);
    c0[l] = x & 0xffffffffu;
    c1[l] = x >> 32;
    c2[l] = h & 0xffffffffu;
    c3[l] = h >> 32;
  }
#if HWY_TARGET == HWY_SCALAR
  // One 64-bit lane cannot be viewed as 32-bit lanes: the shared scalar kernel instead.
  for (int l = 0; l < kPhiloxLanes; ++l) {
    const kernels::PhiloxBlock b = kernels::philox4x32_10(
        kernels::PhiloxBlock{{static_cast<std::uint32_t>(c0[l]), static_cast<std::uint32_t>(c1[l]),
                              static_cast<std::uint32_t>(c2[l]), static_cast<std::uint32_t>(c3[l])}},
        kernels::PhiloxKey{{key0, key1}});
    c0[l] = b.v[0];
    c1[l] = b.v[1];
    c2[l] = b.v[2];
    c3[l] = b.v[3];
  }
#else
  const hn::ScalableTag<std::uint64_t> d;
  const hn::Repartition<std::uint32_t, decltype(d)> d32;
  const auto m0 = hn::BitCast(d32, hn::Set(d, kernels::kPhiloxM0));
  const auto m1 = hn::BitCast(d32, hn::Set(d, kernels::kPhiloxM1));
  const std::size_t n = hn::Lanes(d);
  // One Philox round on four word vectors. The low products keep their high halves: x1 and
  // x3 reach MulEven (which reads the low 32 bits of each lane) only through x0 and x2, so
  // those bits never matter; the caller truncates the stored words to 32 bits.
  auto round = [&](auto& x0, auto& x1, auto& x2, auto& x3, std::uint32_t k0, std::uint32_t k1) {
    const auto p0 = hn::MulEven(hn::BitCast(d32, x0), m0);
    const auto p1 = hn::MulEven(hn::BitCast(d32, x2), m1);
    x0 = hn::Xor(hn::Xor(hn::ShiftRight<32>(p1), x1), hn::Set(d, k0));
    x2 = hn::Xor(hn::Xor(hn::ShiftRight<32>(p0), x3), hn::Set(d, k1));
    x1 = p1;
    x3 = p0;
  };
  // Two vectors at a time: their rounds interleave and hide the multiply latency.
  for (std::size_t l = 0; l < static_cast<std::size_t>(kPhiloxLanes); l += 2 * n) {
    auto a0 = hn::Load(d, c0 + l), a1 = hn::Load(d, c1 + l), a2 = hn::Load(d, c2 + l), a3 = hn::Load(d, c3 + l);
    auto b0 = hn::Load(d, c0 + l + n), b1 = hn::Load(d, c1 + l + n), b2 = hn::Load(d, c2 + l + n),
         b3 = hn::Load(d, c3 + l + n);
    std::uint32_t k0 = key0, k1 = key1;
    for (int r = 0; r < 10; ++r) {
      round(a0, a1, a2, a3, k0, k1);
      round(b0, b1, b2, b3, k0, k1);
      k0 += kernels::kPhiloxW0;
      k1 += kernels::kPhiloxW1;
    }
    hn::Store(a0, d, c0 + l);
    hn::Store(a1, d, c1 + l);
    hn::Store(a2, d, c2 + l);
    hn::Store(a3, d, c3 + l);
    hn::Store(b0, d, c0 + l + n);
    hn::Store(b1, d, c1 + l + n);
    hn::Store(b2, d, c2 + l + n);
    hn::Store(b3, d, c3 + l + n);
  }
#endif
}

// Normal values 2l + i = mean + std * z (then T) for word i of block l, where z is the
// ziggurat's candidate; bit l of rejected[i] marks the words whose candidate the quick test
// rejects (their values are to be replaced by the caller).
template <class T>
void ZigguratImpl(const PhiloxLanes& in, double mean, double stddev, T* HWY_RESTRICT out, std::uint64_t* rejected) {
  const hn::ScalableTag<std::uint64_t> du;
  const hn::RebindToSigned<decltype(du)> di;
  const hn::RebindToFloat<decltype(du)> dd;
  const hn::Rebind<T, decltype(dd)> dt;
  const std::size_t n = hn::Lanes(du);
  const double* widths = kernels::kZigguratHost.w;
  // The same operations as kernels::ziggurat_candidate and ziggurat_quick_accept.
  auto candidate = [&](int i, std::size_t l) {
    const auto w = hn::Or(hn::And(hn::Load(du, in.v[2 * i] + l), hn::Set(du, 0xffffffffu)),
                          hn::ShiftLeft<32>(hn::Load(du, in.v[2 * i + 1] + l)));
    const auto width = hn::GatherIndex(dd, widths, hn::BitCast(di, hn::And(w, hn::Set(du, 0x3ff))));
    const auto u = hn::Sub(hn::BitCast(dd, hn::Or(hn::ShiftRight<12>(w), hn::Set(du, 0x4330000000000000ull))),
                           hn::Set(dd, 0x1p52));
    const auto sign = hn::ShiftLeft<53>(hn::And(w, hn::Set(du, 0x400)));
    const auto bound = hn::BitCast(di, hn::And(hn::BitCast(du, width), hn::Set(du, 0xfff)));
    const auto reject = hn::Not(hn::Lt(hn::BitCast(di, hn::ShiftRight<52>(w)), bound));
    std::uint8_t bits[8] = {};
    hn::StoreMaskBits(di, reject, bits);
    std::uint64_t mask;
    std::memcpy(&mask, bits, sizeof mask);
    rejected[i] |= mask << l;
    return hn::BitCast(dd, hn::Xor(hn::BitCast(du, hn::Mul(u, width)), sign));
  };
  const auto vmean = hn::Set(dd, mean);
  const auto vstd = hn::Set(dd, stddev);
  rejected[0] = rejected[1] = 0;
  for (std::size_t l = 0; l < static_cast<std::size_t>(kPhiloxLanes); l += n) {
    const auto y0 = hn::Add(vmean, hn::Mul(vstd, candidate(0, l)));
    const auto y1 = hn::Add(vmean, hn::Mul(vstd, candidate(1, l)));
    if constexpr (sizeof(T) == sizeof(double)) {
      hn::StoreInterleaved2(y0, y1, dd, out + 2 * l);
    } else {
      hn::StoreInterleaved2(hn::DemoteTo(dt, y0), hn::DemoteTo(dt, y1), dt, out + 2 * l);
    }
  }
}

void ZigguratDoubleImpl(const PhiloxLanes& in, double mean, double stddev, double* out, std::uint64_t* rejected) {
  ZigguratImpl(in, mean, stddev, out, rejected);
}
void ZigguratFloatImpl(const PhiloxLanes& in, double mean, double stddev, float* out, std::uint64_t* rejected) {
  ZigguratImpl(in, mean, stddev, out, rejected);
}

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <hwy/targets.h>

namespace tandem::cpu {

HWY_EXPORT(PhiloxBatchImpl);
HWY_EXPORT(ZigguratDoubleImpl);
HWY_EXPORT(ZigguratFloatImpl);

void philox_lanes(kernels::PhiloxKey key, std::uint64_t lo, std::uint64_t hi, PhiloxLanes& out) {
  HWY_DYNAMIC_DISPATCH(PhiloxBatchImpl)(key.k[0], key.k[1], lo, hi, out);
}

void ziggurat_lanes(const PhiloxLanes& in, double mean, double std, double* out, std::uint64_t rejected[2]) {
  HWY_DYNAMIC_DISPATCH(ZigguratDoubleImpl)(in, mean, std, out, rejected);
}
void ziggurat_lanes(const PhiloxLanes& in, double mean, double std, float* out, std::uint64_t rejected[2]) {
  HWY_DYNAMIC_DISPATCH(ZigguratFloatImpl)(in, mean, std, out, rejected);
}

void for_each_simd_target_for_testing(const std::function<void(const char*)>& f) {
  for (const std::int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    f(hwy::TargetName(target));
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace tandem::cpu
#endif  // HWY_ONCE
