#include "backend/counters.hpp"

namespace tandem::detail {

Counters& counters() {
  static Counters c;
  return c;
}

}  // namespace tandem::detail
