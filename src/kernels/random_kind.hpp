#pragma once
// The kernel-side kind of each public Distribution (host code only: the front end and
// tandem::dist both build RandomRequests from it).

#include "kernels/random_request.hpp"
#include "tandem/random.hpp"

namespace tandem::kernels {

inline RandomKind random_kind_of(random::Distribution d) {
  switch (d) {
    case random::Distribution::uniform:
      return RandomKind::uniform;
    case random::Distribution::normal:
      return RandomKind::normal;
    case random::Distribution::exponential:
      return RandomKind::exponential;
    case random::Distribution::gamma:
      return RandomKind::gamma;
    case random::Distribution::integers:
      return RandomKind::integers;
    case random::Distribution::bernoulli:
      return RandomKind::bernoulli;
  }
  return RandomKind::uniform;
}

}  // namespace tandem::kernels
