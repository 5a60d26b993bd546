// A distributed 2-D heat equation: explicit steps of
//   u' = u + alpha * ((up + down) + (left + right) - 4 u)
// on an n x n grid with zero (Dirichlet) boundary, spread over the ranks of MPI_COMM_WORLD
// with one ghost layer. Each step exchanges only the halo (star stencil: at most 4
// messages per rank), updates the cells that need no ghost while the messages travel,
// then the rim. The result is bitwise the single-process run: every cell sees the same
// IEEE operations in the same order, whatever the decomposition.
//
//   mpirun -np 4 dist_heat [n=256] [steps=100] [out_prefix]   (writes out_prefix{0,1}.npy:
//   the initial and final fields; dist_heat.py checks them against NumPy)
//   Add --check to compare with the single-process tandem run on rank 0.

#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tandem/dist.hpp>
#include <tandem/tandem.hpp>

namespace td = tandem;
namespace dist = tandem::dist;

namespace {

constexpr double kAlpha = 0.2;

/// out[r0:r1, c0:c1] = the update of the cells [r0:r1, c0:c1] of the interior of g (a block
/// with one ghost layer; interior cell (i, j) is g(i + 1, j + 1)).
void update(const td::Array<double>& g, const td::Array<double>& out, std::int64_t r0, std::int64_t r1, std::int64_t c0,
            std::int64_t c1) {
  if (r1 <= r0 || c1 <= c0) return;
  auto at = [&](std::int64_t dr, std::int64_t dc) {
    return g(td::slice(r0 + 1 + dr, r1 + 1 + dr), td::slice(c0 + 1 + dc, c1 + 1 + dc));
  };
  const td::Array<double> u = at(0, 0);
  out(td::slice(r0, r1), td::slice(c0, c1))
      .assign(u + kAlpha * (((at(-1, 0) + at(1, 0)) + (at(0, -1) + at(0, 1))) - 4.0 * u));
}

/// One step of the whole grid on one process, the same expression on a zero-padded copy.
td::Array<double> serial_step(const td::Array<double>& u) {
  const std::int64_t n = u.shape(0), m = u.shape(1);
  td::Array<double> g = td::zeros<double>({n + 2, m + 2});
  g(td::slice(1, n + 1), td::slice(1, m + 1)).assign(u);
  td::Array<double> next = td::empty<double>({n, m});
  update(g, next, 0, n, 0, m);
  return next;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, nranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  bool check = false;
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--check") == 0)
      check = true;
    else
      args.emplace_back(argv[i]);
  }
  const std::int64_t n = args.size() > 0 ? std::atoll(args[0].c_str()) : 256;
  const int steps = args.size() > 1 ? std::atoi(args[1].c_str()) : 100;
  const std::string prefix = args.size() > 2 ? args[2] : "";
  int status = 0;
  try {
    const dist::Layout layout(MPI_COMM_WORLD, td::Shape{n, n}, {}, {1, 1});
    td::random::Generator gen(42);
    dist::Array<double> u = dist::random::uniform<double>(gen, layout);  // the same field on any rank count
    if (!prefix.empty()) dist::save_npy(prefix + "0.npy", u);
    const td::Array<double> initial = dist::to_global(u);
    dist::Array<double> next = dist::zeros<double>(layout);

    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    const std::int64_t rows = layout.local_shape()[0], cols = layout.local_shape()[1];
    for (int s = 0; s < steps; ++s) {
      u.exchange_begin(dist::Stencil::star);
      update(u.local_with_ghosts(), next.local(), 1, rows - 1, 1, cols - 1);  // needs no ghost
      u.exchange_end();
      update(u.local_with_ghosts(), next.local(), 0, 1, 0, cols);  // the rim
      update(u.local_with_ghosts(), next.local(), rows - 1, rows, 0, cols);
      update(u.local_with_ghosts(), next.local(), 1, rows - 1, 0, 1);
      update(u.local_with_ghosts(), next.local(), 1, rows - 1, cols - 1, cols);
      std::swap(u, next);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    const double seconds = MPI_Wtime() - t0;
    const double total = dist::sum(u);
    if (!prefix.empty()) dist::save_npy(prefix + "1.npy", u);
    if (rank == 0)
      std::printf("dist_heat: %lld x %lld, %d steps, %d ranks: %.3f ms/step, sum %.17g\n", static_cast<long long>(n),
                  static_cast<long long>(n), steps, nranks, 1e3 * seconds / steps, total);
    if (check) {
      const td::Array<double> result = dist::gather(u);
      if (rank == 0) {
        td::Array<double> v = initial;
        for (int s = 0; s < steps; ++s) v = serial_step(v);
        const std::vector<double> a = result.to_vector(), b = v.to_vector();
        const bool same = a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
        std::printf("dist_heat: %s the single-process run\n", same ? "bitwise equal to" : "DIFFERS from");
        status = same ? 0 : 1;
      }
      MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    }
  } catch (const td::Error& e) {
    std::fprintf(stderr, "dist_heat (rank %d): %s\n", rank, e.what());
    status = 2;
  }
  MPI_Finalize();
  return status;
}
