#pragma once
/// @file dtype.hpp
/// The element types tandem stores, and their runtime tags.

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace tandem {

/// Runtime tag of an element type. The names follow NumPy's.
enum class DType : std::uint8_t { bool_, int32, int64, float32, float64 };

/// Is T one of the element types an Array may hold?
template <class T>
inline constexpr bool is_element_type_v =
    std::is_same_v<T, bool> || std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t> ||
    std::is_same_v<T, float> || std::is_same_v<T, double>;

/// The DType tag of a supported element type.
template <class T>
constexpr DType dtype_of() {
  static_assert(is_element_type_v<T>, "tandem: element type must be bool, int32_t, int64_t, float or double");
  if constexpr (std::is_same_v<T, bool>)
    return DType::bool_;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::int32;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DType::int64;
  else if constexpr (std::is_same_v<T, float>)
    return DType::float32;
  else
    return DType::float64;
}

/// Bytes per element.
constexpr std::size_t itemsize(DType t) {
  switch (t) {
    case DType::bool_:
      return 1;
    case DType::int32:
      return 4;
    case DType::int64:
      return 8;
    case DType::float32:
      return 4;
    case DType::float64:
      return 8;
  }
  return 0;
}

/// NumPy's name: "bool", "int32", "int64", "float32", "float64".
const char* dtype_name(DType t);

constexpr bool is_floating(DType t) { return t == DType::float32 || t == DType::float64; }
constexpr bool is_integer(DType t) { return t == DType::int32 || t == DType::int64; }

/// Calls f(T{}) with T the C++ type of the tag; the one switch over dtypes.
template <class F>
decltype(auto) visit_dtype(DType t, F&& f) {
  switch (t) {
    case DType::bool_:
      return f(bool{});
    case DType::int32:
      return f(std::int32_t{});
    case DType::int64:
      return f(std::int64_t{});
    case DType::float32:
      return f(float{});
    case DType::float64:
      break;
  }
  return f(double{});
}

}  // namespace tandem
