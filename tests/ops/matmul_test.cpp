// matmul and the products built on it, against references computed here element by
// element (floats with a forward error bound, integers wrapping exactly, bool as the or of
// ands) and against NumPy fixtures (tests/data/make_linalg_fixtures.py). Also checks that
// BLAS is the OpenMP build of OpenBLAS and follows set_num_threads.

#include <gtest/gtest.h>
#include <time.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <string>
#include <tandem/tandem.hpp>

#include "support/test_support.hpp"

extern "C" int openblas_get_num_threads(void);
extern "C" int openblas_get_parallel(void);

namespace td = tandem;
using td::none;
using td::slice;
using td::test::values_match;

namespace {

template <class T>
class MatmulTyped : public ::testing::Test {};
TYPED_TEST_SUITE(MatmulTyped, td::test::AllTypes, td::test::TypeNames);
template <class T>
class MatmulFloat : public ::testing::Test {};
TYPED_TEST_SUITE(MatmulFloat, td::test::FloatingTypes, td::test::TypeNames);

/// Accumulator of the reference: double for floats, unsigned (wrapping) for integers.
template <class T, class = void>
struct AccOf {
  using type = T;
};
template <class T>
struct AccOf<T, std::enable_if_t<std::is_floating_point_v<T>>> {
  using type = double;
};
template <class T>
struct AccOf<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  using type = std::make_unsigned_t<T>;
};
template <class T>
using Acc = typename AccOf<T>::type;

/// Reference C = A B for row-major value vectors, plus per-element error bounds for floats
/// (k * eps * sum |a||b|, the classical bound for any summation order).
template <class T>
void reference(const std::vector<T>& a, const std::vector<T>& b, std::int64_t m, std::int64_t k, std::int64_t n,
               std::vector<T>& c, std::vector<double>& bound) {
  c.assign(static_cast<std::size_t>(m * n), T(0));
  bound.assign(static_cast<std::size_t>(m * n), 0.0);
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      Acc<T> acc{};
      double mag = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        const T x = a[static_cast<std::size_t>(i * k + p)], y = b[static_cast<std::size_t>(p * n + j)];
        if constexpr (std::is_same_v<T, bool>) {
          acc = acc || (x && y);
        } else {
          acc += static_cast<Acc<T>>(x) * static_cast<Acc<T>>(y);
          mag += std::fabs(static_cast<double>(x) * static_cast<double>(y));
        }
      }
      c[static_cast<std::size_t>(i * n + j)] = static_cast<T>(acc);
      if constexpr (std::is_floating_point_v<T>)
        bound[static_cast<std::size_t>(i * n + j)] =
            2.0 * static_cast<double>(k + 1) * std::numeric_limits<T>::epsilon() * mag + 1e-300;
    }
}

template <class T>
::testing::AssertionResult matches(const td::Array<T>& got, const std::vector<T>& want,
                                   const std::vector<double>& bound, const std::vector<std::int64_t>& shape) {
  if (td::test::shape_vec(got.shape()) != shape)
    return ::testing::AssertionFailure() << "shape " << td::to_string(got.shape())
                                         << " != " << td::to_string(td::Shape(shape));
  const auto g = got.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i) {
    const bool ok = std::is_floating_point_v<T>
                        ? std::fabs(static_cast<double>(g[i]) - static_cast<double>(want[i])) <= bound[i]
                        : g[i] == want[i];
    if (!ok)
      return ::testing::AssertionFailure()
             << "[" << i << "] got " << td::test::show(g[i]) << ", expected " << td::test::show(want[i]);
  }
  return ::testing::AssertionSuccess();
}

/// A rows x cols matrix holding `v` (row-major) in one of five layouts: 0 contiguous,
/// 1 the transpose of a contiguous array (a.T()), 2 every other column (strides BLAS
/// cannot take: copied), 3 rows reversed (negative stride: copied), 4 every other row
/// (leading dimension 2 * cols).
template <class T>
td::Array<T> layout(const std::vector<T>& v, std::int64_t rows, std::int64_t cols, int kind) {
  const td::Shape shape{rows, cols};
  switch (kind) {
    case 1: {
      std::vector<T> t(v.size());
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
          t[static_cast<std::size_t>(j * rows + i)] = v[static_cast<std::size_t>(i * cols + j)];
      return td::Array<T>::from(t, td::Shape{cols, rows}).T();
    }
    case 2: {
      std::vector<T> w(static_cast<std::size_t>(rows * cols * 2), T(0));
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
          w[static_cast<std::size_t>(i * 2 * cols + 2 * j)] = v[static_cast<std::size_t>(i * cols + j)];
      return td::Array<T>::from(w, td::Shape{rows, 2 * cols})(slice(), slice(none, none, 2));
    }
    case 3: {
      std::vector<T> r(v.size());
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
          r[static_cast<std::size_t>((rows - 1 - i) * cols + j)] = v[static_cast<std::size_t>(i * cols + j)];
      return td::Array<T>::from(r, shape)(slice(none, none, -1));
    }
    case 4: {
      std::vector<T> w(static_cast<std::size_t>(rows * cols * 2), T(0));
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j)
          w[static_cast<std::size_t>(2 * i * cols + j)] = v[static_cast<std::size_t>(i * cols + j)];
      return td::Array<T>::from(w, td::Shape{2 * rows, cols})(slice(none, none, 2));
    }
    default:
      return td::Array<T>::from(v, shape);
  }
}

struct Mkn {
  std::int64_t m, k, n;
};
const std::vector<Mkn> kSizes = {{0, 3, 4},  {3, 0, 4},  {1, 1, 1},    {7, 33, 1}, {1, 7, 33},
                                 {33, 7, 7}, {7, 1, 33}, {33, 33, 33}, {2, 5, 0}};

TYPED_TEST(MatmulTyped, EverySizeAndLayout) {
  using T = TypeParam;
  for (const Mkn& s : kSizes) {
    const auto av = td::test::random_values<T>(s.m * s.k, 7 + static_cast<std::uint64_t>(s.m * 100 + s.k), -10, 10);
    const auto bv = td::test::random_values<T>(s.k * s.n, 9 + static_cast<std::uint64_t>(s.k * 100 + s.n), -10, 10);
    std::vector<T> want;
    std::vector<double> bound;
    reference(av, bv, s.m, s.k, s.n, want, bound);
    for (int la = 0; la < 5; ++la)
      for (int lb = 0; lb < 5; ++lb) {
        const auto a = layout(av, s.m, s.k, la), b = layout(bv, s.k, s.n, lb);
        EXPECT_TRUE(matches(td::matmul(a, b), want, bound, {s.m, s.n}))
            << "m=" << s.m << " k=" << s.k << " n=" << s.n << " layouts " << la << "," << lb;
      }
  }
}

TYPED_TEST(MatmulTyped, InputsUnchangedAndTransposeIsAView) {
  using T = TypeParam;
  const auto v = td::test::random_values<T>(7 * 5, 3);
  const auto a = td::Array<T>::from(v, td::Shape{7, 5});
  const auto t = a.T();
  EXPECT_EQ(t.cdata(), a.cdata());  // a.T() shares storage: BLAS reads it in place
  (void)td::matmul(t, a);
  EXPECT_TRUE(values_match(a, v, {7, 5}));
}

TYPED_TEST(MatmulTyped, BatchedWithBroadcasting) {
  using T = TypeParam;
  // a (2, 1, 5, 3) @ b (4, 3, 6) -> (2, 4, 5, 6); b's batch broadcasts over a's first axis.
  const auto av = td::test::random_values<T>(2 * 5 * 3, 11), bv = td::test::random_values<T>(4 * 3 * 6, 12);
  const auto a = td::Array<T>::from(av, td::Shape{2, 1, 5, 3});
  const auto b = td::Array<T>::from(bv, td::Shape{4, 3, 6});
  const auto c = td::matmul(a, b);
  ASSERT_EQ(td::test::shape_vec(c.shape()), (std::vector<std::int64_t>{2, 4, 5, 6}));
  // Same product with a as a transposed batch view and b broadcast with stride 0.
  std::vector<T> at(av.size());
  for (int i = 0; i < 2; ++i)
    for (int r = 0; r < 5; ++r)
      for (int q = 0; q < 3; ++q)
        at[static_cast<std::size_t>(i * 15 + q * 5 + r)] = av[static_cast<std::size_t>(i * 15 + r * 3 + q)];
  const auto a_t = td::Array<T>::from(at, td::Shape{2, 1, 3, 5}).swapaxes(-1, -2);
  const auto b_wide = b.broadcast_to(td::Shape{2, 4, 3, 6});
  const auto c2 = td::matmul(a_t, b_wide);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j) {
      std::vector<T> ai(av.begin() + i * 15, av.begin() + (i + 1) * 15),
          bj(bv.begin() + j * 18, bv.begin() + (j + 1) * 18);
      std::vector<T> want;
      std::vector<double> bound;
      reference(ai, bj, 5, 3, 6, want, bound);
      EXPECT_TRUE(matches(c(i, j), want, bound, {5, 6})) << i << "," << j;
      EXPECT_TRUE(matches(c2(i, j), want, bound, {5, 6})) << i << "," << j;
    }
}

TYPED_TEST(MatmulTyped, OneDimensionalOperands) {
  using T = TypeParam;
  const auto mv = td::test::random_values<T>(4 * 3, 21), xv = td::test::random_values<T>(3, 22),
             yv = td::test::random_values<T>(4, 23);
  const auto m = td::Array<T>::from(mv, td::Shape{4, 3}), x = td::Array<T>::from(xv), y = td::Array<T>::from(yv);
  std::vector<T> want;
  std::vector<double> bound;
  reference(mv, xv, 4, 3, 1, want, bound);  // (4, 3) @ (3,) -> (4,)
  EXPECT_TRUE(matches(td::matmul(m, x), want, bound, {4}));
  EXPECT_TRUE(matches(td::matmul(m.T().T(), x), want, bound, {4}));
  reference(yv, mv, 1, 4, 3, want, bound);  // (4,) @ (4, 3) -> (3,)
  EXPECT_TRUE(matches(td::matmul(y, m), want, bound, {3}));
  EXPECT_TRUE(matches(td::dot(y, m), want, bound, {3}));
  reference(xv, xv, 1, 3, 1, want, bound);  // (3,) @ (3,) -> ()
  EXPECT_TRUE(matches(td::matmul(x, x), want, bound, {}));
  EXPECT_TRUE(matches(td::inner(x, x), want, bound, {}));
  // A batch of matrices times one vector: (2, 4, 3) @ (3,) -> (2, 4).
  const auto batch = td::Array<T>::from(td::test::random_values<T>(2 * 4 * 3, 24), td::Shape{2, 4, 3});
  const auto r = td::matmul(batch, x);
  ASSERT_EQ(td::test::shape_vec(r.shape()), (std::vector<std::int64_t>{2, 4}));
  const auto bv = batch.to_vector();
  reference(std::vector<T>(bv.begin() + 12, bv.end()), xv, 4, 3, 1, want, bound);
  EXPECT_TRUE(matches(r(1), want, bound, {4}));
}

TYPED_TEST(MatmulTyped, OuterAndVdot) {
  using T = TypeParam;
  const auto xv = td::test::random_values<T>(5, 31), yv = td::test::random_values<T>(6, 32);
  const auto x = td::Array<T>::from(xv), y = td::Array<T>::from(yv, td::Shape{2, 3});
  std::vector<T> want;
  std::vector<double> bound;
  reference(xv, yv, 5, 1, 6, want, bound);
  EXPECT_TRUE(matches(td::outer(x, y), want, bound, {5, 6}));
  const auto z = td::Array<T>::from(td::test::random_values<T>(6, 33), td::Shape{3, 2});
  reference(yv, z.to_vector(), 1, 6, 1, want, bound);
  const T v = td::vdot(y, z);
  EXPECT_TRUE(matches(td::Array<T>::from({v}), want, bound, {1}));
}

/// Equal for integers and bool; for floats within a few ulps (gemv, gemm and a scratch
/// output may round the last bit differently).
template <class T>
::testing::AssertionResult near_equal(const td::Array<T>& got, const td::Array<T>& want) {
  return values_match(got, want.to_vector(), td::test::shape_vec(want.shape()), 16, 1e-12);
}

TYPED_TEST(MatmulTyped, IntoOutIncludingAliasedAndStrided) {
  using T = TypeParam;
  const auto av = td::test::random_values<T>(2 * 7 * 7, 61), bv = td::test::random_values<T>(7 * 7, 62);
  const auto a = td::Array<T>::from(av, td::Shape{2, 7, 7}), b = td::Array<T>::from(bv, td::Shape{7, 7});
  const auto want = td::matmul(a, b);
  auto out = td::zeros<T>({2, 7, 7});
  EXPECT_EQ(&td::matmul(a, b, out), &out);
  EXPECT_TRUE(near_equal(out, want));
  // A strided out (every other column of a wider array) and a transposed one.
  auto wide = td::zeros<T>({2, 7, 14});
  td::matmul(a, b, wide(td::ellipsis, slice(none, none, 2)));
  EXPECT_TRUE(near_equal(wide(td::ellipsis, slice(none, none, 2)).copy(), want));
  auto t = td::zeros<T>({2, 7, 7});
  td::matmul(a, b, t.swapaxes(-1, -2));
  EXPECT_TRUE(near_equal(t.swapaxes(-1, -2).copy(), want));
  // out is an input: a = a @ b reads the old a.
  const auto a2 = a.copy();
  td::matmul(a2, b, a2);
  EXPECT_TRUE(near_equal(a2, want));
  // 1-d operands: (7,) @ (7, 7) -> (7,).
  auto v = td::zeros<T>({7});
  td::matmul(a(0, 0), b, v);
  EXPECT_TRUE(near_equal(v, want(0, 0).copy()));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::matmul(a, b, td::zeros<T>({7, 7}));
      },
      {"matmul", "(7, 7)"}));
}

TEST(MatmulErrors, ShapesAndDtypes) {
  const auto a = td::zeros<double>({3, 4}), b = td::zeros<double>({5, 2});
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { td::matmul(a, b); }, {"matmul", "(3, 4)", "(5, 2)"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { td::matmul(td::zeros<double>({}), a); }, {"matmul"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::matmul(td::zeros<double>({2, 3, 4}), td::zeros<double>({3, 4, 2}));
      },
      {"matmul", "broadcast"}));
  EXPECT_TRUE(
      td::test::throws_with<td::ShapeError>([&] { td::dot(td::zeros<double>({3}), td::zeros<double>({4})); }, {"dot"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>([&] { td::vdot(td::zeros<double>({3}), td::zeros<double>({4})); },
                                                    {"vdot"}));
  EXPECT_TRUE(td::test::throws_with<td::ShapeError>(
      [&] {
        td::tensordot(td::zeros<double>({2, 3}), td::zeros<double>({2, 3}), 1);
      },
      {"tensordot", "mismatch"}));
  EXPECT_TRUE(td::test::throws_with<td::DTypeError>(
      [&] {
        td::untyped::matmul(td::zeros<double>({2, 2}).untyped(), td::zeros<float>({2, 2}).untyped());
      },
      {"matmul", "float64", "float32"}));
}

// ---- NumPy fixtures ----
std::string fixture(const std::string& name) { return std::string(TANDEM_TEST_DATA_DIR) + "/linalg/" + name + ".npy"; }
template <class T>
td::Array<T> load(const std::string& name) {
  return td::load_npy<T>(fixture(name));
}

TEST(MatmulNumpy, IntegersWrapAndBoolIsOrOfAnds) {
  for (const char* tag : {"i32", "i64"}) {
    const std::string p = std::string("matmul_") + tag + "_";
    if (std::string(tag) == "i32") {
      EXPECT_TRUE(td::test::arrays_equal(td::matmul(load<std::int32_t>(p + "a"), load<std::int32_t>(p + "b")),
                                         load<std::int32_t>(p + "out")));
    } else {
      EXPECT_TRUE(td::test::arrays_equal(td::matmul(load<std::int64_t>(p + "a"), load<std::int64_t>(p + "b")),
                                         load<std::int64_t>(p + "out")));
    }
  }
  EXPECT_TRUE(td::test::arrays_equal(td::matmul(load<bool>("matmul_bool_a"), load<bool>("matmul_bool_b")),
                                     load<bool>("matmul_bool_out")));
}

TEST(MatmulNumpy, TensordotDotInner) {
  const auto want_t = load<double>("tensordot_out");
  EXPECT_TRUE(values_match(td::tensordot(load<double>("tensordot_a"), load<double>("tensordot_b"), {1, 2}, {1, 0}),
                           want_t.to_vector(), td::test::shape_vec(want_t.shape()), 64, 1e-12));
  const auto want_d = load<double>("dotnd_out");
  EXPECT_TRUE(values_match(td::dot(load<double>("dotnd_a"), load<double>("dotnd_b")), want_d.to_vector(),
                           td::test::shape_vec(want_d.shape()), 64, 1e-12));
  const auto want_i = load<double>("inner_out");
  EXPECT_TRUE(values_match(td::inner(load<double>("inner_a"), load<double>("inner_b")), want_i.to_vector(),
                           td::test::shape_vec(want_i.shape()), 64, 1e-12));
  // tensordot with an integer axis count: the last two axes of a against the first two of b.
  const auto a = load<double>("tensordot_a"), b = load<double>("tensordot_b");
  const auto bt = b.transpose({1, 0, 2});  // (3, 4, 5): now b's first axes are a's last
  EXPECT_TRUE(
      values_match(td::tensordot(a, bt, 2), want_t.to_vector(), td::test::shape_vec(want_t.shape()), 64, 1e-12));
}

// ---- threads ----

/// The BLAS library mapped into this process (from /proc/self/maps).
std::string loaded_openblas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find("libopenblas") != std::string::npos) return line.substr(line.find('/'));
  return "";
}

TEST(MatmulThreads, OpenBlasIsTheOpenMpBuild) {
  EXPECT_EQ(openblas_get_parallel(), 2) << "0: sequential, 1: pthreads, 2: OpenMP";
  const std::string lib = loaded_openblas();
  EXPECT_NE(lib.find("openblas-openmp"), std::string::npos) << lib;
}

double seconds(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

TYPED_TEST(MatmulFloat, BlasFollowsSetNumThreads) {
  using T = TypeParam;
  td::test::ThreadCountGuard guard;
  // 128^3 multiply-adds: above OpenBLAS's threshold for using more than one thread.
  const std::int64_t n = 128;
  const auto av = td::test::random_values<T>(n * n, 41), bv = td::test::random_values<T>(n * n, 42);
  const auto a = td::Array<T>::from(av, td::Shape{n, n}), b = td::Array<T>::from(bv, td::Shape{n, n});
  std::vector<T> want;
  std::vector<double> bound;
  reference(av, bv, n, n, n, want, bound);
  for (int threads : {2, 1, 2}) {
    td::set_num_threads(threads);
    EXPECT_TRUE(matches(td::matmul(a, b.T().T()), want, bound, {n, n})) << threads << " threads";
    // OpenBLAS records the team size of its last threaded call; a one-thread call returns
    // early without recording, so it is checked by CPU time below.
    if (threads > 1) {
      EXPECT_EQ(openblas_get_num_threads(), threads);
    }
  }
  // One thread: the process uses no more CPU time than wall time while BLAS runs (two
  // busy threads would use about twice as much).
  td::set_num_threads(1);
  const std::int64_t big = 512;
  const auto x = td::test::random_array<T>({big, big}, 43, -1, 1);
  (void)td::matmul(x, x).cdata();
  const double cpu0 = seconds(CLOCK_PROCESS_CPUTIME_ID), wall0 = seconds(CLOCK_MONOTONIC);
  for (int i = 0; i < 10; ++i) (void)td::matmul(x, x.T()).cdata();
  const double cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - cpu0, wall = seconds(CLOCK_MONOTONIC) - wall0;
  EXPECT_LT(cpu, 1.25 * wall + 0.005) << "cpu " << cpu << " s, wall " << wall << " s";
}

TYPED_TEST(MatmulFloat, BatchesCorrectUnderOneAndTwoThreads) {
  using T = TypeParam;
  td::test::ThreadCountGuard guard;
  // Many small matrices (one per thread, BLAS single-threaded) and a few large ones (BLAS
  // threaded, batches in turn): both paths, both thread counts, against the reference.
  for (const Mkn& s : {Mkn{9, 7, 5}, Mkn{120, 110, 100}}) {
    const std::int64_t batches = s.m < 100 ? 37 : 3;
    const auto av = td::test::random_values<T>(batches * s.m * s.k, 51),
               bv = td::test::random_values<T>(batches * s.k * s.n, 52);
    const auto a = td::Array<T>::from(av, td::Shape{batches, s.m, s.k});
    const auto b = td::Array<T>::from(bv, td::Shape{batches, s.k, s.n});
    for (int threads : {1, 2}) {
      td::set_num_threads(threads);
      const auto c = td::matmul(a, b);
      for (std::int64_t i = 0; i < batches; i += batches / 3) {
        std::vector<T> ai(av.begin() + i * s.m * s.k, av.begin() + (i + 1) * s.m * s.k);
        std::vector<T> bi(bv.begin() + i * s.k * s.n, bv.begin() + (i + 1) * s.k * s.n);
        std::vector<T> want;
        std::vector<double> bound;
        reference(ai, bi, s.m, s.k, s.n, want, bound);
        EXPECT_TRUE(matches(c(i), want, bound, {s.m, s.n})) << "batch " << i << ", " << threads << " threads";
      }
    }
  }
}

}  // namespace
