// DLPack: export/import round trips share memory, the managed tensor keeps the buffer
// alive until its deleter runs, foreign tensors (negative strides, custom deleters) import,
// and unsupported tensors are refused without being consumed.

#include <dlpack/dlpack.h>

#include <tandem/dlpack.hpp>

#include "support/temp_dir.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::arrays_equal;
using td::test::random_array;
using td::test::throws_with;

template <class T>
class DLPack : public ::testing::Test {};
TYPED_TEST_SUITE(DLPack, td::test::AllTypes, td::test::TypeNames);

TYPED_TEST(DLPack, RoundTripSharesMemory) {
  using T = TypeParam;
  const auto a = random_array<T>({4, 5, 3}, 1);
  for (const td::Array<T>& v : {a, a.T(), a(td::slice(1, 3), td::slice(td::none, td::none, -2)), a(2, 3, 1)}) {
    SCOPED_TRACE(td::to_string(v.shape()));
    DLManagedTensor* t = td::to_dlpack(v);
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->dl_tensor.device.device_type, kDLCPU);
    EXPECT_EQ(t->dl_tensor.ndim, v.ndim());
    EXPECT_EQ(t->dl_tensor.dtype.bits, 8 * sizeof(T));
    EXPECT_EQ(t->dl_tensor.data, static_cast<const void*>(v.cdata()));
    for (int d = 0; d < v.ndim(); ++d) {
      EXPECT_EQ(t->dl_tensor.shape[d], v.shape()[d]);
      EXPECT_EQ(t->dl_tensor.strides[d], v.strides()[d]);
    }
    const auto back = td::from_dlpack<T>(t);  // owns t now
    EXPECT_TRUE(arrays_equal(back, v));
    EXPECT_EQ(back.cdata(), v.cdata());
  }
}

TEST(DLPack, ExportKeepsTheBufferAlive) {
  DLManagedTensor* t = nullptr;
  {
    const auto a = td::Array<double>::from({1.5, 2.5, 3.5});
    t = td::to_dlpack(a);
  }
  const auto* p = static_cast<const double*>(t->dl_tensor.data);
  EXPECT_EQ(p[2], 3.5);  // still valid after the array is gone (ASan checks this)
  static_cast<double*>(t->dl_tensor.data)[0] = 9.0;
  const auto back = td::from_dlpack<double>(t);
  EXPECT_EQ(back.at({0}), 9.0);
}

TEST(DLPack, ConsumerWritesReachTheArray) {
  const auto a = td::zeros<float>({2, 3});
  DLManagedTensor* t = td::to_dlpack(a);
  static_cast<float*>(t->dl_tensor.data)[4] = 7.0f;
  t->deleter(t);
  EXPECT_EQ(a.at({1, 1}), 7.0f);
}

namespace {
struct Foreign {
  std::vector<std::int64_t> data;
  std::int64_t shape[2];
  std::int64_t strides[2];
  DLManagedTensor tensor{};
  int* deleted;
};

DLManagedTensor* foreign_tensor(int* deleted) {
  auto* f = new Foreign{{}, {3, 4}, {-4, 1}, {}, deleted};
  for (int i = 0; i < 12; ++i) f->data.push_back(i);
  DLTensor& t = f->tensor.dl_tensor;
  t.data = f->data.data();
  t.byte_offset = 8 * sizeof(std::int64_t);  // element 8: row 2, so rows run backwards
  t.device = {kDLCPU, 0};
  t.ndim = 2;
  t.dtype = {kDLInt, 64, 1};
  t.shape = f->shape;
  t.strides = f->strides;
  f->tensor.manager_ctx = f;
  f->tensor.deleter = [](DLManagedTensor* self) {
    auto* me = static_cast<Foreign*>(self->manager_ctx);
    ++*me->deleted;
    delete me;
  };
  return &f->tensor;
}
}  // namespace

TEST(DLPack, ImportsForeignTensorsAndCallsTheirDeleterOnce) {
  int deleted = 0;
  {
    auto a = td::from_dlpack<std::int64_t>(foreign_tensor(&deleted));
    EXPECT_TRUE(td::test::values_match(a, {8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3}, {3, 4}));
    const auto row = a(1);
    EXPECT_EQ(deleted, 0);
    a.fill(1);  // imported memory is writable
  }
  EXPECT_EQ(deleted, 1);

  // Refused tensors stay the caller's: no deleter call.
  DLManagedTensor* t = foreign_tensor(&deleted);
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::from_dlpack<double>(t); }, {"from_dlpack", "int64", "float64"}));
  t->dl_tensor.dtype = {kDLUInt, 16, 1};
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::from_dlpack_untyped(t); }, {"code 1, 16 bits"}));
  t->dl_tensor.dtype = {kDLFloat, 32, 4};
  EXPECT_TRUE(throws_with<td::DTypeError>([&] { td::from_dlpack_untyped(t); }, {"4 lanes"}));
  t->dl_tensor.dtype = {kDLInt, 64, 1};
  t->dl_tensor.device = {kDLCUDA, 0};
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::from_dlpack_untyped(t); }, {"device type 2"}));
  t->dl_tensor.device = {kDLCPU, 0};
  t->dl_tensor.byte_offset = 3;
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::from_dlpack_untyped(t); }, {"not aligned"}));
  t->dl_tensor.byte_offset = 8 * sizeof(std::int64_t);
  t->dl_tensor.ndim = 17;
  EXPECT_TRUE(throws_with<td::ShapeError>([&] { td::from_dlpack_untyped(t); }, {"17 dimensions"}));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::from_dlpack_untyped(nullptr); }, {"null tensor"}));
  EXPECT_EQ(deleted, 1);
  t->deleter(t);
  EXPECT_EQ(deleted, 2);
}

TEST(DLPack, ContiguousWithoutStridesAndEmpty) {
  int deleted = 0;
  DLManagedTensor* t = foreign_tensor(&deleted);
  t->dl_tensor.strides = nullptr;
  t->dl_tensor.byte_offset = 0;
  EXPECT_TRUE(td::test::values_match(td::from_dlpack<std::int64_t>(t), {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4}));
  EXPECT_EQ(deleted, 1);
  t = foreign_tensor(&deleted);
  t->dl_tensor.shape[0] = 0;
  const auto e = td::from_dlpack<std::int64_t>(t);
  EXPECT_EQ(e.shape(), td::Shape({0, 4}));
  EXPECT_EQ(deleted, 2);
}

TEST(DLPack, BoolAndScalars) {
  const auto b = td::Array<bool>::from({true, false, true});
  DLManagedTensor* t = td::to_dlpack(b);
  EXPECT_EQ(t->dl_tensor.dtype.code, 6);  // kDLBool
  EXPECT_TRUE(arrays_equal(td::from_dlpack<bool>(t), b));
  const auto s = td::Array<float>::from({2.5f}).reshape(td::Shape{});
  t = td::to_dlpack(s);
  EXPECT_EQ(t->dl_tensor.ndim, 0);
  EXPECT_EQ(td::from_dlpack<float>(t).item(), 2.5f);
}

TEST(DLPack, ReadOnlyArraysAreNotExported) {
  td::test::TempDir dir;
  td::save_npy(dir.file("a.npy"), td::Array<double>::from({1, 2}));
  const auto m = td::mmap_npy<double>(dir.file("a.npy"));
  EXPECT_TRUE(throws_with<td::ValueError>([&] { td::to_dlpack(m); }, {"to_dlpack", "read-only"}));
  DLManagedTensor* t = td::to_dlpack(m.copy());
  t->deleter(t);
}
