#pragma once
/// @file dist/random.hpp
/// Random distributed arrays that do not depend on the decomposition: element i (global
/// C order) gets exactly the value that tandem::random::Generator gives element i of a
/// single array of the global shape, on any number of ranks and any layout. Every rank
/// must call with an equal generator; each returns it advanced as that single draw would
/// (by the counters of the whole global array). Local: no message.

#include <functional>

#include "tandem/dist/array.hpp"
#include "tandem/random.hpp"

namespace tandem::dist::random {

using tandem::random::Distribution;
using tandem::random::Generator;

namespace detail {
/// Fills the interior. draw(g, run) fills a contiguous 1-d run as a fresh draw of g would
/// (the typed Generator method, so its parameter checks and dtype rules apply).
void fill(Generator& g, Distribution d, const UntypedArray& interior, const Layout& layout,
          const std::function<void(Generator&, const UntypedArray&)>& draw);
template <class T, class F>
Array<T> draw(Generator& g, Distribution d, const Layout& layout, F&& typed_draw) {
  Array<T> a = empty<T>(layout);
  fill(g, d, a.local().untyped(), layout,
       [&](Generator& run_gen, const UntypedArray& run) { typed_draw(run_gen, tandem::Array<T>(run)); });
  return a;
}
}  // namespace detail

/// Uniform on [low, high) (Generator::uniform).
template <class T>
Array<T> uniform(Generator& g, const Layout& layout, T low = T(0), T high = T(1)) {
  return detail::draw<T>(g, Distribution::uniform, layout,
                         [&](Generator& r, const tandem::Array<T>& out) { r.uniform(out, low, high); });
}
/// Uniform on [0, 1).
template <class T>
Array<T> random(Generator& g, const Layout& layout) {
  return uniform<T>(g, layout, T(0), T(1));
}
/// Normal(mean, std) (Generator::normal).
template <class T>
Array<T> normal(Generator& g, const Layout& layout, T mean = T(0), T std = T(1)) {
  return detail::draw<T>(g, Distribution::normal, layout,
                         [&](Generator& r, const tandem::Array<T>& out) { r.normal(out, mean, std); });
}
/// Integers uniform on [low, high) (Generator::integers).
template <class T>
Array<T> integers(Generator& g, const Layout& layout, T low, T high) {
  return detail::draw<T>(g, Distribution::integers, layout,
                         [&](Generator& r, const tandem::Array<T>& out) { r.integers(out, low, high); });
}

}  // namespace tandem::dist::random
