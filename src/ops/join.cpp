// Joining and rearranging, built from views and backend copies: each piece of a result is an
// assign() into a view of the preallocated output, or a take() along one axis, so these run
// on whichever backend runs copies.

#include "tandem/ops/untyped/join.hpp"

#include <algorithm>
#include <vector>

#include "backend/user_op.hpp"
#include "kernels/convert.hpp"
#include "ops/operands.hpp"
#include "tandem/core/array.hpp"  // detail::from_host
#include "tandem/core/error.hpp"
#include "tandem/ops/untyped/creation.hpp"
#include "tandem/ops/untyped/index.hpp"

namespace tandem::untyped {

namespace {

// a[:, ..., start:stop:step] on axis ax (a view; bounds clamp as Python slices do).
UntypedArray slice_axis(const UntypedArray& a, int ax, SliceBound start, SliceBound stop, std::int64_t step = 1) {
  std::vector<Index> idx;
  for (int d = 0; d < ax; ++d) idx.emplace_back(all());
  idx.emplace_back(slice(start, stop, step));
  return index(a, idx.data(), static_cast<int>(idx.size()));
}

UntypedArray from_indices(const std::vector<std::int64_t>& v) {
  return detail::from_host(v.data(), DType::int64, Shape{static_cast<std::int64_t>(v.size())});
}

std::int64_t floor_mod(std::int64_t a, std::int64_t n) { return ((a % n) + n) % n; }

}  // namespace

UntypedArray concatenate(const std::vector<UntypedArray>& arrays, int axis) {
  const ::tandem::detail::UserOpScope scope("concatenate");
  TANDEM_CHECK(!arrays.empty(), ValueError, "concatenate", "need at least one array to concatenate");
  const UntypedArray& first = arrays.front();
  TANDEM_CHECK(first.ndim() > 0, ValueError, "concatenate", "zero-dimensional arrays cannot be concatenated");
  const int ax = ops::normalize_axis("concatenate", axis, first.ndim());
  Shape shape = first.shape();
  shape[ax] = 0;
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    const UntypedArray& a = arrays[i];
    TANDEM_CHECK(a.dtype() == first.dtype(), DTypeError, "concatenate", "the array at index ", i, " is ",
                 dtype_name(a.dtype()), " but the array at index 0 is ", dtype_name(first.dtype()),
                 " (convert with astype first)");
    TANDEM_CHECK(a.ndim() == first.ndim(), ShapeError, "concatenate", "the array at index 0 has ", first.ndim(),
                 " dimension(s) and the array at index ", i, " has ", a.ndim(), " dimension(s)");
    for (int d = 0; d < a.ndim(); ++d)
      TANDEM_CHECK(d == ax || a.shape()[d] == first.shape()[d], ShapeError, "concatenate",
                   "all the input array dimensions except for the concatenation axis must match exactly, but along "
                   "dimension ",
                   d, ", the array at index 0 has size ", first.shape()[d], " and the array at index ", i, " has size ",
                   a.shape()[d]);
    shape[ax] = checked_add("concatenate", shape[ax], a.shape()[ax]);
  }
  UntypedArray out = UntypedArray::empty(first.dtype(), shape, "concatenate");
  std::int64_t at = 0;
  for (const UntypedArray& a : arrays) {
    const std::int64_t n = a.shape()[ax];
    if (n > 0 && a.size() > 0) assign(slice_axis(out, ax, at, at + n), a);
    at += n;
  }
  return out;
}

UntypedArray stack(const std::vector<UntypedArray>& arrays, int axis) {
  const ::tandem::detail::UserOpScope scope("stack");
  TANDEM_CHECK(!arrays.empty(), ValueError, "stack", "need at least one array to stack");
  const int ax = ops::normalize_axis("stack", axis, arrays.front().ndim() + 1);
  std::vector<UntypedArray> expanded;
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    TANDEM_CHECK(arrays[i].shape() == arrays.front().shape(), ShapeError, "stack",
                 "all input arrays must have the same shape: the array at index 0 has shape ",
                 to_string(arrays.front().shape()), " and the array at index ", i, " has shape ",
                 to_string(arrays[i].shape()));
    expanded.push_back(expand_dims(arrays[i], ax));
  }
  return concatenate(expanded, ax);
}

std::vector<UntypedArray> split(const UntypedArray& a, const std::vector<std::int64_t>& indices, int axis) {
  TANDEM_CHECK(a.ndim() > 0, ValueError, "split", "cannot split a 0-d array");
  const int ax = ops::normalize_axis("split", axis, a.ndim());
  std::vector<UntypedArray> parts;
  SliceBound start = std::int64_t{0};
  for (std::int64_t i : indices) {
    parts.push_back(slice_axis(a, ax, start, i));
    start = i;
  }
  parts.push_back(slice_axis(a, ax, start, none));
  return parts;
}

std::vector<UntypedArray> array_split(const UntypedArray& a, std::int64_t sections, int axis, bool equal) {
  const char* op = equal ? "split" : "array_split";
  TANDEM_CHECK(a.ndim() > 0, ValueError, op, "cannot split a 0-d array");
  TANDEM_CHECK(sections > 0, ValueError, op, "number sections must be larger than 0, got ", sections);
  const int ax = ops::normalize_axis(op, axis, a.ndim());
  const std::int64_t n = a.shape()[ax];
  TANDEM_CHECK(!equal || n % sections == 0, ValueError, op, "array split does not result in an equal division: ", n,
               " elements into ", sections, " sections");
  const std::int64_t each = n / sections;
  const std::int64_t extra = n % sections;
  std::vector<UntypedArray> parts;
  std::int64_t at = 0;
  for (std::int64_t s = 0; s < sections; ++s) {
    const std::int64_t len = each + (s < extra ? 1 : 0);
    parts.push_back(slice_axis(a, ax, at, at + len));
    at += len;
  }
  return parts;
}

UntypedArray tile(const UntypedArray& a, const std::vector<std::int64_t>& reps) {
  const ::tandem::detail::UserOpScope scope("tile");
  const int nd = std::max(a.ndim(), static_cast<int>(reps.size()));
  TANDEM_CHECK(2 * nd <= kMaxDims, ShapeError, "tile", "at most ", kMaxDims / 2, " dimensions are supported, got ", nd);
  Shape view_shape, view_strides, out_shape;
  for (int d = 0; d < nd; ++d) {
    const int ra = d - (nd - static_cast<int>(reps.size()));
    const int aa = d - (nd - a.ndim());
    const std::int64_t r = ra >= 0 ? reps[static_cast<std::size_t>(ra)] : 1;
    TANDEM_CHECK(r >= 0, ValueError, "tile", "negative repetition count ", r);
    const std::int64_t e = aa >= 0 ? a.shape()[aa] : 1;
    const std::int64_t s = aa >= 0 ? a.strides()[aa] : 0;
    // (r, e) with stride 0 on the repetition axis: each copy of a reads the same elements.
    view_shape.push_back(r);
    view_strides.push_back(0);
    view_shape.push_back(e);
    view_strides.push_back(s);
    out_shape.push_back(checked_mul("tile", r, e));
  }
  checked_size("tile", out_shape, itemsize(a.dtype()));
  const UntypedArray spread(a.dtype(), view_shape, view_strides, a.offset(), a.buffer());
  return reshape(copy(spread), out_shape);
}

UntypedArray repeat(const UntypedArray& a, const std::vector<std::int64_t>& repeats, int axis) {
  const ::tandem::detail::UserOpScope scope("repeat");
  TANDEM_CHECK(a.ndim() > 0, ValueError, "repeat", "cannot repeat along an axis of a 0-d array");
  const int ax = ops::normalize_axis("repeat", axis, a.ndim());
  const std::int64_t n = a.shape()[ax];
  for (std::int64_t r : repeats) TANDEM_CHECK(r >= 0, ValueError, "repeat", "negative repetition count ", r);
  if (repeats.size() == 1) {
    // A stride-0 axis after `axis`, copied and merged into it.
    const std::int64_t r = repeats.front();
    TANDEM_CHECK(a.ndim() < kMaxDims, ShapeError, "repeat", "too many dimensions");
    Shape shape = a.shape(), strides = a.strides();
    shape.insert(ax + 1, r);
    strides.insert(ax + 1, 0);
    Shape out_shape = a.shape();
    out_shape[ax] = checked_mul("repeat", n, r);
    checked_size("repeat", out_shape, itemsize(a.dtype()));
    return reshape(copy(UntypedArray(a.dtype(), shape, strides, a.offset(), a.buffer())), out_shape);
  }
  TANDEM_CHECK(static_cast<std::int64_t>(repeats.size()) == n, ValueError, "repeat", "got ", repeats.size(),
               " repetition counts for an axis of length ", n);
  std::int64_t total = 0;
  for (std::int64_t r : repeats) total = checked_add("repeat", total, r);
  Shape out_shape = a.shape();
  out_shape[ax] = total;
  checked_size("repeat", out_shape, itemsize(a.dtype()));
  std::vector<std::int64_t> idx;
  for (std::int64_t i = 0; i < n; ++i)
    idx.insert(idx.end(), static_cast<std::size_t>(repeats[static_cast<std::size_t>(i)]), i);
  return take(a, from_indices(idx), ax);
}

UntypedArray flip(const UntypedArray& a, int axis) {
  const int ax = ops::normalize_axis("flip", axis, a.ndim());
  return slice_axis(a, ax, none, none, -1);
}

UntypedArray roll(const UntypedArray& a, std::int64_t shift, int axis) {
  TANDEM_CHECK(a.ndim() > 0, ValueError, "roll", "cannot roll along an axis of a 0-d array");
  const int ax = ops::normalize_axis("roll", axis, a.ndim());
  const std::int64_t n = a.shape()[ax];
  UntypedArray out = UntypedArray::empty(a.dtype(), a.shape());
  if (out.size() == 0) return out;
  const std::int64_t s = floor_mod(shift, n);
  if (s == 0) {
    assign(out, a);
    return out;
  }
  assign(slice_axis(out, ax, s, n), slice_axis(a, ax, 0, n - s));
  assign(slice_axis(out, ax, 0, s), slice_axis(a, ax, n - s, n));
  return out;
}

UntypedArray pad(const UntypedArray& a, const std::vector<PadWidth>& widths, PadMode mode, Scalar value) {
  const ::tandem::detail::UserOpScope scope("pad");
  const int nd = a.ndim();
  TANDEM_CHECK(widths.size() == 1 || static_cast<int>(widths.size()) == nd, ValueError, "pad", "got ", widths.size(),
               " (before, after) widths for an array of dimension ", nd);
  auto width = [&](int d) { return widths.size() == 1 ? widths.front() : widths[static_cast<std::size_t>(d)]; };
  Shape shape = a.shape();
  for (int d = 0; d < nd; ++d) {
    const PadWidth w = width(d);
    TANDEM_CHECK(w.first >= 0 && w.second >= 0, ValueError, "pad", "negative pad width (", w.first, ", ", w.second,
                 ") on axis ", d);
    shape[d] = checked_add("pad", shape[d], checked_add("pad", w.first, w.second));
  }
  if (mode == PadMode::constant) {
    const Scalar fill_value = visit_dtype(a.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return Scalar::of(kernels::scalar_cast<T>(value));  // astype's rules: NaN -> 0, saturating
    });
    UntypedArray out = full(a.dtype(), shape, fill_value);
    std::vector<Index> center;
    for (int d = 0; d < nd; ++d) center.emplace_back(slice(width(d).first, width(d).first + a.shape()[d]));
    if (a.size() > 0) assign(index(out, center.data(), nd), a);
    return out;
  }
  // The other modes are index maps along each axis in turn (corners follow NumPy, which
  // also pads one axis after another).
  UntypedArray cur = a;
  for (int d = 0; d < nd; ++d) {
    const PadWidth w = width(d);
    if (w.first == 0 && w.second == 0) continue;
    const std::int64_t n = cur.shape()[d];
    TANDEM_CHECK(n > 0, ValueError, "pad", "can't extend empty axis ", d, " using modes other than constant");
    std::vector<std::int64_t> idx(static_cast<std::size_t>(n + w.first + w.second));
    for (std::size_t i = 0; i < idx.size(); ++i) {
      const std::int64_t j = static_cast<std::int64_t>(i) - w.first;
      std::int64_t k = 0;
      switch (mode) {
        case PadMode::edge:
          k = std::min(std::max(j, std::int64_t{0}), n - 1);
          break;
        case PadMode::wrap:
          k = floor_mod(j, n);
          break;
        case PadMode::reflect:
          if (n > 1) {
            k = floor_mod(j, 2 * n - 2);
            if (k >= n) k = 2 * n - 2 - k;
          }
          break;
        case PadMode::symmetric:
          k = floor_mod(j, 2 * n);
          if (k >= n) k = 2 * n - 1 - k;
          break;
        case PadMode::constant:
          break;
      }
      idx[i] = k;
    }
    cur = take(cur, from_indices(idx), d);
  }
  return cur.buffer() == a.buffer() ? copy(a) : cur;
}

}  // namespace tandem::untyped
