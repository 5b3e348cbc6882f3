// depthwise_conv2d(): each input channel convolved with its own depth_multiplier filters (Keras's
// DepthwiseConv2D, the first half of SeparableConv2D). The op checks shapes and records the node;
// the kernels are the device's conv family (the CPU's in cpp/kernels/cpu/conv/depthwise_conv2d.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "nerve/ops/convolutional.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct DepthwiseConv2DNode : Node {
  Tensor x, w;  // detached input and kernel
  ConvGeometry g;
  int64_t N;
  const char* name() const override { return "DepthwiseConv2D"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    const Tensor gc = grad.contiguous();
    const bool need_dx = inputs[0].requires_grad(), need_dw = inputs[1].requires_grad();
    const bool need_db = inputs[2].defined() && inputs[2].requires_grad();
    const Device dev = x.device();
    Tensor dx = need_dx ? Tensor::empty(x.shape(), dev) : Tensor();
    Tensor dw = need_dw ? Tensor::empty(w.shape(), dev) : Tensor();
    Tensor db = need_db ? Tensor::empty({g.F}, dev) : Tensor();
    NERVE_KERNEL(dev, conv, depthwise_conv2d_backward, "depthwise_conv2d")
    (x.data(), w.data(), gc.data(), g, N, need_dx ? dx.data() : nullptr, need_dw ? dw.data() : nullptr,
     need_db ? db.data() : nullptr);
    return {dx, dw, db};
  }
};

}  // namespace

Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt) {
  if (x.dim() != 4)
    throw std::invalid_argument("depthwise_conv2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (kernel.dim() != 4)
    throw std::invalid_argument(
        "depthwise_conv2d: kernel must be 4-D [kh, kw, in_channels, depth_multiplier], got shape " +
        kernel.shape_string());
  if (kernel.size(2) != x.size(3))
    throw std::invalid_argument("depthwise_conv2d: input of shape " + x.shape_string() + " has " +
                                std::to_string(x.size(3)) + " channels, the kernel of shape " + kernel.shape_string() +
                                " expects " + std::to_string(kernel.size(2)));
  const int64_t F = kernel.size(2) * kernel.size(3);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != F))
    throw std::invalid_argument("depthwise_conv2d: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(F) + " output channels (in_channels * depth_multiplier)");
  ConvGeometry g;
  g.H = x.size(1);
  g.W = x.size(2);
  g.C = x.size(3);
  g.F = F;
  g.h = window_1d(g.H, kernel.size(0), opt.stride_h, opt.dilation_h, opt.padding, "depthwise_conv2d", "height");
  g.w = window_1d(g.W, kernel.size(1), opt.stride_w, opt.dilation_w, opt.padding, "depthwise_conv2d", "width");
  const int64_t N = x.size(0);
  check_same_device("depthwise_conv2d", x, kernel);
  check_same_device("depthwise_conv2d", x, bias);
  Tensor xc = x.contiguous().detach(), wc = kernel.contiguous().detach();
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor y = Tensor::empty({N, g.h.out, g.w.out, F}, x.device());
  NERVE_KERNEL(x.device(), conv, depthwise_conv2d_forward, "depthwise_conv2d")
  (xc.data(), wc.data(), bc.defined() ? bc.data() : nullptr, g, N, y.data());
  auto node = std::make_shared<DepthwiseConv2DNode>();
  node->inputs = {x, kernel, bias};
  node->x = xc;
  node->w = wc;
  node->g = g;
  node->N = N;
  return record(y, node);
}

}  // namespace nerve
