// Building lazy graphs: when an op may wait, and the node that stands for its result.

#include "lazy/graph.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

#include "backend/counters.hpp"
#include "cpu/nd_iter.hpp"
#include "dispatch/auto_placement.hpp"
#include "dispatch/dispatch.hpp"
#include "dispatch/tuning.hpp"
#include "registry/registry.hpp"
#include "tandem/core/dims.hpp"
#include "tandem/lazy.hpp"
#include "tandem/memory/placement.hpp"

namespace tandem::lazy {

namespace {

bool placed_on_cpu() {
  switch (current_placement()) {
    case Placement::cpu:
      return true;
    case Placement::gpu:
      return false;
    case Placement::automatic:
      break;
  }
  return !current_accelerator();
}

// Contiguous rows that do not form one run: the eager unary op vectorises each row on its
// own (and cuts rows at the parallel chunks), which a fused block cannot reproduce.
bool row_vectorised(const UntypedArray& a) {
  if (a.is_contiguous()) return false;
  StridedView out{nullptr, a.dtype(), a.shape(), c_strides(a.shape())};
  StridedView in{nullptr, a.dtype(), a.shape(), a.strides()};
  const auto loop = cpu::make_loop<2>({&out, &in});
  const auto item = static_cast<std::int64_t>(itemsize(a.dtype()));
  return loop.ndim > 1 && loop.inner_stride(0) == item && loop.inner_stride(1) == item;
}

std::shared_ptr<Node> pending_node(const UntypedArray& a) {
  // Only this layer gives buffers a producer, and every producer is a Node.
  return std::static_pointer_cast<Node>(a.buffer()->pending());
}

bool is_whole_result(const UntypedArray& a, const Node& n) {
  return a.offset() == 0 && a.dtype() == n.result() && a.shape() == n.shape() && a.is_contiguous();
}

// An operand of one element read now as a parameter of the program: on the CPU always; on a
// device when it is on the host (one on the device stays there, an input broadcast to the
// shape, so that reading it makes the host wait for nothing).
bool is_scalar_operand(const UntypedArray& a, const Backend& backend) {
  return a.size() == 1 && (backend.device().is_cpu() || a.buffer()->is_valid_on(Device::cpu()));
}

// Every operand can be read where the graph runs without running anything first: a lazy
// result of the same backend, a scalar parameter, or an array valid in that memory.
// (A lazy result of another backend has run before this is asked.)
bool operands_readable_on(const Backend& backend, std::initializer_list<untyped::Operand> operands) {
  for (const untyped::Operand& a : operands)
    if (!a.is_scalar() && !is_scalar_operand(a.array(), backend) && !a.array().buffer()->is_valid_on(backend.device()))
      return false;
  return true;
}

}  // namespace

bool may_defer(OpKey key, std::int64_t size, std::initializer_list<untyped::Operand> operands) {
  if (!large_enough(size)) return false;
  for (const untyped::Operand& a : operands)
    if (!a.is_scalar() && !a.array().buffer()->owned())
      return false;  // wrapped memory may change under us: read it now
  return !(key.family == OpFamily::unary && row_vectorised(operands.begin()->array()));
}

Node::Node(OpKey key, DType result, Shape shape, int arity, Backend& backend)
    : key_(key), result_(result), shape_(std::move(shape)), arity_(arity), backend_(backend) {
  detail::counters().lazy_nodes.fetch_add(1, std::memory_order_relaxed);
  detail::counters().lazy_nodes_live.fetch_add(1, std::memory_order_relaxed);
}

Node::~Node() { detail::counters().lazy_nodes_live.fetch_sub(1, std::memory_order_relaxed); }

Node::Snapshot Node::snapshot() {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  Snapshot s;
  s.done = state_ == State::done;
  if (s.done) {
    s.result = UntypedArray(result_, shape_, c_strides(shape_), 0, done_);
  } else {
    s.args = args_;
  }
  return s;
}

void Node::set_operands(std::initializer_list<untyped::Operand> operands) {
  int k = 0;
  for (const untyped::Operand& operand : operands) {
    Arg& arg = args_[static_cast<std::size_t>(k++)];
    if (operand.is_scalar()) {
      arg.kind = Arg::Kind::scalar;
      arg.scalar = operand.scalar();
      continue;
    }
    const UntypedArray* a = &operand.array();
    std::shared_ptr<Node> n = pending_node(*a);
    if (n != nullptr && &n->backend_ != &backend_) {
      // A graph runs on one backend: a lazy operand placed elsewhere runs first, there.
      a->buffer()->resolve_pending();
      n = nullptr;
    }
    if (is_scalar_operand(*a, backend_)) {
      // A scalar operand (a 0-d array from a C++ scalar, or any single element): its value
      // now is a parameter of the program, not an input, so a loop with changing scalars
      // keeps one program structure.
      arg.kind = Arg::Kind::scalar;
      arg.scalar.dtype = a->dtype();
      std::memcpy(&arg.scalar.f64, a->host_data(false), itemsize(a->dtype()));  // Scalar's members share their address
      continue;
    }
    arg.array = *a;
    if (n != nullptr) {
      if (is_whole_result(*a, *n) && n->shape() == shape_) {
        arg.kind = Arg::Kind::node;
        arg.node = n;
        continue;
      }
      // A view of a lazy result, or one that is broadcast: computed once, then read.
      a->buffer()->resolve_pending();
    }
  }
}

void Node::limit_graph() {
  // The graph's size, counted per use (an upper bound when nodes are shared); over a limit,
  // the largest operand graph runs now and becomes an input.
  for (;;) {
    int instructions = 1;
    int inputs = 0;
    Arg* largest = nullptr;
    for (int j = 0; j < arity_; ++j) {
      Arg& arg = args_[static_cast<std::size_t>(j)];
      const bool repeated =
          j > 0 && arg.kind == Arg::Kind::node &&
          std::any_of(args_.begin(), args_.begin() + j, [&](const Arg& b) { return b.node == arg.node; });
      if (arg.kind == Arg::Kind::array) ++inputs;
      if (arg.kind != Arg::Kind::node || repeated) continue;
      instructions += arg.node->instructions();
      inputs += arg.node->inputs();
      if (largest == nullptr || arg.node->instructions() > largest->node->instructions()) largest = &arg;
    }
    if ((instructions <= tuning::kLazyMaxInstructions && inputs <= tuning::kLazyMaxInputs) || largest == nullptr) {
      instructions_ = instructions;
      inputs_ = inputs;
      return;
    }
    const std::shared_ptr<Node> run_now = largest->node;
    run_now->evaluate();
    for (Arg& arg : args_)
      if (arg.node == run_now) {
        arg.kind = Arg::Kind::array;
        arg.node.reset();
      }
  }
}

void Node::read_operands() {
  // A write to an operand's memory runs this node first, while it still holds the old values.
  for (int j = 0; j < arity_; ++j)
    if (args_[static_cast<std::size_t>(j)].kind != Arg::Kind::scalar)
      args_[static_cast<std::size_t>(j)].array->buffer()->add_reader(shared_from_this());
}

void Node::forget_array_of(const Buffer* memory) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  for (Arg& arg : args_)
    if (arg.kind == Arg::Kind::node && arg.array && arg.array->buffer().get() == memory) arg.array.reset();
}

void Node::detach() {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  if (state_ == State::pending) target_.reset();
}

UntypedArray defer(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands) {
  UntypedArray out = UntypedArray::empty(result, shape);
  // Placed at the call, as an eager op is, by the dispatcher (and counted there).
  ArrayCall call(key);
  for (const untyped::Operand& a : operands) call.input(a, shape);
  call.output(out);
  Backend& backend = choose_backend(call);
  for (const untyped::Operand& a : operands)
    if (const std::shared_ptr<Node> n = a.is_scalar() ? nullptr : pending_node(a.array());
        n != nullptr && &n->backend_ != &backend)
      a.array()
          .buffer()
          ->resolve_pending();  // a graph runs on one backend: this operand runs first, where it was placed
  if (detail::split_planned() || !operands_readable_on(backend, operands)) {
    execute_on(call, backend);  // at once, as the eager op would
    return out;
  }
  if (backend.device().is_cpu()) detail::cpu_op_deferred();
  auto node = std::make_shared<Node>(key, result, shape, static_cast<int>(operands.size()), backend);
  node->set_operands(operands);
  node->limit_graph();
  node->target_ = out.buffer();
  node->read_operands();
  out.buffer()->set_pending(node);
  return out;
}

bool defer_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
                const UntypedArray& out) {
  if (!may_defer(key, shape_size(shape), operands) || !placed_on_cpu()) return false;
  const std::shared_ptr<Buffer>& memory = out.buffer();
  // The whole of a host array of tandem's memory: what the node computes is the buffer.
  if (!memory->owned() || memory->read_only() || out.offset() != 0 || out.dtype() != result || out.shape() != shape ||
      !out.is_contiguous() || static_cast<std::size_t>(shape_size(shape)) * itemsize(result) != memory->bytes() ||
      !memory->newest().is_cpu())
    return false;
  for (const untyped::Operand& a : operands) {
    if (a.is_scalar()) continue;
    const std::shared_ptr<Node> n = pending_node(a.array());
    if (n != nullptr ? !n->device().is_cpu() : !a.array().buffer()->newest().is_cpu())
      return false;  // a device's graph or data: the eager op moves it
  }
  auto node = std::make_shared<Node>(key, result, shape, static_cast<int>(operands.size()), cpu_backend());
  node->set_operands(operands);
  node->limit_graph();
  std::vector<UntypedArray> inputs;
  std::vector<std::shared_ptr<Node>> nodes;
  node->graph(inputs, nodes);
  // No input of the pass may be in out's memory, not even element for element (`t += x` on
  // a t that is not lazy): the register tiles compute the tail of a run again from its
  // inputs after writing its first elements. Such an op runs now (the eager op is in place).
  for (const UntypedArray& a : inputs)
    if (a.buffer() == memory) return false;
  // The readers of out's old contents run now (a later write would run them, but out stays
  // pending from here on, and reading it would compute the new contents); the graph's own
  // nodes are not readers of what the pass overwrites.
  // Nor is out's own pending producer, whose values nobody needs unless another reader
  // holds it in its graph (that reader runs now, computing them).
  const std::shared_ptr<Node> previous = pending_node(out);
  std::vector<const PendingContents*> own;
  own.reserve(nodes.size() + 1);
  for (const std::shared_ptr<Node>& n : nodes) own.push_back(n.get());
  if (previous != nullptr) own.push_back(previous.get());
  memory->run_readers(own);
  if (previous != nullptr) previous->detach();
  node->target_ = memory;
  node->read_operands();
  // The graph's nodes read out's old lazy contents through their nodes, never its memory
  // (checked above): the arrays they keep of it would make out's buffer hold itself through
  // the node it now holds as its producer, a cycle never freed when out goes unread.
  for (const std::shared_ptr<Node>& n : nodes) n->forget_array_of(memory.get());
  node->forget_array_of(memory.get());
  // A write to any memory the graph reads runs this node, the graph's root, first (readers
  // run newest first), in one pass with the nodes below it, instead of each of those alone.
  std::vector<const Buffer*> registered;
  for (const UntypedArray& a : inputs) {
    const Buffer* b = a.buffer().get();
    if (b == memory.get() || std::find(registered.begin(), registered.end(), b) != registered.end()) continue;
    registered.push_back(b);
    a.buffer()->add_reader(node);
  }
  memory->set_pending(node);
  detail::count_placement(key.family, detail::Placed::cpu);
  detail::cpu_op_deferred();
  return true;
}

bool run_pending_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
                      const UntypedArray& out) {
  if (!lazy_enabled() || !placed_on_cpu()) return false;
  // The eager unary op vectorises each contiguous run of a strided out (src/cpu/elementwise.cpp).
  if (key.family == OpFamily::unary && !out.is_contiguous()) return false;
  const Buffer& memory = *out.buffer();
  if (memory.pending() != nullptr || !memory.newest().is_cpu()) return false;
  bool fusable = false;
  for (const untyped::Operand& operand : operands) {
    if (operand.is_scalar()) continue;
    const UntypedArray* a = &operand.array();
    const std::shared_ptr<Node> n = pending_node(*a);
    if (n == nullptr && !a->buffer()->newest().is_cpu()) return false;
    if (n != nullptr && !n->device().is_cpu()) return false;  // a device's graph runs there
    fusable = fusable || (n != nullptr && a->size() != 1 && is_whole_result(*a, *n) && n->shape() == shape);
  }
  if (!fusable) return false;
  auto node = std::make_shared<Node>(key, result, shape, static_cast<int>(operands.size()), cpu_backend());
  node->set_operands(operands);
  if (!node->fuse_into(out, op_name(key), /*as_temporary=*/false, /*handles=*/0)) return false;
  detail::count_placement(key.family, detail::Placed::cpu);
  return true;
}

std::shared_ptr<Node> readable_node(const UntypedArray& a) {
  if (!a.buffer()->has_pending() || !lazy_enabled() || !placed_on_cpu()) return nullptr;
  std::shared_ptr<Node> n = pending_node(a);
  // A graph placed on a device runs there (src/lazy/evaluate.cpp), not in a CPU reduction.
  return n != nullptr && n->device().is_cpu() && is_whole_result(a, *n) ? n : nullptr;
}

bool assign_into(const UntypedArray& dst, const UntypedArray& src, bool src_is_temporary) {
  if (dst.size() == 0 || !src.buffer()->has_pending() || !lazy_enabled() || !placed_on_cpu()) return false;
  const std::shared_ptr<Node> node = pending_node(src);
  if (node == nullptr || !node->device().is_cpu() || !is_whole_result(src, *node) || src.shape() != dst.shape())
    return false;
  dst.buffer()->resolve_pending();  // dst is a view of a lazy result: computed before it is written
  if (!dst.buffer()->newest().is_cpu()) return false;
  if (!node->fuse_into(dst, "assign", /*as_temporary=*/true, src_is_temporary ? 1 : 0)) return false;
  detail::count_placement(OpFamily::copy, detail::Placed::cpu);
  return true;
}

}  // namespace tandem::lazy
