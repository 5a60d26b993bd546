#pragma once
// Element-wise math as host/device functors, shared by the CPU loops and the CUDA kernels.
// Integer arithmetic wraps modulo 2^bits (computed in unsigned, so never UB); integer
// division and modulo by zero give 0; floor_divide and mod follow NumPy's sign rules.
// NVRTC compiles this header too, in the generated fused kernels (kernels/fused_device.hpp),
// so it includes only headers that kernels/nvrtc_std.hpp can stand in for.

#include <cmath>
#include <cstdint>
#include <type_traits>

#include "kernels/hd.hpp"
#include "tandem/core/dtype.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::kernels {

// ---- integer helpers ----

template <class T>
inline constexpr bool is_int_v = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T>
TANDEM_HD inline T wrap_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
TANDEM_HD inline T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <class T>
TANDEM_HD inline T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}
template <class T>
TANDEM_HD inline T wrap_neg(T a) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(U(0) - static_cast<U>(a));
}

// ---- unary functors ----

struct negative_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
    if constexpr (is_int_v<T>)
      return wrap_neg(a);
    else
      return -a;
  }
};
struct abs_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
    if constexpr (std::is_same_v<T, bool>)
      return a;
    else if constexpr (is_int_v<T>)
      return a < 0 ? wrap_neg(a) : a;  // abs(INT_MIN) == INT_MIN, as NumPy
    else
      return std::fabs(a);
  }
};
struct square_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
    if constexpr (is_int_v<T>)
      return wrap_mul(a, a);
    else
      return a * a;
  }
};
struct reciprocal_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
    return T(1) / a;
  }
};
struct sign_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>) {
      if (a != a) return a;
    }
    return a > T(0) ? T(1) : (a < T(0) ? T(-1) : T(0));
  }
};

// Rounding is the identity on integers.
#define TANDEM_ROUNDING_FN(name, call)           \
  struct name##_fn {                             \
    template <class T>                           \
    TANDEM_HD T operator()(T a) const {          \
      if constexpr (std::is_floating_point_v<T>) \
        return call(a);                          \
      else                                       \
        return a;                                \
    }                                            \
  };
TANDEM_ROUNDING_FN(floor, std::floor)
TANDEM_ROUNDING_FN(ceil, std::ceil)
TANDEM_ROUNDING_FN(rint, std::nearbyint)  // half to even in the default rounding mode
TANDEM_ROUNDING_FN(trunc, std::trunc)
#undef TANDEM_ROUNDING_FN

// Floating-only math, mapped to the C library (and to CUDA's math on the device).
#define TANDEM_MATH_FN(name, call)      \
  struct name##_fn {                    \
    template <class T>                  \
    TANDEM_HD T operator()(T a) const { \
      return call(a);                   \
    }                                   \
  };
TANDEM_MATH_FN(sqrt, std::sqrt)
TANDEM_MATH_FN(exp, std::exp)
TANDEM_MATH_FN(exp2, std::exp2)
TANDEM_MATH_FN(expm1, std::expm1)
TANDEM_MATH_FN(log, std::log)
TANDEM_MATH_FN(log2, std::log2)
TANDEM_MATH_FN(log10, std::log10)
TANDEM_MATH_FN(log1p, std::log1p)
TANDEM_MATH_FN(sin, std::sin)
TANDEM_MATH_FN(cos, std::cos)
TANDEM_MATH_FN(tan, std::tan)
TANDEM_MATH_FN(arcsin, std::asin)
TANDEM_MATH_FN(arccos, std::acos)
TANDEM_MATH_FN(arctan, std::atan)
TANDEM_MATH_FN(sinh, std::sinh)
TANDEM_MATH_FN(cosh, std::cosh)
TANDEM_MATH_FN(tanh, std::tanh)
TANDEM_MATH_FN(arcsinh, std::asinh)
TANDEM_MATH_FN(arccosh, std::acosh)
TANDEM_MATH_FN(arctanh, std::atanh)
#undef TANDEM_MATH_FN

// glibc's double cbrt is off by up to 3 ULP (NumPy allows 2): the host computes it in long
// double and rounds once (within 1 ULP). CUDA's cbrt is within 1 ULP as it is.
struct cbrt_fn {
  template <class T>
  TANDEM_HD T operator()(T a) const {
#if !defined(__CUDA_ARCH__)
    if constexpr (std::is_same_v<T, double>) return static_cast<double>(std::cbrt(static_cast<long double>(a)));
#endif
    return std::cbrt(a);
  }
};

struct logical_not_fn {
  template <class T>
  TANDEM_HD bool operator()(T a) const {
    return !(a != T(0));
  }
};
struct isnan_fn {
  template <class T>
  TANDEM_HD bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return a != a;
    else
      return false;
  }
};
struct isinf_fn {
  template <class T>
  TANDEM_HD bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isinf(a);
    else
      return false;
  }
};
struct isfinite_fn {
  template <class T>
  TANDEM_HD bool operator()(T a) const {
    if constexpr (std::is_floating_point_v<T>)
      return std::isfinite(a);
    else
      return true;
  }
};

// ---- binary functors ----

struct add_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a || b;  // NumPy: bool + bool is "or"
    else if constexpr (is_int_v<T>)
      return wrap_add(a, b);
    else
      return a + b;
  }
};
struct subtract_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (is_int_v<T>)
      return wrap_sub(a, b);
    else
      return a - b;
  }
};
struct multiply_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (std::is_same_v<T, bool>)
      return a && b;
    else if constexpr (is_int_v<T>)
      return wrap_mul(a, b);
    else
      return a * b;
  }
};
struct divide_fn {
  // Integers: truncation toward zero (C semantics), x / 0 == 0, INT_MIN / -1 wraps.
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (is_int_v<T>) {
      if (b == 0) return 0;
      if (b == -1) return wrap_neg(a);
      return a / b;
    } else {
      return a / b;
    }
  }
};

// NumPy's npy_divmod for floats: the quotient is floored and the remainder takes the sign
// of the divisor; both are computed from fmod so that q * b + r reproduces a closely.
template <class T>
TANDEM_HD inline T float_floor_divide(T a, T b) {
  if (b == T(0)) return a / b;  // inf or nan, as NumPy
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
  if (div != T(0)) {
    T floordiv = std::floor(div);
    if (div - floordiv > T(0.5)) floordiv += T(1);
    return floordiv;
  }
  return std::copysign(T(0), a / b);
}
template <class T>
TANDEM_HD inline T float_mod(T a, T b) {
  if (b == T(0)) return std::fmod(a, b);  // nan, as NumPy
  T mod = std::fmod(a, b);
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) mod += b;
    return mod;
  }
  return std::copysign(T(0), b);
}

struct floor_divide_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (is_int_v<T>) {
      if (b == 0) return 0;
      if (b == -1) return wrap_neg(a);
      T q = a / b;
      if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;
      return q;
    } else {
      return float_floor_divide(a, b);
    }
  }
};
struct mod_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (is_int_v<T>) {
      if (b == 0 || b == -1) return 0;
      T r = a % b;
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else {
      return float_mod(a, b);
    }
  }
};
struct power_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    if constexpr (is_int_v<T>) {
      // The front end rejects negative exponents (NumPy raises); keep this defined anyway.
      if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
      T result = 1;
      T base = a;
      while (b != 0) {
        if (b & 1) result = wrap_mul(result, base);
        b = static_cast<T>(b >> 1);
        if (b != 0) base = wrap_mul(base, base);
      }
      return result;
    } else {
      return std::pow(a, b);
    }
  }
};
struct arctan2_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    return std::atan2(a, b);
  }
};
struct hypot_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    return std::hypot(a, b);
  }
};
// NaN-propagating, as NumPy's minimum/maximum.
struct minimum_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    return (a <= b || a != a) ? a : b;
  }
};
struct maximum_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T b) const {
    return (a >= b || a != a) ? a : b;
  }
};

#define TANDEM_COMPARE_FN(name, expr)           \
  struct name##_fn {                            \
    template <class T>                          \
    TANDEM_HD bool operator()(T a, T b) const { \
      return expr;                              \
    }                                           \
  };
TANDEM_COMPARE_FN(equal, a == b)
TANDEM_COMPARE_FN(not_equal, a != b)
TANDEM_COMPARE_FN(less, a < b)
TANDEM_COMPARE_FN(less_equal, a <= b)
TANDEM_COMPARE_FN(greater, a > b)
TANDEM_COMPARE_FN(greater_equal, a >= b)
TANDEM_COMPARE_FN(logical_and, (a != T(0)) && (b != T(0)))
TANDEM_COMPARE_FN(logical_or, (a != T(0)) || (b != T(0)))
TANDEM_COMPARE_FN(logical_xor, (a != T(0)) != (b != T(0)))
#undef TANDEM_COMPARE_FN

// ---- ternary ----

struct where_fn {
  template <class T>
  TANDEM_HD T operator()(bool c, T a, T b) const {
    return c ? a : b;
  }
};
struct clip_fn {
  template <class T>
  TANDEM_HD T operator()(T a, T lo, T hi) const {
    return minimum_fn{}(maximum_fn{}(a, lo), hi);
  }
};

// ---- op code -> functor ----

template <UnaryOp>
struct unary_functor;
template <BinaryOp>
struct binary_functor;
#define TANDEM_MAP_UNARY(name)          \
  template <>                           \
  struct unary_functor<UnaryOp::name> { \
    using type = name##_fn;             \
  };
#define TANDEM_MAP_BINARY(name)           \
  template <>                             \
  struct binary_functor<BinaryOp::name> { \
    using type = name##_fn;               \
  };
TANDEM_UNARY_OPS(TANDEM_MAP_UNARY)
TANDEM_BINARY_OPS(TANDEM_MAP_BINARY)
#undef TANDEM_MAP_UNARY
#undef TANDEM_MAP_BINARY

}  // namespace tandem::kernels
