// The exact element-wise operations of the vector paths, shared by the eager kernels
// (simd.cpp) and the fused evaluator's register tiles (fused_tile.cpp): each gives, lane
// for lane, the bits of the CPU's scalar functor (simd::binary_functor, src/kernels), so
// which vector an element falls in, or whether it falls in one, changes nothing. Included
// once per Highway target (the -inl.h convention: the guard toggles with HWY_TARGET_TOGGLE).

// NOLINTNEXTLINE(llvm-header-guard)
#if defined(TANDEM_CPU_SIMD_EXACT_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef TANDEM_CPU_SIMD_EXACT_INL_H_
#undef TANDEM_CPU_SIMD_EXACT_INL_H_
#else
#define TANDEM_CPU_SIMD_EXACT_INL_H_
#endif

#include <hwy/highway.h>

#include <type_traits>

HWY_BEFORE_NAMESPACE();
namespace tandem::cpu::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- unary: (d, x) ----

struct NegV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Neg(x);
  }
};
struct AbsV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Abs(x);
  }
};
struct SqrtV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Sqrt(x);
  }
};
struct SquareV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Mul(x, x);
  }
};
struct ReciprocalV {
  template <class D, class V>
  V operator()(D d, V x) const {
    return hn::Div(hn::Set(d, hn::TFromD<D>(1)), x);
  }
};
struct FloorV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Floor(x);
  }
};
struct CeilV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Ceil(x);
  }
};
struct TruncV {
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Trunc(x);
  }
};
struct RintV {  // Round is round-half-to-even, as nearbyint in the default rounding mode
  template <class D, class V>
  V operator()(D, V x) const {
    return hn::Round(x);
  }
};

// ---- binary: (a, b) ----

// Float add and multiply take the first operand's NaN when both are NaN, as
// simd::add_fn and simd::multiply_fn (simd.hpp) do: the hardware returns the NaN of the
// operand its instruction names first, and the compiler orders a commutative operation's
// operands as it likes. a + a is a quieted as a + b would be.
template <class V>
HWY_INLINE V first_nan(V a, V sum_or_product, V same) {
  if constexpr (hwy::IsFloat<hn::TFromV<V>>())
    return hn::IfThenElse(hn::IsNaN(a), same, sum_or_product);
  else
    return sum_or_product;
}

// On x86 the instruction itself keeps the order: an SSE/AVX add or multiply of two NaNs
// returns its first source's, quieted (Intel SDM vol. 1, 4.8.3.5), which is a here; the
// instruction is named in inline assembly so that the compiler cannot swap the operands.
// One instruction instead of first_nan's three. VEX/EVEX targets take b from memory too.
// Only for float and double vectors (kOrderedOps); other targets and types use first_nan.
#if HWY_ARCH_X86 && (HWY_TARGET <= HWY_AVX2)
#define TANDEM_ORDERED_OP(name, pd, ps)                                  \
  template <class V>                                                     \
  HWY_INLINE V name(V a, V b) {                                          \
    V r;                                                                 \
    if constexpr (std::is_same_v<hn::TFromV<V>, double>)                 \
      asm("v" pd " %2, %1, %0" : "=v"(r.raw) : "v"(a.raw), "vm"(b.raw)); \
    else                                                                 \
      asm("v" ps " %2, %1, %0" : "=v"(r.raw) : "v"(a.raw), "vm"(b.raw)); \
    return r;                                                            \
  }
#define TANDEM_ORDERED_OPS 1
#elif HWY_ARCH_X86 && (HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3)
#define TANDEM_ORDERED_OP(name, pd, ps)                              \
  template <class V>                                                 \
  HWY_INLINE V name(V a, V b) {                                      \
    if constexpr (std::is_same_v<hn::TFromV<V>, double>)             \
      asm(pd " %1, %0" : "+x"(a.raw) : "x"(b.raw)); /* a = a op b */ \
    else                                                             \
      asm(ps " %1, %0" : "+x"(a.raw) : "x"(b.raw));                  \
    return a;                                                        \
  }
#define TANDEM_ORDERED_OPS 1
#else
#define TANDEM_ORDERED_OP(name, pd, ps) \
  template <class V>                    \
  V name(V a, V b);  // never called: kOrderedOps is false
#define TANDEM_ORDERED_OPS 0
#endif
TANDEM_ORDERED_OP(ordered_add, "addpd", "addps")
TANDEM_ORDERED_OP(ordered_mul, "mulpd", "mulps")
template <class V>
constexpr bool kOrderedOps = TANDEM_ORDERED_OPS &&
                             (std::is_same_v<hn::TFromV<V>, double> || std::is_same_v<hn::TFromV<V>, float>);
#undef TANDEM_ORDERED_OP
#undef TANDEM_ORDERED_OPS

struct AddV {
  template <class V>
  V operator()(V a, V b) const {
    if constexpr (kOrderedOps<V>)
      return ordered_add(a, b);
    else
      return first_nan(a, hn::Add(a, b), hn::Add(a, a));
  }
};
struct SubV {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Sub(a, b);
  }
};
struct MulV {
  template <class V>
  V operator()(V a, V b) const {
    if constexpr (kOrderedOps<V>)
      return ordered_mul(a, b);
    else
      return first_nan(a, hn::Mul(a, b), hn::Mul(a, a));
  }
};
struct DivV {
  template <class V>
  V operator()(V a, V b) const {
    return hn::Div(a, b);
  }
};
// NaN-propagating, exactly as kernels::minimum_fn: (a <= b || a != a) ? a : b. IsNaN, not
// Ne(a, a): Highway's Ne is an ordered compare on some targets and is false for NaN.
struct MinV {
  template <class V>
  V operator()(V a, V b) const {
    return hn::IfThenElse(hn::Or(hn::Le(a, b), hn::IsNaN(a)), a, b);
  }
};
struct MaxV {
  template <class V>
  V operator()(V a, V b) const {
    return hn::IfThenElse(hn::Or(hn::Ge(a, b), hn::IsNaN(a)), a, b);
  }
};

}  // namespace HWY_NAMESPACE
}  // namespace tandem::cpu::simd
HWY_AFTER_NAMESPACE();

#endif  // TANDEM_CPU_SIMD_EXACT_INL_H_
