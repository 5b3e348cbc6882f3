// conv2d(): 2-D convolution on NHWC images. The op checks shapes and records the node; the
// kernels (forward, and dX / dW / db) are the device's conv family (the CPU's, Winograd included,
// in cpp/kernels/cpu/conv/conv2d.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "nerve/ops/convolutional.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

bool fusable(Activation a) { return activation_grad_from_output(a) && a != Activation::Sigmoid; }

struct Conv2DNode : Node {
  Tensor x, w, y;  // detached: input, kernel, output after the fused activation
  ConvGeometry g;
  int64_t N;
  Activation act;
  float alpha;
  ComputePrecision precision;
  const char* name() const override { return "Conv2D"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    const Tensor gc = grad.contiguous();
    const bool need_dx = inputs[0].requires_grad(), need_dw = inputs[1].requires_grad();
    const bool need_db = inputs[2].defined() && inputs[2].requires_grad();
    const Device dev = x.device();
    Tensor dx = need_dx ? Tensor::empty(x.shape(), dev) : Tensor();
    Tensor dw = need_dw ? Tensor::empty(w.shape(), dev) : Tensor();
    Tensor db = need_db ? Tensor::empty({g.F}, dev) : Tensor();
    auto kernel = NERVE_KERNEL(dev, conv, conv2d_backward, "conv2d");
    if (precision == ComputePrecision::MixedBFloat16) kernel = NERVE_KERNEL(dev, conv, conv2d_bf16_backward, "conv2d");
    kernel(x.data(), w.data(), y.data(), gc.data(), g, N, act, alpha, need_dx ? dx.data() : nullptr,
           need_dw ? dw.data() : nullptr, need_db ? db.data() : nullptr);
    return {dx, dw, db};
  }
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt, Activation act,
              float alpha) {
  if (x.dim() != 4)
    throw std::invalid_argument("conv2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (kernel.dim() != 4)
    throw std::invalid_argument("conv2d: kernel must be 4-D [kh, kw, in_channels, filters], got shape " +
                                kernel.shape_string());
  if (kernel.size(2) != x.size(3))
    throw std::invalid_argument("conv2d: input of shape " + x.shape_string() + " has " + std::to_string(x.size(3)) +
                                " channels, the kernel of shape " + kernel.shape_string() + " expects " +
                                std::to_string(kernel.size(2)));
  const int64_t F = kernel.size(3);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != F))
    throw std::invalid_argument("conv2d: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(F) + " filters");
  if (act == Activation::Softmax) throw std::invalid_argument("conv2d: softmax is not an element-wise activation");
  ConvGeometry g;
  g.H = x.size(1);
  g.W = x.size(2);
  g.C = x.size(3);
  g.F = F;
  g.h = window_1d(g.H, kernel.size(0), opt.stride_h, opt.dilation_h, opt.padding, "conv2d", "height");
  g.w = window_1d(g.W, kernel.size(1), opt.stride_w, opt.dilation_w, opt.padding, "conv2d", "width");
  const int64_t N = x.size(0);
  check_same_device("conv2d", x, kernel);
  check_same_device("conv2d", x, bias);
  Tensor xc = x.contiguous().detach(), wc = kernel.contiguous().detach();
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor y = Tensor::empty({N, g.h.out, g.w.out, F}, x.device());
  const Activation fused = fusable(act) ? act : Activation::Linear;
  Epilogue ep;
  ep.bias = kernel_arg(bc);
  ep.activation = fused;
  ep.alpha = alpha;
  auto forward = NERVE_KERNEL(x.device(), conv, conv2d_forward, "conv2d");
  if (opt.precision == ComputePrecision::MixedBFloat16)
    forward = NERVE_KERNEL(x.device(), conv, conv2d_bf16_forward, "conv2d");
  forward(xc.data(), wc.data(), g, N, ep, y.data());
  auto node = std::make_shared<Conv2DNode>();
  node->inputs = {x, kernel, bias};
  node->x = xc;
  node->w = wc;
  node->y = y.detach();
  node->g = g;
  node->N = N;
  node->act = fused;
  node->alpha = alpha;
  node->precision = opt.precision;
  Tensor out = record(y, node);
  if (fused != act && act != Activation::Linear) out = activation(out, act, alpha);
  return out;
}

}  // namespace nerve
