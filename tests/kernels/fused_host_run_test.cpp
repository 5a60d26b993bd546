// The generated fused kernels, run on the host: the CUDA C++ text of fused_source is
// compiled by the host C++ compiler (the CUDA built-ins defined as one thread of one
// block, so the grid-stride loop visits every element), loaded with dlopen, and called
// with the parameters of fused_launch, exactly the bytes cudaLaunchKernel would get. The
// result must equal, bit for bit, an element-by-element interpretation of the program with
// the shared functors. This checks the generator's wiring (operand order, strided slots,
// broadcast values, scalar conversion, result casts, parameter packing) without a GPU;
// NVRTC's compile of the same text is tests/cuda/fused_nvrtc_test.cpp. Skips when the
// compiler the build used cannot be run.

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kernels/convert.hpp"
#include "kernels/elementwise.hpp"
#include "kernels/elementwise_ops.hpp"
#include "kernels/fused_codegen.hpp"
#include "support/fused_programs.hpp"
#include "support/temp_dir.hpp"

namespace td = tandem;
namespace tk = tandem::kernels;
using td::DType;
using td::Scalar;
using namespace td::test;

namespace {

using tk::c_type;

/// The CUDA built-ins as one thread of a one-block grid, for a host compile.
constexpr const char* kHostPrelude = R"(#include <cstdint>
namespace { struct HostDim3 { unsigned x; }; }
static const HostDim3 blockIdx{0}, threadIdx{0}, blockDim{1}, gridDim{1};
#define __global__
)";

/// `extern "C" void run_<k>(void** args)`: calls kernel k with the launch's parameters.
std::string host_wrapper(int k, const tk::FusedProgram& p, const tk::FusedLayout& layout) {
  std::string w = "extern \"C\" void run_" + std::to_string(k) + "(void** a) {\n  tandem_fused_" + std::to_string(k) +
                  "(*static_cast<std::int64_t*>(a[0])";
  int arg = 1;
  for (DType t : p.inputs)
    w += std::string(", *static_cast<const ") + c_type(t) + "**>(a[" + std::to_string(arg++) + "])";
  w += std::string(", *static_cast<") + c_type(p.result()) + "**>(a[" + std::to_string(arg++) + "])";
  for (DType t : p.scalars) w += std::string(", *static_cast<") + c_type(t) + "*>(a[" + std::to_string(arg++) + "])";
  if (layout.ndim > 0)
    w += ", *static_cast<tandem::kernels::FusedIndex<" + std::to_string(layout.ndim) + ", " +
         std::to_string(layout.strided_operands()) + ">*>(a[" + std::to_string(arg) + "])";
  return w + ");\n}\n";
}

/// One element of the program, interpreted with the shared functors as the eager ops run
/// them; `x[k]` is input k's element.
Scalar interpret(const tk::FusedProgram& p, const std::vector<Scalar>& x, const std::vector<Scalar>& scalars) {
  std::vector<Scalar> v;
  for (const tk::FusedInstr& instr : p.code) {
    const auto arg = [&](int k, auto tag) {
      using T = decltype(tag);
      const tk::FusedArg& a = instr.args[k];
      const Scalar& s = a.kind == tk::FusedArg::Kind::input    ? x[a.index]
                        : a.kind == tk::FusedArg::Kind::scalar ? scalars[a.index]
                                                               : v[a.index];
      return tk::scalar_cast<T>(s);  // exact for arrays and values (same dtype)
    };
    Scalar r;
    switch (instr.key.family) {
      case td::OpFamily::unary:
        tk::visit_unary(static_cast<td::UnaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
          using T = decltype(tag);
          using F = typename tk::unary_functor<decltype(code)::value>::type;
          using R = std::conditional_t<td::returns_bool(decltype(code)::value), bool, T>;
          r = Scalar::of(static_cast<R>(F{}(arg(0, T{}))));
        });
        break;
      case td::OpFamily::binary:
        tk::visit_binary(static_cast<td::BinaryOp>(instr.key.code), instr.key.dtype, [&](auto code, auto tag) {
          using T = decltype(tag);
          using F = typename tk::binary_functor<decltype(code)::value>::type;
          using R = std::conditional_t<td::returns_bool(decltype(code)::value), bool, T>;
          r = Scalar::of(static_cast<R>(F{}(arg(0, T{}), arg(1, T{}))));
        });
        break;
      case td::OpFamily::where:
        td::visit_dtype(instr.key.dtype,
                        [&](auto tag) { r = Scalar::of(tk::where_fn{}(arg(0, bool{}), arg(1, tag), arg(2, tag))); });
        break;
      case td::OpFamily::clip:
        td::visit_dtype(instr.key.dtype,
                        [&](auto tag) { r = Scalar::of(tk::clip_fn{}(arg(0, tag), arg(1, tag), arg(2, tag))); });
        break;
      default:  // astype
        td::visit_dtype(instr.key.dtype, [&](auto from) {
          td::visit_dtype(instr.result, [&](auto to) { r = Scalar::of(tk::convert<decltype(to)>(arg(0, from))); });
        });
    }
    v.push_back(r);
  }
  return v.back();
}

Scalar load(const void* base, DType t, std::int64_t offset) {
  return td::visit_dtype(t, [&](auto tag) {
    using T = decltype(tag);
    T value;
    std::memcpy(&value, static_cast<const char*>(base) + offset * static_cast<std::int64_t>(sizeof(T)), sizeof(T));
    return Scalar::of(value);
  });
}

bool same_bits(const Scalar& a, const Scalar& b) {
  return a.dtype == b.dtype && std::memcmp(&a.f64, &b.f64, td::itemsize(a.dtype)) == 0;
}

/// A case: a program over 2-d views of random storage, each operand with its own strides.
struct Case {
  tk::FusedProgram program;
  td::Shape shape;
  std::vector<td::Strides> in_strides;  // each stride may be negative: storage starts at the far end
  td::Strides out_strides;
  std::vector<Scalar> scalars;
};

/// Storage for a view of `shape` with `strides`, and the offset of its element 0.
std::int64_t span_and_base(const td::Shape& shape, const td::Strides& strides, std::int64_t* base) {
  std::int64_t lo = 0, hi = 0;
  for (int d = 0; d < shape.size(); ++d) {
    const std::int64_t reach = (shape[d] - 1) * strides[d];
    (reach < 0 ? lo : hi) += reach;
  }
  *base = -lo;
  return hi - lo + 1;
}

}  // namespace

TEST(FusedHostRun, GeneratedKernelsEqualTheInterpretedProgram) {
  std::vector<Case> cases;
  // The 8-op chain: contiguous; then a reversed, b broadcast along rows, c a single value,
  // the output transposed.
  cases.push_back(
      {chain8(), {5, 6}, {{6, 1}, {6, 1}, {6, 1}}, {6, 1}, {Scalar::of(1.5), Scalar::of(-0.25), Scalar::of(2.0)}});
  cases.push_back(
      {chain8(), {5, 6}, {{-6, 1}, {0, 1}, {0, 0}}, {1, 5}, {Scalar::of(0.75), Scalar::of(-2.0), Scalar::of(0.5)}});
  // Every op of a dtype (bool results, where, clip, astype, float64 scalars converted),
  // with a strided input, a broadcast one and a contiguous bool mask.
  for (DType t : {DType::bool_, DType::int32, DType::int64, DType::float32, DType::float64})
    cases.push_back({every_op(t), {4, 7}, {{-14, 2}, {0, 0}, {7, 1}}, {7, 1}, {Scalar::of(2.5)}});

  td::test::TempDir dir;
  std::string unit = kHostPrelude;
  std::vector<tk::FusedLaunch> launches;
  std::vector<std::vector<td::StridedView>> inputs(cases.size());
  std::vector<std::vector<std::vector<unsigned char>>> storage(cases.size());
  std::vector<std::int64_t> out_base(cases.size());
  std::mt19937 rng(11);
  for (std::size_t k = 0; k < cases.size(); ++k) {
    Case& c = cases[k];
    tk::FusedCall call;
    call.program = &c.program;
    for (std::size_t i = 0; i <= c.in_strides.size(); ++i) {
      const bool is_out = i == c.in_strides.size();
      const td::Strides& st = is_out ? c.out_strides : c.in_strides[i];
      const DType t = is_out ? c.program.result() : c.program.inputs[i];
      std::int64_t base = 0;
      const std::int64_t span = span_and_base(c.shape, st, &base);
      auto& bytes = storage[k].emplace_back(static_cast<std::size_t>(span) * td::itemsize(t));
      td::visit_dtype(t, [&](auto tag) {
        using T = decltype(tag);
        for (std::int64_t e = 0; e < span; ++e) {
          // Mixed magnitudes and signs, some zeros, so that division, mod, power and the
          // predicates all meet edge cases.
          const double r = static_cast<double>(static_cast<int>(rng() % 41) - 20) / (rng() % 3 ? 4.0 : 1.0);
          const T value = tk::convert<T>(r);
          std::memcpy(bytes.data() + e * sizeof(T), &value, sizeof(T));
        }
      });
      const td::StridedView v = view_of(bytes.data() + base * td::itemsize(t), t, c.shape, st);
      if (is_out) {
        call.out = v;
        out_base[k] = base;
      } else {
        call.inputs.push_back(v);
      }
    }
    call.scalars = c.scalars;
    inputs[k] = call.inputs;
    launches.push_back(tk::fused_launch(call));
    const std::string id = std::to_string(k);
    unit += "#define tandem_fused tandem_fused_" + id + "\n" + tk::fused_source(c.program, launches.back().layout) +
            "#undef tandem_fused\n" + host_wrapper(static_cast<int>(k), c.program, launches.back().layout);
  }
  EXPECT_EQ(launches[1].layout.key(), "x,x,s>x/2");  // the mixed case is what it says

  const std::string cpp = dir.file("fused_host.cpp"), so = dir.file("fused_host.so");
  std::ofstream(cpp) << unit;
  const std::string command = std::string(TANDEM_TEST_CXX) + " -std=c++17 -O1 -shared -fPIC -w -I" +
                              TANDEM_TEST_SOURCE_DIR + "/src -I" + TANDEM_TEST_SOURCE_DIR + "/include " + cpp + " -o " +
                              so + " 2>" + dir.file("log");
  if (std::system(command.c_str()) != 0) {
    std::ifstream log(dir.file("log"));
    const std::string text((std::istreambuf_iterator<char>(log)), {});
    // A compiler that ran and rejected the text is a failure; one that is missing, a skip.
    if (text.find("error") != std::string::npos) FAIL() << command << "\n" << text;
    GTEST_SKIP() << "the host compiler could not be run: " << command << "\n" << text;
  }
  void* lib = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << ::dlerror();

  for (std::size_t k = 0; k < cases.size(); ++k) {
    const Case& c = cases[k];
    auto run = reinterpret_cast<void (*)(void**)>(::dlsym(lib, ("run_" + std::to_string(k)).c_str()));
    ASSERT_NE(run, nullptr);
    std::vector<void*> args = launches[k].args();
    run(args.data());
    const DType rt = c.program.result();
    const char* out = reinterpret_cast<const char*>(storage[k].back().data()) + out_base[k] * td::itemsize(rt);
    for (std::int64_t r = 0; r < c.shape[0]; ++r)
      for (std::int64_t col = 0; col < c.shape[1]; ++col) {
        std::vector<Scalar> x;
        for (std::size_t i = 0; i < c.in_strides.size(); ++i) {
          const td::Strides& st = c.in_strides[i];
          x.push_back(load(inputs[k][i].data, c.program.inputs[i], r * st[0] + col * st[1]));
        }
        std::vector<Scalar> scalars;
        for (std::size_t s = 0; s < c.scalars.size(); ++s)
          td::visit_dtype(c.program.scalars[s], [&](auto tag) {
            scalars.push_back(Scalar::of(tk::scalar_cast<decltype(tag)>(c.scalars[s])));
          });
        const Scalar want = interpret(c.program, x, scalars);
        const Scalar got = load(out, rt, r * c.out_strides[0] + col * c.out_strides[1]);
        ASSERT_TRUE(same_bits(got, want)) << "case " << k << " (" << c.program.key() << ") at " << r << "," << col;
      }
  }
  ::dlclose(lib);
}
