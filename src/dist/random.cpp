// Random blocks that equal the matching part of one global draw. Element i (global C
// order) of a draw takes its bits from counter position + i / k (k values per Philox block,
// kernels/random.hpp), so a rank draws each contiguous run of global indices it owns from
// a copy of the generator advanced to the run's first block, dropping the first value when
// the run starts in the middle of a block.

#include "kernels/random.hpp"

#include <cstring>
#include <vector>

#include "kernels/random_kind.hpp"
#include "tandem/dist/random.hpp"

namespace tandem::dist::random::detail {

void fill(Generator& g, Distribution d, const UntypedArray& interior, const Layout& layout,
          const std::function<void(Generator&, const UntypedArray&)>& draw) {
  const kernels::RandomKind kind = kernels::random_kind_of(d);
  const auto k = static_cast<std::int64_t>(kernels::values_per_block(kind));
  const int nd = layout.ndim();
  const Shape& global = layout.shape();
  const Shape& local = interior.shape();
  const Dims first = layout.start();
  const std::int64_t n = interior.size();
  if (n > 0) {
    // Runs: the trailing axes this rank owns entirely merge with the last partial one.
    int axis = nd - 1;
    while (axis > 0 && local[axis] == global[axis]) --axis;
    std::int64_t run = local[axis];
    for (int a = axis + 1; a < nd; ++a) run *= global[a];
    const std::int64_t runs = n / run;
    const DType dtype = interior.dtype();
    const std::size_t item = itemsize(dtype);
    UntypedArray block = UntypedArray::empty(dtype, local);
    auto* out = static_cast<unsigned char*>(block.host_data(true));
    Dims idx = Dims::filled(nd, 0);  // the run's first element, local
    for (std::int64_t r = 0; r < runs; ++r) {
      std::int64_t flat = 0;
      for (int a = 0; a < nd; ++a) flat = flat * global[a] + first[a] + idx[a];
      const std::int64_t skip = flat % k;
      Generator at = g;
      at.advance(static_cast<std::uint64_t>(flat / k));
      UntypedArray values = UntypedArray::empty(dtype, Shape{run + skip});
      draw(at, values);
      std::memcpy(out + static_cast<std::size_t>(r * run) * item,
                  static_cast<const unsigned char*>(values.host_data(false)) + static_cast<std::size_t>(skip) * item,
                  static_cast<std::size_t>(run) * item);
      for (int a = axis - 1; a >= 0; --a) {
        if (++idx[a] < local[a]) break;
        idx[a] = 0;
      }
    }
    untyped::assign(interior, block);
  }
  g.advance(kernels::counters_used(kind, layout.size()));
}

}  // namespace tandem::dist::random::detail
