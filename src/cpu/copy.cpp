// fill and copy (with dtype conversion) on the CPU.

#include <algorithm>
#include <cstring>

#include "cpu/backend.hpp"
#include "cpu/nd_iter.hpp"
#include "cpu/parallel.hpp"
#include "kernels/convert.hpp"

namespace tandem {

void CpuBackend::fill(const StridedView& dst, Scalar value) {
  visit_dtype(dst.dtype, [&](auto tag) {
    using T = decltype(tag);
    const T v = kernels::scalar_cast<T>(value);
    const auto loop = cpu::make_loop<1>({&dst});
    const std::int64_t step = loop.inner_stride(0) / static_cast<std::int64_t>(sizeof(T));
    cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
      cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 1>& p, std::int64_t n) {
        T* o = reinterpret_cast<T*>(p[0]);
        if (step == 1) {
          std::fill_n(o, n, v);
        } else {
          for (std::int64_t i = 0; i < n; ++i) o[i * step] = v;
        }
      });
    });
  });
}

void CpuBackend::copy(const StridedView& src, const StridedView& dst) {
  visit_dtype(dst.dtype, [&](auto dtag) {
    using D = decltype(dtag);
    visit_dtype(src.dtype, [&](auto stag) {
      using S = decltype(stag);
      const auto loop = cpu::make_loop<2>({&dst, &src});
      const std::int64_t so = loop.inner_stride(0) / static_cast<std::int64_t>(sizeof(D));
      const std::int64_t si = loop.inner_stride(1) / static_cast<std::int64_t>(sizeof(S));
      cpu::parallel_for(loop.size, [&](std::int64_t begin, std::int64_t end) {
        cpu::for_each_run(loop, begin, end, [&](const std::array<char*, 2>& p, std::int64_t n) {
          D* o = reinterpret_cast<D*>(p[0]);
          const S* in = reinterpret_cast<const S*>(p[1]);
          if constexpr (std::is_same_v<D, S>) {
            if (so == 1 && si == 1) {
              std::memcpy(o, in, static_cast<std::size_t>(n) * sizeof(D));
              return;
            }
          }
          if (so == 1 && si == 1) {
            for (std::int64_t i = 0; i < n; ++i) o[i] = kernels::convert<D>(in[i]);
          } else {
            for (std::int64_t i = 0; i < n; ++i) o[i * so] = kernels::convert<D>(in[i * si]);
          }
        });
      });
    });
  });
}

}  // namespace tandem
