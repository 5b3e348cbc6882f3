// conv2d_transpose(): the transposed 2-D convolution on NHWC images. The op works out the geometry
// (Keras's output sizes and padding), checks shapes and records the node; the kernels are the
// device's conv family (on the CPU, conv2d's own kernels with input and output swapped).
#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"
#include "nerve/ops/convolutional.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct Conv2DTransposeNode : Node {
  Tensor x, w;  // detached input and kernel
  ConvGeometry g;
  int64_t N;
  ComputePrecision precision;
  const char* name() const override { return "Conv2DTranspose"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    const Tensor gc = grad.contiguous();
    const bool need_dx = inputs[0].requires_grad(), need_dw = inputs[1].requires_grad();
    const bool need_db = inputs[2].defined() && inputs[2].requires_grad();
    const Device dev = x.device();
    Tensor dx = need_dx ? Tensor::empty(x.shape(), dev) : Tensor();
    Tensor dw = need_dw ? Tensor::empty(w.shape(), dev) : Tensor();
    Tensor db = need_db ? Tensor::empty({g.C}, dev) : Tensor();
    auto kernel = NERVE_KERNEL(dev, conv, conv2d_transpose_backward, "conv2d_transpose");
    if (precision == ComputePrecision::MixedBFloat16)
      kernel = NERVE_KERNEL(dev, conv, conv2d_transpose_bf16_backward, "conv2d_transpose");
    kernel(x.data(), w.data(), gc.data(), g, N, need_dx ? dx.data() : nullptr, need_dw ? dw.data() : nullptr,
           need_db ? db.data() : nullptr);
    return {dx, dw, db};
  }
};

}  // namespace

Window1D conv_transpose_window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, Padding padding,
                                  std::optional<int64_t> output_padding, const std::string& who, const char* axis) {
  if (kernel <= 0 || stride <= 0 || dilation <= 0)
    throw std::invalid_argument(who + ": " + axis + " kernel, stride and dilation must be positive, got " +
                                std::to_string(kernel) + ", " + std::to_string(stride) + ", " +
                                std::to_string(dilation));
  if (in <= 0)
    throw std::invalid_argument(who + ": the input " + axis + " is " + std::to_string(in) + ", must be positive");
  if (output_padding && (*output_padding < 0 || *output_padding >= stride))
    throw std::invalid_argument(who + ": output_padding must be non-negative and strictly less than strides, got " +
                                std::to_string(*output_padding) + " for stride " + std::to_string(stride) +
                                " along the " + axis);
  // Keras 3 (backend_utils._convert_conv_transpose_padding_args_from_keras_to_jax): the input, dilated
  // by the stride, is padded by (left, right) and convolved with the flipped kernel.
  const int64_t span = (kernel - 1) * dilation + 1;
  int64_t left = 0, right = 0;
  if (padding == Padding::Valid) {
    const int64_t extra = output_padding.value_or(std::max(span, stride) - span);
    left = span - 1;
    right = span - 1 + extra;
  } else {
    const int64_t total = output_padding ? span + span % 2 - 2 + *output_padding : stride + span - 2;
    left = std::min(total / 2 + total % 2, span - 1);
    right = total - left;
  }
  const int64_t length = (in - 1) * stride + 1 + left + right - span + 1;
  if (length <= 0)
    throw std::invalid_argument(who + ": the output " + axis + " would be " + std::to_string(length) + " (input " +
                                std::to_string(in) + ", kernel " + std::to_string(kernel) + ", stride " +
                                std::to_string(stride) + "); give a larger output_padding or input");
  // Output cell i reads padded cell i + k' of the flipped kernel, the input cell o sitting at padded
  // position o * stride + left: i = o * stride - (span - 1 - left) + k * dilation.
  return Window1D{length, kernel, stride, dilation, span - 1 - left, in};
}

Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DTransposeOptions& opt,
                        Activation act, float alpha) {
  if (x.dim() != 4)
    throw std::invalid_argument("conv2d_transpose: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (kernel.dim() != 4)
    throw std::invalid_argument("conv2d_transpose: kernel must be 4-D [kh, kw, filters, in_channels], got shape " +
                                kernel.shape_string());
  if (kernel.size(3) != x.size(3))
    throw std::invalid_argument("conv2d_transpose: input of shape " + x.shape_string() + " has " +
                                std::to_string(x.size(3)) + " channels (axis 3), the kernel of shape " +
                                kernel.shape_string() + " expects " + std::to_string(kernel.size(3)) + " (its axis 3)");
  const int64_t filters = kernel.size(2);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != filters))
    throw std::invalid_argument("conv2d_transpose: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(filters) + " filters");
  if ((opt.stride_h > 1 || opt.stride_w > 1) && (opt.dilation_h > 1 || opt.dilation_w > 1))
    throw std::invalid_argument(
        "conv2d_transpose: strides > 1 together with dilation_rate > 1 is not supported "
        "(as in Keras)");
  // The conv2d whose input gradient this is: input [N, OH, OW, filters], output [N, H, W, in_channels].
  ConvGeometry g;
  g.h = conv_transpose_window_1d(x.size(1), kernel.size(0), opt.stride_h, opt.dilation_h, opt.padding,
                                 opt.output_padding_h, "conv2d_transpose", "height");
  g.w = conv_transpose_window_1d(x.size(2), kernel.size(1), opt.stride_w, opt.dilation_w, opt.padding,
                                 opt.output_padding_w, "conv2d_transpose", "width");
  g.H = g.h.in;
  g.W = g.w.in;
  g.C = filters;
  g.F = x.size(3);
  const int64_t N = x.size(0);
  check_same_device("conv2d_transpose", x, kernel);
  check_same_device("conv2d_transpose", x, bias);
  Tensor xc = x.contiguous().detach(), wc = kernel.contiguous().detach();
  Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  Tensor y = Tensor::empty({N, g.H, g.W, filters}, x.device());
  auto forward = NERVE_KERNEL(x.device(), conv, conv2d_transpose_forward, "conv2d_transpose");
  if (opt.precision == ComputePrecision::MixedBFloat16)
    forward = NERVE_KERNEL(x.device(), conv, conv2d_transpose_bf16_forward, "conv2d_transpose");
  forward(xc.data(), wc.data(), kernel_arg(bc), g, N, y.data());
  auto node = std::make_shared<Conv2DTransposeNode>();
  node->inputs = {x, kernel, bias};
  node->x = xc;
  node->w = wc;
  node->g = g;
  node->N = N;
  node->precision = opt.precision;
  Tensor out = record(y, node);
  if (act != Activation::Linear) out = activation(out, act, alpha);
  return out;
}

}  // namespace nerve
