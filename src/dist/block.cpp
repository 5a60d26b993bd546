// Blocks of a distributed array: allocation, the interior view, alignment, arange.

#include <vector>

#include "tandem/dist/array.hpp"
#include "tandem/ops/untyped/creation.hpp"

namespace tandem::dist::detail {

UntypedArray new_block(DType dtype, const Layout& layout) {
  for (std::int64_t g : layout.ghost())
    if (g > 0) return untyped::full(dtype, layout.ghosted_shape(), Scalar::of(0));
  return UntypedArray::empty(dtype, layout.ghosted_shape());
}

UntypedArray interior(const UntypedArray& block, const Layout& layout) {
  const Shape local = layout.local_shape();
  std::vector<Index> index;
  for (int a = 0; a < layout.ndim(); ++a) {
    const std::int64_t g = layout.ghost()[a];
    index.emplace_back(slice(g, g + local[a]));
  }
  return untyped::index(block, index.data(), static_cast<int>(index.size()));
}

void require_aligned(const char* op, const Layout& a, const Layout& b) {
  TANDEM_CHECK(a.aligned_with(b), ShapeError, op, "the operands' layouts are not aligned (global shapes ",
               to_string(a.shape()), " and ", to_string(b.shape()), ", grids ", to_string(a.grid()), " and ",
               to_string(b.grid()), "); redistribute one operand to the other's layout first");
}

void fill_arange(const UntypedArray& interior, const Layout& layout, Scalar start, Scalar step) {
  UntypedArray block = UntypedArray::empty(interior.dtype(), interior.shape());
  const std::int64_t n = block.size();
  if (n == 0) return;
  const int nd = layout.ndim();
  const Shape& global = layout.shape();
  const Dims first = layout.start();
  const Shape& local = interior.shape();
  visit_dtype(interior.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, bool>) {
      T* p = static_cast<T*>(block.host_data(true));
      const T s = start.get<T>();
      const T d = step.get<T>();
      // Walk the local block in C order, keeping each element's global flat index.
      Dims idx = Dims::filled(nd, 0);
      for (std::int64_t i = 0; i < n; ++i) {
        std::int64_t flat = 0;
        for (int a = 0; a < nd; ++a) flat = flat * global[a] + first[a] + idx[a];
        p[i] = static_cast<T>(s + static_cast<T>(flat) * d);
        for (int a = nd - 1; a >= 0; --a) {
          if (++idx[a] < local[a]) break;
          idx[a] = 0;
        }
      }
    }
  });
  untyped::assign(interior, block);
}

}  // namespace tandem::dist::detail
