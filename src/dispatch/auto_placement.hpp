#pragma once
// Placement::automatic by the cost model (dispatch/cost_model.hpp): one CostModel per
// accelerator, its profile calibrated (or read from the profile file) at the first
// automatic decision that involves the device, then refined by the ops' measured times.
// With an emulated device on a virtual clock the machine is wholly modelled: the profile
// comes from its performance model, a CPU op advances the device's host clock by its
// modelled time, and the modelled times are what the model learns from.

#include "backend/backend.hpp"
#include "dispatch/dispatch.hpp"

namespace tandem::detail {

/// The CPU or `device` for `op`, whichever the cost model says finishes first.
Backend& choose_by_cost(Backend& device, const ArrayCall& op);

/// Called after an op this thread placed with choose_by_cost ran on the CPU, with the
/// seconds it took: the model learns from it (or, on a virtual clock, from the modelled time).
void ran_on_cpu(double seconds);
/// Was the last decision of this thread made by choose_by_cost for the CPU? (then
/// execute() times the op and reports it with ran_on_cpu)
bool cpu_op_is_timed();

}  // namespace tandem::detail
