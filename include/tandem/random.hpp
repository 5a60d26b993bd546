#pragma once
/// @file random.hpp
/// Reproducible random numbers: a counter-based generator (Philox4x32-10) whose every
/// value is a pure function of (key, counter). The same seed gives bitwise the same arrays
/// on any number of threads, for any internal chunking, and on every backend.
///
/// A Generator is a 64-bit key (the seed) and a 128-bit counter position: a 64-bit stream
/// (high half) and a 64-bit offset (low half). Element i, in C order, of an output of a
/// call takes its bits from counter position + i / k, where k values come from one Philox
/// block (k = 2 for uniform, normal, exponential and bernoulli; k = 1 for integers and
/// gamma). After the call the position has advanced by the counters it used, so successive
/// calls never overlap. Out-parameter forms fill an existing array, strided views included,
/// with the values a fresh array of its shape would get. New arrays live on the host.

#include <cstdint>
#include <type_traits>
#include <vector>

#include "tandem/core/array.hpp"
#include "tandem/core/dims.hpp"
#include "tandem/core/untyped_array.hpp"

namespace tandem::random {

/// The distributions a Generator draws from (the values of its untyped fill).
enum class Distribution : unsigned char { uniform, normal, exponential, gamma, integers, bernoulli };

/// Parameters of one draw; unused fields stay 0.
struct DrawParams {
  double a = 0;             ///< uniform: low; normal: mean; exponential: scale; gamma: shape; bernoulli: p
  double b = 0;             ///< uniform: high - low; normal: std; gamma: scale
  std::int64_t low = 0;     ///< integers: low
  std::uint64_t range = 0;  ///< integers: high - low
};

class Generator {
 public:
  /// A generator with key = seed, at offset 0 of `stream`.
  explicit Generator(std::uint64_t seed = 0, std::uint64_t stream = 0);

  // ---- floating distributions (T = float or double) ----

  /// Uniform on [0, 1); every value >= 2^-12 has all mantissa bits random.
  template <class T>
  Array<T> random(const Shape& shape) {
    return uniform<T>(shape, T(0), T(1));
  }
  template <class T>
  void random(const Array<T>& out) {
    uniform(out, T(0), T(1));
  }

  /// Uniform on [low, high) (low + (high - low) * u; rounding may reach high, as in NumPy).
  /// Throws ValueError unless low < high, both finite.
  template <class T>
  Array<T> uniform(const Shape& shape, T low = T(0), T high = T(1)) {
    return fresh<T>("uniform", shape, [&](const Array<T>& a) { uniform(a, low, high); });
  }
  template <class T>
  void uniform(const Array<T>& out, T low = T(0), T high = T(1)) {
    floating_only<T>();
    fill(Distribution::uniform, uniform_params(static_cast<double>(low), static_cast<double>(high)), out.untyped());
  }

  /// Normal(mean, std) by Box-Muller (two values per Philox block). Throws ValueError if std < 0.
  template <class T>
  Array<T> normal(const Shape& shape, T mean = T(0), T std = T(1)) {
    return fresh<T>("normal", shape, [&](const Array<T>& a) { normal(a, mean, std); });
  }
  template <class T>
  void normal(const Array<T>& out, T mean = T(0), T std = T(1)) {
    floating_only<T>();
    fill(Distribution::normal, normal_params(static_cast<double>(mean), static_cast<double>(std)), out.untyped());
  }
  template <class T>
  Array<T> standard_normal(const Shape& shape) {
    return normal<T>(shape, T(0), T(1));
  }
  template <class T>
  void standard_normal(const Array<T>& out) {
    normal(out, T(0), T(1));
  }

  /// Exponential with the given scale (mean); throws ValueError if scale < 0.
  template <class T>
  Array<T> exponential(const Shape& shape, T scale = T(1)) {
    return fresh<T>("exponential", shape, [&](const Array<T>& a) { exponential(a, scale); });
  }
  template <class T>
  void exponential(const Array<T>& out, T scale = T(1)) {
    floating_only<T>();
    fill(Distribution::exponential, scale_params(static_cast<double>(scale)), out.untyped());
  }

  /// Gamma(shape k, scale) by Marsaglia-Tsang; throws ValueError unless k > 0 and scale >= 0.
  template <class T>
  Array<T> gamma(const Shape& shape, T k, T scale = T(1)) {
    return fresh<T>("gamma", shape, [&](const Array<T>& a) { gamma(a, k, scale); });
  }
  template <class T>
  void gamma(const Array<T>& out, T k, T scale = T(1)) {
    floating_only<T>();
    fill(Distribution::gamma, gamma_params(static_cast<double>(k), static_cast<double>(scale)), out.untyped());
  }

  // ---- discrete distributions ----

  /// Integers uniform on [low, high) (T = int32_t or int64_t), without modulo bias
  /// (Lemire's method). Throws ValueError unless low < high.
  template <class T>
  Array<T> integers(T low, T high, const Shape& shape) {
    return fresh<T>("integers", shape, [&](const Array<T>& a) { integers(a, low, high); });
  }
  template <class T>
  void integers(const Array<T>& out, T low, T high) {
    static_assert(std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>,
                  "Generator::integers: T must be int32_t or int64_t");
    fill(Distribution::integers, integer_params(static_cast<std::int64_t>(low), static_cast<std::int64_t>(high)),
         out.untyped());
  }

  /// true with probability p; throws ValueError unless 0 <= p <= 1.
  Array<bool> bernoulli(const Shape& shape, double p = 0.5);
  void bernoulli(const Array<bool>& out, double p = 0.5);

  // ---- permutations and sampling ----

  /// A random permutation of 0 .. n-1 (Fisher-Yates; step s uses counter position + s).
  Array<std::int64_t> permutation(std::int64_t n);
  /// A copy of a with its slices along axis 0 in random order (a must have ndim >= 1).
  template <class T>
  Array<T> permutation(const Array<T>& a) {
    return Array<T>(permuted(a.untyped()));
  }
  /// Shuffles a in place along axis 0 (the same order permutation(a) would give).
  template <class T>
  void shuffle(const Array<T>& a) {
    shuffle_untyped(a.untyped());
  }

  /// `size` indices drawn from 0 .. n-1, with or without replacement. Throws ValueError if
  /// n < 1 (with size > 0) or, without replacement, size > n.
  Array<std::int64_t> choice(std::int64_t n, std::int64_t size, bool replace = true);
  /// `size` elements of the 1-D array a, chosen as choice(a.size(), size, replace) indexes them.
  template <class T>
  Array<T> choice(const Array<T>& a, std::int64_t size, bool replace = true) {
    return Array<T>(chosen(a.untyped(), size, replace));
  }

  // ---- state ----

  /// n children with distinct keys derived from (key, stream, number of children spawned
  /// so far) by a Philox hash, as NumPy's SeedSequence.spawn; they start at position 0.
  std::vector<Generator> spawn(int n);
  /// Moves the position forward by `counters` Philox counters (128-bit arithmetic).
  void advance(std::uint64_t counters);
  /// Moves to the start of the stream n streams further on (2^64 counters per stream).
  void jump(std::uint64_t n = 1);
  /// A copy of this generator, jumped n streams ahead.
  Generator jumped(std::uint64_t n = 1) const;

  std::uint64_t key() const { return key_; }
  std::uint64_t stream() const { return stream_; }
  std::uint64_t offset() const { return offset_; }

  /// The untyped fill behind every draw: out (any dtype the distribution allows, any
  /// strides) receives the values; the position advances by the counters used.
  void fill(Distribution d, const DrawParams& params, const UntypedArray& out);

 private:
  template <class T>
  static void floating_only() {
    static_assert(std::is_floating_point_v<T>, "tandem::random: this distribution needs float or double");
  }
  template <class T, class F>
  static Array<T> fresh(const char* op, const Shape& shape, F&& f) {
    Array<T> a(UntypedArray::empty(dtype_of<T>(), shape, op));
    f(a);
    return a;
  }
  static DrawParams uniform_params(double low, double high);
  static DrawParams normal_params(double mean, double std);
  static DrawParams scale_params(double scale);
  static DrawParams gamma_params(double k, double scale);
  static DrawParams integer_params(std::int64_t low, std::int64_t high);
  /// Fisher-Yates permutation of 0 .. n-1, the first `steps` swaps only (all when steps = n).
  std::vector<std::int64_t> fisher_yates(std::int64_t n, std::int64_t steps);
  UntypedArray permuted(const UntypedArray& a);
  void shuffle_untyped(const UntypedArray& a);
  UntypedArray chosen(const UntypedArray& a, std::int64_t size, bool replace);

  std::uint64_t key_;
  std::uint64_t stream_;
  std::uint64_t offset_ = 0;
  std::uint64_t spawned_ = 0;
};

}  // namespace tandem::random
