#pragma once
/// @file index.hpp
/// Index expressions for Array::operator(): integers, slices, newaxis and ellipsis,
/// with NumPy's meaning (negative indices count from the end; slices may step backwards).

#include <cstdint>
#include <type_traits>

namespace tandem {

/// Marks an omitted slice bound, like an empty position in NumPy's `a[:3]`.
struct NoneType {};
inline constexpr NoneType none{};

/// Inserts a new axis of length 1 (NumPy's `np.newaxis`).
struct NewAxis {};
inline constexpr NewAxis newaxis{};

/// Stands for as many full slices as needed (NumPy's `...`).
struct Ellipsis {};
inline constexpr Ellipsis ellipsis{};

/// `td::_`: as a whole index, the full range (NumPy's `:`, so `u(td::_, 0)` is `u[:, 0]`);
/// as a slice bound, an omitted one (`td::slice(2, td::_)` is `2:`). Unlike none, it is
/// never read as NumPy's None (newaxis).
struct Placeholder {};
inline constexpr Placeholder _{};

/// One bound of a slice: an integer, none or td::_.
struct SliceBound {
  bool present = false;
  std::int64_t value = 0;
  SliceBound(NoneType) {}     // NOLINT(google-explicit-constructor)
  SliceBound(Placeholder) {}  // NOLINT(google-explicit-constructor)
  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  SliceBound(I v) : present(true), value(static_cast<std::int64_t>(v)) {}  // NOLINT
};

/// start:stop:step. A zero step is a ValueError when the slice is applied.
struct Slice {
  SliceBound start = none;
  SliceBound stop = none;
  std::int64_t step = 1;
};

/// slice() is the full range `:`; slice(stop), slice(start, stop) and
/// slice(start, stop, step) are as Python's slice().
inline Slice slice() { return Slice{}; }
inline Slice slice(SliceBound stop) { return Slice{none, stop, 1}; }
inline Slice slice(SliceBound start, SliceBound stop, std::int64_t step = 1) { return Slice{start, stop, step}; }
/// The full range, `:`.
inline Slice all() { return Slice{}; }
/// `start:` (and `start::step`): from start to the end, NumPy's `u[2:]` is `u(td::from(2))`.
inline Slice from(std::int64_t start, std::int64_t step = 1) { return Slice{start, none, step}; }

/// One position of an index expression.
struct Index {
  enum class Kind : std::uint8_t { integer, slice, new_axis, all_rest };
  Kind kind = Kind::integer;
  std::int64_t integer = 0;
  Slice range{};

  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Index(I i) : kind(Kind::integer), integer(static_cast<std::int64_t>(i)) {}  // NOLINT
  Index(Slice s) : kind(Kind::slice), range(s) {}                             // NOLINT
  Index(Placeholder) : kind(Kind::slice) {}                                   // NOLINT
  Index(NewAxis) : kind(Kind::new_axis) {}                                    // NOLINT
  Index(Ellipsis) : kind(Kind::all_rest) {}                                   // NOLINT
};

}  // namespace tandem
