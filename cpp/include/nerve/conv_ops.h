// Differentiable ops for convolutional networks on channels_last (NHWC) images:
// 2-D convolution, pooling, batch normalisation, dropout and zero padding.
// Each checks its arguments (std::invalid_argument naming the op and shapes), runs a CPU kernel
// (GEMM through nerve::sgemm, or OpenMP loops over the batch / channels) and records a backward Node.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/activation.h"
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
};

// Which algorithm 3x3 stride-1 convolutions use: ConvAlgorithm in nerve/runtime.h.

// act(conv(x, kernel) + bias): x [N, H, W, Cin], kernel [KH, KW, Cin, Cout] (Keras layout),
// bias [Cout] or undefined. Returns [N, OH, OW, Cout]. Bias and activations whose derivative
// follows from the output run in the GEMM epilogue.
Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt,
              Activation act = Activation::Linear, float alpha = 0.f);

enum class PoolKind : uint8_t { Max, Average };
struct Pool2DOptions {
  int64_t pool_h = 2, pool_w = 2;
  int64_t stride_h = 2, stride_w = 2;
  Padding padding = Padding::Valid;
};
// x [N, H, W, C] -> [N, OH, OW, C]. "same" average pooling divides by the number of cells inside
// the input (padding is not counted), max pooling ignores the padding: both as Keras.
Tensor pool2d(const Tensor& x, PoolKind kind, const Pool2DOptions& opt);
// x [N, H, W, C] -> [N, C] (mean or max over H and W).
Tensor global_pool2d(const Tensor& x, PoolKind kind);

// Batch normalisation over every axis but the last (channels). gamma/beta [C] or undefined
// (no scale / no centre); moving_mean/moving_variance [C] are plain (non-grad) tensors.
// training: normalise with the batch mean and biased batch variance, and update the moving
// statistics in place (moving = moving * momentum + batch * (1 - momentum)).
// Otherwise: normalise with the moving statistics and leave them unchanged.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& moving_mean,
                  const Tensor& moving_variance, bool training, float momentum, float epsilon);

// Inverted dropout: each element kept with probability 1 - rate and scaled by 1 / (1 - rate).
// The mask is a pure function of (seed, element index): reproducible at any thread count.
Tensor dropout(const Tensor& x, float rate, uint64_t seed);

// x [N, H, W, C] -> [N, top + H + bottom, left + W + right, C] with zeros around.
Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);

}  // namespace nerve
