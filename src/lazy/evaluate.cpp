// Running a lazy node: its graph of nodes still to run becomes one FusedProgram (collected
// without recursion, so graphs of any depth are safe), run in one pass on the backend the
// graph was placed on: the CPU's evaluator, or a device's run_fused (op by op on that
// device when it declines).

#include <algorithm>
#include <cstring>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "backend/stream.hpp"
#include "backend/trace.hpp"
#include "cpu/fused.hpp"
#include "dispatch/dispatch.hpp"
#include "dispatch/tuning.hpp"
#include "kernels/fused_program.hpp"
#include "lazy/graph.hpp"
#include "registry/registry.hpp"
#include "tandem/core/dims.hpp"
#include "tandem/core/error.hpp"

namespace tandem::lazy {

using kernels::FusedArg;

// The program of one graph and the arrays behind its inputs, each broadcast to `shape`.
class ProgramBuilder {
 public:
  explicit ProgramBuilder(const Shape& shape) : shape_(shape) {}

  FusedArg input(const UntypedArray& a) {
    const UntypedArray v = a.shape() == shape_ ? a : untyped::broadcast_to(a, shape_);
    for (std::size_t i = 0; i < arrays_.size(); ++i) {
      const UntypedArray& b = arrays_[i];
      if (b.buffer() == v.buffer() && b.offset() == v.offset() && b.strides() == v.strides() && b.dtype() == v.dtype())
        return {FusedArg::Kind::input, static_cast<int>(i)};
    }
    arrays_.push_back(v);
    program_.inputs.push_back(v.dtype());
    return {FusedArg::Kind::input, static_cast<int>(arrays_.size() - 1)};
  }
  FusedArg scalar(const Scalar& s) {
    scalars_.push_back(s);
    program_.scalars.push_back(s.dtype);
    return {FusedArg::Kind::scalar, static_cast<int>(scalars_.size() - 1)};
  }
  FusedArg value(std::size_t index) const { return {FusedArg::Kind::value, static_cast<int>(index)}; }
  // The nodes still to run that the program computes, and how often the graph names each.
  void add_node(const std::shared_ptr<Node>& n) { nodes_.push_back(n); }
  void add_use(const Node* n) { ++uses_[n]; }
  // The program's value that node n computes.
  void set_value(const Node* n, int index) { value_of_[n] = index; }
  int value_of(const Node* n) const { return value_of_.at(n); }
  const std::vector<std::shared_ptr<Node>>& nodes() const { return nodes_; }
  long uses(const Node* n) const {
    const auto it = uses_.find(n);
    return it == uses_.end() ? 0 : it->second;
  }

  kernels::FusedProgram& program() { return program_; }
  const kernels::FusedProgram& program() const { return program_; }
  const std::vector<UntypedArray>& arrays() const { return arrays_; }
  const std::vector<Scalar>& scalars() const { return scalars_; }
  const Shape& shape() const { return shape_; }

 private:
  const Shape& shape_;
  kernels::FusedProgram program_;
  std::vector<UntypedArray> arrays_;
  std::vector<Scalar> scalars_;
  std::vector<std::shared_ptr<Node>> nodes_;
  std::unordered_map<const Node*, long> uses_;
  std::unordered_map<const Node*, int> value_of_;
};

namespace {

// The builder's program with its inputs made valid and bound on the host.
kernels::FusedCall bind_on_host(const ProgramBuilder& builder, const StridedView& out) {
  kernels::FusedCall call;
  call.program = &builder.program();
  call.scalars = builder.scalars();
  for (const UntypedArray& a : builder.arrays()) {
    auto* base = static_cast<char*>(a.buffer()->ensure_valid_on(Device::cpu()));
    call.inputs.push_back(
        {base + a.offset() * static_cast<std::int64_t>(itemsize(a.dtype())), a.dtype(), a.shape(), a.strides()});
  }
  call.out = out;
  return call;
}

}  // namespace

void Node::evaluate() {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (state_ != State::pending) return;  // done, or this thread is running it
  state_ = State::running;
  try {
    run();
  } catch (...) {
    state_ = State::pending;
    throw;
  }
}

void Node::run() {
  std::shared_ptr<Buffer> out = target_.lock();
  // The array is gone but a reader still needs the values (a write to an operand).
  if (!out) out = Buffer::allocate(static_cast<std::size_t>(shape_size(shape_)) * itemsize(result_));
  ProgramBuilder builder(shape_);
  collect(builder);
  const bool streamed =
      shape_size(shape_) * static_cast<std::int64_t>(itemsize(result_)) >= tuning::kFusedStreamMinBytes;
  if (backend_.device().is_cpu() && builder.program().code.size() == 1 && !streamed) {
    // One op below the size the fused pass streams its result at: the op's eager kernel
    // gives the same bits without the evaluator's set-up (a 65536-element add took
    // 1.3-1.5 x the eager kernel's time through it; from 8 MiB the streamed pass is faster).
    run_op_by_op(builder, out);
  } else if (backend_.device().is_cpu()) {
    void* data = out->ensure_valid_on(Device::cpu());
    const kernels::FusedCall call = bind_on_host(builder, {data, result_, shape_, c_strides(shape_)});
    run_program(builder, [&] { cpu::run_fused(call); });
    out->mark_written_on(Device::cpu());
  } else {
    run_on_device(builder, out);
  }
  done_ = out;
  state_ = State::done;
  args_ = {};  // the operands are no longer needed: release their memory
  out->clear_pending();
}

namespace {

// The nodes of the program that can be asked for their values after the pass: their result
// has a handle beyond the graph's own references (and the `handles` of the root that the
// caller holds and drops after the call). Operators hand their temporary operands to the
// graph (include/tandem/ops/elementwise.hpp), so `u(...) = c + a * (n + s)` leaves none;
// `t = ...; u(...) += t` leaves t's.
std::vector<std::shared_ptr<Node>> held_nodes(const ProgramBuilder& builder, const Node* root, long handles) {
  std::vector<std::shared_ptr<Node>> held;
  for (const std::shared_ptr<Node>& n : builder.nodes()) {
    const std::shared_ptr<Buffer> target = n->target();
    if (target == nullptr) continue;
    const long others = target.use_count() - 1;  // besides `target`
    if (others > builder.uses(n.get()) + (n.get() == root ? handles : 0)) held.push_back(n);
  }
  return held;
}

}  // namespace

bool Node::can_be_side_of(const ProgramBuilder& builder, const UntypedArray& out) const {
  // Its value in the program is its own result element for element (no broadcast), and its
  // memory is the whole of a host buffer of tandem's that the pass neither reads nor writes.
  const std::shared_ptr<Buffer> target = target_.lock();
  if (target == nullptr || shape_ != builder.shape() || !target->owned() || target->read_only() ||
      target.get() == out.buffer().get() ||
      target->bytes() != static_cast<std::size_t>(shape_size(shape_)) * itemsize(result_))
    return false;
  for (const UntypedArray& a : builder.arrays())
    if (a.buffer() == target) return false;
  return true;
}

bool Node::fuse_into(const UntypedArray& out, const char* op, bool as_temporary, long handles) {
  if (!backend_.device().is_cpu()) return false;  // a device's graph runs there
  // The root stays locked through the pass, as when it runs (evaluate): a write on another
  // thread to what the graph reads runs the root first (its readers) or writes it as a side
  // output, and either waits until this pass has read its inputs (a copy of a lazy result,
  // `auto v = lap.copy()`, reads the grid here while `u(...) += lap` may write it there).
  const std::lock_guard<std::recursive_mutex> root_lock(mutex_);
  ProgramBuilder builder(shape_);
  if (!collect(builder)) return false;  // it ran meanwhile
  kernels::FusedCall call = bind_on_host(builder, {});
  Buffer& memory = *out.buffer();
  void* base = memory.ensure_valid_on(Device::cpu());
  call.out = {static_cast<char*>(base) + out.offset() * static_cast<std::int64_t>(itemsize(out.dtype())), out.dtype(),
              out.shape(), out.strides()};
  // Inputs overlapping out: fine when the pass can read each element before writing it
  // (a stencil). A node of the graph that can be asked for its values later (another array
  // holds its result) would then read memory the pass has overwritten: the pass writes its
  // values into that array's memory as well (a side output), which leaves it done. When
  // that cannot be, the caller computes a temporary first.
  const cpu::FusedOverlap overlap = cpu::fused_overlap(call);
  std::vector<std::shared_ptr<Node>> sides;
  if (overlap.overlaps) {
    if (!overlap.simple) return false;
    sides = held_nodes(builder, this, handles);
    for (const std::shared_ptr<Node>& n : sides)
      if (n.get() == this || !n->can_be_side_of(builder, out)) return false;
  }
  // Each side node stays locked until the pass has written it (a thread that reads its array
  // meanwhile waits in evaluate(), then finds it done), every node before the nodes below it
  // (the program computes a node after them: latest value first), the order in which
  // evaluate() and graph() hold a node while they lock those below it. One that ran since
  // the graph was collected is done: its memory holds its values, and the pass leaves it
  // alone. One running up this thread's stack cannot be a side: the caller computes a
  // temporary.
  std::sort(sides.begin(), sides.end(), [&](const std::shared_ptr<Node>& a, const std::shared_ptr<Node>& b) {
    return builder.value_of(a.get()) > builder.value_of(b.get());
  });
  std::vector<std::unique_lock<std::recursive_mutex>> side_locks;
  side_locks.reserve(sides.size());
  for (const std::shared_ptr<Node>& n : sides) side_locks.emplace_back(n->mutex_);
  for (const std::shared_ptr<Node>& n : sides)
    if (n->state_ == State::running) return false;
  sides.erase(std::remove_if(sides.begin(), sides.end(),
                             [](const std::shared_ptr<Node>& n) { return n->state_ == State::done; }),
              sides.end());
  out.check_writable(op);
  // The lazy readers of out's memory run first, as before any write, but for this graph's
  // nodes: their reads are part of the pass.
  std::vector<const PendingContents*> fused;
  for (const std::shared_ptr<Node>& n : builder.nodes()) fused.push_back(n.get());
  memory.prepare_write(fused);
  // The side outputs' memory: each node is marked running first (its buffer's write path
  // would otherwise run it alone), and the readers of that memory's old contents run.
  // If the pass fails part-way (out of memory for its private rows), out is partly written,
  // as a failed eager op leaves its out, and the nodes are pending again: read later, they
  // compute from what the pass left (docs/lazy.md).
  std::vector<std::shared_ptr<Buffer>> side_memory;
  for (const std::shared_ptr<Node>& n : sides) n->state_ = State::running;
  try {
    for (const std::shared_ptr<Node>& n : sides) {
      std::shared_ptr<Buffer> target = n->target();
      void* data = target->ensure_valid_on(Device::cpu());
      target->run_readers(fused);
      call.sides.push_back({builder.value_of(n.get()), data});
      side_memory.push_back(std::move(target));
    }
    run_program(builder, [&] {
      if (overlap.overlaps)
        cpu::run_fused_overlapping(call, overlap, as_temporary);
      else
        cpu::run_fused(call, as_temporary);
    });
  } catch (...) {
    for (const std::shared_ptr<Node>& n : sides) n->state_ = State::pending;
    throw;
  }
  memory.mark_written_on(Device::cpu());
  for (std::size_t k = 0; k < sides.size(); ++k) {
    Node& n = *sides[k];
    side_memory[k]->mark_written_on(Device::cpu());
    n.done_ = side_memory[k];
    n.state_ = State::done;
    n.args_ = {};
    side_memory[k]->clear_pending();
  }
  return true;
}

bool Node::collect(ProgramBuilder& builder) {
  // Post-order over the nodes still to run, with an explicit stack.
  std::unordered_map<const Node*, FusedArg> seen;
  struct Frame {
    Node* node;
    std::array<Arg, 3> args;
    int next;
  };
  Snapshot root = snapshot();
  if (root.done) return false;
  builder.add_node(shared_from_this());
  std::vector<Frame> stack;
  stack.push_back({this, std::move(root.args), 0});
  while (!stack.empty()) {
    Frame& f = stack.back();
    if (f.next < f.node->arity_) {
      const Arg& a = f.args[static_cast<std::size_t>(f.next++)];
      if (a.kind != Arg::Kind::node) continue;
      builder.add_use(a.node.get());
      if (seen.count(a.node.get()) != 0) continue;
      const std::shared_ptr<Node> child = a.node;  // f is invalidated by the push below
      Snapshot s = child->snapshot();
      if (s.done) {
        seen.emplace(child.get(), builder.input(*s.result));
      } else {
        builder.add_node(child);
        stack.push_back({child.get(), std::move(s.args), 0});
      }
      continue;
    }
    kernels::FusedInstr instr;
    instr.key = f.node->key_;
    instr.result = f.node->result_;
    instr.arity = f.node->arity_;
    for (int k = 0; k < f.node->arity_; ++k) {
      const Arg& a = f.args[static_cast<std::size_t>(k)];
      instr.args[k] = a.kind == Arg::Kind::array    ? builder.input(*a.array)
                      : a.kind == Arg::Kind::scalar ? builder.scalar(a.scalar)
                                                    : seen.at(a.node.get());
    }
    builder.program().code.push_back(instr);
    builder.set_value(f.node, static_cast<int>(builder.program().code.size() - 1));
    seen.emplace(f.node, builder.value(builder.program().code.size() - 1));
    stack.pop_back();
  }
  return true;
}

void Node::graph(std::vector<UntypedArray>& inputs, std::vector<std::shared_ptr<Node>>& nodes) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  ProgramBuilder builder(shape_);
  if (state_ == State::pending && collect(builder)) {
    inputs = builder.arrays();
    nodes = builder.nodes();
  }
}

bool Node::read(const std::function<void(const kernels::FusedCall&)>& consume) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (state_ != State::pending) return false;
  ProgramBuilder builder(shape_);
  if (!collect(builder)) return false;
  consume(bind_on_host(builder, {nullptr, result_, shape_, c_strides(shape_)}));
  return true;
}

void Node::run_program(const ProgramBuilder& builder, const std::function<void()>& run) {
  namespace trace = detail::trace;
  const bool tracing = trace::enabled();
  const double start = tracing ? trace::now_us() : 0;
  run();
  cpu_backend().count_op();
  if (tracing)
    trace::span(trace::this_thread(), "fused", "op", start, trace::now_us(),
                {trace::text("family", "fused"), trace::text("dtype", dtype_name(result_)),
                 trace::number("elements", static_cast<double>(shape_size(shape_))),
                 trace::number("instructions", static_cast<double>(builder.program().code.size())),
                 trace::text("program", builder.program().key()), trace::text("placement", "cpu")});
}

namespace {

StridedView bound_view(const UntypedArray& a, Device device) {
  auto* base = static_cast<char*>(a.buffer()->ensure_valid_on(device));
  return {base + a.offset() * static_cast<std::int64_t>(itemsize(a.dtype())), a.dtype(), a.shape(), a.strides()};
}

}  // namespace

// As dispatch's execute runs an op on a device: the stream waits for other streams' work on
// the operands, the operands are made valid in the device's memory, the program is queued,
// and one event marks the inputs read and the result written there. When the device
// declines, or runs out of memory twice (after releasing its cached memory), the graph runs
// op by op, which applies dispatch's policy to each op (the CPU under Placement::automatic).
void Node::run_on_device(ProgramBuilder& builder, const std::shared_ptr<Buffer>& out) {
  Backend& device = backend_;
  const Device d = device.device();
  namespace trace = detail::trace;
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      const int stream = current_stream(d);
      for (const UntypedArray& a : builder.arrays()) a.buffer()->order_use(device, stream, false);
      out->order_use(device, stream, true);
      kernels::FusedCall call;
      call.program = &builder.program();
      call.scalars = builder.scalars();
      for (const UntypedArray& a : builder.arrays()) call.inputs.push_back(bound_view(a, d));
      call.out = {out->ensure_valid_on(d), result_, shape_, c_strides(shape_)};
      const bool tracing = trace::enabled();
      const double start = tracing ? trace::now_us() : 0;
      if (!device.run_fused(call)) break;
      if (tracing)
        trace::span(trace::stream_of(d, stream), "fused", "op", start, trace::now_us(),
                    {trace::text("family", "fused"), trace::text("dtype", dtype_name(result_)),
                     trace::number("elements", static_cast<double>(shape_size(shape_))),
                     trace::number("instructions", static_cast<double>(call.program->code.size())),
                     trace::text("program", call.program->key()), trace::text("placement", "device")});
      const Event event = device.record_event(stream);
      for (const UntypedArray& a : builder.arrays()) a.buffer()->record_use(event, false);
      out->mark_written_on(d);
      out->record_use(event, true);
      device.count_op();
      return;
    } catch (const OutOfMemory&) {
      if (attempt == 1) break;
      device.release_cached_memory();
    }
  }
  run_op_by_op(builder, out);
}

// What eager evaluation does: each instruction one op through dispatch on the graph's
// device, into a temporary (the last one into the result); scalars as the front end passes
// them.
void Node::run_op_by_op(ProgramBuilder& builder, const std::shared_ptr<Buffer>& out) {
  const kernels::FusedProgram& program = builder.program();
  const Shape& shape = builder.shape();
  // Binary ops, where and clip take scalars as values; a unary op or astype of a scalar
  // (a one-element operand) reads it from a 0-d array on the host.
  std::vector<UntypedArray> scalar_arrays;
  for (const Scalar& s : builder.scalars()) {
    UntypedArray a = UntypedArray::empty(s.dtype, Shape{});
    std::memcpy(a.buffer()->ensure_valid_on(Device::cpu()), &s.f64,
                itemsize(s.dtype));  // Scalar's members share their address
    a.buffer()->mark_written_on(Device::cpu());
    scalar_arrays.push_back(std::move(a));
  }
  std::vector<UntypedArray> values;
  values.reserve(program.code.size());
  for (std::size_t j = 0; j < program.code.size(); ++j) {
    const kernels::FusedInstr& instr = program.code[j];
    values.push_back(j + 1 < program.code.size() ? UntypedArray::empty(instr.result, shape)
                                                 : UntypedArray(result_, shape_, c_strides(shape_), 0, out));
    ArrayCall call(instr.key);
    for (int k = 0; k < instr.arity; ++k) {
      const FusedArg& a = instr.args[k];
      const auto i = static_cast<std::size_t>(a.index);
      const bool by_value = instr.key.family == OpFamily::binary || instr.key.family == OpFamily::where ||
                            instr.key.family == OpFamily::clip;
      if (a.kind == FusedArg::Kind::scalar && by_value)
        call.input(builder.scalars()[i], shape);
      else if (a.kind == FusedArg::Kind::scalar)
        call.input(scalar_arrays[i], shape);
      else
        call.input(a.kind == FusedArg::Kind::input ? builder.arrays()[i] : values[i], shape);
    }
    call.output(values.back());
    execute_on(call, backend_);
  }
}

}  // namespace tandem::lazy
