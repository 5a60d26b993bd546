// DLPack export and import over the unversioned DLManagedTensor. Export: a heap context
// holds a reference to the array (so its buffer lives until the consumer's deleter call)
// and the shape and stride arrays the DLTensor points to. Import: the tensor's memory is
// wrapped as a host buffer whose deleter calls the tensor's deleter.

#include "tandem/dlpack.hpp"

#include <dlpack/dlpack.h>

#include <cstdint>
#include <limits>

#include "memory/buffer.hpp"

namespace tandem {
namespace {

// kDLBool arrived in DLPack 0.8; Debian bookworm ships 0.6, whose enum lacks it.
constexpr std::uint8_t kBoolCode = 6;

DLDataType dl_type_of(DType t) {
  DLDataType d{};
  d.lanes = 1;
  d.bits = static_cast<std::uint8_t>(8 * itemsize(t));
  switch (t) {
    case DType::bool_:
      d.code = kBoolCode;
      break;
    case DType::int32:
    case DType::int64:
      d.code = kDLInt;
      break;
    case DType::float32:
    case DType::float64:
      d.code = kDLFloat;
      break;
  }
  return d;
}

bool dtype_of_dl(DLDataType d, DType& t) {
  if (d.lanes != 1) return false;
  if (d.code == kBoolCode && d.bits == 8)
    t = DType::bool_;
  else if (d.code == kDLInt && d.bits == 32)
    t = DType::int32;
  else if (d.code == kDLInt && d.bits == 64)
    t = DType::int64;
  else if (d.code == kDLFloat && d.bits == 32)
    t = DType::float32;
  else if (d.code == kDLFloat && d.bits == 64)
    t = DType::float64;
  else
    return false;
  return true;
}

struct ExportContext {
  UntypedArray keep;
  std::int64_t shape[kMaxDims];
  std::int64_t strides[kMaxDims];
  DLManagedTensor tensor;
};

}  // namespace

DLManagedTensor* to_dlpack(const UntypedArray& a) {
  TANDEM_CHECK(!a.read_only(), ValueError, "to_dlpack",
               "the array is read-only (a read-only memory map), and DLPack 0.6 tensors cannot say so; copy() it");
  auto* ctx = new ExportContext{a, {}, {}, {}};
  for (int d = 0; d < a.ndim(); ++d) {
    ctx->shape[d] = a.shape()[d];
    ctx->strides[d] = a.strides()[d];
  }
  DLTensor& t = ctx->tensor.dl_tensor;
  t.data = a.size() > 0 ? a.host_data(true) : nullptr;
  t.device = DLDevice{kDLCPU, 0};
  t.ndim = a.ndim();
  t.dtype = dl_type_of(a.dtype());
  t.shape = ctx->shape;
  t.strides = ctx->strides;
  t.byte_offset = 0;
  ctx->tensor.manager_ctx = ctx;
  ctx->tensor.deleter = [](DLManagedTensor* self) { delete static_cast<ExportContext*>(self->manager_ctx); };
  return &ctx->tensor;
}

namespace detail {

UntypedArray from_dlpack(DLManagedTensor* tensor, const DType* expected) {
  const char* op = "from_dlpack";
  TANDEM_CHECK(tensor != nullptr, ValueError, op, "null tensor");
  const DLTensor& t = tensor->dl_tensor;
  TANDEM_CHECK(t.device.device_type == kDLCPU || t.device.device_type == kDLCUDAHost, ValueError, op, "device type ",
               static_cast<int>(t.device.device_type), " is not supported (host memory only: kDLCPU or kDLCUDAHost)");
  DType dtype{};
  TANDEM_CHECK(dtype_of_dl(t.dtype, dtype), DTypeError, op, "unsupported element type (code ",
               static_cast<int>(t.dtype.code), ", ", static_cast<int>(t.dtype.bits), " bits, ", t.dtype.lanes,
               " lanes); expected bool, int32, int64, float32 or float64");
  if (expected != nullptr)
    TANDEM_CHECK(dtype == *expected, DTypeError, op, "the tensor holds ", dtype_name(dtype), " data, expected ",
                 dtype_name(*expected));
  TANDEM_CHECK(t.ndim >= 0 && t.ndim <= kMaxDims, ShapeError, op, "a tensor of ", t.ndim,
               " dimensions; tandem supports at most ", kMaxDims);
  TANDEM_CHECK(t.ndim == 0 || t.shape != nullptr, ValueError, op, "null shape");

  Shape shape;
  Strides strides;
  // The product of the non-zero extents must fit even for an empty tensor (strides come from it).
  std::int64_t nonzero = 1;
  bool empty = false;
  for (int d = 0; d < t.ndim; ++d) {
    const std::int64_t e = t.shape[d];
    TANDEM_CHECK(e >= 0, ValueError, op, "negative extent ", e, " on axis ", d);
    if (e == 0)
      empty = true;
    else
      TANDEM_CHECK(nonzero <= std::numeric_limits<std::int64_t>::max() / 8 / e, ValueError, op,
                   "the tensor's size overflows");
    if (e != 0) nonzero *= e;
    shape.push_back(e);
  }
  const std::int64_t count = empty ? 0 : nonzero;
  if (t.strides != nullptr)
    for (int d = 0; d < t.ndim; ++d) strides.push_back(t.strides[d]);
  else
    strides = c_strides(shape);

  const std::size_t item = itemsize(dtype);
  if (count == 0) {
    // Nothing to view: an empty array of our own, and the producer's memory goes back now.
    UntypedArray out = UntypedArray::empty(dtype, shape);
    if (tensor->deleter != nullptr) tensor->deleter(tensor);
    return out;
  }
  char* first = static_cast<char*>(t.data) + t.byte_offset;
  TANDEM_CHECK(t.data != nullptr, ValueError, op, "null data pointer for a non-empty tensor");
  TANDEM_CHECK(reinterpret_cast<std::uintptr_t>(first) % item == 0, ValueError, op,
               "the data pointer is not aligned to ", item, " bytes");
  // The elements span [lo, hi] in element units around the first one (strides may be negative).
  // A producer's strides are untrusted: every product and sum is checked for overflow.
  std::int64_t lo = 0, hi = 0;
  for (int d = 0; d < t.ndim; ++d) {
    std::int64_t reach = 0;
    bool overflow = __builtin_mul_overflow(shape[d] - 1, strides[d], &reach);
    overflow = overflow || __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi);
    TANDEM_CHECK(!overflow, ValueError, op, "the strides overflow (axis ", d, ", stride ", strides[d], ")");
  }
  std::int64_t span = 0, span_bytes = 0;
  TANDEM_CHECK(!__builtin_sub_overflow(hi, lo, &span) && !__builtin_add_overflow(span, 1, &span) &&
                   !__builtin_mul_overflow(span, static_cast<std::int64_t>(item), &span_bytes),
               ValueError, op, "the strides overflow");
  char* base = first + lo * static_cast<std::int64_t>(item);
  const auto bytes = static_cast<std::size_t>(span_bytes);
  // The producer still reads the memory: device results are copied back into it.
  auto buffer = Buffer::wrap_host(base, bytes,
                                  [tensor](void*) {
                                    if (tensor->deleter != nullptr) tensor->deleter(tensor);
                                  },
                                  {/*read_only=*/false, /*write_back=*/true});
  return UntypedArray(dtype, shape, strides, -lo, std::move(buffer));
}

}  // namespace detail
}  // namespace tandem
