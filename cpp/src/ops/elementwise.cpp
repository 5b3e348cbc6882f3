// Element-wise ops, activations, softmax and reductions.
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "ops/dispatch.h"
#include "tensor/small_block_pool.h"

namespace nerve {

namespace {

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw std::invalid_argument(std::string(op) + ": shapes " + a.shape_string() + " and " + b.shape_string() +
                                " differ");
}

struct ActivationNode : Node {
  Tensor x, y;  // detached
  Activation act;
  ActivationParams params;
  const char* name() const override { return activation_name(act); }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(x.shape(), x.device());
    const char* op = activation_name(act);
    if (activation_elementwise(act)) {
      NERVE_KERNEL(x.device(), activation, backward, op)(act, params, x.data(), y.data(), g.data(), dx.data(),
                                                         dx.numel());
    } else {
      const int64_t cols = x.size(-1), rows = cols ? x.numel() / cols : 0;
      NERVE_KERNEL(x.device(), activation, rows_backward, op)(act, x.data(), y.data(), g.data(), dx.data(), rows, cols);
    }
    return {dx};
  }
};

struct SoftmaxNode : Node {
  Tensor y;
  const char* name() const override { return "softmax"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    int64_t cols = y.size(-1), rows = cols ? y.numel() / cols : 0;
    Tensor dx = Tensor::empty(y.shape(), y.device());
    NERVE_KERNEL(y.device(), activation, softmax_rows_backward, "softmax")(y.data(), g.data(), dx.data(), rows, cols);
    return {dx};
  }
};

enum class BinOp { Add, Sub, Mul };
struct BinaryNode : Node {
  BinOp op;
  const char* name() const override { return op == BinOp::Add ? "Add" : op == BinOp::Sub ? "Sub" : "Mul"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    std::vector<Tensor> grads(2);
    int64_t n = g.numel();
    for (int k = 0; k < 2; ++k) {
      if (!inputs[k].requires_grad()) continue;
      if (op == BinOp::Mul) {
        Tensor other = inputs[1 - k].contiguous();
        grads[k] = Tensor::empty(g.shape(), g.device());
        NERVE_KERNEL(g.device(), elementwise, mul, "mul")(g.data(), other.data(), grads[k].data(), n);
      } else if (op == BinOp::Sub && k == 1) {
        grads[k] = Tensor::empty(g.shape(), g.device());
        NERVE_KERNEL(g.device(), elementwise, scale, "sub")(g.data(), -1.f, grads[k].data(), n);
      } else {
        grads[k] = g;
      }
    }
    return grads;
  }
};

Tensor binary(BinOp op, const Tensor& a, const Tensor& b) {
  static const char* names[] = {"add", "sub", "mul"};
  const char* name = names[static_cast<int>(op)];
  check_same_shape(name, a, b);
  check_same_device(name, a, b);
  const ElementwiseKernels& k = kernels_on(a.device()).elementwise;
  auto kernel = require_kernel(op == BinOp::Add ? k.add : op == BinOp::Sub ? k.sub : k.mul, name, a.device());
  Tensor ac = a.contiguous(), bc = b.contiguous();
  Tensor out = Tensor::empty(a.shape(), a.device());
  kernel(ac.data(), bc.data(), out.data(), out.numel());
  auto node = detail::make_pooled<BinaryNode>();
  node->op = op;
  node->inputs = {a, b};
  return record(out, node);
}

struct ScaleNode : Node {
  float s;
  const char* name() const override { return "Scale"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(g.shape(), g.device());
    NERVE_KERNEL(g.device(), elementwise, scale, "scale")(g.data(), s, dx.data(), g.numel());
    return {dx};
  }
};

struct SumNode : Node {
  float factor;  // 1 for sum, 1/n for mean
  const char* name() const override { return "Sum"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    return {Tensor::full(inputs[0].shape(), grad.item() * factor, inputs[0].device())};
  }
};

}  // namespace

Tensor activation(const Tensor& x, Activation act, const ActivationParams& params) {
  if (act == Activation::Softmax) return softmax(x);
  if (act == Activation::Linear) return x;
  Tensor xc = x.contiguous().detach();
  Tensor y;
  if (activation_elementwise(act)) {
    y = Tensor::empty(x.shape(), x.device());
    NERVE_KERNEL(x.device(), activation, forward, activation_name(act))(act, params, xc.data(), y.data(), y.numel());
  } else {  // over the last axis
    if (x.dim() < 1)
      throw std::invalid_argument(std::string(activation_name(act)) + ": needs at least 1 dimension, got a scalar");
    Shape out_shape = x.shape();
    const int64_t cols = x.size(-1), rows = cols ? x.numel() / cols : 0;
    out_shape.back() = activation_output_features(act, cols);
    y = Tensor::empty(out_shape, x.device());
    NERVE_KERNEL(x.device(), activation, rows_forward, activation_name(act))(act, xc.data(), y.data(), rows, cols);
  }
  auto node = detail::make_pooled<ActivationNode>();
  node->inputs = {x};
  node->x = xc;
  node->y = y.detach();
  node->act = act;
  node->params = params;
  if (act == Activation::Sigmoid) {
    y.impl()->logits = x;
    y.impl()->logits_of = LogitsOf::Sigmoid;
  }
  return record(y, node);
}

Tensor softmax(const Tensor& x) {
  if (x.dim() < 1) throw std::invalid_argument("softmax: needs at least 1 dimension, got a scalar");
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape(), x.device());
  int64_t cols = x.size(-1), rows = cols ? x.numel() / cols : 0;
  NERVE_KERNEL(x.device(), activation, softmax_rows, "softmax")(xc.data(), y.data(), rows, cols);
  auto node = detail::make_pooled<SoftmaxNode>();
  node->inputs = {x};
  node->y = y.detach();
  y.impl()->logits = x;
  y.impl()->logits_of = LogitsOf::Softmax;
  return record(y, node);
}

Tensor add(const Tensor& a, const Tensor& b) { return binary(BinOp::Add, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(BinOp::Sub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(BinOp::Mul, a, b); }

Tensor scale(const Tensor& a, float s) {
  Tensor ac = a.contiguous();
  Tensor out = Tensor::empty(a.shape(), a.device());
  NERVE_KERNEL(a.device(), elementwise, scale, "scale")(ac.data(), s, out.data(), out.numel());
  auto node = detail::make_pooled<ScaleNode>();
  node->s = s;
  node->inputs = {a};
  return record(out, node);
}

static Tensor reduce_all(const Tensor& a, bool average) {
  Tensor ac = a.contiguous();
  int64_t n = a.numel();
  double total = NERVE_KERNEL(a.device(), elementwise, sum, average ? "mean" : "sum")(ac.data(), n);
  float factor = average ? (n ? 1.f / static_cast<float>(n) : 0.f) : 1.f;
  Tensor out = Tensor::full({}, static_cast<float>(average ? (n ? total / n : 0.0) : total), a.device());
  auto node = detail::make_pooled<SumNode>();
  node->factor = factor;
  node->inputs = {a};
  return record(out, node);
}

Tensor sum(const Tensor& a) { return reduce_all(a, false); }
Tensor mean(const Tensor& a) { return reduce_all(a, true); }

}  // namespace nerve
