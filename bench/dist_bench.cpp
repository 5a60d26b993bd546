// tandem::dist overheads, run under mpirun (scripts/bench_dist.sh drives it over 1-4 ranks):
//   add     an aligned element-wise add of 10^3 doubles per rank, dist::Array vs the same
//           add on a plain tandem::Array of the rank's block (the difference is dist's layer)
//   sum     the exact global sum of 10^3 doubles per rank (one MPI_Allreduce of 68 int64)
//   prod    the layout-independent product of 10^3 doubles per rank (the array moved into
//           fixed chunks, chunk products gathered), beside tandem::prod of the local block
//   halo    exchange latency of a 2-D array, 256 x 256 per rank, one ghost layer
// Medians of many repetitions, rank 0's numbers, in microseconds.

#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <tandem/dist.hpp>
#include <tandem/tandem.hpp>
#include <vector>

namespace td = tandem;
namespace dist = tandem::dist;

namespace {

template <class F>
double median_us(int reps, F&& f) {
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    f();
    t.push_back(1e6 * (MPI_Wtime() - t0));
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, p = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &p);
  {
    const dist::Layout flat(MPI_COMM_WORLD, td::Shape{1000 * static_cast<std::int64_t>(p)});
    td::random::Generator g(1);
    const dist::Array<double> a = dist::random::uniform<double>(g, flat), b = dist::random::uniform<double>(g, flat);
    const td::Array<double> la = a.local().copy(), lb = b.local().copy();
    const double add_dist = median_us(2000, [&] { (void)(a + b); });
    const double add_local = median_us(2000, [&] { (void)(la + lb); });
    double sink = 0;
    const double sum_us = median_us(500, [&] { sink += dist::sum(a); });
    const dist::Array<double> near_one = a * 0.01 + 0.995;  // no underflow to subnormals
    const td::Array<double> local_near_one = near_one.local().copy();
    const double prod_us = median_us(500, [&] { sink += dist::prod(near_one); });
    const double prod_local = median_us(500, [&] { sink += td::prod(local_near_one).item(); });

    const dist::Layout grid(MPI_COMM_WORLD, td::Shape{256 * static_cast<std::int64_t>(p), std::int64_t{256}},
                            td::Dims{p, 1}, td::Dims{1, 1}, {true, true});
    const dist::Array<double> u = dist::full<double>(grid, 1.0);
    const double star = median_us(300, [&] { u.exchange(dist::Stencil::star); });
    const double box = median_us(300, [&] { u.exchange(dist::Stencil::box); });
    if (rank == 0)
      std::printf(
          "ranks %d | add 1e3/rank: dist %.2f us, local tandem %.2f us, dist layer %.2f us | "
          "sum 1e3/rank %.2f us | prod 1e3/rank: dist %.2f us, local tandem %.2f us | "
          "halo 256x256/rank (ghost 1, periodic): star %.1f us, box %.1f us%s\n",
          p, add_dist, add_local, add_dist - add_local, sum_us, prod_us, prod_local, star, box, sink < 0 ? " " : "");
  }
  MPI_Finalize();
  return 0;
}
