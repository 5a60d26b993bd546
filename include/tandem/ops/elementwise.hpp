#pragma once
/// @file elementwise.hpp
/// Element-wise math with NumPy broadcasting.
///
/// Every function has three forms: `f(a)` / `f(a, b)` returns a new array; `f(..., out)`
/// writes into an existing array (shape = broadcast shape, dtype = result dtype; it may
/// alias an input) without allocating; binary ops, where and clip also take scalars (on
/// either side), converted to the array's element type and passed to the kernels as values
/// (no array is made for them). Operands must share a dtype (convert with astype<U>()
/// first); comparisons and logical ops return Array<bool>.
///
/// Integer semantics: + - * wrap modulo 2^bits; `/` truncates toward zero; floor_divide
/// rounds toward minus infinity and mod takes the divisor's sign (as NumPy); any integer
/// division or modulo by zero gives 0. Transcendental functions accept float and double
/// only. Throws DTypeError for an unsupported dtype, ShapeError for shapes that do not
/// broadcast or a wrong out shape.

#include <cmath>
#include <type_traits>
#include <utility>

#include "tandem/core/array.hpp"
#include "tandem/ops/untyped/elementwise.hpp"

namespace tandem {

namespace detail {
// A C++ scalar operand, converted to the array's element type and passed as a value.
template <class T, class S>
Scalar scalar_operand(S s) {
  static_assert(std::is_arithmetic_v<S>, "tandem: scalar operands must be arithmetic");
  return Scalar::of(static_cast<T>(s));
}
template <class S>
inline constexpr bool is_scalar_v = std::is_arithmetic_v<S>;
/// Drops the temporary operand of an operator or unary function once the result holds what
/// it needs: a lazy result then has no handle but the graph's, which lets
/// `u(...) = c + a * (n + s)` run straight into u although it reads u (docs/lazy.md).
template <class T>
void release(Array<T>&& a) {
  const Array<T> gone(std::move(a));
}
}  // namespace detail

// ---- unary ----
#define TANDEM_DEFINE_UNARY(name)                                                                    \
  template <class T>                                                                                 \
  auto name(const Array<T>& a) {                                                                     \
    using R = std::conditional_t<returns_bool(UnaryOp::name), bool, T>;                              \
    return Array<R>(detail::ResultOf{}, [&] { return untyped::unary(UnaryOp::name, a.untyped()); }); \
  }                                                                                                  \
  template <class T>                                                                                 \
  auto name(Array<T>&& a) {                                                                          \
    auto r = name(static_cast<const Array<T>&>(a));                                                  \
    detail::release(std::move(a));                                                                   \
    return r;                                                                                        \
  }                                                                                                  \
  template <class T, class R>                                                                        \
  const Array<R>& name(const Array<T>& a, const Array<R>& out) {                                     \
    untyped::unary_into(UnaryOp::name, a.untyped(), out.untyped());                                  \
    return out;                                                                                      \
  }
TANDEM_UNARY_OPS(TANDEM_DEFINE_UNARY)
#undef TANDEM_DEFINE_UNARY

/// Round half to even at `decimals` places (NumPy's round/around): rint(a * 10^d) / 10^d,
/// computed in T for floats. Integers are returned unchanged for decimals >= 0 and, for
/// decimals < 0, rounded half to even through double as NumPy does (round(125, -1) == 120).
template <class T>
Array<T> round(const Array<T>& a, int decimals = 0) {
  if constexpr (std::is_integral_v<T>) {
    if (decimals >= 0) return a.copy();
    const double scale = std::pow(10.0, -decimals);
    Array<double> r = rint(Array<double>(untyped::binary(BinaryOp::divide, untyped::astype(a.untyped(), DType::float64),
                                                         detail::scalar_operand<double>(scale))));
    r *= scale;
    return r.template astype<T>();
  } else {
    if (decimals == 0) return rint(a);
    const T scale = static_cast<T>(std::pow(10.0, decimals < 0 ? -decimals : decimals));
    const BinaryOp first = decimals > 0 ? BinaryOp::multiply : BinaryOp::divide;
    Array<T> r = rint(Array<T>(untyped::binary(first, a.untyped(), detail::scalar_operand<T>(scale))));
    if (decimals > 0)
      r /= scale;
    else
      r *= scale;
    return r;
  }
}

// ---- binary ----
#define TANDEM_DEFINE_BINARY(name)                                                                                  \
  template <class T>                                                                                                \
  auto name(const Array<T>& a, const Array<T>& b) {                                                                 \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;                                            \
    return Array<R>(detail::ResultOf{}, [&] { return untyped::binary(BinaryOp::name, a.untyped(), b.untyped()); }); \
  }                                                                                                                 \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>                                    \
  auto name(const Array<T>& a, S b) {                                                                               \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;                                            \
    return Array<R>(detail::ResultOf{},                                                                             \
                    [&] { return untyped::binary(BinaryOp::name, a.untyped(), detail::scalar_operand<T>(b)); });    \
  }                                                                                                                 \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>                                    \
  auto name(S a, const Array<T>& b) {                                                                               \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;                                            \
    return Array<R>(detail::ResultOf{},                                                                             \
                    [&] { return untyped::binary(BinaryOp::name, detail::scalar_operand<T>(a), b.untyped()); });    \
  }                                                                                                                 \
  template <class T, class R>                                                                                       \
  const Array<R>& name(const Array<T>& a, const Array<T>& b, const Array<R>& out) {                                 \
    untyped::binary_into(BinaryOp::name, a.untyped(), b.untyped(), out.untyped());                                  \
    return out;                                                                                                     \
  }                                                                                                                 \
  template <class T, class R, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>                           \
  const Array<R>& name(const Array<T>& a, S b, const Array<R>& out) {                                               \
    untyped::binary_into(BinaryOp::name, a.untyped(), detail::scalar_operand<T>(b), out.untyped());                 \
    return out;                                                                                                     \
  }                                                                                                                 \
  template <class T, class R, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>                           \
  const Array<R>& name(S a, const Array<T>& b, const Array<R>& out) {                                               \
    untyped::binary_into(BinaryOp::name, detail::scalar_operand<T>(a), b.untyped(), out.untyped());                 \
    return out;                                                                                                     \
  }
TANDEM_BINARY_OPS(TANDEM_DEFINE_BINARY)
#undef TANDEM_DEFINE_BINARY

/// NumPy's name for divide.
template <class A, class B>
auto true_divide(const A& a, const B& b) {
  return divide(a, b);
}

// ---- operators ----
#define TANDEM_DEFINE_OPERATOR(sym, name)                                        \
  template <class T>                                                             \
  auto operator sym(const Array<T>& a, const Array<T>& b) {                      \
    return name(a, b);                                                           \
  }                                                                              \
  template <class T>                                                             \
  auto operator sym(Array<T>&& a, const Array<T>& b) {                           \
    auto r = name(a, b);                                                         \
    detail::release(std::move(a));                                               \
    return r;                                                                    \
  }                                                                              \
  template <class T>                                                             \
  auto operator sym(const Array<T>& a, Array<T>&& b) {                           \
    auto r = name(a, b);                                                         \
    detail::release(std::move(b));                                               \
    return r;                                                                    \
  }                                                                              \
  template <class T>                                                             \
  auto operator sym(Array<T>&& a, Array<T>&& b) {                                \
    auto r = name(a, b);                                                         \
    detail::release(std::move(a));                                               \
    detail::release(std::move(b));                                               \
    return r;                                                                    \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(const Array<T>& a, S b) {                                    \
    return name(a, b);                                                           \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(Array<T>&& a, S b) {                                         \
    auto r = name(a, b);                                                         \
    detail::release(std::move(a));                                               \
    return r;                                                                    \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(S a, const Array<T>& b) {                                    \
    return name(a, b);                                                           \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(S a, Array<T>&& b) {                                         \
    auto r = name(a, b);                                                         \
    detail::release(std::move(b));                                               \
    return r;                                                                    \
  }
TANDEM_DEFINE_OPERATOR(+, add)
TANDEM_DEFINE_OPERATOR(-, subtract)
TANDEM_DEFINE_OPERATOR(*, multiply)
TANDEM_DEFINE_OPERATOR(/, divide)
TANDEM_DEFINE_OPERATOR(%, mod)
TANDEM_DEFINE_OPERATOR(==, equal)
TANDEM_DEFINE_OPERATOR(!=, not_equal)
TANDEM_DEFINE_OPERATOR(<, less)
TANDEM_DEFINE_OPERATOR(<=, less_equal)
TANDEM_DEFINE_OPERATOR(>, greater)
TANDEM_DEFINE_OPERATOR(>=, greater_equal)
#undef TANDEM_DEFINE_OPERATOR

template <class T>
Array<T> operator-(const Array<T>& a) {
  return negative(a);
}
template <class T>
Array<T> operator-(Array<T>&& a) {
  Array<T> r = negative(a);
  detail::release(std::move(a));
  return r;
}

/// Element-wise logic on bool arrays, as NumPy's & | ^ ~ on bool arrays.
inline Array<bool> operator&(const Array<bool>& a, const Array<bool>& b) { return logical_and(a, b); }
inline Array<bool> operator|(const Array<bool>& a, const Array<bool>& b) { return logical_or(a, b); }
inline Array<bool> operator^(const Array<bool>& a, const Array<bool>& b) { return logical_xor(a, b); }
inline Array<bool> operator~(const Array<bool>& a) { return logical_not(a); }

// ---- ternary ----

/// cond ? a : b element by element, all three broadcast together.
template <class T>
Array<T> where(const Array<bool>& cond, const Array<T>& a, const Array<T>& b) {
  return Array<T>(untyped::where(cond.untyped(), a.untyped(), b.untyped()));
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
Array<T> where(const Array<bool>& cond, const Array<T>& a, S b) {
  return Array<T>(untyped::where(cond.untyped(), a.untyped(), detail::scalar_operand<T>(b)));
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
Array<T> where(const Array<bool>& cond, S a, const Array<T>& b) {
  return Array<T>(untyped::where(cond.untyped(), detail::scalar_operand<T>(a), b.untyped()));
}
template <class T>
const Array<T>& where(const Array<bool>& cond, const Array<T>& a, const Array<T>& b, const Array<T>& out) {
  untyped::where(cond.untyped(), a.untyped(), b.untyped(), &out.untyped());
  return out;
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
const Array<T>& where(const Array<bool>& cond, const Array<T>& a, S b, const Array<T>& out) {
  untyped::where(cond.untyped(), a.untyped(), detail::scalar_operand<T>(b), &out.untyped());
  return out;
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
const Array<T>& where(const Array<bool>& cond, S a, const Array<T>& b, const Array<T>& out) {
  untyped::where(cond.untyped(), detail::scalar_operand<T>(a), b.untyped(), &out.untyped());
  return out;
}

/// Limits values to [lo, hi]; NaN stays NaN (NumPy's clip).
template <class T>
Array<T> clip(const Array<T>& a, const Array<T>& lo, const Array<T>& hi) {
  return Array<T>(untyped::clip(a.untyped(), lo.untyped(), hi.untyped()));
}
template <class T>
const Array<T>& clip(const Array<T>& a, const Array<T>& lo, const Array<T>& hi, const Array<T>& out) {
  untyped::clip(a.untyped(), lo.untyped(), hi.untyped(), &out.untyped());
  return out;
}
template <class T, class S1, class S2, std::enable_if_t<detail::is_scalar_v<S1> && detail::is_scalar_v<S2>, int> = 0>
Array<T> clip(const Array<T>& a, S1 lo, S2 hi) {
  return Array<T>(untyped::clip(a.untyped(), detail::scalar_operand<T>(lo), detail::scalar_operand<T>(hi)));
}
template <class T, class S1, class S2, std::enable_if_t<detail::is_scalar_v<S1> && detail::is_scalar_v<S2>, int> = 0>
const Array<T>& clip(const Array<T>& a, S1 lo, S2 hi, const Array<T>& out) {
  untyped::clip(a.untyped(), detail::scalar_operand<T>(lo), detail::scalar_operand<T>(hi), &out.untyped());
  return out;
}

}  // namespace tandem
