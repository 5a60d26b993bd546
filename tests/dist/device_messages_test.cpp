// Blocks on a device: with the emulated device on every rank (the ctest "emulated" runs)
// and CUDA-awareness forced off, every message of a device-resident block goes through a
// host staging block, only the messages' bytes leave the device, the block stays there, and
// the results are the CPU's bit for bit. The staging blocks are pinned through the host
// pinning hook once and reused.

#include <algorithm>
#include <optional>
#include <vector>

#include "backend/host_pinning.hpp"
#include "dist/dist_support.hpp"
#include "dist/message.hpp"

namespace tandem::dist::test {

namespace {

/// The emulated (or real) device the staged path is tested on; nothing when the run has
/// none or would send device pointers directly.
std::optional<Device> staging_device() {
  const std::optional<Device> d = current_accelerator();
  if (!d || (d->kind == DeviceKind::cuda && cuda_aware())) return std::nullopt;
  return d;
}

/// An array of `global` over layout whose block lives on `device` only (host copy stale).
template <class T>
Array<T> on_device(const tandem::Array<T>& global, const Layout& layout, Device device) {
  const PlacementGuard guard(device);
  const Array<T> a = from_global(global, layout);
  a.local() += T(0);  // written on the device: the host copy is stale
  return a;
}

/// Messages and bytes this rank sends in one exchange (it receives as many).
std::pair<std::int64_t, std::int64_t> halo_traffic(const Layout& layout, Stencil stencil, std::int64_t item) {
  const Dims coords = layout.coords(layout.rank());
  const Shape local = layout.local_shape();
  std::int64_t messages = 0, bytes = 0;
  for (int ax = 0; ax < layout.ndim(); ++ax) {
    if (layout.ghost()[ax] == 0) continue;
    std::int64_t layer = layout.ghost()[ax];
    for (int b = 0; b < layout.ndim(); ++b)
      if (b != ax) layer *= local[b] + (stencil == Stencil::box && b < ax ? 2 * layout.ghost()[b] : 0);
    for (int dir : {-1, 1}) {
      const std::int64_t c = coords[ax] + dir;
      if (!layout.periodic(ax) && (c < 0 || c >= layout.grid()[ax])) continue;
      ++messages;
      bytes += layer * item;
    }
  }
  return {messages, bytes};
}

}  // namespace

TEST(DistDeviceMessages, HaloOfADeviceBlockIsStagedAndExact) {
  const std::optional<Device> device = staging_device();
  if (!device) GTEST_SKIP() << "needs a device without CUDA-aware MPI: the emulated runs (TANDEM_EMULATED_DEVICE=1)";
  random::Generator g(3);
  const tandem::Array<double> x = g.normal<double>({13, 11});
  for (Stencil stencil : {Stencil::star, Stencil::box}) {
    const Layout layout(MPI_COMM_WORLD, x.shape(), {}, {1, 2}, {true, false});
    const Array<double> reference = [&] {
      const PlacementGuard cpu(Placement::cpu);
      const Array<double> r = from_global(x, layout);
      r.exchange(stencil);
      return r;
    }();
    const Array<double> a = on_device(x, layout, *device);
    ASSERT_EQ(a.local_with_ghosts().device(), *device);
    reset_message_stats();
    const std::uint64_t home_before = tandem::stats().bytes_device_to_host;
    {
      const PlacementGuard guard(*device);
      a.exchange(stencil);
    }
    const auto [messages, bytes] = halo_traffic(layout, stencil, sizeof(double));
    const MessageStats s = message_stats();
    EXPECT_EQ(s.staged_messages, 2 * messages);  // each send and each receive
    EXPECT_EQ(s.staged_bytes, 2 * bytes);
    EXPECT_EQ(s.direct_messages, 0);
    // Only the packed send slabs came home, not the block.
    EXPECT_EQ(tandem::stats().bytes_device_to_host - home_before, static_cast<std::uint64_t>(bytes));
    if (messages > 0) {
      EXPECT_EQ(a.local_with_ghosts().device(), *device);
    }
    expect_bitwise(a.local_with_ghosts(), reference.local_with_ghosts());
  }
}

TEST(DistDeviceMessages, CollectivesOfDeviceBlocksAreStagedAndExact) {
  const std::optional<Device> device = staging_device();
  if (!device) GTEST_SKIP() << "needs a device without CUDA-aware MPI: the emulated runs (TANDEM_EMULATED_DEVICE=1)";
  random::Generator g(4);
  const tandem::Array<double> x = g.normal<double>({9, 7}), y = g.normal<double>({7, 5});
  const std::vector<Layout> all = layouts(x.shape());
  const Layout ly(MPI_COMM_WORLD, y.shape());
  const Layout lc(MPI_COMM_WORLD, Shape{9, 5});
  const tandem::Array<double> product = [&] {
    const PlacementGuard cpu(Placement::cpu);
    return to_global(matmul(from_global(x, all.front()), from_global(y, ly), lc));
  }();
  const Array<double> a = on_device(x, all.front(), *device), b = on_device(y, ly, *device);
  reset_message_stats();
  tandem::Array<double> moved, gathered, c;
  {
    const PlacementGuard guard(*device);
    moved = to_global(redistribute(a, all.back()));
    gathered = to_global(a);
    c = to_global(matmul(a, b, lc));
  }
  const MessageStats s = message_stats();
  if (world_size() > 1) {
    EXPECT_GT(s.staged_messages, 0);
  }
  EXPECT_EQ(s.direct_messages, 0);
  expect_bitwise(moved, x);
  expect_bitwise(gathered, x);
  expect_bitwise(c, product);
}

namespace {
std::vector<void*> pinned_blocks;
bool record_pin(void* p, std::size_t) {
  pinned_blocks.push_back(p);
  return true;
}
void ignore_unpin(void*) {}
}  // namespace

TEST(DistDeviceMessages, StagingBlocksArePinnedOnceAndReused) {
  const tandem::detail::HostPinning saved = tandem::detail::host_pinning();
  tandem::detail::set_host_pinning({record_pin, ignore_unpin});
  pinned_blocks.clear();
  reset_message_stats();
  const std::size_t bytes = (std::size_t{5} << 20) + 17;  // a size class no message here uses
  void* first = nullptr;
  {
    const detail::StagingBlock block(bytes);
    first = block.data();
    static_cast<unsigned char*>(block.data())[bytes - 1] = 1;  // the whole request is usable
    EXPECT_EQ(pinned_blocks, std::vector<void*>{first});
  }
  {
    const detail::StagingBlock again(bytes - 1000);
    EXPECT_EQ(again.data(), first);  // from the cache, not pinned again
  }
  tandem::detail::set_host_pinning(saved);
  EXPECT_EQ(pinned_blocks.size(), 1u);
  EXPECT_EQ(message_stats().staging_blocks, 1);
  EXPECT_EQ(message_stats().pinned_staging_blocks, 1);
}

}  // namespace tandem::dist::test
