#pragma once
// Reduction and scan functors shared by every backend: what an element contributes
// (load), how two partial results combine, and what is stored. The tree that applies
// `combine` is the backend's (a fixed pairwise tree on the CPU, src/cpu/reduce.cpp).

#include <cstdint>
#include <type_traits>

#include "kernels/hd.hpp"
#include "tandem/ops/op_codes.hpp"

namespace tandem::kernels {

template <class T>
TANDEM_HD constexpr bool is_nan_value(T x) {
  if constexpr (std::is_floating_point_v<T>) {
    return x != x;  // NOLINT(misc-redundant-expression): the NaN test
  } else {
    return false;
  }
}

/// Sums and products of integers and bools accumulate in 64 bits; unsigned arithmetic
/// wraps modulo 2^64 as NumPy's int64 does, without signed-overflow undefined behaviour.
template <class T>
using wide_t = std::conditional_t<std::is_floating_point_v<T>, T, std::uint64_t>;
template <class T>
using wide_out_t = std::conditional_t<std::is_floating_point_v<T>, T, std::int64_t>;

template <ReduceOp OP, class T>
struct Reducer;

template <class T>
struct Reducer<ReduceOp::sum, T> {
  using acc_type = wide_t<T>;
  using out_type = wide_out_t<T>;
  TANDEM_HD static acc_type load(T x) { return static_cast<acc_type>(x); }
  TANDEM_HD static acc_type combine(acc_type a, acc_type b) { return a + b; }
  TANDEM_HD static out_type store(acc_type a) { return static_cast<out_type>(a); }
};

template <class T>
struct Reducer<ReduceOp::prod, T> {
  using acc_type = wide_t<T>;
  using out_type = wide_out_t<T>;
  TANDEM_HD static acc_type load(T x) { return static_cast<acc_type>(x); }
  TANDEM_HD static acc_type combine(acc_type a, acc_type b) { return a * b; }
  TANDEM_HD static out_type store(acc_type a) { return static_cast<out_type>(a); }
};

template <class T>
struct Reducer<ReduceOp::nansum, T> : Reducer<ReduceOp::sum, T> {
  using typename Reducer<ReduceOp::sum, T>::acc_type;
  TANDEM_HD static acc_type load(T x) { return is_nan_value(x) ? acc_type(0) : static_cast<acc_type>(x); }
};

template <class T>
struct Reducer<ReduceOp::nanprod, T> : Reducer<ReduceOp::prod, T> {
  using typename Reducer<ReduceOp::prod, T>::acc_type;
  TANDEM_HD static acc_type load(T x) { return is_nan_value(x) ? acc_type(1) : static_cast<acc_type>(x); }
};

/// min and max propagate NaN (the first one met); between equal values the left one wins.
template <class T>
struct Reducer<ReduceOp::min, T> {
  using acc_type = T;
  using out_type = T;
  TANDEM_HD static T load(T x) { return x; }
  TANDEM_HD static T combine(T a, T b) { return (a <= b || is_nan_value(a)) ? a : b; }
  TANDEM_HD static T store(T a) { return a; }
};

template <class T>
struct Reducer<ReduceOp::max, T> {
  using acc_type = T;
  using out_type = T;
  TANDEM_HD static T load(T x) { return x; }
  TANDEM_HD static T combine(T a, T b) { return (a >= b || is_nan_value(a)) ? a : b; }
  TANDEM_HD static T store(T a) { return a; }
};

/// nanmin and nanmax ignore NaN; all-NaN gives NaN (NumPy warns and returns NaN).
template <class T>
struct Reducer<ReduceOp::nanmin, T> : Reducer<ReduceOp::min, T> {
  TANDEM_HD static T combine(T a, T b) { return (is_nan_value(b) || a <= b) ? a : b; }
};

template <class T>
struct Reducer<ReduceOp::nanmax, T> : Reducer<ReduceOp::max, T> {
  TANDEM_HD static T combine(T a, T b) { return (is_nan_value(b) || a >= b) ? a : b; }
};

template <class T>
struct Reducer<ReduceOp::all, T> {
  using acc_type = bool;
  using out_type = bool;
  TANDEM_HD static bool load(T x) { return x != T(0); }
  TANDEM_HD static bool combine(bool a, bool b) { return a && b; }
  TANDEM_HD static bool store(bool a) { return a; }
};

template <class T>
struct Reducer<ReduceOp::any, T> {
  using acc_type = bool;
  using out_type = bool;
  TANDEM_HD static bool load(T x) { return x != T(0); }
  TANDEM_HD static bool combine(bool a, bool b) { return a || b; }
  TANDEM_HD static bool store(bool a) { return a; }
};

template <class T>
struct Reducer<ReduceOp::count_nonzero, T> {
  using acc_type = std::int64_t;
  using out_type = std::int64_t;
  TANDEM_HD static std::int64_t load(T x) { return x != T(0) ? 1 : 0; }
  TANDEM_HD static std::int64_t combine(std::int64_t a, std::int64_t b) { return a + b; }
  TANDEM_HD static std::int64_t store(std::int64_t a) { return a; }
};

/// argmin/argmax: does candidate x beat the current best? NaN beats any number (NumPy
/// returns the first NaN's index); ties keep the earlier index.
template <ReduceOp OP, class T>
TANDEM_HD bool arg_better(T x, T best) {
  static_assert(OP == ReduceOp::argmin || OP == ReduceOp::argmax);
  if (is_nan_value(x)) return !is_nan_value(best);
  if constexpr (OP == ReduceOp::argmin) {
    return x < best;
  } else {
    return x > best;
  }
}

/// Combines two (value, index) candidates of argmin/argmax from a tree that does not keep
/// index order (the GPU's lanes fold t, t + 256, ...): the better value wins; on a tie, or
/// two NaNs, the lower index, so the result is the first occurrence as in NumPy. True when
/// (xb, ib) is the one to keep.
template <ReduceOp OP, class T>
TANDEM_HD bool arg_keeps_second(T xa, std::int64_t ia, T xb, std::int64_t ib) {
  if (arg_better<OP>(xb, xa)) return true;
  if (arg_better<OP>(xa, xb)) return false;
  return ib < ia;
}

/// Scans accumulate in the reduction's wide type and store int64 for integers and bools.
template <ScanOp OP, class T>
struct Scanner {
  using acc_type = wide_t<T>;
  using out_type = wide_out_t<T>;
  TANDEM_HD static acc_type load(T x) { return static_cast<acc_type>(x); }
  TANDEM_HD static acc_type combine(acc_type a, acc_type b) {
    if constexpr (OP == ScanOp::cumsum) {
      return a + b;
    } else {
      return a * b;
    }
  }
  TANDEM_HD static out_type store(acc_type a) { return static_cast<out_type>(a); }
};

}  // namespace tandem::kernels
