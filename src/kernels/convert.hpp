#pragma once
// Element conversion without undefined behaviour: float -> int truncates toward zero,
// NaN becomes 0 and out-of-range values saturate; anything -> bool is "!= 0".

#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/hd.hpp"

namespace tandem::kernels {

template <class To, class From>
TANDEM_HD inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    if (v != v) return To(0);
    constexpr From hi = static_cast<From>(std::numeric_limits<To>::max());  // rounds up to 2^k
    constexpr From lo = static_cast<From>(std::numeric_limits<To>::min());  // exactly -2^k
    if (v >= hi) return std::numeric_limits<To>::max();
    if (v <= lo) return std::numeric_limits<To>::min();
    return static_cast<To>(v);
  } else if constexpr (std::is_integral_v<To> && std::is_integral_v<From> && !std::is_same_v<From, bool> &&
                       sizeof(To) < sizeof(From)) {
    // Narrowing integers wrap modulo 2^bits, as NumPy's astype does.
    using U = std::make_unsigned_t<To>;
    return static_cast<To>(static_cast<U>(static_cast<std::make_unsigned_t<From>>(v)));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace tandem::kernels

#include "tandem/core/scalar.hpp"

namespace tandem::kernels {

/// A Scalar's value converted to T with the rules of convert().
template <class T>
inline T scalar_cast(const Scalar& s) {
  return visit_dtype(s.dtype, [&](auto u) -> T { return convert<T>(s.template get<decltype(u)>()); });
}

}  // namespace tandem::kernels
