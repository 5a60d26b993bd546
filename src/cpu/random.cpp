// Random fills on the CPU. Philox runs over batches of consecutive counters with Highway
// (src/cpu/random_philox.cpp) and the shared distribution functors of src/kernels turn each
// batch into values in loops that vectorise, cloned for AVX-512, AVX2 and the baseline.

// No FMA contraction, so that every instruction-set clone below (and the CUDA build) rounds
// alike. Set before the includes so the shared functors get it too.
#if defined(__clang__)
#pragma clang fp contract(off)
#else
#pragma GCC optimize("fp-contract=off")
#endif

#include "cpu/random.hpp"

#include <algorithm>
#include <atomic>

#include "cpu/backend.hpp"
#include "cpu/clones.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "kernels/random.hpp"
#include "tandem/core/error.hpp"

namespace tandem {

namespace cpu {
namespace {
std::atomic<std::int64_t> g_chunk_for_testing{0};
}  // namespace
void set_random_chunk_for_testing(std::int64_t chunk) { g_chunk_for_testing.store(chunk); }
}  // namespace cpu

namespace {

using kernels::PhiloxBlock;
using kernels::PhiloxKey;
using kernels::RandomKind;
using kernels::RandomRequest;

constexpr int kBatch = cpu::kPhiloxLanes;

[[gnu::always_inline]] inline PhiloxBlock block(const cpu::PhiloxLanes& batch, int b) {
  return PhiloxBlock{{static_cast<std::uint32_t>(batch.v[0][b]), static_cast<std::uint32_t>(batch.v[1][b]),
                      static_cast<std::uint32_t>(batch.v[2][b]), static_cast<std::uint32_t>(batch.v[3][b])}};
}

// The values of blocks j0 .. j0 + kBatch - 1, in element order, into vals[0 .. kBatch * k).
template <class T, class Block>
[[gnu::always_inline]] inline void batch_values(const RandomRequest& req, const Block& f, std::uint64_t j0, T* vals) {
  cpu::PhiloxLanes batch;
  const std::uint64_t lo = req.counter_lo + j0;
  cpu::philox_lanes(req.key, lo, req.counter_hi + (lo < j0 ? 1 : 0), batch);
  for (int b = 0; b < kBatch; ++b) {
    f(block(batch, b), j0 + static_cast<std::uint64_t>(b), vals + b * Block::k);
  }
}

// Rejection samplers do not vectorise: one generic build.
template <class T, class Block>
void values(const RandomRequest& req, const Block& f, std::uint64_t j0, T* vals) {
  batch_values(req, f, j0, vals);
}

// The straight-line distributions, cloned per instruction set (src/cpu/clones.hpp).
#define TANDEM_RANDOM_CLONES TANDEM_ISA_CLONES
#define TANDEM_RANDOM_VALUES(T, BLOCK)                                                                    \
  TANDEM_RANDOM_CLONES void values(const RandomRequest& req, const BLOCK& f, std::uint64_t j0, T* vals) { \
    batch_values(req, f, j0, vals);                                                                       \
  }
TANDEM_RANDOM_VALUES(float, kernels::UniformBlock<float>)
TANDEM_RANDOM_VALUES(double, kernels::UniformBlock<double>)
TANDEM_RANDOM_VALUES(float, kernels::ExponentialBlock<float>)
TANDEM_RANDOM_VALUES(double, kernels::ExponentialBlock<double>)
TANDEM_RANDOM_VALUES(bool, kernels::BernoulliBlock)

// Normals: the ziggurat's fast path with Highway (src/cpu/random_philox.cpp), then the
// rare words its quick test rejects (0.44 %) by the shared scalar kernel.
template <class T>
void values(const RandomRequest& req, const kernels::NormalBlock<T>& f, std::uint64_t j0, T* vals) {
  cpu::PhiloxLanes batch;
  const std::uint64_t lo = req.counter_lo + j0;
  cpu::philox_lanes(req.key, lo, req.counter_hi + (lo < j0 ? 1 : 0), batch);
  std::uint64_t rejected[2];
  cpu::ziggurat_lanes(batch, f.req.a, f.req.b, vals, rejected);
  for (int i = 0; i < 2; ++i) {
    for (std::uint64_t m = rejected[i]; m != 0; m &= m - 1) {
      const int b = __builtin_ctzll(m);
      const std::uint64_t w = (batch.v[2 * i][b] & 0xffffffffu) | (batch.v[2 * i + 1][b] << 32);
      vals[2 * b + i] = f.finish(kernels::ziggurat_rare(req, j0 + static_cast<std::uint64_t>(b), i, w));
    }
  }
}
#undef TANDEM_RANDOM_VALUES
#undef TANDEM_RANDOM_CLONES

// Elements [first, first + n) of the request, written to o[0], o[stride], ...
template <class T, class Block>
void fill_run(const RandomRequest& req, const Block& f, T* o, std::int64_t stride, std::int64_t first, std::int64_t n) {
  constexpr std::uint64_t k = Block::k;
  const auto end = static_cast<std::uint64_t>(first + n);
  auto e = static_cast<std::uint64_t>(first);
  T vals[kBatch * k];
  while (e < end) {
    const std::uint64_t j0 = e / k;
    const std::uint64_t stop = std::min(end, (j0 + kBatch) * k);
    T* dst = o + static_cast<std::int64_t>(e - static_cast<std::uint64_t>(first)) * stride;
    if (stride == 1 && e == j0 * k && stop == (j0 + kBatch) * k) {  // a whole batch: no copy
      values(req, f, j0, dst);
      e = stop;
      continue;
    }
    values(req, f, j0, vals);
    const T* src = vals + (e - j0 * k);
    const auto count = static_cast<std::int64_t>(stop - e);
    if (stride == 1) {
      std::copy(src, src + count, dst);
    } else {
      for (std::int64_t i = 0; i < count; ++i) dst[i * stride] = src[i];
    }
    e = stop;
  }
}

template <class T, class Block>
void generate(const RandomRequest& req, const StridedView& out, const Block& f) {
  const auto loop = cpu::make_loop<1>({&out});
  const std::int64_t stride = loop.inner_stride(0) / static_cast<std::int64_t>(sizeof(T));
  auto range = [&](std::int64_t begin, std::int64_t end) {
    std::int64_t index = begin;
    cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 1>& p, std::int64_t n) {
      fill_run(req, f, reinterpret_cast<T*>(p[0]), stride, index, n);
      index += n;
    });
  };
  const std::int64_t chunk = cpu::g_chunk_for_testing.load();
  if (chunk <= 0) {
    cpu::parallel_for(loop.size, range);
    return;
  }
  const std::int64_t pieces = (loop.size + chunk - 1) / chunk;
  cpu::parallel_tasks(pieces, num_threads(),
                      [&](std::int64_t c) { range(c * chunk, std::min(loop.size, (c + 1) * chunk)); });
}

template <class T>
void random_floating(const RandomRequest& req, const StridedView& out) {
  switch (req.kind) {
    case RandomKind::uniform:
      return generate<T>(req, out, kernels::UniformBlock<T>{static_cast<T>(req.a), static_cast<T>(req.b)});
    case RandomKind::normal:
      return generate<T>(req, out, kernels::NormalBlock<T>{req});
    case RandomKind::exponential:
      return generate<T>(req, out, kernels::ExponentialBlock<T>{req.a});
    case RandomKind::gamma:
      return generate<T>(req, out, kernels::GammaBlock<T>{req});
    default:
      TANDEM_THROW(DTypeError, "random", "distribution needs an integer or bool output");
  }
}

}  // namespace

void CpuBackend::random(const RandomRequest& req, const StridedView& out) {
  switch (out.dtype) {
    case DType::float32:
      return random_floating<float>(req, out);
    case DType::float64:
      return random_floating<double>(req, out);
    case DType::int32:
      TANDEM_CHECK(req.kind == RandomKind::integers, DTypeError, "random", "int32 output needs integers");
      return generate<std::int32_t>(req, out, kernels::IntegersBlock<std::int32_t>{req});
    case DType::int64:
      TANDEM_CHECK(req.kind == RandomKind::integers, DTypeError, "random", "int64 output needs integers");
      return generate<std::int64_t>(req, out, kernels::IntegersBlock<std::int64_t>{req});
    case DType::bool_:
      TANDEM_CHECK(req.kind == RandomKind::bernoulli, DTypeError, "random", "bool output needs bernoulli");
      return generate<bool>(req, out, kernels::BernoulliBlock{req.a});
  }
}

}  // namespace tandem
