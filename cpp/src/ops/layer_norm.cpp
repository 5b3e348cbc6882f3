// layer_norm(): per-row mean and variance (two passes, in double), saved for the backward pass
// (the device's normalization family; the CPU's in cpp/kernels/cpu/normalization/layer_norm.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/normalization.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct LayerNormNode : Node {
  Tensor xhat;  // [rows, D] normalised input
  Tensor rstd;  // [rows]
  const char* name() const override { return "LayerNorm"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Tensor &gamma = inputs[1], &beta = inputs[2];
    int64_t D = xhat.size(1), rows = xhat.size(0);
    const Device dev = xhat.device();
    Tensor gc = gamma.defined() ? gamma.contiguous() : Tensor();
    std::vector<Tensor> grads(3);
    if (inputs[0].requires_grad()) grads[0] = Tensor::empty(inputs[0].shape(), dev);
    if (gamma.defined() && gamma.requires_grad()) grads[1] = Tensor::empty({D}, dev);
    if (beta.defined() && beta.requires_grad()) grads[2] = Tensor::empty({D}, dev);
    NERVE_KERNEL(dev, normalization, layer_norm_backward, "layer_norm")(
        g.data(), xhat.data(), rstd.data(), rows, D, gc.defined() ? gc.data() : nullptr,
        grads[0].defined() ? grads[0].data() : nullptr, grads[1].defined() ? grads[1].data() : nullptr,
        grads[2].defined() ? grads[2].data() : nullptr);
    return grads;
  }
};

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon) {
  if (x.dim() < 1) throw std::invalid_argument("layer_norm: input must have at least one axis");
  int64_t D = x.size(-1), rows = D ? x.numel() / D : 0;
  for (const Tensor* p : {&gamma, &beta})
    if (p->defined() && (p->dim() != 1 || p->size(0) != D))
      throw std::invalid_argument("layer_norm: scale/offset of shape " + p->shape_string() +
                                  " does not match the last axis of input " + x.shape_string());
  if (!(epsilon > 0.f)) throw std::invalid_argument("layer_norm: epsilon must be positive");
  check_same_device("layer_norm", x, gamma);
  check_same_device("layer_norm", x, beta);
  const Device dev = x.device();
  Tensor xc = x.contiguous();
  Tensor xhat = Tensor::empty({rows, D}, dev), rstd = Tensor::empty({rows}, dev), out = Tensor::empty(x.shape(), dev);
  Tensor gc = gamma.defined() ? gamma.contiguous() : Tensor();
  Tensor bc = beta.defined() ? beta.contiguous() : Tensor();
  NERVE_KERNEL(dev, normalization, layer_norm_forward, "layer_norm")(
      xc.data(), rows, D, gc.defined() ? gc.data() : nullptr, bc.defined() ? bc.data() : nullptr, epsilon, out.data(),
      xhat.data(), rstd.data());
  auto node = std::make_shared<LayerNormNode>();
  node->inputs = {x, gamma, beta};
  node->xhat = xhat;
  node->rstd = rstd;
  return record(out, node);
}

}  // namespace nerve
