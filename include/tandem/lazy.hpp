#pragma once
/// @file lazy.hpp
/// Lazy element-wise evaluation (docs/lazy.md). With laziness on (the default), element-wise
/// ops, `where`, `clip`, `astype` and scalar operands over arrays on the host return at once
/// with an array whose values are computed later, in one fused pass over memory, when
/// anything needs them: a read (`data`, `item`, `at`, printing, I/O), any other op, a graph
/// limit, or a write to an array the chain reads. Results are bitwise equal to eager
/// evaluation, and errors are thrown by the call that caused them.
///
/// The process default comes from the environment variable TANDEM_LAZY (0 or off: eager;
/// 1 or on: lazy, the default) and set_lazy(); a LazyGuard overrides it for the current
/// thread until it goes out of scope.
///
/// A raw pointer from `data()`/`cdata()` is valid until the next tandem call on the array
/// (or on an array of the same memory).

#include "tandem/core/untyped_array.hpp"

namespace tandem {

/// Sets the process default (every thread without a LazyGuard).
void set_lazy(bool on);
/// Whether element-wise ops on this thread may be deferred (a guard's choice, else the
/// process default).
bool lazy_enabled();

/// Turns laziness on or off for the calling thread; guards nest. Leaving the scope does not
/// evaluate anything: arrays built lazily inside stay lazy until needed.
class LazyGuard {
 public:
  explicit LazyGuard(bool on);
  LazyGuard(const LazyGuard&) = delete;
  LazyGuard& operator=(const LazyGuard&) = delete;
  ~LazyGuard();

 private:
  int saved_;
};

/// Computes the values of lazy arrays now, where they are placed, without copying them
/// anywhere (ArrayFire's af::eval): to time a chain, or to let the arrays a chain reads go.
/// Arrays with nothing pending are left as they are. Errors of the deferred work (out of
/// memory) are thrown here.
void eval(const UntypedArray& a);
template <class... Arrays>
void eval(const Arrays&... arrays) {
  (eval(arrays.untyped()), ...);
}

}  // namespace tandem
