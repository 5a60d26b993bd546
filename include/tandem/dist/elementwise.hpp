#pragma once
/// @file dist/elementwise.hpp
/// Element-wise ops on aligned distributed arrays: each rank runs the tandem op on its
/// owned block, writing into the result's block; no message is sent. Operands must have
/// aligned layouts (Layout::aligned_with; redistribute() one of them otherwise) or the op
/// throws ShapeError; a scalar operand is broadcast, converted to T as in tandem. The
/// result has the first array operand's layout (ghost widths included, ghosts zero).
/// Every op of tandem's TANDEM_UNARY_OPS and TANDEM_BINARY_OPS lists is here, with the
/// same name, dtype rules and errors.

#include <type_traits>

#include "tandem/dist/array.hpp"
#include "tandem/ops/elementwise.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::dist {

namespace detail {
template <class R, class T>
Array<R> result_like(const Array<T>& a, const char* op) {
  a.check_idle(op);
  return empty<R>(a.layout());
}
template <class A, class B>
void require_pair(const Array<A>& a, const Array<B>& b, const char* op) {
  b.check_idle(op);
  require_aligned(op, a.layout(), b.layout());
}
template <class S>
inline constexpr bool is_scalar_v = std::is_arithmetic_v<S>;
}  // namespace detail

#define TANDEM_DIST_UNARY(name)                                         \
  template <class T>                                                    \
  auto name(const Array<T>& a) {                                        \
    using R = std::conditional_t<returns_bool(UnaryOp::name), bool, T>; \
    Array<R> r = detail::result_like<R>(a, "dist::" #name);             \
    tandem::name(a.local(), r.local());                                 \
    return r;                                                           \
  }
TANDEM_UNARY_OPS(TANDEM_DIST_UNARY)
#undef TANDEM_DIST_UNARY

#define TANDEM_DIST_BINARY(name)                                                 \
  template <class T>                                                             \
  auto name(const Array<T>& a, const Array<T>& b) {                              \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;         \
    Array<R> r = detail::result_like<R>(a, "dist::" #name);                      \
    detail::require_pair(a, b, "dist::" #name);                                  \
    tandem::name(a.local(), b.local(), r.local());                               \
    return r;                                                                    \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto name(const Array<T>& a, S b) {                                            \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;         \
    Array<R> r = detail::result_like<R>(a, "dist::" #name);                      \
    tandem::name(a.local(), b, r.local());                                       \
    return r;                                                                    \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto name(S a, const Array<T>& b) {                                            \
    using R = std::conditional_t<returns_bool(BinaryOp::name), bool, T>;         \
    Array<R> r = detail::result_like<R>(b, "dist::" #name);                      \
    r.local().assign(tandem::name(a, b.local()));                                \
    return r;                                                                    \
  }
TANDEM_BINARY_OPS(TANDEM_DIST_BINARY)
#undef TANDEM_DIST_BINARY

#define TANDEM_DIST_OPERATOR(sym, name)                                          \
  template <class T>                                                             \
  auto operator sym(const Array<T>& a, const Array<T>& b) {                      \
    return name(a, b);                                                           \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(const Array<T>& a, S b) {                                    \
    return name(a, b);                                                           \
  }                                                                              \
  template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0> \
  auto operator sym(S a, const Array<T>& b) {                                    \
    return name(a, b);                                                           \
  }
TANDEM_DIST_OPERATOR(+, add)
TANDEM_DIST_OPERATOR(-, subtract)
TANDEM_DIST_OPERATOR(*, multiply)
TANDEM_DIST_OPERATOR(/, divide)
TANDEM_DIST_OPERATOR(%, mod)
TANDEM_DIST_OPERATOR(==, equal)
TANDEM_DIST_OPERATOR(!=, not_equal)
TANDEM_DIST_OPERATOR(<, less)
TANDEM_DIST_OPERATOR(<=, less_equal)
TANDEM_DIST_OPERATOR(>, greater)
TANDEM_DIST_OPERATOR(>=, greater_equal)
#undef TANDEM_DIST_OPERATOR

template <class T>
Array<T> operator-(const Array<T>& a) {
  return negative(a);
}

/// cond ? a : b element by element; cond, a and b aligned (a scalar in place of a or b).
template <class T>
Array<T> where(const Array<bool>& cond, const Array<T>& a, const Array<T>& b) {
  Array<T> r = detail::result_like<T>(a, "dist::where");
  detail::require_pair(a, cond, "dist::where");
  detail::require_pair(a, b, "dist::where");
  tandem::where(cond.local(), a.local(), b.local(), r.local());
  return r;
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
Array<T> where(const Array<bool>& cond, const Array<T>& a, S b) {
  Array<T> r = detail::result_like<T>(a, "dist::where");
  detail::require_pair(a, cond, "dist::where");
  r.local().assign(tandem::where(cond.local(), a.local(), b));
  return r;
}
template <class T, class S, std::enable_if_t<detail::is_scalar_v<S>, int> = 0>
Array<T> where(const Array<bool>& cond, S a, const Array<T>& b) {
  Array<T> r = detail::result_like<T>(b, "dist::where");
  detail::require_pair(b, cond, "dist::where");
  r.local().assign(tandem::where(cond.local(), a, b.local()));
  return r;
}

}  // namespace tandem::dist
