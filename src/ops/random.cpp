// Front end of tandem::random: parameter checks, the generator's key and counter position,
// and the hand-off of each fill to the chosen backend. Permutations and sampling run on the
// host from the same per-step counters.

#include "tandem/random.hpp"

#include <cmath>
#include <cstring>

#include "cpu/parallel.hpp"
#include "dispatch/dispatch.hpp"
#include "kernels/random.hpp"
#include "kernels/random_kind.hpp"
#include "ops/operands.hpp"
#include "tandem/core/error.hpp"

namespace tandem::random {

namespace {

kernels::PhiloxKey split_key(std::uint64_t key) {
  return kernels::PhiloxKey{{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)}};
}

const char* name_of(Distribution d) {
  switch (d) {
    case Distribution::uniform:
      return "random.uniform";
    case Distribution::normal:
      return "random.normal";
    case Distribution::exponential:
      return "random.exponential";
    case Distribution::gamma:
      return "random.gamma";
    case Distribution::integers:
      return "random.integers";
    case Distribution::bernoulli:
      return "random.bernoulli";
  }
  return "random";
}

bool accepts(Distribution d, DType t) {
  switch (d) {
    case Distribution::integers:
      return t == DType::int32 || t == DType::int64;
    case Distribution::bernoulli:
      return t == DType::bool_;
    default:
      return is_floating(t);
  }
}

}  // namespace

Generator::Generator(std::uint64_t seed, std::uint64_t stream) : key_(seed), stream_(stream) {}

DrawParams Generator::uniform_params(double low, double high) {
  TANDEM_CHECK(std::isfinite(low) && std::isfinite(high) && low < high, ValueError, "random.uniform",
               "low must be < high (both finite), got ", low, " and ", high);
  DrawParams p;
  p.a = low;
  p.b = high - low;
  return p;
}

DrawParams Generator::normal_params(double mean, double std) {
  TANDEM_CHECK(std >= 0, ValueError, "random.normal", "std must be >= 0, got ", std);
  DrawParams p;
  p.a = mean;
  p.b = std;
  return p;
}

DrawParams Generator::scale_params(double scale) {
  TANDEM_CHECK(scale >= 0, ValueError, "random.exponential", "scale must be >= 0, got ", scale);
  DrawParams p;
  p.a = scale;
  return p;
}

DrawParams Generator::gamma_params(double k, double scale) {
  TANDEM_CHECK(k > 0 && std::isfinite(k), ValueError, "random.gamma", "shape must be > 0, got ", k);
  TANDEM_CHECK(scale >= 0, ValueError, "random.gamma", "scale must be >= 0, got ", scale);
  DrawParams p;
  p.a = k;
  p.b = scale;
  return p;
}

DrawParams Generator::integer_params(std::int64_t low, std::int64_t high) {
  TANDEM_CHECK(low < high, ValueError, "random.integers", "low must be < high, got ", low, " and ", high);
  DrawParams p;
  p.low = low;
  p.range = static_cast<std::uint64_t>(high) - static_cast<std::uint64_t>(low);
  return p;
}

void Generator::fill(Distribution d, const DrawParams& params, const UntypedArray& out) {
  const char* name = name_of(d);
  TANDEM_CHECK(accepts(d, out.dtype()), DTypeError, name, "not supported for ", dtype_name(out.dtype()));
  TANDEM_CHECK(d != Distribution::integers || params.range >= 1, ValueError, name, "range must be >= 1");
  ops::check_out(name, out, out.shape(), out.dtype());
  ArrayCall call(OpKey::of(OpFamily::random, out.dtype()));
  call.output(out);
  kernels::RandomRequest& req = call.call.random;
  req.kind = kernels::random_kind_of(d);
  req.key = split_key(key_);
  req.counter_lo = offset_;
  req.counter_hi = stream_;
  req.a = params.a;
  req.b = params.b;
  req.low = params.low;
  req.range = params.range;
  const std::int64_t n = out.size();
  if (n > 0) execute(call);
  advance(kernels::counters_used(req.kind, n));
}

Array<bool> Generator::bernoulli(const Shape& shape, double p) {
  Array<bool> a(UntypedArray::empty(DType::bool_, shape, "bernoulli"));
  bernoulli(a, p);
  return a;
}

void Generator::bernoulli(const Array<bool>& out, double p) {
  TANDEM_CHECK(p >= 0 && p <= 1, ValueError, "random.bernoulli", "p must be in [0, 1], got ", p);
  DrawParams params;
  params.a = p;
  fill(Distribution::bernoulli, params, out.untyped());
}

std::vector<std::int64_t> Generator::fisher_yates(std::int64_t n, std::int64_t steps) {
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  // Step s swaps slot s with a slot drawn uniformly from [s, n), its draw taken from
  // counter position + s; the draws are independent, so they run in parallel.
  std::vector<std::int64_t> pick(static_cast<std::size_t>(steps));
  kernels::RandomRequest req;
  req.kind = kernels::RandomKind::integers;
  req.key = split_key(key_);
  req.counter_lo = offset_;
  req.counter_hi = stream_;
  cpu::parallel_for(steps, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t s = begin; s < end; ++s) {
      const auto j = static_cast<std::uint64_t>(s);
      const auto range = static_cast<std::uint64_t>(n - s);
      const kernels::PhiloxBlock w = kernels::block_at(req, j, req.key);
      pick[static_cast<std::size_t>(s)] = s + static_cast<std::int64_t>(kernels::bounded_u64(req, w, j, range));
    }
  });
  for (std::int64_t s = 0; s < steps; ++s)
    std::swap(perm[static_cast<std::size_t>(s)], perm[static_cast<std::size_t>(pick[static_cast<std::size_t>(s)])]);
  advance(static_cast<std::uint64_t>(steps));
  return perm;
}

Array<std::int64_t> Generator::permutation(std::int64_t n) {
  TANDEM_CHECK(n >= 0, ValueError, "random.permutation", "n must be >= 0, got ", n);
  return Array<std::int64_t>::from(fisher_yates(n, n));
}

UntypedArray Generator::permuted(const UntypedArray& a) {
  TANDEM_CHECK(a.ndim() >= 1, ValueError, "random.permutation", "array must have at least one axis");
  const std::int64_t rows = a.shape()[0];
  const std::vector<std::int64_t> perm = fisher_yates(rows, rows);
  const UntypedArray src = untyped::contiguous(a);
  UntypedArray out = UntypedArray::empty(a.dtype(), a.shape());
  if (out.size() == 0) return out;
  const std::size_t row_bytes = static_cast<std::size_t>(out.size() / rows) * itemsize(a.dtype());
  const auto* from = static_cast<const char*>(src.host_data(false));
  auto* to = static_cast<char*>(out.host_data(true));
  cpu::parallel_for(rows, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i)
      std::memcpy(to + static_cast<std::size_t>(i) * row_bytes,
                  from + static_cast<std::size_t>(perm[static_cast<std::size_t>(i)]) * row_bytes, row_bytes);
  });
  return out;
}

void Generator::shuffle_untyped(const UntypedArray& a) {
  TANDEM_CHECK(a.ndim() >= 1, ValueError, "random.shuffle", "array must have at least one axis");
  ops::check_out("random.shuffle", a, a.shape(), a.dtype());
  untyped::assign(a, permuted(a));
}

Array<std::int64_t> Generator::choice(std::int64_t n, std::int64_t size, bool replace) {
  TANDEM_CHECK(size >= 0, ValueError, "random.choice", "size must be >= 0, got ", size);
  TANDEM_CHECK(n >= 1 || size == 0, ValueError, "random.choice", "cannot choose from an empty population");
  TANDEM_CHECK(replace || size <= n, ValueError, "random.choice", "cannot take ", size,
               " samples without replacement from a population of ", n);
  if (replace) {
    if (size == 0) return Array<std::int64_t>(UntypedArray::empty(DType::int64, Shape{0}));
    return integers<std::int64_t>(0, n, Shape{size});
  }
  std::vector<std::int64_t> perm = fisher_yates(n, size);
  perm.resize(static_cast<std::size_t>(size));
  return Array<std::int64_t>::from(perm);
}

UntypedArray Generator::chosen(const UntypedArray& a, std::int64_t size, bool replace) {
  TANDEM_CHECK(a.ndim() == 1, ValueError, "random.choice", "array must be 1-D, got ", a.ndim(), " axes");
  const Array<std::int64_t> idx = choice(a.shape()[0], size, replace);
  const UntypedArray src = untyped::contiguous(a);
  UntypedArray out = UntypedArray::empty(a.dtype(), Shape{size});
  const std::size_t item = itemsize(a.dtype());
  const auto* from = static_cast<const char*>(src.host_data(false));
  auto* to = static_cast<char*>(out.host_data(true));
  const std::int64_t* ix = idx.cdata();
  for (std::int64_t i = 0; i < size; ++i)
    std::memcpy(to + static_cast<std::size_t>(i) * item, from + static_cast<std::size_t>(ix[i]) * item, item);
  return out;
}

std::vector<Generator> Generator::spawn(int n) {
  TANDEM_CHECK(n >= 0, ValueError, "random.spawn", "n must be >= 0, got ", n);
  std::vector<Generator> children;
  children.reserve(static_cast<std::size_t>(n));
  // Child key = Philox(counter = (parent key, child number), key = parent stream ^ a domain
  // constant): a keyed hash, so children of one parent and of different parents or streams
  // get unrelated keys.
  const kernels::PhiloxKey hash_key = split_key(stream_ ^ 0x5350415748415348ull);  // "SPAWHASH"
  for (int i = 0; i < n; ++i) {
    const kernels::PhiloxBlock h = kernels::philox4x32_10(kernels::philox_counter(key_, spawned_++), hash_key);
    children.emplace_back(static_cast<std::uint64_t>(h.v[0]) | (static_cast<std::uint64_t>(h.v[1]) << 32), 0);
  }
  return children;
}

void Generator::advance(std::uint64_t counters) {
  const std::uint64_t lo = offset_ + counters;
  if (lo < offset_) ++stream_;
  offset_ = lo;
}

void Generator::jump(std::uint64_t n) {
  stream_ += n;
  offset_ = 0;
}

Generator Generator::jumped(std::uint64_t n) const {
  Generator g = *this;
  g.jump(n);
  return g;
}

}  // namespace tandem::random
