// Message counts through a PMPI wrapper: this binary defines the MPI entry points that
// tandem::dist calls and forwards them to PMPI_*, counting calls and bytes. Aligned
// element-wise ops send nothing; a halo exchange sends at most 2 messages per axis, whose
// bytes are exactly the halo surface.

#include <mpi.h>

#include "dist/dist_support.hpp"

namespace {

struct Counts {
  std::int64_t sends = 0;
  std::int64_t send_bytes = 0;
  std::int64_t collectives = 0;
};
Counts counts;
bool counting = false;

void count_send(int count, MPI_Datatype type, int dest) {
  if (!counting || dest == MPI_PROC_NULL) return;
  int size = 0;
  PMPI_Type_size(type, &size);
  ++counts.sends;
  counts.send_bytes += static_cast<std::int64_t>(count) * size;
}

}  // namespace

extern "C" {
int MPI_Isend(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm, MPI_Request* req) {
  count_send(count, type, dest);
  return PMPI_Isend(buf, count, type, dest, tag, comm, req);
}
int MPI_Send(const void* buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm) {
  count_send(count, type, dest);
  return PMPI_Send(buf, count, type, dest, tag, comm);
}
int MPI_Alltoallv(const void* sb, const int sc[], const int sd[], MPI_Datatype st, void* rb, const int rc[],
                  const int rd[], MPI_Datatype rt, MPI_Comm comm) {
  if (counting) ++counts.collectives;
  return PMPI_Alltoallv(sb, sc, sd, st, rb, rc, rd, rt, comm);
}
int MPI_Allreduce(const void* sb, void* rb, int count, MPI_Datatype type, MPI_Op op, MPI_Comm comm) {
  if (counting) ++counts.collectives;
  return PMPI_Allreduce(sb, rb, count, type, op, comm);
}
int MPI_Allgather(const void* sb, int sc, MPI_Datatype st, void* rb, int rc, MPI_Datatype rt, MPI_Comm comm) {
  if (counting) ++counts.collectives;
  return PMPI_Allgather(sb, sc, st, rb, rc, rt, comm);
}
int MPI_Bcast(void* buf, int count, MPI_Datatype type, int root, MPI_Comm comm) {
  if (counting) ++counts.collectives;
  return PMPI_Bcast(buf, count, type, root, comm);
}
}

namespace tandem::dist::test {

namespace {
template <class F>
Counts measure(F&& f) {
  counts = Counts{};
  counting = true;
  f();
  counting = false;
  return counts;
}
}  // namespace

TEST(DistMessages, AlignedElementwiseOpsSendNothing) {
  const Layout layout(MPI_COMM_WORLD, Shape{10, 7}, {}, {1, 1});
  const Array<double> a = arange<double>(layout), b = full<double>(layout, 2.0);
  const Counts c = measure([&] {
    const Array<double> r = where(a > b, sin(a) * b + 1.0, a / b);
    r += a;
  });
  EXPECT_EQ(c.sends, 0);
  EXPECT_EQ(c.collectives, 0);
}

TEST(DistMessages, HaloSendsAtMostTwoMessagesPerAxisOfExactlyTheSurface) {
  const Shape shape{12, 10, 8};
  const Dims ghost{1, 2, 1};
  for (const std::vector<bool>& periodic : {std::vector<bool>{false, false, false}, {true, true, true}}) {
    for (Stencil stencil : {Stencil::star, Stencil::box}) {
      const Layout layout(MPI_COMM_WORLD, shape, {}, ghost, periodic);
      const Array<float> a = full<float>(layout, 1.f);
      const Counts c = measure([&] { a.exchange(stencil); });
      // Expected: per axis and existing neighbour, ghost[a] layers spanning the interior
      // (star) or, for box, the ghosted extent of the axes exchanged before.
      const Dims coords = layout.coords(layout.rank());
      const Shape local = layout.local_shape();
      std::int64_t messages = 0, bytes = 0;
      for (int ax = 0; ax < 3; ++ax) {
        std::int64_t layer = ghost[ax];
        for (int b = 0; b < 3; ++b)
          if (b != ax) layer *= local[b] + (stencil == Stencil::box && b < ax ? 2 * ghost[b] : 0);
        for (int dir : {-1, 1}) {
          const std::int64_t c2 = coords[ax] + dir;
          if (!periodic[static_cast<std::size_t>(ax)] && (c2 < 0 || c2 >= layout.grid()[ax])) continue;
          ++messages;
          bytes += layer * static_cast<std::int64_t>(sizeof(float));
        }
      }
      EXPECT_LE(c.sends, 2 * 3);
      EXPECT_EQ(c.sends, messages);
      EXPECT_EQ(c.send_bytes, bytes);
      EXPECT_EQ(c.collectives, 0);
    }
  }
}

TEST(DistMessages, RedistributeIsOneAlltoallv) {
  const Shape shape{9, 6};
  const std::vector<Layout> all = layouts(shape);
  const Array<double> a = arange<double>(all.front());
  const Counts c = measure([&] { (void)redistribute(a, all.back()); });
  EXPECT_EQ(c.collectives, 1);
  EXPECT_EQ(c.sends, 0);
}

}  // namespace tandem::dist::test
