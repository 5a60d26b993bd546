#pragma once
// Lazy element-wise graphs (docs/lazy.md). The front end (src/ops) asks may_defer() whether an
// element-wise op may wait, and defer() then returns an ordinary array whose Buffer has no
// memory yet and holds a Node: the op, its operands (arrays, scalar parameters, or the
// Nodes of other lazy results) and the limits of the graph below it. The Buffer runs the
// Node before anything reads or writes its bytes (memory/buffer.hpp); the Node then turns
// its graph into one kernels::FusedProgram and runs it on the CPU (src/cpu/fused.cpp).

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>

#include "kernels/catalogue.hpp"
#include "memory/buffer.hpp"
#include "tandem/core/untyped_array.hpp"
#include "tandem/ops/untyped_elementwise.hpp"

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

/// Whether the op `key` with a result of `size` elements over `operands` may be deferred:
/// laziness on, the size at least min_elements(), work placed on the CPU (Placement::cpu, or
/// automatic without an accelerator), and every operand in tandem's own memory on the host.
/// A unary op over a view whose rows are contiguous but not one run is not deferred: the
/// eager op groups vector lanes per row (src/cpu/elementwise.cpp), which a fused block
/// cannot reproduce bit for bit.
bool may_defer(OpKey key, std::int64_t size, std::initializer_list<untyped::Operand> operands);

/// The lazy result of an op that may_defer() allowed and the front end has checked: `key` as
/// in kernels::FusedInstr, the result's dtype and shape, the operands in the op's order
/// (broadcast to `shape` when it runs). A scalar operand, or an array of one element,
/// becomes a scalar parameter: its value is read now.
UntypedArray defer(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands);

/// For an op with an `out` array: when an operand is the result of a lazy op still to run,
/// runs its graph and the op in one fused pass straight into `out` (after the checks that
/// dispatch's execute makes and the lazy readers of out's memory) and returns true; false,
/// having changed nothing, when the eager op should run: laziness off, work not placed on the
/// CPU, no lazy operand, an out that is not C-contiguous or on the host, or an input of the
/// graph in out's memory.
bool run_into(OpKey key, DType result, const Shape& shape, std::initializer_list<untyped::Operand> operands,
              const UntypedArray& out);

class ProgramBuilder;  // src/lazy/evaluate.cpp

/// One lazy op: a graph node. Its operands are fixed at construction and released once it
/// has run; everything else is guarded by mutex_ (recursive: running a node writes its
/// buffer, whose write path asks the node to run again, which then returns at once).
class Node final : public PendingContents {
 public:
  struct Arg {
    enum class Kind : unsigned char { array, node, scalar };
    Kind kind = Kind::array;
    std::optional<UntypedArray> array;  // kind array: any view, broadcast to the node's shape
    std::shared_ptr<Node> node;         // kind node: the whole result of that node, same shape
    Scalar scalar;                      // kind scalar: its value
  };

  Node(OpKey key, DType result, Shape shape, int arity);
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node() override;
  void evaluate() override;

  OpKey key() const { return key_; }
  DType result() const { return result_; }
  const Shape& shape() const { return shape_; }
  int arity() const { return arity_; }
  int instructions() const { return instructions_; }
  int inputs() const { return inputs_; }

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
  friend bool run_into(OpKey, DType, const Shape&, std::initializer_list<untyped::Operand>, const UntypedArray&);
  void run();                              // with mutex_ held
  bool run_into(const UntypedArray& out);  // a node of run_into(), never shared
  void collect(ProgramBuilder& builder);   // the program of the graph still to run
  void run_program(ProgramBuilder& builder, const StridedView& out);
  void set_operands(std::initializer_list<untyped::Operand> operands);

  const OpKey key_;
  const DType result_;
  const Shape shape_;
  const int arity_;
  int instructions_ = 1;  // nodes of the graph still to run, counted once per use: an upper bound
  int inputs_ = 0;        // array inputs of the graph, counted per use: an upper bound
  std::weak_ptr<Buffer> target_;

  std::recursive_mutex mutex_;
  enum class State : unsigned char { pending, running, done } state_ = State::pending;
  std::array<Arg, 3> args_;
  std::shared_ptr<Buffer> done_;  // the contents once run
};

}  // namespace tandem::lazy
