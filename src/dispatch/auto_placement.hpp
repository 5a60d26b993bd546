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

/// The CPU or `device` for `op`, whichever the cost model says finishes first; `device`
/// also when the op is best split between them (then split_planned() is true).
Backend& choose_by_cost(Backend& device, const ArrayCall& op);

/// Did the last choose_by_cost of this thread plan a split (dispatch/split.hpp's plan_split:
/// a splittable op whose operands are valid on the host, predicted kMinSplitGain faster
/// than either side alone)?
bool split_planned();
/// Runs the planned split of `op` on `device` (the views bound to host memory) and teaches
/// the splitter the measured rates; clears the plan.
void run_planned_split(const OpCall& op, Backend& device);

/// Called after an op this thread placed with choose_by_cost ran on the CPU, with the
/// seconds it took: the model learns from it (or, on a virtual clock, from the modelled time).
void ran_on_cpu(double seconds);
/// Was the last decision of this thread made by choose_by_cost for the CPU? (then
/// execute() times the op and reports it with ran_on_cpu)
bool cpu_op_is_timed();
/// The op this thread last placed on the CPU by cost does not run now (src/lazy deferred
/// it, to run later fused with others): there is no time of its own to learn from.
void cpu_op_deferred();

}  // namespace tandem::detail
