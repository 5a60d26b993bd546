// Array::to on a device with little memory: frees still queued on the device's stream are
// completed (release_cached_memory) and the copy retried, as ops do, before OutOfMemory.
// In tests/emulated/ so that its device registers after the residency tests' device, which
// those tests expect to be the first accelerator when the suite runs in one process.

#include "memory/buffer.hpp"
#include "support/test_support.hpp"

namespace td = tandem;
using td::test::throws_with;

TEST(Transfer, ToReleasesPendingFreesAndRetries) {
  // A 64 MiB device: a 40 MiB array moved there, dropped, 20 times. Each free is queued on
  // the device's stream; without a release-and-retry, the next to() finds the memory
  // still in use.
  const td::Device d = td::emulated::add_device(std::size_t{64} << 20);
  const td::PlacementGuard on_cpu(td::Placement::cpu);  // the arrays are made on the host
  const std::int64_t n = (std::int64_t{40} << 20) / 8;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE(i);
    const auto a = td::full<double>({n}, 1.0);
    a.to(d);
    EXPECT_TRUE(a.untyped().buffer()->is_valid_on(d));
  }
  td::synchronize();
  EXPECT_EQ(td::emulated::bytes_in_use(d), 0u);
  // More than the device holds: OutOfMemory naming to().
  const auto big = td::full<double>({(std::int64_t{80} << 20) / 8}, 1.0);
  EXPECT_TRUE(throws_with<td::OutOfMemory>([&] { big.to(d); }, {"to: ", "emulated:"}));
}
