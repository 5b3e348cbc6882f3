// Convolution ops, channels_last: 2-D convolution on NHWC images and 1-D convolution over time on
// [batch, timesteps, channels], plus the window geometry they share with pooling. Each checks its
// arguments (std::invalid_argument naming the op and shapes), runs a CPU kernel (GEMM through
// nerve::sgemm) and records a backward Node.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "nerve/activation.h"
#include "nerve/precision.h"
#include "nerve/tensor.h"

namespace nerve {

enum class Padding : uint8_t { Valid, Same };
// "valid" / "same" (Keras names); throws std::invalid_argument naming `who` otherwise.
Padding padding_from_name(const std::string& name, const std::string& who);
const char* padding_name(Padding p);

// The geometry of one spatial axis of a window op (convolution or pooling), as TensorFlow
// computes it: "same" gives out = ceil(in / stride) with the odd pad cell at the end.
struct Window1D {
  int64_t in, kernel, stride, dilation, pad_before, out;
};
// Throws std::invalid_argument (prefixed by `who`) when the window does not fit the input.
Window1D window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, Padding padding,
                   const std::string& who, const char* axis);

struct Conv2DOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::Valid;
  // MixedBFloat16: forward and backward as im2col + sgemm_bf16 (never Winograd, whose
  // transforms of rounded operands would not be products of bfloat16 values).
  ComputePrecision precision = ComputePrecision::Float32;
};

// Which algorithm 3x3 stride-1 convolutions use: ConvAlgorithm in nerve/runtime.h.

// act(conv(x, kernel) + bias): x [N, H, W, Cin], kernel [KH, KW, Cin, Cout] (Keras layout),
// bias [Cout] or undefined. Returns [N, OH, OW, Cout]. Bias and activations whose derivative
// follows from the output run in the GEMM epilogue.
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt,
              Activation act = Activation::Linear, float alpha = 0.f);

// The depthwise convolution (Keras's DepthwiseConv2D): x [N, H, W, C], kernel [KH, KW, C, M]
// (Keras's layout, M = depth_multiplier), bias [C * M] or undefined. Returns [N, OH, OW, C * M],
// output channel c * M + m. Always float32 (opt.precision is not read: its products are few).
Tensor depthwise_conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt);

// The transposed convolution (Keras's Conv2DTranspose, PyTorch's ConvTranspose2d): the adjoint of
// conv2d, so it reuses conv2d's kernels. output_padding unset is Keras's default; dilation > 1 only
// with stride 1 (as Keras).
struct Conv2DTransposeOptions {
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  Padding padding = Padding::Valid;
  std::optional<int64_t> output_padding_h, output_padding_w;
  // MixedBFloat16: every product (forward, dx, dw) on conv2d's bfloat16 kernels (im2col / col2im
  // + sgemm_bf16); the bias, any activation and db stay float32.
  ComputePrecision precision = ComputePrecision::Float32;
};

// One spatial axis of a transposed convolution of an input of length `in`, as the Window1D of the
// conv2d it is the adjoint of: .in is the output length (Keras's deconv_output_length), .out == in,
// and output cell i = o * stride - pad_before + k * dilation receives input cell o through kernel tap
// k. The padding follows Keras 3 (its JAX backend's explicit padding) exactly.
Window1D conv_transpose_window_1d(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, Padding padding,
                                  std::optional<int64_t> output_padding, const std::string& who, const char* axis);

// act(conv_transpose(x, kernel) + bias): x [N, H, W, in_channels], kernel [KH, KW, filters,
// in_channels] (Keras's layout), bias [filters] or undefined. Returns [N, OH, OW, filters].
Tensor conv2d_transpose(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DTransposeOptions& opt,
                        Activation act = Activation::Linear, float alpha = 0.f);

// x [B, T, C] (*) kernel [K, C, F] + bias [F] -> [B, T_out, F].
// padding: "valid", "same" or "causal" (left padding only, as Keras). precision MixedBFloat16:
// the forward product and both gradient products on sgemm_bf16.
Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, int64_t stride, const std::string& padding,
              int64_t dilation, ComputePrecision precision = ComputePrecision::Float32);
// Output length of conv1d / pooling for input length T (throws naming `who` if it is < 1).
int64_t conv1d_output_length(int64_t T, int64_t K, int64_t stride, const std::string& padding, int64_t dilation,
                             const std::string& who);

}  // namespace nerve
