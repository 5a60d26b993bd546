#pragma once
// Unsigned sort keys: an unsigned integer per value whose integer order is the order the
// values sort in, so that integer sorts (vqsort on the CPU, CUB's radix sorts on the GPU)
// sort any dtype. Free of CUDA headers; tests/cuda/sort_key_test.cpp checks it on the host.

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/hd.hpp"

namespace tandem::kernels {

/// The key of T: 64 bits for int64 and double, 32 bits for int32, float and bool.
template <class T>
using sort_key_t = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;

namespace detail {

template <class T>
TANDEM_HD sort_key_t<T> bits_of(T x) {
  sort_key_t<T> bits;
  std::memcpy(&bits, &x, sizeof(T));
  return bits;
}

template <class U>
inline constexpr U kSignBit = U{1} << (8 * sizeof(U) - 1);

/// The float bit patterns whose sign bit is set and that are NaN: 2^(mantissa bits) - 1.
template <class T>
inline constexpr sort_key_t<T> kNegativeNaNs = (sort_key_t<T>{1} << (std::numeric_limits<T>::digits - 1)) - 1;

}  // namespace detail

/// argsort's key, NumPy's order: NaN after every number and all NaNs equal, -0.0 == 0.0.
/// Not invertible (that is what makes equal values tie, so a stable sort keeps their order).
template <class T>
TANDEM_HD sort_key_t<T> ordered_key(T x) {
  using U = sort_key_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return x ? U{1} : U{0};
  } else if constexpr (std::is_floating_point_v<T>) {
    if (x != x) return static_cast<U>(~U{0});   // NOLINT(misc-redundant-expression): the NaN test
    if (x == T(0)) return detail::kSignBit<U>;  // +0.0 and -0.0 alike
    const U bits = detail::bits_of(x);
    return (bits & detail::kSignBit<U>) ? static_cast<U>(~bits) : static_cast<U>(bits | detail::kSignBit<U>);
  } else {
    return static_cast<U>(static_cast<U>(x) ^ detail::kSignBit<U>);
  }
}

/// sort's key: a bijection on bit patterns that keeps the order of the values, so that
/// value_of_bits_key gives back every value bit for bit (NaN payloads, the sign of zero).
/// Floats: -inf < ... < -0.0 < +0.0 < ... < +inf < NaNs; among NaNs, those without the sign
/// bit by increasing payload, then those with it by decreasing payload. bool: false < true.
///
/// The usual radix-sort transform (flip every bit of a negative pattern, set the sign bit of
/// a positive one) orders negative NaNs first; subtracting their count (mod 2^bits) moves
/// them above the positive NaNs, at the top, and keeps every other key in order.
template <class T>
TANDEM_HD sort_key_t<T> bits_key(T x) {
  using U = sort_key_t<T>;
  if constexpr (std::is_floating_point_v<T>) {
    const U bits = detail::bits_of(x);
    const U k = (bits & detail::kSignBit<U>) ? static_cast<U>(~bits) : static_cast<U>(bits | detail::kSignBit<U>);
    return static_cast<U>(k - detail::kNegativeNaNs<T>);
  } else {
    return ordered_key(x);
  }
}

/// The inverse of bits_key.
template <class T>
TANDEM_HD T value_of_bits_key(sort_key_t<T> k) {
  using U = sort_key_t<T>;
  if constexpr (std::is_same_v<T, bool>) {
    return k != 0;
  } else if constexpr (std::is_floating_point_v<T>) {
    const U r = static_cast<U>(k + detail::kNegativeNaNs<T>);
    const U bits = (r & detail::kSignBit<U>) ? static_cast<U>(r & ~detail::kSignBit<U>) : static_cast<U>(~r);
    T x;
    std::memcpy(&x, &bits, sizeof(T));
    return x;
  } else {
    return static_cast<T>(static_cast<U>(k ^ detail::kSignBit<U>));
  }
}

}  // namespace tandem::kernels
