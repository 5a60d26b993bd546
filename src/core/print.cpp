// operator<< for arrays, following NumPy's str(): all elements formatted to one width,
// floats with the fewest fractional digits (at most 8) that reproduce each value,
// scientific notation for wide ranges, lines wrapped at 75 characters, and arrays of
// more than 1000 elements summarised to their first and last 3 items per axis.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "tandem/core/array.hpp"

namespace tandem {

namespace {

constexpr int kPrecision = 8;
constexpr std::int64_t kThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;
constexpr std::size_t kLineWidth = 75;

struct FloatFormat {
  bool scientific = false;
  int digits = 0;  // fractional digits (positional) or mantissa digits (scientific)
};

std::string format_fixed(double v, int digits, bool scientific) {
  char buf[64];
  std::snprintf(buf, sizeof buf, scientific ? "%.*e" : "%.*f", digits, v);
  std::string s(buf);
  if (digits == 0) {  // NumPy writes "1." and "1.e+10"
    const auto e = s.find('e');
    s.insert(e == std::string::npos ? s.size() : e, ".");
  }
  return s;
}

// Fewest digits (<= kPrecision) whose rendering reads back as v in its own precision
// (float32 values are read back as float), else kPrecision.
int shortest_digits(double v, bool scientific, bool single) {
  for (int p = 0; p < kPrecision; ++p) {
    const std::string s = format_fixed(v, p, scientific);
    if (single ? std::strtof(s.c_str(), nullptr) == static_cast<float>(v) : std::strtod(s.c_str(), nullptr) == v)
      return p;
  }
  return kPrecision;
}

// NumPy trims the zeros that rounding to kPrecision digits leaves at the end ("0.4137931").
std::string trim_fraction_zeros(std::string s) {
  const auto dot = s.find('.');
  if (dot == std::string::npos || s.find('e') != std::string::npos) return s;
  while (s.size() > dot + 1 && s.back() == '0') s.pop_back();
  return s;
}

FloatFormat choose_float_format(const std::vector<double>& values, bool single) {
  FloatFormat f;
  double max_abs = 0, min_abs = HUGE_VAL;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    const double a = std::fabs(v);
    max_abs = std::max(max_abs, a);
    if (a > 0) min_abs = std::min(min_abs, a);
  }
  if (max_abs > 0 && (max_abs >= 1e8 || min_abs < 1e-4 || max_abs / min_abs > 1e3)) f.scientific = true;
  for (double v : values)
    if (std::isfinite(v)) f.digits = std::max(f.digits, shortest_digits(v, f.scientific, single));
  return f;
}

class Printer {
 public:
  explicit Printer(const UntypedArray& a) : a_(a), summarise_(a.size() > kThreshold) {
    collect(0, a_.offset());
    if (is_floating(a_.dtype())) float_ = choose_float_format(values_, a_.dtype() == DType::float32);
    for (double v : values_) width_ = std::max(width_, fraction_padded(v).size());
  }

  void print(std::ostream& os) {
    if (a_.ndim() == 0) {
      os << format(values_.at(0));
      return;
    }
    if (a_.size() == 0) {  // NumPy prints every empty array as []
      os << "[]";
      return;
    }
    std::size_t pos = 0;
    std::string out;
    render(out, 0, pos);
    os << out;
  }

 private:
  bool elided(int axis) const { return summarise_ && a_.shape()[axis] > 2 * kEdgeItems; }

  // The indices shown along an axis; -1 marks the "..." position.
  std::vector<std::int64_t> shown(int axis) const {
    std::vector<std::int64_t> idx;
    const std::int64_t n = a_.shape()[axis];
    if (!elided(axis)) {
      for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
    } else {
      for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (std::int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  void collect(int axis, std::int64_t offset) {
    if (axis == a_.ndim()) {
      values_.push_back(read(offset));
      return;
    }
    for (std::int64_t i : shown(axis))
      if (i >= 0) collect(axis + 1, offset + i * a_.strides()[axis]);
  }

  double read(std::int64_t offset) const {
    const auto* base = static_cast<const char*>(a_.buffer() ? host_base() : nullptr);
    return visit_dtype(a_.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return static_cast<double>(reinterpret_cast<const T*>(base)[offset]);
    });
  }

  const void* host_base() const {
    // host_data applies the view's offset; undo it so that offsets index the buffer.
    return static_cast<const char*>(a_.host_data(false)) -
           a_.offset() * static_cast<std::int64_t>(itemsize(a_.dtype()));
  }

  std::string format(double v) const {
    switch (a_.dtype()) {
      case DType::bool_:
        return v != 0 ? "True" : "False";
      case DType::int32:
      case DType::int64:
        return std::to_string(static_cast<long long>(v));
      default:
        break;
    }
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    if (float_.scientific) return format_fixed(v, float_.digits, true);  // common mantissa digits
    const bool single = a_.dtype() == DType::float32;
    return trim_fraction_zeros(format_fixed(v, std::min(float_.digits, shortest_digits(v, false, single)), false));
  }

  // Pads to the common width: right-aligned, except that positional floats align their
  // decimal points by padding the fraction with spaces (NumPy: "[0.1  0.25]").
  std::string fraction_padded(double v) const {
    std::string s = format(v);
    if (is_floating(a_.dtype()) && !float_.scientific && std::isfinite(v)) {
      const auto dot = s.find('.');
      const std::size_t frac = s.size() - dot - 1;
      s.append(static_cast<std::size_t>(float_.digits) - std::min<std::size_t>(frac, float_.digits), ' ');
    }
    return s;
  }
  std::string padded(double v) const {
    std::string s = fraction_padded(v);
    if (s.size() < width_) s.insert(0, width_ - s.size(), ' ');
    return s;
  }

  void render(std::string& out, int axis, std::size_t& next) {
    out += '[';
    const auto idx = shown(axis);
    const bool last_axis = axis == a_.ndim() - 1;
    std::size_t line_start = out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      if (last_axis) {
        std::string item = idx[k] < 0 ? std::string("...") : padded(values_[next++]);
        if (k > 0) {
          if (out.size() - line_start + 1 + item.size() + 1 > kLineWidth) {
            while (!out.empty() && out.back() == ' ') out.pop_back();  // NumPy rstrips wrapped lines
            out += '\n';
            line_start = out.size();
            out.append(static_cast<std::size_t>(axis) + 1, ' ');
          } else {
            out += ' ';
          }
        }
        out += item;
      } else {
        if (k > 0) {
          out.append(static_cast<std::size_t>(a_.ndim() - axis - 1), '\n');
          out.append(static_cast<std::size_t>(axis) + 1, ' ');
        }
        if (idx[k] < 0) {
          out += "...";
          continue;
        }
        render(out, axis + 1, next);
      }
    }
    out += ']';
  }

  const UntypedArray& a_;
  bool summarise_;
  std::vector<double> values_;  // shown elements in C order (int64 beyond 2^53 rounds for width only)
  FloatFormat float_;
  std::size_t width_ = 0;
};

}  // namespace

namespace detail {
void print(std::ostream& os, const UntypedArray& a) { Printer(a).print(os); }
}  // namespace detail

std::ostream& operator<<(std::ostream& os, const UntypedArray& a) {
  detail::print(os, a);
  return os;
}

}  // namespace tandem
