// The fused-kernel code generator on the host (src/kernels/fused_codegen.hpp): layout
// classes, launch parameters, the strided index against a plain loop, keys that ignore
// scalar values and shapes, refusals of invalid programs, and the embedded headers. NVRTC
// compiles the generated text in tests/cuda/fused_nvrtc_test.cpp (CUDA builds).

#include "kernels/fused_codegen.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kernels/fused_device.hpp"
#include "support/fused_programs.hpp"

namespace td = tandem;
namespace tk = tandem::kernels;
using td::DType;
using td::kernels::FusedAccess;
using namespace td::test;

namespace {

/// A call of `program` (all inputs float64) whose views all share `shape`, with the given
/// strides; pointers are fake (the generator never reads memory).
tk::FusedCall call_of(const tk::FusedProgram& program, const td::Shape& shape, std::vector<td::Strides> in_strides,
                      const td::Strides& out_strides, std::vector<td::Scalar> scalars) {
  tk::FusedCall call;
  call.program = &program;
  for (std::size_t i = 0; i < in_strides.size(); ++i)
    call.inputs.push_back(view_of(reinterpret_cast<void*>(0x1000 * (i + 1)), program.inputs[i], shape, in_strides[i]));
  call.scalars = std::move(scalars);
  call.out = view_of(reinterpret_cast<void*>(0x9000), program.result(), shape, out_strides);
  return call;
}

std::vector<td::Scalar> three(double a, double b, double c) {
  return {td::Scalar::of(a), td::Scalar::of(b), td::Scalar::of(c)};
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST(FusedCodegen, LayoutClassesAndParameters) {
  const tk::FusedProgram p = chain8();
  const td::Shape shape{4, 5};
  // a contiguous, b broadcast from one value, c broadcast along axis 0 (strided), out contiguous.
  tk::FusedCall call = call_of(p, shape, {{5, 1}, {0, 0}, {0, 1}}, {5, 1}, three(2.0, -1.0, 1.0));
  tk::FusedLaunch launch = tk::fused_launch(call);
  EXPECT_EQ(launch.layout.key(), "c,s,x>c/2");
  EXPECT_EQ(launch.n, 20);
  // n, 3 inputs, out, 3 scalars, index.
  ASSERT_EQ(launch.params.size(), 9u);
  EXPECT_EQ(launch.args().size(), 9u);
  std::int64_t n = 0;
  std::memcpy(&n, launch.params[0].data(), 8);
  EXPECT_EQ(n, 20);
  void* out = nullptr;
  std::memcpy(&out, launch.params[4].data(), 8);
  EXPECT_EQ(out, call.out.data);
  double s1 = 0;
  std::memcpy(&s1, launch.params[6].data(), 8);
  EXPECT_EQ(s1, -1.0);
  // FusedIndex<2, 1>: extents {4, 5}, strides of c {0, 1}.
  EXPECT_EQ(launch.params[8], (std::vector<std::uint64_t>{4, 5, 0, 1}));

  // Everything contiguous: no index; a transposed output is strided.
  EXPECT_EQ(tk::fused_launch(call_of(p, shape, {{5, 1}, {5, 1}, {5, 1}}, {5, 1}, three(1, 2, 3))).layout.key(),
            "c,c,c>c/0");
  EXPECT_EQ(tk::fused_launch(call_of(p, shape, {{5, 1}, {5, 1}, {5, 1}}, {1, 4}, three(1, 2, 3))).layout.key(),
            "c,c,c>x/2");
  // Mergeable axes collapse: a strided view of every other row of a {4, 10} array keeps 2.
  EXPECT_EQ(tk::fused_launch(call_of(p, {2, 3, 5}, {{15, 5, 1}, {15, 5, 1}, {30, 5, 1}}, {15, 5, 1}, three(1, 2, 3)))
                .layout.key(),
            "c,c,x>c/2");
  // Negative strides are strided.
  EXPECT_EQ(tk::fused_launch(call_of(p, {7}, {{-1}, {1}, {1}}, {1}, three(1, 2, 3))).layout.key(), "x,c,c>c/1");
}

TEST(FusedCodegen, ScalarsConvertToTheirProgramDtype) {
  tk::FusedProgram p;
  p.inputs = {DType::int32};
  p.scalars = {DType::int32};
  p.code = {binary(td::BinaryOp::add, DType::int32, in(0), sc(0))};
  std::vector<std::int32_t> x(3);
  tk::FusedCall call;
  call.program = &p;
  call.inputs = {view_of(x.data(), DType::int32, {3}, {1})};
  call.scalars = {td::Scalar::of(7.9)};  // float64 -> int32 truncates, as the eager scalar_cast
  call.out = view_of(x.data(), DType::int32, {3}, {1});
  const tk::FusedLaunch launch = tk::fused_launch(call);
  std::int32_t s = 0;
  std::memcpy(&s, launch.params[3].data(), 4);
  EXPECT_EQ(s, 7);
}

TEST(FusedCodegen, StridedIndexMatchesAPlainLoop) {
  // Random shapes and strides (negative, broadcast, sliced); the index built from the
  // launch parameters gives every operand's offset as a plain N-d loop does.
  std::mt19937 rng(7);
  tk::FusedProgram p;
  p.inputs = {DType::float64, DType::float64};
  p.code = {binary(td::BinaryOp::add, DType::float64, in(0), in(1))};
  for (int trial = 0; trial < 200; ++trial) {
    const int ndim = 1 + static_cast<int>(rng() % 3);
    td::Shape shape;
    for (int d = 0; d < ndim; ++d) shape.push_back(1 + static_cast<std::int64_t>(rng() % 4));
    std::vector<td::Strides> strides(3);
    for (auto& s : strides)
      for (int d = 0; d < ndim; ++d) s.push_back(static_cast<std::int64_t>(rng() % 7) - 3);
    tk::FusedCall call = call_of(p, shape, {strides[0], strides[1]}, strides[2], {});
    const tk::FusedLaunch launch = tk::fused_launch(call);
    const std::vector<int> slots = [&] {
      std::vector<int> k;  // operand (0, 1 inputs, 2 out) of each strided slot
      for (int i = 0; i < 2; ++i)
        if (launch.layout.inputs[i] == FusedAccess::strided) k.push_back(i);
      if (launch.layout.out == FusedAccess::strided) k.push_back(2);
      return k;
    }();
    const int nd = launch.layout.ndim;
    ASSERT_LE(nd, 3);
    const auto& ix = launch.params.back();
    std::vector<std::int64_t> expected(3);
    for (std::int64_t flat = 0; flat < launch.n; ++flat) {
      std::int64_t rest = flat;
      std::fill(expected.begin(), expected.end(), 0);
      for (int d = ndim - 1; d >= 0; --d) {
        const std::int64_t c = rest % shape[d];
        rest /= shape[d];
        for (int k = 0; k < 3; ++k) expected[k] += c * strides[k][d];
      }
      std::int64_t off[3] = {};
      const auto run = [&](auto index) {
        std::memcpy(&index, ix.data(), sizeof index);
        index.offsets(flat, off);
      };
      const int kc = static_cast<int>(slots.size());
      if (nd == 0) continue;  // nothing strided: every operand's offset is flat or 0
      if (nd == 1 && kc == 1)
        run(tk::FusedIndex<1, 1>{});
      else if (nd == 1 && kc == 2)
        run(tk::FusedIndex<1, 2>{});
      else if (nd == 1 && kc == 3)
        run(tk::FusedIndex<1, 3>{});
      else if (nd == 2 && kc == 1)
        run(tk::FusedIndex<2, 1>{});
      else if (nd == 2 && kc == 2)
        run(tk::FusedIndex<2, 2>{});
      else if (nd == 2 && kc == 3)
        run(tk::FusedIndex<2, 3>{});
      else if (nd == 3 && kc == 1)
        run(tk::FusedIndex<3, 1>{});
      else if (nd == 3 && kc == 2)
        run(tk::FusedIndex<3, 2>{});
      else
        run(tk::FusedIndex<3, 3>{});
      for (int s = 0; s < kc; ++s) EXPECT_EQ(off[s], expected[slots[s]]) << "trial " << trial << " flat " << flat;
    }
  }
}

TEST(FusedCodegen, SourceDependsOnStructureNotValues) {
  const tk::FusedProgram p = chain8();
  const td::Shape shape{100};
  const tk::FusedCall a = call_of(p, shape, {{1}, {1}, {1}}, {1}, three(2.5, -1.0, 1.0));
  const tk::FusedCall b = call_of(p, {33}, {{1}, {1}, {1}}, {1}, three(7.25, 0.5, 3.0));
  const tk::FusedLaunch la = tk::fused_launch(a);
  const tk::FusedLaunch lb = tk::fused_launch(b);
  EXPECT_EQ(tk::fused_kernel_key(p, la.layout), tk::fused_kernel_key(p, lb.layout));
  const std::string src = tk::fused_source(p, la.layout);
  EXPECT_EQ(src, tk::fused_source(p, lb.layout));
  EXPECT_EQ(src.find("2.5"), std::string::npos) << src;  // scalars are parameters
  EXPECT_NE(src.find("extern \"C\" __global__ void tandem_fused("), std::string::npos) << src;
  EXPECT_NE(src.find("tandem::kernels::exp_fn{}("), std::string::npos) << src;
  EXPECT_NE(src.find("tandem::kernels::clip_fn{}(v4, sc1, sc2)"), std::string::npos) << src;

  // Another dtype, another layout class: other keys.
  tk::FusedProgram f32 = p;
  for (auto& t : f32.inputs) t = DType::float32;
  EXPECT_NE(f32.key(), p.key());
  const tk::FusedLaunch strided = tk::fused_launch(call_of(p, {10}, {{2}, {1}, {1}}, {1}, three(1, 2, 3)));
  EXPECT_NE(tk::fused_kernel_key(p, strided.layout), tk::fused_kernel_key(p, la.layout));
}

TEST(FusedCodegen, InvalidProgramsAreRefusedNamingFused) {
  tk::FusedLayout layout;
  layout.inputs = {FusedAccess::contiguous};
  const auto expect_refused = [&](const tk::FusedProgram& p, const char* what) {
    try {
      tk::fused_source(p, layout);
      ADD_FAILURE() << "accepted: " << what;
    } catch (const td::Error& e) {
      EXPECT_EQ(std::string(e.what()).rfind("fused: ", 0), 0u) << e.what();
    }
  };
  tk::FusedProgram p;
  p.inputs = {DType::float64};
  p.code = {unary(td::UnaryOp::exp, DType::float64, in(0))};
  EXPECT_NO_THROW(tk::fused_source(p, layout));

  tk::FusedProgram reduce = p;
  reduce.code[0].key = td::OpKey::of(td::ReduceOp::sum, DType::float64);
  expect_refused(reduce, "a reduction");
  tk::FusedProgram mixed = p;
  mixed.code[0].key.dtype = DType::float32;
  mixed.code[0].result = DType::float32;
  expect_refused(mixed, "a float64 input used as float32");
  tk::FusedProgram result = p;
  result.code[0].result = DType::bool_;
  expect_refused(result, "exp giving bool");
  tk::FusedProgram rejected = p;
  rejected.inputs = {DType::int32};
  rejected.code[0] = unary(td::UnaryOp::exp, DType::int32, in(0));
  expect_refused(rejected, "exp of int32");
  tk::FusedProgram missing = p;
  missing.code[0].args[0] = in(3);
  expect_refused(missing, "a missing input");
  tk::FusedProgram bool_clip;
  bool_clip.inputs = {DType::bool_};
  bool_clip.code = {clip(DType::bool_, in(0), in(0), in(0))};
  expect_refused(bool_clip, "clip of bool");
}

TEST(FusedCodegen, EmbeddedHeadersAreTheSources) {
  const std::string root = std::string(TANDEM_TEST_DATA_DIR) + "/../../";
  const auto& headers = tk::fused_kernel_headers();
  std::vector<std::string> names;
  for (const auto& h : headers) names.push_back(h.name);
  for (const char* name : {"kernels/fused_device.hpp", "kernels/elementwise.hpp", "kernels/convert.hpp",
                           "kernels/hd.hpp", "tandem/core/dtype.hpp", "cmath", "type_traits", "limits", "cstdint"})
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  for (const auto& h : headers) {
    const std::string name = h.name;
    const std::string file = name.rfind("tandem/", 0) == 0         ? root + "include/" + name
                             : name.find('/') != std::string::npos ? root + "src/" + name
                                                                   : root + "src/kernels/nvrtc_std.hpp";
    EXPECT_EQ(h.text, read_file(file)) << name << " differs from " << file;
  }
}
