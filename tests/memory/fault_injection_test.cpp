// Allocation failures (src/memory/fault_injection.hpp): each op family is run with its n-th
// host or device allocation failing, for every n until the op has no allocation left to
// fail, on the CPU and on an emulated device. Every failing run must throw OutOfMemory
// whose message starts with the op's name, leave its inputs bitwise intact, and leave an
// out= array either untouched or fully written; ASan's leak check runs over all of it. A
// kernel whose scratch memory cannot be had (std::bad_alloc inside an OpenMP region) must
// fail the same way, with one thread or several.

#include "memory/fault_injection.hpp"

#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cpu/parallel.hpp"
#include "support/failing_new.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::detail::AllocationKind;
using td::test::random_array;

namespace {

td::Device emulated_device() {
  static const td::Device d = td::emulated::add_device();
  return d;
}

std::vector<unsigned char> bytes_of(const td::UntypedArray& a) {
  const td::UntypedArray c = td::untyped::copy(a);
  const auto* p = static_cast<const unsigned char*>(c.host_data(false));
  return {p, p + static_cast<std::size_t>(c.size()) * td::itemsize(c.dtype())};
}

struct Case {
  const char* name;  // what the OutOfMemory message must start with
  std::vector<td::UntypedArray> inputs;
  const td::UntypedArray* out;  // the out= array, or null when the op makes its result
  std::function<td::UntypedArray()> run;
};

// Arms the hook for the n-th allocation of `kind` (and every later one, so that retries
// fail too) and disarms it whatever happens.
struct Armed {
  Armed(AllocationKind kind, std::int64_t n) : kind_(kind) { td::detail::fail_nth_allocation(kind, n, true); }
  ~Armed() { td::detail::fail_nth_allocation(kind_, 0); }
  Armed(const Armed&) = delete;
  Armed& operator=(const Armed&) = delete;
  AllocationKind kind_;
};

// Returns how many allocations of `kind` the op made.
std::int64_t walk(const Case& c, AllocationKind kind) {
  SCOPED_TRACE(c.name);
  std::vector<std::vector<unsigned char>> inputs;
  for (const auto& a : c.inputs) inputs.push_back(bytes_of(a));
  const std::vector<unsigned char> out_before = c.out ? bytes_of(*c.out) : std::vector<unsigned char>{};
  const std::vector<unsigned char> expected = bytes_of(c.run());
  if (c.out) td::untyped::assign(*c.out, td::detail::from_host(out_before.data(), c.out->dtype(), c.out->shape()));
  for (std::int64_t n = 1;; ++n) {
    SCOPED_TRACE("allocation " + std::to_string(n));
    bool succeeded = false;
    std::string what;
    std::int64_t seen = 0;
    std::vector<unsigned char> result;
    {
      Armed armed(kind, n);
      try {
        const td::UntypedArray r = c.run();
        succeeded = true;
        seen = td::detail::allocations_counted(kind);
        td::detail::fail_nth_allocation(kind, 0);
        result = bytes_of(r);
      } catch (const td::OutOfMemory& e) {
        what = e.what();
        seen = td::detail::allocations_counted(kind);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "not OutOfMemory: " << e.what();
        return n;
      }
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(bytes_of(c.inputs[i]), inputs[i]) << "input " << i;
    if (succeeded) {
      EXPECT_LT(seen, n) << "the op succeeded although an allocation failed";
      EXPECT_EQ(result, expected);
      return n - 1;
    }
    EXPECT_GE(seen, n);
    EXPECT_EQ(what.rfind(std::string(c.name) + ": ", 0), 0u) << what;
    if (c.out) {
      const auto now = bytes_of(*c.out);
      EXPECT_TRUE(now == out_before || now == expected) << "out= is partly written";
      td::untyped::assign(*c.out, td::detail::from_host(out_before.data(), c.out->dtype(), c.out->shape()));
    }
    if (n > 200) {
      ADD_FAILURE() << "more than 200 allocations";
      return n;
    }
  }
}

std::vector<Case> op_families(const td::UntypedArray& add_out, const td::UntypedArray& matmul_out) {
  const auto a = random_array<double>({37, 5}, 1).untyped();
  const auto b = random_array<double>({5}, 2).untyped();
  const auto m = random_array<double>({5, 7}, 3).untyped();
  const auto sq = (random_array<double>({6, 6}, 4) + td::eye<double>(6) * 10.0).untyped();
  const auto rhs = random_array<double>({6, 3}, 6).untyped();
  const auto idx = td::Array<std::int64_t>::from({4, 0, 36, 2, 2}).untyped();
  const auto mask = (random_array<double>({37, 5}, 5) > 0.0).untyped();
  return {
      {"add", {a, b}, &add_out, [=] { return td::untyped::binary(td::BinaryOp::add, a, b, &add_out); }},
      {"sin", {a}, nullptr, [=] { return td::untyped::unary(td::UnaryOp::sin, a); }},
      {"sum", {a}, nullptr, [=] { return td::sum(td::Array<double>(a), 0).untyped(); }},
      {"cumsum", {a}, nullptr, [=] { return td::cumsum(td::Array<double>(a), 1).untyped(); }},
      {"matmul", {a, m}, &matmul_out, [=] { return td::untyped::matmul(a, m, &matmul_out); }},
      {"argsort", {a}, nullptr, [=] { return td::untyped::argsort(a, 0, true); }},
      {"sort", {a}, nullptr, [=] { return td::untyped::sort(a, 1); }},
      {"take", {a, idx}, nullptr, [=] { return td::untyped::take(a, idx, 0); }},
      {"where",
       {mask, a, b},
       nullptr,
       [=] { return td::where(td::Array<bool>(mask), td::Array<double>(a), td::Array<double>(b)).untyped(); }},
      {"astype", {a}, nullptr, [=] { return td::untyped::astype(a, td::DType::float32); }},
      {"concatenate",
       {a, a},
       nullptr,
       [=] {
         return td::untyped::concatenate({a, a}, 1);
       }},
      {"random",
       {},
       nullptr,
       [] {
         return td::random::Generator(7).normal<double>({9, 4}).untyped();
       }},
      {"linalg.solve", {sq, rhs}, nullptr, [=] { return td::linalg::detail::solve(sq, rhs); }},
  };
}

}  // namespace

TEST(FaultInjection, EveryAllocationOfEachOpFamilyFailsCleanly) {
  // The placement in force when it is forced: the CPU, or the emulated device in ctest's
  // rerun. Under automatic placement it is the CPU: an earlier test of the same process
  // may have registered an emulated device, and the cost model could then place an op
  // there and answer a failed device allocation by running on the CPU instead.
  const td::Placement forced = td::current_placement();
  const td::PlacementGuard placement(forced == td::Placement::automatic ? td::Placement::cpu : forced);
  const auto add_out = td::full<double>({37, 5}, 7.0).untyped();
  const auto matmul_out = td::full<double>({37, 7}, 7.0).untyped();
  for (const Case& c : op_families(add_out, matmul_out)) {
    const std::int64_t allocations = walk(c, AllocationKind::host) + walk(c, AllocationKind::device);
    if (c.out == nullptr) {
      EXPECT_GT(allocations, 0) << c.name;  // its result at least
    }
  }
}

TEST(FaultInjection, EveryAllocationOnTheEmulatedDeviceFailsCleanly) {
  const td::PlacementGuard on_device(emulated_device());
  const auto add_out = td::full<double>({37, 5}, 7.0).untyped();
  const auto matmul_out = td::full<double>({37, 7}, 7.0).untyped();
  std::int64_t device_allocations = 0;
  for (const Case& c : op_families(add_out, matmul_out)) {
    walk(c, AllocationKind::host);
    device_allocations += walk(c, AllocationKind::device);
  }
  EXPECT_GT(device_allocations, 0);
}

TEST(FaultInjection, DeviceRetryAfterOneFailureSucceeds) {
  // One failed device allocation: execute releases cached memory and retries, so the op
  // succeeds with the right values.
  const td::PlacementGuard on_device(emulated_device());
  const auto a = random_array<double>({100}, 1);
  const auto expected = (a * 2.0).to_vector();
  td::detail::fail_nth_allocation(AllocationKind::device, 1);
  const auto r = a * 2.0;
  td::detail::fail_nth_allocation(AllocationKind::device, 0);
  EXPECT_EQ(r.to_vector(), expected);
}

TEST(FaultInjection, ScratchFailureInsideThreadedKernelsIsOutOfMemory) {
  // argsort of two long lines runs one line per thread, each allocating its scratch inside
  // the OpenMP region: a std::bad_alloc there must not escape the region (terminate).
  if (!td::test::FailLargeNew::available()) GTEST_SKIP() << "operator new is ThreadSanitizer's in this build";
  const td::test::ThreadCountGuard threads;
  const td::PlacementGuard on_cpu(td::Placement::cpu);
  const auto a = random_array<double>({2, 1 << 19}, 3);
  const auto before = bytes_of(a.untyped());
  for (int n : {1, 2, 4}) {
    SCOPED_TRACE(n);
    td::set_num_threads(n);
    const long failures = td::test::FailLargeNew::failures();
    {
      const td::test::FailLargeNew no_scratch(std::size_t{1} << 20);
      EXPECT_TRUE(
          td::test::throws_with<td::OutOfMemory>([&] { td::argsort(a, -1); }, {"argsort: ", "out of host memory"}));
    }
    EXPECT_GT(td::test::FailLargeNew::failures(), failures);
    EXPECT_EQ(bytes_of(a.untyped()), before);
    EXPECT_EQ(td::argsort(a, -1).shape(), a.shape());  // and it works again afterwards
  }
}

TEST(FaultInjection, ExceptionTrapKeepsErrorsInsideThreadedRegions) {
  const td::test::ThreadCountGuard threads;
  td::set_num_threads(4);
  std::atomic<int> ran{0};
  try {
    td::cpu::parallel_for(std::int64_t{1} << 20, [&](std::int64_t begin, std::int64_t) {
      ran.fetch_add(1);
      if (begin > 0) throw std::runtime_error("piece failed");
    });
    ADD_FAILURE() << "did not throw";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "piece failed");
  }
  EXPECT_GE(ran.load(), 1);
}
