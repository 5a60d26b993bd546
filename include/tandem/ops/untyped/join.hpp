#pragma once
/// @file untyped/join.hpp
/// The untyped entry points of tandem/ops/join.hpp, which its typed functions forward to.

#include <cstdint>
#include <utility>
#include <vector>

#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// How pad fills the border (NumPy's mode names).
enum class PadMode : unsigned char {
  constant,   ///< a constant value
  edge,       ///< the edge value repeated
  wrap,       ///< periodic: the other end of the axis
  reflect,    ///< mirrored without repeating the edge (d c b | a b c d | c b a)
  symmetric,  ///< mirrored with the edge repeated (c b a | a b c d | d c b)
};

/// Widths (before, after) of padding on one axis.
using PadWidth = std::pair<std::int64_t, std::int64_t>;

namespace untyped {

UntypedArray concatenate(const std::vector<UntypedArray>& arrays, int axis);
UntypedArray stack(const std::vector<UntypedArray>& arrays, int axis);
std::vector<UntypedArray> split(const UntypedArray& a, const std::vector<std::int64_t>& indices, int axis);
std::vector<UntypedArray> array_split(const UntypedArray& a, std::int64_t sections, int axis, bool equal);
UntypedArray tile(const UntypedArray& a, const std::vector<std::int64_t>& reps);
/// repeats of size 1 repeats every element that often; else one count per element on axis.
UntypedArray repeat(const UntypedArray& a, const std::vector<std::int64_t>& repeats, int axis);
UntypedArray flip(const UntypedArray& a, int axis);
UntypedArray roll(const UntypedArray& a, std::int64_t shift, int axis);
UntypedArray pad(const UntypedArray& a, const std::vector<PadWidth>& widths, PadMode mode, Scalar value);

}  // namespace untyped
}  // namespace tandem
