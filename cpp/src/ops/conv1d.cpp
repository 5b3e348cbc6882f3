// conv1d() as im2col + one sgemm, and global_average_pool1d() over time (max_pool1d() is the 2-D
// pooling on a one-column image: ops/pooling.cpp). The ops check shapes and record the nodes; the
// loops are the device's conv and pooling families (the CPU's in cpp/kernels/cpu/conv/conv1d.cpp
// and cpp/kernels/cpu/pooling/pool1d.cpp).
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/pooling.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

int64_t left_pad(int64_t T, int64_t To, int64_t K, int64_t stride, const std::string& padding, int64_t dilation) {
  if (padding == "valid") return 0;
  int64_t span = (K - 1) * dilation;
  if (padding == "causal") return span;
  int64_t total = std::max<int64_t>((To - 1) * stride + span + 1 - T, 0);
  return total / 2;
}

struct Conv1dNode : Node {
  Conv1DGeometry g;
  Tensor col;  // [B*To, K*C]
  const char* name() const override { return "Conv1D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dz = grad.contiguous();
    const Tensor &w = inputs[1], &b = inputs[2];
    const Device dev = col.device();
    std::vector<Tensor> grads(3);
    if (inputs[0].requires_grad()) grads[0] = Tensor::zeros(inputs[0].shape(), dev);
    if (w.requires_grad()) grads[1] = Tensor::empty(w.shape(), dev);
    if (b.defined() && b.requires_grad()) grads[2] = Tensor::empty({g.F}, dev);
    Tensor wc = w.contiguous();
    NERVE_KERNEL(dev, conv, conv1d_backward, "conv1d")(
        dz.data(), wc.data(), col.data(), g, grads[0].defined() ? grads[0].data() : nullptr,
        grads[1].defined() ? grads[1].data() : nullptr, grads[2].defined() ? grads[2].data() : nullptr);
    return grads;
  }
};

struct GapNode : Node {
  Tensor weight;  // [B, T]: 1/count for valid steps, 0 for masked ones
  const char* name() const override { return "GlobalAveragePooling1D"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const Shape& s = inputs[0].shape();
    Tensor dx = Tensor::empty(s, weight.device());
    NERVE_KERNEL(dx.device(), pooling, global_avg_pool1d_backward, "global_average_pool1d")(
        g.data(), weight.data(), s[0], s[1], s[2], dx.data());
    return {dx};
  }
};

void check_padding(const std::string& padding, bool causal_ok, const std::string& who) {
  if (padding != "valid" && padding != "same" && !(causal_ok && padding == "causal"))
    throw std::invalid_argument(who + ": padding must be 'valid'" +
                                (causal_ok ? ", 'same' or 'causal'" : " or 'same'") + ", got '" + padding + "'");
}

}  // namespace

int64_t conv1d_output_length(int64_t T, int64_t K, int64_t stride, const std::string& padding, int64_t dilation,
                             const std::string& who) {
  check_padding(padding, true, who);
  if (K < 1 || stride < 1 || dilation < 1)
    throw std::invalid_argument(who + ": kernel size, strides and dilation must be positive");
  int64_t To = padding == "valid" ? (T - (K - 1) * dilation - 1) / stride + 1 : (T + stride - 1) / stride;
  if (padding == "valid" && T < (K - 1) * dilation + 1) To = 0;
  if (To < 1)
    throw std::invalid_argument(who + ": input of " + std::to_string(T) + " timesteps is shorter than the window (" +
                                std::to_string((K - 1) * dilation + 1) + " steps) with padding 'valid'");
  return To;
}

Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, int64_t stride, const std::string& padding,
              int64_t dilation, ComputePrecision precision) {
  if (x.dim() != 3)
    throw std::invalid_argument("conv1d: input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  if (kernel.dim() != 3 || kernel.size(1) != x.size(2))
    throw std::invalid_argument("conv1d: kernel of shape " + kernel.shape_string() + " does not match input of shape " +
                                x.shape_string() + " (expected (kernel_size, " + std::to_string(x.size(2)) +
                                ", filters))");
  Conv1DGeometry g;
  g.B = x.size(0);
  g.T = x.size(1);
  g.C = x.size(2);
  g.K = kernel.size(0);
  g.F = kernel.size(2);
  g.stride = stride;
  g.dilation = dilation;
  g.precision = precision;
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != g.F))
    throw std::invalid_argument("conv1d: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(g.F) + " filters");
  g.To = conv1d_output_length(g.T, g.K, stride, padding, dilation, "conv1d");
  g.pad_left = left_pad(g.T, g.To, g.K, stride, padding, dilation);
  check_same_device("conv1d", x, kernel);
  check_same_device("conv1d", x, bias);
  Tensor xc = x.contiguous(), wc = kernel.contiguous();
  int64_t M = g.B * g.To, KC = g.K * g.C;
  Tensor col = Tensor::empty({M, KC}, x.device());
  Tensor out = Tensor::empty({g.B, g.To, g.F}, x.device());
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  NERVE_KERNEL(x.device(), conv, conv1d_forward, "conv1d")(xc.data(), wc.data(), bc.defined() ? bc.data() : nullptr, g,
                                                           col.data(), out.data());
  auto node = std::make_shared<Conv1dNode>();
  node->inputs = {x, kernel, bias};
  node->g = g;
  node->col = col;
  return record(out, node);
}

Tensor global_average_pool1d(const Tensor& x, const Tensor& mask) {
  if (x.dim() != 3)
    throw std::invalid_argument("global_average_pool1d: input must be 3-D (batch, timesteps, channels), got shape " +
                                x.shape_string());
  int64_t B = x.size(0), T = x.size(1), C = x.size(2);
  if (mask.defined() && (mask.dim() != 2 || mask.size(0) != B || mask.size(1) != T))
    throw std::invalid_argument("global_average_pool1d: mask of shape " + mask.shape_string() +
                                " does not match input of shape " + x.shape_string());
  check_same_device("global_average_pool1d", x, mask);
  Tensor weight = Tensor::empty({B, T}, x.device());
  Tensor mc = mask.defined() ? mask.contiguous() : Tensor();
  Tensor xc = x.contiguous();
  Tensor out = Tensor::empty({B, C}, x.device());
  NERVE_KERNEL(x.device(), pooling, global_avg_pool1d_forward, "global_average_pool1d")(
      xc.data(), mc.defined() ? mc.data() : nullptr, B, T, C, weight.data(), out.data());
  auto node = std::make_shared<GapNode>();
  node->inputs = {x};
  node->weight = weight;
  return record(out, node);
}

}  // namespace nerve
