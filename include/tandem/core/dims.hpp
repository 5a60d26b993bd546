#pragma once
/// @file dims.hpp
/// Shape and strides: a small fixed-capacity vector of extents, kept inline so that
/// creating, viewing and broadcasting arrays never touches the heap for metadata.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <vector>

namespace tandem {

/// Most dimensions an array may have (NumPy 1.x allows 32; 16 covers real codes).
inline constexpr int kMaxDims = 16;

namespace detail {
/// Throws ShapeError: an unsigned extent or stride does not fit in int64.
[[noreturn]] void throw_dim_overflow(unsigned long long value);

template <class I>
int64_t to_dim(I v) {
  static_assert(std::is_integral_v<I> && !std::is_same_v<I, bool>, "tandem: extents and strides must be integers");
  if constexpr (std::is_unsigned_v<I> && sizeof(I) >= sizeof(int64_t)) {
    if (v > static_cast<I>(INT64_MAX)) throw_dim_overflow(v);
  }
  return static_cast<int64_t>(v);
}
}  // namespace detail

/// One entry of a braced shape: any integer type, so that `{n, 3}` works with an int64_t
/// n, `{a.shape(0), 3}` and `{v.size(), 3}` alike. An unsigned value past INT64_MAX throws
/// ShapeError (negative extents are refused where an array is created).
struct DimValue {
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  DimValue(I v) : value(detail::to_dim(v)) {}  // NOLINT(google-explicit-constructor)
  int64_t value;
};

/// A list of at most kMaxDims signed extents or strides.
class Dims {
 public:
  Dims() = default;

  Dims(std::initializer_list<DimValue> values) {  // NOLINT(google-explicit-constructor): NumPy-like shapes
    for (DimValue v : values) push_back(v.value);
  }

  template <class I, std::enable_if_t<std::is_integral_v<I>, int> = 0>
  Dims(const std::vector<I>& values) {  // NOLINT(google-explicit-constructor): NumPy-like shapes
    for (I v : values) push_back(detail::to_dim(v));
  }

  // Copies move only the entries in use, not the whole inline capacity.
  Dims(const Dims& other) : n_(other.n_) { copy_from(other); }
  Dims& operator=(const Dims& other) {
    if (this == &other) return *this;  // memcpy must not copy onto itself
    n_ = other.n_;
    copy_from(other);
    return *this;
  }
  ~Dims() = default;

  /// n entries, each equal to fill.
  static Dims filled(int n, int64_t fill) {
    Dims d;
    for (int i = 0; i < n; ++i) d.push_back(fill);
    return d;
  }

  int size() const { return n_; }
  bool empty() const { return n_ == 0; }
  int64_t& operator[](int i) { return v_[static_cast<std::size_t>(i)]; }
  int64_t operator[](int i) const { return v_[static_cast<std::size_t>(i)]; }
  int64_t* data() { return v_.data(); }
  const int64_t* data() const { return v_.data(); }
  int64_t* begin() { return v_.data(); }
  int64_t* end() { return v_.data() + n_; }
  const int64_t* begin() const { return v_.data(); }
  const int64_t* end() const { return v_.data() + n_; }
  int64_t back() const { return v_[static_cast<std::size_t>(n_ - 1)]; }

  /// Appends one entry; throws ShapeError past kMaxDims.
  void push_back(int64_t v) {
    if (n_ == kMaxDims) too_many_dimensions();
    v_[static_cast<std::size_t>(n_++)] = v;
  }
  /// Inserts v before position pos (0 <= pos <= size()).
  void insert(int pos, int64_t v);
  /// Removes the entry at pos.
  void erase(int pos);

  std::vector<int64_t> to_vector() const { return {begin(), end()}; }

  friend bool operator==(const Dims& a, const Dims& b) {
    if (a.n_ != b.n_) return false;
    for (int i = 0; i < a.n_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  friend bool operator!=(const Dims& a, const Dims& b) { return !(a == b); }

 private:
  // Blocks of 4 entries of constant size, which the compiler copies inline: a loop over n_
  // entries became a call to memmove, dearer than the copy for the usual few axes (shapes
  // are copied several times per op). The entries past n_ in the last block are copied
  // as bytes and never read.
  void copy_from(const Dims& other) {
    static_assert(kMaxDims % 4 == 0, "copy_from copies blocks of 4 entries");
    for (int i = 0; i < n_; i += 4)
      std::memcpy(&v_[static_cast<std::size_t>(i)], &other.v_[static_cast<std::size_t>(i)], 4 * sizeof(int64_t));
  }
  [[noreturn]] static void too_many_dimensions();

  std::array<int64_t, kMaxDims> v_;
  int n_ = 0;
};

using Shape = Dims;
using Strides = Dims;

/// Number of elements of a shape (1 for a 0-d shape). Unchecked: for the shapes of
/// existing arrays, which checked_size has admitted. Inline: every op asks, several times.
inline int64_t shape_size(const Shape& shape) {
  int64_t n = 1;
  for (int64_t e : shape) n *= e;
  return n;
}

/// The one checked shape product, used wherever a shape is made from user input or from
/// arithmetic on extents: the number of elements of `shape`. Throws ValueError "op: ..."
/// for a negative extent, and for a shape whose size, or whose bytes at `itemsize` bytes
/// per element, does not fit in int64 (NumPy's "array is too big"). The product of the
/// non-zero extents must fit even when an extent is 0, since strides are formed from it.
int64_t checked_size(const char* op, const Shape& shape, std::size_t itemsize = 1);
/// a * b and a + b of extents or offsets; ValueError "op: ... overflows" when they do not
/// fit in int64.
int64_t checked_mul(const char* op, int64_t a, int64_t b);
int64_t checked_add(const char* op, int64_t a, int64_t b);

/// "(3, 4)" / "(5,)" / "()", as NumPy prints shapes.
std::string to_string(const Dims& dims);

/// Row-major (C order) strides in elements for a shape.
Strides c_strides(const Shape& shape);

}  // namespace tandem
