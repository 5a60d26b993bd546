// Views: indexing, slicing, transpose, reshape, squeeze, expand_dims, broadcast_to.
// None of these touch element data; they build new shape/strides/offset over the buffer.

#include <algorithm>

#include "core/axis.hpp"
#include "tandem/core/error.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/untyped/copy.hpp"  // reshape of a view that needs a copy

namespace tandem {

int normalize_axis(const char* op, int axis, int ndim) {
  TANDEM_CHECK(axis >= -ndim && axis < ndim, IndexError, op, "axis ", axis, " is out of bounds for array of dimension ",
               ndim);
  return axis < 0 ? axis + ndim : axis;
}

}  // namespace tandem

namespace tandem::untyped {

namespace {

// Python's slice.indices(): clamps start/stop to the extent and returns the view's length.
std::int64_t apply_slice(const Slice& s, std::int64_t n, std::int64_t& start) {
  TANDEM_CHECK(s.step != 0, ValueError, "index", "slice step cannot be zero");
  const std::int64_t step = s.step;
  std::int64_t stop;
  if (!s.start.present) {
    start = step < 0 ? n - 1 : 0;
  } else {
    start = s.start.value;
    if (start < 0) {
      start += n;
      if (start < 0) start = step < 0 ? -1 : 0;
    } else if (start >= n) {
      start = step < 0 ? n - 1 : n;
    }
  }
  if (!s.stop.present) {
    stop = step < 0 ? -1 : n;
  } else {
    stop = s.stop.value;
    if (stop < 0) {
      stop += n;
      if (stop < 0) stop = step < 0 ? -1 : 0;
    } else if (stop >= n) {
      stop = step < 0 ? n - 1 : n;
    }
  }
  if (step < 0) return stop < start ? (start - stop - 1) / (-step) + 1 : 0;
  return start < stop ? (stop - start - 1) / step + 1 : 0;
}

}  // namespace

UntypedArray index(const UntypedArray& a, const Index* indices, int count) {
  int consumed = 0;
  int ellipses = 0;
  for (int i = 0; i < count; ++i) {
    if (indices[i].kind == Index::Kind::integer || indices[i].kind == Index::Kind::slice) ++consumed;
    if (indices[i].kind == Index::Kind::all_rest) ++ellipses;
  }
  TANDEM_CHECK(ellipses <= 1, IndexError, "index", "an index can only have a single ellipsis");
  TANDEM_CHECK(consumed <= a.ndim(), IndexError, "index", "too many indices for array: array is ", a.ndim(),
               "-dimensional, but ", consumed, " were indexed");
  Shape shape;
  Strides strides;
  std::int64_t offset = a.offset();
  int d = 0;
  for (int i = 0; i < count; ++i) {
    const Index& ix = indices[i];
    switch (ix.kind) {
      case Index::Kind::integer: {
        const std::int64_t n = a.shape()[d];
        const std::int64_t k = ix.integer < 0 ? ix.integer + n : ix.integer;
        TANDEM_CHECK(k >= 0 && k < n, IndexError, "index", "index ", ix.integer, " is out of bounds for axis ", d,
                     " with size ", n);
        offset += k * a.strides()[d];
        ++d;
        break;
      }
      case Index::Kind::slice: {
        std::int64_t start = 0;
        const std::int64_t len = apply_slice(ix.range, a.shape()[d], start);
        if (len > 0) offset += start * a.strides()[d];
        shape.push_back(len);
        strides.push_back(a.strides()[d] * ix.range.step);
        ++d;
        break;
      }
      case Index::Kind::new_axis:
        shape.push_back(1);
        strides.push_back(0);
        break;
      case Index::Kind::all_rest:
        for (int k = 0; k < a.ndim() - consumed; ++k, ++d) {
          shape.push_back(a.shape()[d]);
          strides.push_back(a.strides()[d]);
        }
        break;
    }
  }
  for (; d < a.ndim(); ++d) {
    shape.push_back(a.shape()[d]);
    strides.push_back(a.strides()[d]);
  }
  return a.view(shape, strides, offset);
}

UntypedArray transpose(const UntypedArray& a, const std::vector<int>& perm) {
  const int n = a.ndim();
  TANDEM_CHECK(static_cast<int>(perm.size()) == n, ValueError, "transpose", "axes has ", perm.size(),
               " entries for an array of dimension ", n);
  Shape shape;
  Strides strides;
  std::vector<bool> seen(static_cast<std::size_t>(n), false);
  for (int p : perm) {
    const int ax = normalize_axis("transpose", p, n);
    TANDEM_CHECK(!seen[static_cast<std::size_t>(ax)], ValueError, "transpose", "repeated axis ", p, " in axes");
    seen[static_cast<std::size_t>(ax)] = true;
    shape.push_back(a.shape()[ax]);
    strides.push_back(a.strides()[ax]);
  }
  return a.view(shape, strides, a.offset());
}

UntypedArray transpose(const UntypedArray& a) {
  std::vector<int> perm(static_cast<std::size_t>(a.ndim()));
  for (int i = 0; i < a.ndim(); ++i) perm[static_cast<std::size_t>(i)] = a.ndim() - 1 - i;
  return transpose(a, perm);
}

UntypedArray swapaxes(const UntypedArray& a, int axis1, int axis2) {
  std::vector<int> perm(static_cast<std::size_t>(a.ndim()));
  for (int i = 0; i < a.ndim(); ++i) perm[static_cast<std::size_t>(i)] = i;
  std::swap(perm[static_cast<std::size_t>(normalize_axis("swapaxes", axis1, a.ndim()))],
            perm[static_cast<std::size_t>(normalize_axis("swapaxes", axis2, a.ndim()))]);
  return transpose(a, perm);
}

namespace {

// NumPy's attempt_nocopy_reshape: strides for `shape` over a's memory, or false when the
// new shape would need a copy.
bool reshape_strides(const UntypedArray& a, const Shape& shape, Strides& out) {
  Shape od;
  Strides os;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] != 1) {
      od.push_back(a.shape()[i]);
      os.push_back(a.strides()[i]);
    }
  }
  out = Dims::filled(shape.size(), 1);
  const int on = od.size();
  const int nn = shape.size();
  int oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    std::int64_t np = shape[ni];
    std::int64_t op = od[oi];
    while (np != op) {
      if (np < op) {
        np *= shape[nj++];
      } else {
        op *= od[oj++];
      }
    }
    for (int ok = oi; ok < oj - 1; ++ok)
      if (os[ok] != od[ok + 1] * os[ok + 1]) return false;
    out[nj - 1] = os[oj - 1];
    for (int nk = nj - 1; nk > ni; --nk) out[nk - 1] = out[nk] * shape[nk];
    ni = nj++;
    oi = oj++;
  }
  for (int k = ni; k < nn; ++k) out[k] = 1;  // trailing extents of 1: any stride works
  return true;
}

}  // namespace

UntypedArray reshape(const UntypedArray& a, const Shape& requested) {
  Shape shape = requested;
  int unknown = -1;
  std::int64_t known = 1;
  for (int i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TANDEM_CHECK(unknown < 0, ValueError, "reshape", "can only specify one unknown dimension");
      unknown = i;
    } else {
      TANDEM_CHECK(shape[i] >= 0, ValueError, "reshape", "invalid extent ", shape[i], " in ", to_string(requested));
      if (shape[i] != 0)
        known = checked_mul("reshape", known, shape[i]);
      else
        known = 0;
    }
  }
  if (unknown >= 0) {
    TANDEM_CHECK(known != 0 && a.size() % known == 0, ShapeError, "reshape", "cannot reshape array of size ", a.size(),
                 " into shape ", to_string(requested));
    shape[unknown] = a.size() / known;
  }
  TANDEM_CHECK(checked_size("reshape", shape) == a.size(), ShapeError, "reshape", "cannot reshape array of size ",
               a.size(), " into shape ", to_string(requested));
  if (a.size() == 0) return a.view(shape, c_strides(shape), a.offset());
  Strides strides;
  if (reshape_strides(a, shape, strides)) return a.view(shape, strides, a.offset());
  const UntypedArray c = copy(a);
  return UntypedArray(c.dtype(), shape, c_strides(shape), 0, c.buffer());
}

UntypedArray squeeze(const UntypedArray& a) {
  Shape shape;
  Strides strides;
  for (int i = 0; i < a.ndim(); ++i) {
    if (a.shape()[i] == 1) continue;
    shape.push_back(a.shape()[i]);
    strides.push_back(a.strides()[i]);
  }
  return a.view(shape, strides, a.offset());
}

UntypedArray squeeze(const UntypedArray& a, int axis) {
  const int ax = normalize_axis("squeeze", axis, a.ndim());
  TANDEM_CHECK(a.shape()[ax] == 1, ValueError, "squeeze", "cannot select an axis to squeeze out which has size ",
               a.shape()[ax], " (axis ", axis, ", shape ", to_string(a.shape()), ")");
  Shape shape = a.shape();
  Strides strides = a.strides();
  shape.erase(ax);
  strides.erase(ax);
  return a.view(shape, strides, a.offset());
}

UntypedArray expand_dims(const UntypedArray& a, int axis) {
  const int ax = normalize_axis("expand_dims", axis, a.ndim() + 1);
  Shape shape = a.shape();
  Strides strides = a.strides();
  shape.insert(ax, 1);
  strides.insert(ax, 0);
  return a.view(shape, strides, a.offset());
}

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const int n = std::max(a.size(), b.size());
  Shape out = Dims::filled(n, 1);
  for (int i = 0; i < n; ++i) {
    const std::int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TANDEM_CHECK(x == y || x == 1 || y == 1, ShapeError, op, "shapes ", to_string(a), " and ", to_string(b),
                 " cannot be broadcast together");
    out[i] = x == 1 ? y : x;
  }
  checked_size(op, out);
  return out;
}

UntypedArray broadcast_to(const UntypedArray& a, const Shape& shape) {
  if (a.shape() == shape) return a;
  const int n = shape.size();
  TANDEM_CHECK(n >= a.ndim(), ShapeError, "broadcast_to", "cannot broadcast ", to_string(a.shape()), " to ",
               to_string(shape));
  Strides strides = Dims::filled(n, 0);
  for (int i = 0; i < a.ndim(); ++i) {
    const int j = i + n - a.ndim();
    const std::int64_t e = a.shape()[i];
    TANDEM_CHECK(e == shape[j] || e == 1, ShapeError, "broadcast_to", "cannot broadcast ", to_string(a.shape()), " to ",
                 to_string(shape));
    strides[j] = (e == 1 && shape[j] != 1) ? 0 : a.strides()[i];
  }
  checked_size("broadcast_to", shape);
  return a.view(shape, strides, a.offset(), /*broadcast=*/true);
}

}  // namespace tandem::untyped
