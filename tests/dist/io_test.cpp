// One-file parallel .npy: written by any decomposition, read back by any other, and read
// by tandem's single-process .npy reader (itself checked against NumPy's files).

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "dist/dist_support.hpp"

namespace tandem::dist::test {

namespace {
/// A path unique to this mpirun (rank 0's pid), in the build tree.
std::string scratch(const std::string& name) {
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  const char* dir = std::getenv("TANDEM_DIST_TEST_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/" + name + "_" + std::to_string(pid) + ".npy";
}
}  // namespace

template <class T>
class DistNpy : public testing::Test {};
using NpyTypes = testing::Types<double, float, std::int32_t, std::int64_t, bool>;
TYPED_TEST_SUITE(DistNpy, NpyTypes);

TYPED_TEST(DistNpy, WriteWithOneLayoutReadWithEvery) {
  using T = TypeParam;
  for (const Shape& shape : {Shape{10}, Shape{5, 3}, Shape{3, 4, 2}, Shape{0, 4}}) {
    random::Generator g(3);
    const tandem::Array<T> global = g.integers<std::int64_t>(-50, 50, shape).template astype<T>();
    const std::string path = scratch("dist_npy");
    const std::vector<Layout> all = layouts(shape);
    save_npy(path, from_global(global, all.back().with_ghost(Dims::filled(shape.size(), 0))));
    if (world_rank() == 0) expect_bitwise(tandem::load_npy<T>(path), global);
    for (const Layout& layout : all) expect_global(load_npy<T>(path, layout), global);
    expect_global(load_npy<T>(path, MPI_COMM_WORLD), global);
    MPI_Barrier(MPI_COMM_WORLD);
    if (world_rank() == 0) std::remove(path.c_str());
  }
}

TEST(DistNpyErrors, WrongDtypeShapeOrMissingFileAreIoErrors) {
  const Layout layout(MPI_COMM_WORLD, Shape{6});
  const std::string path = scratch("dist_npy_errors");
  save_npy(path, arange<double>(layout));
  EXPECT_THROW(load_npy<float>(path, layout), IoError);
  EXPECT_THROW(load_npy<double>(path, Layout(MPI_COMM_WORLD, Shape{7})), ShapeError);
  EXPECT_THROW(load_npy<double>(path + ".missing", layout), IoError);
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) std::remove(path.c_str());
}

// Rank 0 reads the header with tandem's .npy reader; whatever is wrong with it, every rank
// throws its IoError (none waits for the others).
TEST(DistNpyErrors, AMalformedHeaderIsAnIoErrorOnEveryRank) {
  const Layout layout(MPI_COMM_WORLD, Shape{6});
  const std::string path = scratch("dist_npy_malformed");
  if (world_rank() == 0) {
    std::string dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (six,), }";
    dict.append(63 - (10 + dict.size()) % 64, ' ');
    dict += '\n';
    std::ofstream out(path, std::ios::binary);
    out << "\x93NUMPY" << '\x01' << '\x00' << static_cast<char>(dict.size() & 0xff)
        << static_cast<char>(dict.size() >> 8) << dict << std::string(6 * sizeof(double), '\0');
  }
  MPI_Barrier(MPI_COMM_WORLD);
  EXPECT_THROW(load_npy<double>(path, layout), IoError);
  EXPECT_THROW(load_npy<double>(path, MPI_COMM_WORLD), IoError);
  MPI_Barrier(MPI_COMM_WORLD);
  if (world_rank() == 0) std::remove(path.c_str());
}

}  // namespace tandem::dist::test
