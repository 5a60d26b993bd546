// Per backend: the launch latency of the smallest op; per device: host<->device transfers
// through tandem (and, on a CUDA device, cudaMemcpy from pageable and pinned memory beside
// them) and, for the CUDA roofline, the device's own copy bandwidth.

#include <string>
#include <tandem/tandem.hpp>

#include "report.hpp"

#ifdef TANDEM_HAS_CUDA
#include "cuda_probe.hpp"
#endif

namespace tandem::bench_tool {

namespace td = tandem;

namespace {
void wait_for(Device device) {
  if (!device.is_cpu()) td::Stream::current(device).synchronize();
}

void measure_latency(Context& ctx, Device device) {
  ctx.progress.step("latency on " + device.str());
  td::PlacementGuard on(device);
  const auto a = td::full<float>({1}, 1.0f), b = td::full<float>({1}, 2.0f), c = td::zeros<float>({1});
  for (const auto& x : {a, b, c}) x.to(device);
  const calibrate::Timing t = calibrate::launch_latency(
      [&] {
        td::add(a, b, c);
        wait_for(device);
      },
      ctx.plan.budget);
  Json& rec = ctx.add("latency", "add", "tandem", device.str(), "float32", ctx.threads, 1, 12, 1, t, 0, "us");
  rec["description"] = "one-element add on resident data, queued and waited for";
}

void measure_transfers(Context& ctx, Device device) {
  for (const std::size_t bytes : ctx.plan.transfer_bytes) {
    const auto n = static_cast<std::int64_t>(bytes / sizeof(float));
    const auto a = td::full<float>({n}, 1.0f);
    ctx.progress.step("transfers to " + device.str() + ": " + std::to_string(bytes >> 10) + " KiB");
    // data() marks the device copy stale, so each to() copies again.
    const calibrate::Rate h2d = calibrate::transfer_bandwidth(
        [&] {
          static_cast<void>(a.data());
          a.to(device);
          wait_for(device);
        },
        bytes, ctx.plan.budget);
    ctx.add("transfer", "h2d", "tandem", device.str(), "float32", ctx.threads, static_cast<double>(n),
            static_cast<double>(bytes), 0, h2d.timing, h2d.work, "GB/s");
    // device_data(device, true) marks the host copy stale, so each cdata() copies back.
    const calibrate::Rate d2h = calibrate::transfer_bandwidth(
        [&] {
          static_cast<void>(a.device_data(device, true));
          static_cast<void>(a.cdata());
        },
        bytes, ctx.plan.budget);
    ctx.add("transfer", "d2h", "tandem", device.str(), "float32", ctx.threads, static_cast<double>(n),
            static_cast<double>(bytes), 0, d2h.timing, d2h.work, "GB/s");
#ifdef TANDEM_HAS_CUDA
    if (device.kind == DeviceKind::cuda) {
      for (const bool pinned : {false, true}) {
        RawTransfers raw(device.index, bytes, pinned);
        const char* variant = pinned ? "pinned" : "pageable";
        const calibrate::Rate up = calibrate::transfer_bandwidth([&] { raw.host_to_device(); }, bytes, ctx.plan.budget);
        ctx.add("transfer", "h2d", variant, device.str(), "float32", 1, static_cast<double>(n),
                static_cast<double>(bytes), 0, up.timing, up.work, "GB/s");
        const calibrate::Rate down =
            calibrate::transfer_bandwidth([&] { raw.device_to_host(); }, bytes, ctx.plan.budget);
        ctx.add("transfer", "d2h", variant, device.str(), "float32", 1, static_cast<double>(n),
                static_cast<double>(bytes), 0, down.timing, down.work, "GB/s");
      }
    }
#endif
  }
}

// The device's copy bandwidth (assign between two resident arrays of the largest sweep
// size): the bandwidth bound of its roofline. Its peak arithmetic is not measured, so only
// memory-bound ops get a fraction there.
void measure_device_copy(Context& ctx, Device device) {
  if (ctx.plan.sweep_sizes.empty()) return;
  const std::size_t size = ctx.plan.sweep_sizes.back();
  ctx.progress.step("bandwidth on " + device.str());
  td::PlacementGuard on(device);
  const auto a = td::full<float>({static_cast<std::int64_t>(size)}, 1.0f);
  auto b = td::zeros<float>({static_cast<std::int64_t>(size)});
  a.to(device);
  b.to(device);
  const double bytes = 2.0 * static_cast<double>(size * sizeof(float));
  const calibrate::Timing t = calibrate::time_repeated(
      [&] {
        b.assign(a);
        wait_for(device);
      },
      ctx.plan.budget);
  Json& rec = ctx.add("bandwidth", "copy", "tandem", device.str(), "float32", ctx.threads, static_cast<double>(size),
                      bytes, 0, t, bytes, "GB/s");
  if (device.kind == DeviceKind::cuda) ctx.device_rooflines[device.str()].bytes_per_s = rec.at("best").number() * 1e9;
}
}  // namespace

void measure_device(Context& ctx, Device device) {
  if (ctx.wants("latency")) measure_latency(ctx, device);
  if (device.is_cpu()) return;
  if (ctx.wants("transfer")) measure_transfers(ctx, device);
  if (ctx.wants("bandwidth")) measure_device_copy(ctx, device);
}

}  // namespace tandem::bench_tool
