#pragma once
/// @file axes.hpp
/// Axes, the axis argument of reductions, and the result element types of sums and means
/// (used by the free reductions and by Array's methods alike).

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

namespace tandem {

/// The axes a reduction runs over. Default-constructed (or `{}`): all axes.
class Axes {
 public:
  Axes() = default;
  Axes(int axis) : all_(false), list_{axis} {}                          // NOLINT(google-explicit-constructor)
  Axes(std::initializer_list<int> axes) : all_(false), list_(axes) {}   // NOLINT(google-explicit-constructor)
  Axes(std::vector<int> axes) : all_(false), list_(std::move(axes)) {}  // NOLINT(google-explicit-constructor)

  bool is_all() const { return all_; }
  const std::vector<int>& list() const { return list_; }

 private:
  bool all_ = true;
  std::vector<int> list_;
};

/// The element type of a sum or product of T: T for floating types, int64 otherwise.
template <class T>
using sum_t = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;
/// The element type of a mean, variance or norm of T: T for floating types, double otherwise.
template <class T>
using mean_t = std::conditional_t<std::is_floating_point_v<T>, T, double>;

}  // namespace tandem
