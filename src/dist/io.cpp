// One .npy file per distributed array through MPI-IO: rank 0 writes (or reads) the
// header, every rank its block through a subarray file view, in one collective call.

#include "tandem/dist/io.hpp"

#include <fcntl.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "dist/mpi_support.hpp"
#include "io/format.hpp"

namespace tandem::dist::detail {

namespace {

/// What rank 0 found in a header (io's reader, as load_npy's), in a form one MPI_Bcast
/// carries: the layout, or the IoError's message.
struct HeaderInfo {
  std::int64_t ok = 0;
  std::int64_t dtype = 0;
  std::int64_t fortran = 0;
  std::int64_t ndim = 0;
  std::int64_t data_offset = 0;
  std::array<std::int64_t, kMaxDims> shape{};
  std::array<char, 512> error{};
};

HeaderInfo read_header(const std::string& path, const char* op) {
  HeaderInfo info;
  try {
    std::uint64_t size = 0;
    const tandem::detail::FileDescriptor fd(tandem::detail::open_regular_file(op, path, O_RDONLY, size));
    tandem::detail::FdSource src(fd.get(), size, op, path);
    const tandem::detail::NpyLayout h = tandem::detail::read_npy_header(src, op, path);
    info.dtype = static_cast<std::int64_t>(h.dtype);
    info.fortran = h.fortran_order ? 1 : 0;
    info.ndim = h.shape.size();
    for (int a = 0; a < h.shape.size(); ++a) info.shape[static_cast<std::size_t>(a)] = h.shape[a];
    info.data_offset = static_cast<std::int64_t>(h.data_offset);
    info.ok = 1;
  } catch (const IoError& e) {
    std::strncpy(info.error.data(), e.what(), info.error.size() - 1);
  }
  return info;
}

/// Rank 0 reads the header; every rank gets it, or throws rank 0's IoError.
HeaderInfo shared_header(const std::string& path, MPI_Comm comm, const char* op) {
  int rank = 0;
  TANDEM_MPI_CHECK(MPI_Comm_rank(comm, &rank), op);
  HeaderInfo info;
  if (rank == 0) info = read_header(path, op);
  TANDEM_MPI_CHECK(MPI_Bcast(&info, sizeof(HeaderInfo), MPI_BYTE, 0, comm), op);
  if (info.ok == 0) throw IoError(info.error.data());
  return info;
}

/// Throws IoError on every rank when any rank's MPI-IO call failed.
void require_all(int rc, MPI_Comm comm, const char* op, const char* what, const std::string& path) {
  int ok = rc == MPI_SUCCESS ? 1 : 0;
  TANDEM_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, comm), op);
  TANDEM_CHECK(ok == 1, IoError, op, what, " ", path, " failed");
}

/// The file view of this rank's block: a subarray of the global array after the header.
struct BlockView {
  MPI_Datatype file_type = MPI_DATATYPE_NULL;
  MPI_Datatype element = MPI_DATATYPE_NULL;
  int count = 0;

  BlockView(DType dtype, const Layout& layout, const char* op) : element(mpi_type(dtype)) {
    const Shape local = layout.local_shape();
    count = mpi_count(shape_size(local), op);
    if (count == 0) return;  // subarray types need positive extents; this rank moves nothing
    std::vector<int> sizes, subsizes, starts;
    const Dims first = layout.start();
    for (int a = 0; a < layout.ndim(); ++a) {
      sizes.push_back(mpi_count(layout.shape()[a], op));
      subsizes.push_back(static_cast<int>(local[a]));
      starts.push_back(static_cast<int>(first[a]));
    }
    TANDEM_MPI_CHECK(MPI_Type_create_subarray(layout.ndim(), sizes.data(), subsizes.data(), starts.data(), MPI_ORDER_C,
                                              element, &file_type),
                     op);
    TANDEM_MPI_CHECK(MPI_Type_commit(&file_type), op);
  }
  BlockView(const BlockView&) = delete;
  BlockView& operator=(const BlockView&) = delete;
  ~BlockView() {
    if (file_type != MPI_DATATYPE_NULL) MPI_Type_free(&file_type);
  }
  int set(MPI_File fh, MPI_Offset offset) const {
    char native[] = "native";
    return MPI_File_set_view(fh, offset, element, count > 0 ? file_type : element, native, MPI_INFO_NULL);
  }
};

}  // namespace

void save_npy(const std::string& path, const UntypedArray& interior, const Layout& layout) {
  constexpr const char* op = "dist::save_npy";
  const MPI_Comm comm = layout.comm();
  const std::string header =
      tandem::detail::npy_preamble(interior.dtype(), layout.shape(), op, tandem::detail::NpyHeaderRoom::none);
  const UntypedArray data = untyped::contiguous(interior);
  MPI_File fh = MPI_FILE_NULL;
  int rc = MPI_File_open(comm, path.c_str(), MPI_MODE_CREATE | MPI_MODE_WRONLY, MPI_INFO_NULL, &fh);
  require_all(rc, comm, op, "opening", path);
  BlockView view(interior.dtype(), layout, op);
  rc = MPI_File_set_size(fh, 0);
  if (rc == MPI_SUCCESS && layout.rank() == 0)
    rc = MPI_File_write_at(fh, 0, header.data(), static_cast<int>(header.size()), MPI_CHAR, MPI_STATUS_IGNORE);
  if (rc == MPI_SUCCESS) rc = view.set(fh, static_cast<MPI_Offset>(header.size()));
  if (rc == MPI_SUCCESS)
    rc = MPI_File_write_all(fh, view.count > 0 ? data.host_data(false) : nullptr, view.count, view.element,
                            MPI_STATUS_IGNORE);
  const int close_rc = MPI_File_close(&fh);
  require_all(rc == MPI_SUCCESS ? close_rc : rc, comm, op, "writing", path);
}

Shape npy_shape(const std::string& path, MPI_Comm comm) {
  const HeaderInfo info = shared_header(path, comm, "dist::load_npy");
  Shape s;
  for (std::int64_t a = 0; a < info.ndim; ++a) s.push_back(info.shape[static_cast<std::size_t>(a)]);
  return s;
}

void load_npy(const std::string& path, const UntypedArray& interior, const Layout& layout) {
  constexpr const char* op = "dist::load_npy";
  const MPI_Comm comm = layout.comm();
  const HeaderInfo info = shared_header(path, comm, op);
  const DType dtype = interior.dtype();
  const DType file_dtype = static_cast<DType>(info.dtype);
  TANDEM_CHECK(file_dtype == dtype, IoError, op, path, " holds '", tandem::detail::npy_descr(file_dtype),
               "' data, expected '", tandem::detail::npy_descr(dtype), "' (", dtype_name(dtype), ")");
  TANDEM_CHECK(info.fortran == 0, IoError, op, path, " is in Fortran order; only C order is supported");
  Shape file_shape;
  for (std::int64_t a = 0; a < info.ndim; ++a) file_shape.push_back(info.shape[static_cast<std::size_t>(a)]);
  TANDEM_CHECK(file_shape == layout.shape(), ShapeError, op, path, " holds shape ", to_string(file_shape),
               ", the layout has ", to_string(layout.shape()));
  MPI_File fh = MPI_FILE_NULL;
  int rc = MPI_File_open(comm, path.c_str(), MPI_MODE_RDONLY, MPI_INFO_NULL, &fh);
  require_all(rc, comm, op, "opening", path);
  MPI_Offset size = 0;
  rc = MPI_File_get_size(fh, &size);
  const auto needed = info.data_offset + layout.size() * static_cast<std::int64_t>(itemsize(dtype));
  if (rc != MPI_SUCCESS || size < needed) {
    MPI_File_close(&fh);
    TANDEM_THROW(IoError, op, path, " is truncated: ", size, " bytes, the header promises ", needed);
  }
  BlockView view(dtype, layout, op);
  UntypedArray block = UntypedArray::empty(dtype, interior.shape());
  rc = view.set(fh, static_cast<MPI_Offset>(info.data_offset));
  if (rc == MPI_SUCCESS)
    rc = MPI_File_read_all(fh, view.count > 0 ? block.host_data(true) : nullptr, view.count, view.element,
                           MPI_STATUS_IGNORE);
  const int close_rc = MPI_File_close(&fh);
  require_all(rc == MPI_SUCCESS ? close_rc : rc, comm, op, "reading", path);
  untyped::assign(interior, block);
}

}  // namespace tandem::dist::detail
