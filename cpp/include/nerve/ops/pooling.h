// Pooling ops, channels_last: 2-D windows and global pooling over NHWC images, 1-D windows, the
// (masked) mean and the max over time on [batch, timesteps, channels].
#pragma once
#include <cstdint>
#include <string>

#include "nerve/ops/convolutional.h"  // Padding and the window geometry
#include "nerve/tensor.h"

namespace nerve {

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

// Max over windows of `pool` steps every `stride` steps; padding "valid" or "same".
Tensor max_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding);
// Mean over time: [B, T, C] -> [B, C]. With a [B, T] 0/1 mask, the mean of the valid steps only.
Tensor global_average_pool1d(const Tensor& x, const Tensor& mask);
// Mean over windows of `pool` steps every `stride` steps; "same" divides by the steps inside the
// input (padding is not counted), as Keras. pool2d over [B, T, 1, C]: the same kernels.
Tensor average_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding);
// Max over time: [B, T, C] -> [B, C]; the gradient is shared equally by the steps equal to the
// maximum (as jax.grad of jnp.max). global_pool2d over [B, T, 1, C].
Tensor global_max_pool1d(const Tensor& x);

}  // namespace nerve
