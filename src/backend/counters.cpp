#include "backend/counters.hpp"

#include <algorithm>
#include <cmath>

namespace tandem::detail {

Counters& counters() {
  static Counters c;
  return c;
}

void count_prediction(int side, double predicted_s, double measured_s) {
  if (!(predicted_s > 0) || !(measured_s > 0) || !std::isfinite(predicted_s) || !std::isfinite(measured_s)) return;
  // Capped at a millionfold error so that the sum cannot overflow.
  const double error = std::min(std::abs(predicted_s - measured_s) / measured_s, 1e6);
  auto& c = counters();
  c.predictions[static_cast<std::size_t>(side)].fetch_add(1, std::memory_order_relaxed);
  c.prediction_error_millionths[static_cast<std::size_t>(side)].fetch_add(
      static_cast<std::uint64_t>(std::llround(error * 1e6)), std::memory_order_relaxed);
}

}  // namespace tandem::detail
