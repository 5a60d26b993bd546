#pragma once
// Lazy element-wise graphs (docs/lazy.md). The front end (src/ops) asks may_defer() whether an
// element-wise op may wait, and defer() then returns an ordinary array whose Buffer has no
// memory yet and holds a Node: the op, its operands (arrays, scalar parameters, or the
// Nodes of other lazy results), the backend dispatch placed it on, and the limits of the
// graph below it. The Buffer runs the Node before anything reads or writes its bytes
// (memory/buffer.hpp); the Node then turns its graph into one kernels::FusedProgram and
// runs it on that backend: the CPU's evaluator (src/cpu/fused.cpp), or Backend::run_fused
// of a device, op by op there when the device cannot fuse it now.

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "backend/backend.hpp"
#include "kernels/catalogue.hpp"
#include "kernels/fused_program.hpp"
#include "memory/buffer.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/lazy.hpp"
#include "tandem/ops/untyped/elementwise.hpp"

namespace tandem::lazy {

/// Results smaller than this are computed at once (tuning::kLazyMinElements; a test may
/// lower it for its thread with MinElementsGuard).
std::int64_t min_elements();
class MinElementsGuard {
 public:
  explicit MinElementsGuard(std::int64_t n);
  MinElementsGuard(const MinElementsGuard&) = delete;
  MinElementsGuard& operator=(const MinElementsGuard&) = delete;
  ~MinElementsGuard();

 private:
  std::int64_t saved_;
};

/// Whether laziness is on and a result of `size` elements is large enough to defer
/// (may_defer's first test).
inline bool large_enough(std::int64_t size) {
  return lazy_enabled() && size >= std::max<std::int64_t>(1, min_elements());
}

/// Whether the op `key` with a result of `size` elements over `operands` may be deferred:
/// laziness on, the size at least min_elements(), and every operand in tandem's own memory.
/// A unary op over a view whose rows are contiguous but not one run is not deferred: the
/// eager op groups vector lanes per row (src/cpu/elementwise.cpp), which a fused block
/// cannot reproduce bit for bit. Where it runs is defer()'s question.
bool may_defer(OpKey key, std::int64_t size, std::initializer_list<untyped::Operand> operands);

/// The result of an op that may_defer() allowed and the front end has checked: `key` as in
/// kernels::FusedInstr, the result's dtype and shape, the operands in the op's order
/// (broadcast to `shape` when it runs). Dispatch places the op (choose_backend, counted
/// there); it is deferred on that backend when every operand is a lazy result of the same
/// backend or valid in its memory (a lazy operand of another backend runs first), and runs
/// at once there otherwise, or when dispatch plans to split it. An operand of one element
/// valid on the host becomes a scalar parameter: its value is read now.
UntypedArray defer(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands);

/// For an op with an `out` array: when an operand is the result of a lazy op still to run,
/// runs its graph and the op in one fused pass straight into `out` (after the checks that
/// dispatch's execute makes and the lazy readers of out's memory) and returns true; false
/// when the eager op should run: laziness off, work not placed on the CPU, no lazy operand,
/// out not on the host, a unary op into an out that is not C-contiguous, or an input of the
/// graph overlapping out in a way the fused pass cannot order (see fuse_into in
/// src/lazy/evaluate.cpp).
bool run_pending_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
                      const UntypedArray& out);
inline bool run_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
                     const UntypedArray& out) {
  // Only a pending operand can be fused into out: every other out= call leaves here, inline
  // (one atomic load per operand), for it is on every small op's path.
  for (const untyped::Operand& a : operands)
    if (!a.is_scalar() && a.array().buffer()->has_pending()) return run_pending_into(key, result, shape, operands, out);
  return false;
}

/// For an op with an `out` array (checked by the caller): defers the op into out's memory,
/// as defer() does into a new array, and returns true; false when the op should run now
/// (run_into, then the eager op). Deferred when the op could be deferred (may_defer), the
/// work is placed on the CPU, out is the whole of a host array of tandem's own memory
/// (offset 0, C-contiguous, the result's shape and dtype, every byte of its buffer), and
/// no array the graph reads is in out's memory. out's pending contents become an operand
/// when the op reads them (`t += x` with t lazy: one graph), and are dropped otherwise; the
/// lazy readers of out's old contents run first, except the graph's own nodes.
/// docs/lazy.md, "Deferred out= writes".
bool defer_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
                const UntypedArray& out);

/// For assign(dst, src) (checked: same dtype, src broadcasts to dst, dst writable): when src
/// is the whole result of a lazy op still to run, of dst's shape, runs its graph straight into
/// dst (any host view), with no temporary, and returns true; false when the caller should
/// copy. `src_is_temporary`: the caller holds the only handle of src, which nobody reads
/// after the call (a temporary `u(...) = expr`), so the graph may read dst's memory too.
bool assign_into(const UntypedArray& dst, const UntypedArray& src, bool src_is_temporary);

class ProgramBuilder;  // src/lazy/evaluate.cpp

/// One lazy op: a graph node. Its operands are fixed at construction and released once it
/// has run; everything else is guarded by mutex_ (recursive: running a node writes its
/// buffer, whose write path asks the node to run again, which then returns at once).
class Node final : public PendingContents, public std::enable_shared_from_this<Node> {
 public:
  struct Arg {
    enum class Kind : unsigned char { array, node, scalar };
    Kind kind = Kind::array;
    std::optional<UntypedArray> array;  // kind array: any view, broadcast to the node's shape
    std::shared_ptr<Node> node;         // kind node: the whole result of that node, same shape
    Scalar scalar;                      // kind scalar: its value
  };

  Node(OpKey key, DType result, Shape shape, int arity, Backend& backend);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() override;
  void evaluate() override;
  Device device() const override { return backend_.device(); }
  /// Calls consume(call) with the program of the graph still to run below this node and its
  /// inputs bound on the host (call.out: the result's dtype, shape and C strides, no data),
  /// instead of running it: the node stays pending and its result is not stored, so it can
  /// still run later. Returns false without calling consume when the node has run or is
  /// running.
  bool read(const std::function<void(const kernels::FusedCall&)>& consume);

  OpKey key() const { return key_; }
  DType result() const { return result_; }
  const Shape& shape() const { return shape_; }
  int arity() const { return arity_; }
  int instructions() const { return instructions_; }
  int inputs() const { return inputs_; }
  /// The buffer of the node's result (null once no array holds it).
  std::shared_ptr<Buffer> target() const { return target_.lock(); }

  /// What a reader of the node sees at one moment: done (with the result as an array), or
  /// still to run (with its operands).
  struct Snapshot {
    bool done = false;
    std::optional<UntypedArray> result;
    std::array<Arg, 3> args;
  };
  Snapshot snapshot();

 private:
  friend UntypedArray defer(OpKey, DType, const Shape&, std::initializer_list<untyped::Operand>);
  friend bool defer_into(OpKey, DType, const Shape&, std::initializer_list<untyped::Operand>, const UntypedArray&);
  friend bool run_pending_into(OpKey, DType, const Shape&, std::initializer_list<untyped::Operand>,
                               const UntypedArray&);
  friend bool assign_into(const UntypedArray&, const UntypedArray&, bool);
  void run();  // with mutex_ held
  // Runs the graph still to run below this node into out (src/lazy/evaluate.cpp).
  bool fuse_into(const UntypedArray& out, const char* op, bool as_temporary, long handles);
  bool collect(ProgramBuilder& builder);  // the program of the graph still to run; false: done
  // Whether fuse_into's pass into out can write this node's result too (a side output).
  bool can_be_side_of(const ProgramBuilder& builder, const UntypedArray& out) const;
  // The arrays the graph still to run reads (broadcast to its shape) and its nodes.
  void graph(std::vector<UntypedArray>& inputs, std::vector<std::shared_ptr<Node>>& nodes);
  void run_program(const ProgramBuilder& builder, const std::function<void()>& run);  // traced
  void run_on_device(ProgramBuilder& builder, const std::shared_ptr<Buffer>& out);
  void run_op_by_op(ProgramBuilder& builder, const std::shared_ptr<Buffer>& out);
  void set_operands(std::initializer_list<untyped::Operand> operands);
  // Keeps the graph within tuning's limits: over one, the largest operand graph runs now.
  void limit_graph();
  // Registers the node as a reader of its operands' memory.
  void read_operands();
  // Drops the arrays of node operands in `memory` (kept only to count handles, src/lazy/evaluate.cpp).
  void forget_array_of(const Buffer* memory);
  // Another node writes this node's target now (an out= op deferred into the same array):
  // when still pending, this node computes into memory of its own if it ever runs alone.
  void detach();

  const OpKey key_;
  const DType result_;
  const Shape shape_;
  const int arity_;
  Backend& backend_;      // where the graph runs: every node of it is placed there
  int instructions_ = 1;  // nodes of the graph still to run, counted once per use: an upper bound
  int inputs_ = 0;        // array inputs of the graph, counted per use: an upper bound
  std::weak_ptr<Buffer> target_;

  std::recursive_mutex mutex_;
  enum class State : unsigned char { pending, running, done } state_ = State::pending;
  std::array<Arg, 3> args_;
  std::shared_ptr<Buffer> done_;  // the contents once run
};

/// The node whose whole result `a` is, when a consumer on the CPU may read its graph instead
/// of its stored values (a fused reduction, src/lazy/reduce.cpp): laziness on, work placed on
/// the CPU, `a` not a view of the result; null otherwise.
std::shared_ptr<Node> readable_node(const UntypedArray& a);

}  // namespace tandem::lazy
