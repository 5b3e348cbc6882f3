// The backward engine: topological order by iterative DFS, then one pass in reverse that hands
// each node its output's accumulated gradient.
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "nerve/autograd.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {
thread_local bool g_grad_enabled = true;
}

bool grad_enabled() { return g_grad_enabled; }
bool set_grad_enabled(bool enabled) {
  bool previous = g_grad_enabled;
  g_grad_enabled = enabled;
  return previous;
}
NoGradGuard::NoGradGuard() : previous_(g_grad_enabled) { g_grad_enabled = false; }
NoGradGuard::~NoGradGuard() { g_grad_enabled = previous_; }

Tensor record(Tensor output, std::shared_ptr<Node> node) {
  if (!g_grad_enabled) return output;
  bool any = false;
  for (const Tensor& in : node->inputs) any = any || (in.defined() && in.requires_grad());
  if (!any) return output;
  output.impl()->requires_grad = true;
  output.impl()->grad_fn = std::move(node);
  return output;
}

static void accumulate(Tensor& slot, const Tensor& g) {
  if (!slot.defined()) {
    slot = g;
  } else {
    // Never add in place into a tensor another node may still hold: make a fresh sum.
    Tensor sum = Tensor::empty(slot.shape(), slot.device());
    Tensor a = slot.contiguous(), b = g.contiguous();
    check_same_device("gradient accumulation", a, b);
    NERVE_KERNEL(a.device(), elementwise, add, "add")(a.data(), b.data(), sum.data(), sum.numel());
    slot = sum;
  }
}

namespace {

Tensor checked_seed(const Tensor& root, const Tensor& grad_root, const char* what) {
  if (!grad_root.defined()) {
    if (root.numel() != 1)
      throw std::invalid_argument(std::string(what) +
                                  ": a gradient is needed for a non-scalar "
                                  "tensor of shape " +
                                  root.shape_string());
    return Tensor::full(root.shape(), 1.f, root.device());
  }
  if (grad_root.shape() != root.shape())
    throw std::invalid_argument(std::string(what) + ": gradient shape " + grad_root.shape_string() +
                                " does not match tensor shape " + root.shape_string());
  return grad_root;
}

// The reverse pass shared by backward() and gradients(): hands each leaf that requires grad its
// incoming gradients (`leaf`, possibly several times) and each interior tensor its complete
// gradient once every consumer has been processed (`interior`).
template <class Leaf, class Interior>
void backward_pass(const Tensor& root, const Tensor& seed, Leaf&& leaf, Interior&& interior) {
  if (!root.grad_fn()) {  // the root is itself a leaf
    leaf(root.impl(), seed);
    return;
  }
  // Topological order of the tensors that have a grad_fn (iterative post-order DFS).
  std::vector<TensorImpl*> order;
  std::unordered_set<TensorImpl*> visited;
  std::vector<std::pair<TensorImpl*, size_t>> stack;
  stack.push_back({root.impl(), 0});
  visited.insert(root.impl());
  while (!stack.empty()) {
    auto& [t, i] = stack.back();
    auto& inputs = t->grad_fn->inputs;
    if (i < inputs.size()) {
      TensorImpl* in = inputs[i++].impl();
      if (in && in->grad_fn && visited.insert(in).second) stack.push_back({in, 0});
    } else {
      order.push_back(t);
      stack.pop_back();
    }
  }

  std::unordered_map<TensorImpl*, Tensor> grads;
  grads[root.impl()] = seed;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    TensorImpl* t = *it;
    auto found = grads.find(t);
    if (found == grads.end()) continue;
    Tensor g = found->second;
    grads.erase(found);  // free gradients as soon as they are consumed
    interior(t, g);
    Node& node = *t->grad_fn;
    std::vector<Tensor> in_grads = node.backward(g);
    for (size_t k = 0; k < node.inputs.size() && k < in_grads.size(); ++k) {
      const Tensor& in = node.inputs[k];
      if (!in.defined() || !in.requires_grad() || !in_grads[k].defined()) continue;
      if (in_grads[k].shape() != in.shape())
        throw std::logic_error(std::string("autograd: ") + node.name() + " returned gradient of shape " +
                               in_grads[k].shape_string() + " for input of shape " + in.shape_string());
      if (in.grad_fn())
        accumulate(grads[in.impl()], in_grads[k]);
      else
        leaf(in.impl(), in_grads[k]);
    }
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_root) {
  if (!root.requires_grad())
    throw std::invalid_argument("backward(): the tensor does not require grad (no recorded graph)");
  Tensor seed = checked_seed(root, grad_root, "backward()");
  backward_pass(
      root, seed, [](TensorImpl* leaf, const Tensor& g) { accumulate(leaf->grad, g); },
      [](TensorImpl*, const Tensor&) {});
}

std::vector<Tensor> gradients(const Tensor& root, const std::vector<Tensor>& sources, const Tensor& grad_root) {
  if (!root.defined()) throw std::invalid_argument("gradients(): the target is undefined");
  Tensor seed = checked_seed(root, grad_root, "gradients()");
  std::unordered_map<TensorImpl*, Tensor> found;
  for (const Tensor& s : sources)
    if (s.defined()) found.emplace(s.impl(), Tensor());
  if (root.requires_grad() || found.count(root.impl())) {
    auto keep = [&](TensorImpl* t, const Tensor& g) {
      auto it = found.find(t);
      if (it != found.end()) accumulate(it->second, g);
    };
    backward_pass(root, seed, keep, keep);
  }
  std::vector<Tensor> out;
  for (const Tensor& s : sources) out.push_back(s.defined() ? found[s.impl()] : Tensor());
  return out;
}

}  // namespace nerve
