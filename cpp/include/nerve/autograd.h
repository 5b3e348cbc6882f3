// Reverse-mode automatic differentiation. Each differentiable op attaches a Node to its output;
// the Node keeps the inputs it read and knows how to turn the output's gradient into theirs.
// backward() walks the graph in reverse topological order, entirely in C++.
#pragma once
#include <memory>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

struct Node {
  virtual ~Node() = default;
  virtual const char* name() const = 0;
  // Gradients for each of `inputs` (same order); an undefined Tensor where none is needed
  // (check inputs[i].requires_grad() to skip work).
  virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;
  std::vector<Tensor> inputs;
};

// Gradient recording is on by default; NoGradGuard turns it off in a scope (evaluate, predict).
bool grad_enabled();
// Sets recording on or off for this thread and returns the previous setting (for bindings that
// cannot hold a NoGradGuard across calls).
bool set_grad_enabled(bool enabled);
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();

 private:
  bool previous_;
};

// Attach `node` (whose inputs are already set) to `output` if recording is on and any input
// requires a gradient. Returns output for chaining.
Tensor record(Tensor output, std::shared_ptr<Node> node);

// Runs backward from `root`. Leaf tensors that require grad accumulate into .grad().
void run_backward(const Tensor& root, const Tensor& grad_root);

// d root / d source for each source (leaf or intermediate), without touching any .grad: what a
// GradientTape needs. An undefined Tensor where root does not depend on the source. With no
// grad_root, root must hold one element.
std::vector<Tensor> gradients(const Tensor& root, const std::vector<Tensor>& sources,
                              const Tensor& grad_root = Tensor());

}  // namespace nerve
