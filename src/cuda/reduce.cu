// Reductions on the GPU along the fixed tree of cuda/reduce_tree.hpp.
//
// One pass reduces every output's elements tile by tile; while an output has more than one
// tile, its tile values go to pool scratch and the next pass reduces them by the same rule.
// A pass runs one of two kernels, which evaluate the same tree and so give the same bits:
//   block   a block of kReduceLanes threads per (output, tile), the lanes combined in
//           shared memory: for contiguous reduced elements (coalesced within the tile);
//   thread  one thread per (output, tile): for many outputs whose reduced elements are
//           strided (an outer-axis reduction: neighbouring threads read neighbouring
//           outputs) or short.
// The op is switched at run time inside each kernel, per group of ops that share an
// accumulator type, which keeps the instantiations to 4 groups x 5 dtypes.

#include <type_traits>

#include "cuda/backend.hpp"
#include "cuda/reduce_tree.hpp"
#include "cuda/strided_index.hpp"
#include "kernels/reduce.hpp"

namespace tandem::cuda {

namespace {

using kernels::Reducer;

// ---- op groups: load, combine and store with the op chosen at run time -----------------

/// sum, prod, nansum, nanprod: the shared Reducers' wide accumulator.
template <class T>
struct SumGroup {
  using Acc = kernels::wide_t<T>;
  using Out = kernels::wide_out_t<T>;
  ReduceOp op;
  __device__ Acc load(T x, std::int64_t /*r*/) const {
    switch (op) {
      case ReduceOp::nansum:
        return Reducer<ReduceOp::nansum, T>::load(x);
      case ReduceOp::nanprod:
        return Reducer<ReduceOp::nanprod, T>::load(x);
      default:
        return Reducer<ReduceOp::sum, T>::load(x);
    }
  }
  __device__ Acc combine(Acc a, Acc b) const {
    return (op == ReduceOp::sum || op == ReduceOp::nansum) ? Reducer<ReduceOp::sum, T>::combine(a, b)
                                                           : Reducer<ReduceOp::prod, T>::combine(a, b);
  }
  __device__ void store(void* out, std::int64_t off, Acc a) const {
    static_cast<Out*>(out)[off] = Reducer<ReduceOp::sum, T>::store(a);
  }
};

/// min, max, nanmin, nanmax.
template <class T>
struct MinMaxGroup {
  using Acc = T;
  ReduceOp op;
  __device__ Acc load(T x, std::int64_t /*r*/) const { return x; }
  __device__ Acc combine(Acc a, Acc b) const {
    switch (op) {
      case ReduceOp::min:
        return Reducer<ReduceOp::min, T>::combine(a, b);
      case ReduceOp::max:
        return Reducer<ReduceOp::max, T>::combine(a, b);
      case ReduceOp::nanmin:
        return Reducer<ReduceOp::nanmin, T>::combine(a, b);
      default:
        return Reducer<ReduceOp::nanmax, T>::combine(a, b);
    }
  }
  __device__ void store(void* out, std::int64_t off, Acc a) const { static_cast<T*>(out)[off] = a; }
};

/// all, any, count_nonzero, in one int64 accumulator (0/1 for all and any).
template <class T>
struct LogicGroup {
  using Acc = std::int64_t;
  ReduceOp op;
  __device__ Acc load(T x, std::int64_t /*r*/) const { return Reducer<ReduceOp::count_nonzero, T>::load(x); }
  __device__ Acc combine(Acc a, Acc b) const {
    switch (op) {
      case ReduceOp::all:
        return Reducer<ReduceOp::all, T>::combine(a != 0, b != 0) ? 1 : 0;
      case ReduceOp::any:
        return Reducer<ReduceOp::any, T>::combine(a != 0, b != 0) ? 1 : 0;
      default:
        return Reducer<ReduceOp::count_nonzero, T>::combine(a, b);
    }
  }
  __device__ void store(void* out, std::int64_t off, Acc a) const {
    if (op == ReduceOp::count_nonzero) {
      static_cast<std::int64_t*>(out)[off] = a;
    } else {
      static_cast<bool*>(out)[off] = a != 0;
    }
  }
};

template <class T>
struct ArgAcc {
  T value;
  std::int64_t index;
};

/// argmin, argmax: the first best element (the first NaN), whatever the tree.
template <class T>
struct ArgGroup {
  using Acc = ArgAcc<T>;
  ReduceOp op;
  __device__ Acc load(T x, std::int64_t r) const { return {x, r}; }
  __device__ bool better(T x, T best) const {
    return op == ReduceOp::argmin ? kernels::arg_better<ReduceOp::argmin>(x, best)
                                  : kernels::arg_better<ReduceOp::argmax>(x, best);
  }
  // The tree does not keep index order: ties go to the lower index (kernels/reduce.hpp).
  __device__ Acc combine(Acc a, Acc b) const {
    const bool second = op == ReduceOp::argmin
                            ? kernels::arg_keeps_second<ReduceOp::argmin>(a.value, a.index, b.value, b.index)
                            : kernels::arg_keeps_second<ReduceOp::argmax>(a.value, a.index, b.value, b.index);
    return second ? b : a;
  }
  __device__ void store(void* out, std::int64_t off, Acc a) const { static_cast<std::int64_t*>(out)[off] = a.index; }
};

// ---- one pass ----------------------------------------------------------------------------

/// A pass over M outputs of `len` elements each, `tiles` tiles per output. The first pass
/// reads the input through the indexers and G::load; later passes read the previous
/// pass's tile values, (M, len) dense. The last pass (tiles == 1) stores into out.
template <class G, class X>
struct Pass {
  const X* in;
  std::int64_t outputs;
  std::int64_t len;
  std::int64_t tiles;
  Indexer<2> kept;  // output m -> (input offset, output offset)
  Indexer<1> red;   // reduced index r -> input offset (first pass)
  void* out;
  typename G::Acc* partial;  // tiles > 1: (M, tiles) tile values
};

/// An input element. bool storage can hold bytes other than 0 and 1 (memory maps, shared
/// memory, DLPack imports): it is read as a byte, any non-zero byte true, as on the CPU.
template <class X>
__device__ X read_element(const X* p) {
  return *p;
}
template <>
__device__ bool read_element(const bool* p) {
  return *reinterpret_cast<const unsigned char*>(p) != 0;
}

template <class G, class X, bool kFirst>
struct Fetcher {
  const G& g;
  const Pass<G, X>& p;
  std::int64_t base;  // the output's first element
  std::int64_t lo;    // the tile's first element
  __device__ typename G::Acc operator()(std::int64_t e) const {
    const std::int64_t r = lo + e;
    if constexpr (kFirst) {
      std::int64_t off;
      p.red.offsets(r, &off);
      return g.load(read_element(p.in + base + off), r);
    } else {
      return p.in[base + r];
    }
  }
};

template <class G, class X, bool kFirst>
__device__ void finish(const G& g, const Pass<G, X>& p, std::int64_t m, std::int64_t b, std::int64_t out_off,
                       typename G::Acc v) {
  if (p.tiles == 1) {
    g.store(p.out, out_off, v);
  } else {
    p.partial[m * p.tiles + b] = v;
  }
}

template <class G, class X, bool kFirst>
__device__ Fetcher<G, X, kFirst> fetcher_for(const G& g, const Pass<G, X>& p, std::int64_t m, std::int64_t b,
                                             std::int64_t* out_off) {
  std::int64_t off[2];
  p.kept.offsets(m, off);
  *out_off = off[1];
  return {g, p, kFirst ? off[0] : m * p.len, b * kReduceTile};
}

template <class G, class X, bool kFirst>
__global__ void __launch_bounds__(kReduceLanes) reduce_block_kernel(G g, Pass<G, X> p) {
  using Acc = typename G::Acc;
  __shared__ Acc lanes[kReduceLanes];
  const int t = static_cast<int>(threadIdx.x);
  const std::int64_t items = p.outputs * p.tiles;
  for (std::int64_t item = blockIdx.x; item < items; item += gridDim.x) {
    const std::int64_t m = item / p.tiles;
    const std::int64_t b = item - m * p.tiles;
    std::int64_t out_off;
    const auto fetch = fetcher_for<G, X, kFirst>(g, p, m, b, &out_off);
    const std::int64_t len = p.len - b * kReduceTile < kReduceTile ? p.len - b * kReduceTile : kReduceTile;
    const int count = len < kReduceLanes ? static_cast<int>(len) : kReduceLanes;
    if (t < count) {
      Acc v = fetch(t);
#pragma unroll
      for (int i = 1; i < kReducePerLane; ++i) {
        const std::int64_t e = t + std::int64_t{i} * kReduceLanes;
        if (e < len) v = g.combine(v, fetch(e));
      }
      lanes[t] = v;
    }
    for (int s = 1; s < kReduceLanes; s <<= 1) {
      __syncthreads();
      if ((t & (2 * s - 1)) == 0 && t + s < count) lanes[t] = g.combine(lanes[t], lanes[t + s]);
    }
    if (t == 0) finish<G, X, kFirst>(g, p, m, b, out_off, lanes[0]);
    __syncthreads();  // lanes[] is rewritten for the next item
  }
}

template <class G, class X, bool kFirst>
__global__ void reduce_thread_kernel(G g, Pass<G, X> p) {
  using Acc = typename G::Acc;
  const std::int64_t items = p.outputs * p.tiles;
  const std::int64_t step = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
  for (std::int64_t item = blockIdx.x * static_cast<std::int64_t>(blockDim.x) + threadIdx.x; item < items;
       item += step) {
    // Outputs fastest: neighbouring threads read neighbouring outputs of the same tile,
    // which for a reduction over an outer axis are neighbouring addresses.
    const std::int64_t m = item % p.outputs;
    const std::int64_t b = item / p.outputs;
    std::int64_t out_off;
    const auto fetch = fetcher_for<G, X, kFirst>(g, p, m, b, &out_off);
    const std::int64_t len = p.len - b * kReduceTile < kReduceTile ? p.len - b * kReduceTile : kReduceTile;
    const Acc v = tile_value_serial<Acc>(len, fetch, [&g](Acc x, Acc y) { return g.combine(x, y); });
    finish<G, X, kFirst>(g, p, m, b, out_off, v);
  }
}

template <class G, class X, bool kFirst>
void launch_pass(CudaBackend& backend, cudaStream_t s, const G& g, const Pass<G, X>& p, bool dense_reduced) {
  const std::int64_t items = p.outputs * p.tiles;
  // A thread per tile when the reduced axis is strided and a warp's worth of outputs sit
  // side by side (the block kernel's lanes would read one element per row), or when there
  // are enough tiles to fill the device and the block kernel's lanes would sit mostly idle.
  // Both kernels evaluate the same tree: the choice never changes the bits.
  const bool enough = items >= std::int64_t{4} * backend.sm_count() * kThreadsPerBlock;
  const bool per_thread = dense_reduced ? (enough && p.len <= 64) : (enough || p.outputs >= 32);
  if (per_thread) {
    reduce_thread_kernel<G, X, kFirst><<<backend.grid_blocks(items), kThreadsPerBlock, 0, s>>>(g, p);
  } else {
    const auto blocks =
        static_cast<unsigned>(std::min<std::int64_t>(items, std::int64_t{backend.sm_count()} * kBlocksPerSm));
    reduce_block_kernel<G, X, kFirst><<<blocks, kReduceLanes, 0, s>>>(g, p);
  }
  TANDEM_CUDA_CHECK_LAUNCH();
}

template <class G, class T>
void run_reduce(CudaBackend& backend, const G& g, const StridedView& in, const StridedView& out) {
  using Acc = typename G::Acc;
  const int k = out.shape.size();
  Shape kept_shape, red_shape;
  Strides kept_in, kept_out, red_in;
  for (int d = 0; d < in.shape.size(); ++d) {
    if (d < k) {
      kept_shape.push_back(in.shape[d]);
      kept_in.push_back(in.strides[d]);
      kept_out.push_back(out.strides[d]);
    } else {
      red_shape.push_back(in.shape[d]);
      red_in.push_back(in.strides[d]);
    }
  }
  const std::int64_t outputs = shape_size(kept_shape);
  const std::int64_t n = shape_size(red_shape);
  if (outputs == 0) return;
  TANDEM_CHECK(n > 0, ValueError, "reduce", "empty reduction reached the cuda backend");
  cudaStream_t s = backend.stream();

  Pass<G, T> first{static_cast<const T*>(in.data),
                   outputs,
                   n,
                   reduce_tiles(n),
                   make_indexer<2>(kept_shape, {&kept_in, &kept_out}),
                   make_indexer<1>(red_shape, {&red_in}),
                   out.data,
                   nullptr};
  const bool dense_reduced = first.red.ndim <= 1 && (first.red.ndim == 0 || first.red.stride[0][0] == 1);
  if (first.tiles == 1) {
    launch_pass<G, T, true>(backend, s, g, first, dense_reduced);
    return;
  }
  // Tile values ping-pong between two scratch buffers (a later pass needs at most as much).
  const auto bytes = [&](std::int64_t tiles) { return static_cast<std::size_t>(outputs * tiles) * sizeof(Acc); };
  CudaBackend::Scratch a(backend, s, bytes(first.tiles));
  const std::int64_t second_tiles = reduce_tiles(first.tiles);
  CudaBackend::Scratch b(backend, s, bytes(second_tiles > 1 ? second_tiles : 1));
  first.partial = static_cast<Acc*>(a.get());
  launch_pass<G, T, true>(backend, s, g, first, dense_reduced);
  Pass<G, Acc> next{first.partial, outputs, first.tiles, second_tiles,
                    first.kept,    {},      out.data,    static_cast<Acc*>(b.get())};
  for (;;) {
    launch_pass<G, Acc, false>(backend, s, g, next, true);
    if (next.tiles == 1) break;
    Acc* written = next.partial;
    next.partial = const_cast<Acc*>(next.in);
    next.in = written;
    next.len = next.tiles;
    next.tiles = reduce_tiles(next.len);
  }
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const StridedView& in, const StridedView& out) {
  check_reduce_operands(op, in, out);
  visit_dtype(in.dtype, [&](auto tag) {
    using T = decltype(tag);
    switch (op) {
      case ReduceOp::sum:
      case ReduceOp::prod:
      case ReduceOp::nansum:
      case ReduceOp::nanprod:
        return run_reduce<SumGroup<T>, T>(*this, SumGroup<T>{op}, in, out);
      case ReduceOp::min:
      case ReduceOp::max:
      case ReduceOp::nanmin:
      case ReduceOp::nanmax:
        return run_reduce<MinMaxGroup<T>, T>(*this, MinMaxGroup<T>{op}, in, out);
      case ReduceOp::all:
      case ReduceOp::any:
      case ReduceOp::count_nonzero:
        return run_reduce<LogicGroup<T>, T>(*this, LogicGroup<T>{op}, in, out);
      case ReduceOp::argmin:
      case ReduceOp::argmax:
        return run_reduce<ArgGroup<T>, T>(*this, ArgGroup<T>{op}, in, out);
    }
  });
}

}  // namespace tandem::cuda
