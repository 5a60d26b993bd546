// One-file parallel .npy: written by any decomposition, read back by any other, and read
// by tandem's single-process .npy reader (itself checked against NumPy's files).

#include <unistd.h>

#include <cstdlib>
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

}  // namespace tandem::dist::test
