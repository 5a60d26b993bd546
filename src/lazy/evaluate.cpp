// Running a lazy node: its graph of nodes still to run becomes one FusedProgram (collected
// without recursion, so graphs of any depth are safe), run in one pass on the CPU.

#include <functional>
#include <unordered_map>
#include <vector>

#include "backend/trace.hpp"
#include "cpu/fused.hpp"
#include "kernels/fused_program.hpp"
#include "lazy/graph.hpp"
#include "registry/registry.hpp"
#include "tandem/core/dims.hpp"

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
  const std::vector<std::shared_ptr<Node>>& nodes() const { return nodes_; }
  long uses(const Node* n) const {
    const auto it = uses_.find(n);
    return it == uses_.end() ? 0 : it->second;
  }

  kernels::FusedProgram& program() { return program_; }
  const kernels::FusedProgram& program() const { return program_; }
  const std::vector<UntypedArray>& arrays() const { return arrays_; }
  const std::vector<Scalar>& scalars() const { return scalars_; }

 private:
  const Shape& shape_;
  kernels::FusedProgram program_;
  std::vector<UntypedArray> arrays_;
  std::vector<Scalar> scalars_;
  std::vector<std::shared_ptr<Node>> nodes_;
  std::unordered_map<const Node*, long> uses_;
};

namespace {

kernels::FusedCall bind(const ProgramBuilder& builder) {
  kernels::FusedCall call;
  call.program = &builder.program();
  call.scalars = builder.scalars();
  for (const UntypedArray& a : builder.arrays()) {
    auto* base = static_cast<char*>(a.buffer()->ensure_valid_on(Device::cpu()));
    call.inputs.push_back(
        {base + a.offset() * static_cast<std::int64_t>(itemsize(a.dtype())), a.dtype(), a.shape(), a.strides()});
  }
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
  void* data = out->ensure_valid_on(Device::cpu());
  ProgramBuilder builder(shape_);
  collect(builder);
  kernels::FusedCall call = bind(builder);
  call.out = {data, result_, shape_, c_strides(shape_)};
  run_program(builder, [&] { cpu::run_fused(call); });
  out->mark_written_on(Device::cpu());
  done_ = out;
  state_ = State::done;
  args_ = {};  // the operands are no longer needed: release their memory
  out->clear_pending();
}

namespace {

// Whether a node of the program can be computed again after the pass: its result has a
// handle beyond the graph's own references (and the `handles` of the root that the caller
// holds and drops after the call). Operators hand their temporary operands to the graph
// (include/tandem/ops/elementwise.hpp), so `u(...) = c + a * (n + s)` leaves no such handle.
bool private_graph(const ProgramBuilder& builder, const Node* root, long handles) {
  for (const std::shared_ptr<Node>& n : builder.nodes()) {
    const std::shared_ptr<Buffer> target = n->target();
    if (target == nullptr) continue;
    const long others = target.use_count() - 1;  // besides `target`
    if (others > builder.uses(n.get()) + (n.get() == root ? handles : 0)) return false;
  }
  return true;
}

}  // namespace

bool Node::fuse_into(const UntypedArray& out, const char* op, bool as_temporary, long handles) {
  ProgramBuilder builder(shape_);
  if (!collect(builder)) return false;  // it ran meanwhile
  kernels::FusedCall call = bind(builder);
  Buffer& memory = *out.buffer();
  void* base = memory.ensure_valid_on(Device::cpu());
  call.out = {static_cast<char*>(base) + out.offset() * static_cast<std::int64_t>(itemsize(out.dtype())), out.dtype(),
              out.shape(), out.strides()};
  // Inputs overlapping out: fine when the pass can read each element before writing it
  // (a stencil), and when no node of the graph can be asked for its values later, from
  // memory the pass has overwritten. Otherwise the caller computes a temporary first.
  const cpu::FusedOverlap overlap = cpu::fused_overlap(call);
  if (overlap.overlaps && (!overlap.simple || !private_graph(builder, this, handles))) return false;
  out.check_writable(op);
  // The lazy readers of out's memory run first, as before any write, but for this graph's
  // nodes: their reads are part of the pass.
  std::vector<const PendingContents*> fused;
  for (const std::shared_ptr<Node>& n : builder.nodes()) fused.push_back(n.get());
  memory.prepare_write(fused);
  run_program(builder, [&] {
    if (overlap.overlaps)
      cpu::run_fused_overlapping(call, overlap, as_temporary);
    else
      cpu::run_fused(call, as_temporary);
  });
  memory.mark_written_on(Device::cpu());
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
    seen.emplace(f.node, builder.value(builder.program().code.size() - 1));
    stack.pop_back();
  }
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

}  // namespace tandem::lazy
