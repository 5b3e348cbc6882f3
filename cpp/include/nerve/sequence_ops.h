// Differentiable ops for sequence models: slicing and joining along an axis, time reversal,
// embedding lookup, learned position embeddings, 1-D convolution and pooling over time.
// Sequence tensors are [batch, timesteps, channels] (Keras channels_last).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/array_ops.h"  // concat(), shared with the merge layers
#include "nerve/tensor.h"

namespace nerve {

// x[..., start:start+length, ...] along `axis` as a contiguous copy; the gradient is scattered back.
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);
// Reverses axis 1 (time) of a [B, T, ...] tensor.
Tensor reverse_time(const Tensor& x);

// table[indices]: indices [B, ...] hold integer values (as floats) in [0, V); table [V, D].
// Returns [B, ..., D]. Out-of-range or non-integer indices throw, naming the first offender.
Tensor embedding(const Tensor& indices, const Tensor& table);

// x [B, T, D] + table[:T] for a learned position table [L, D] (L >= T).
Tensor add_position_embedding(const Tensor& x, const Tensor& table);

// x [B, T, C] (*) kernel [K, C, F] + bias [F] -> [B, T_out, F].
// padding: "valid", "same" or "causal" (left padding only, as Keras).
Tensor conv1d(const Tensor& x, const Tensor& kernel, const Tensor& bias, int64_t stride, const std::string& padding,
              int64_t dilation);
// Output length of conv1d / pooling for input length T (throws naming `who` if it is < 1).
int64_t conv1d_output_length(int64_t T, int64_t K, int64_t stride, const std::string& padding, int64_t dilation,
                             const std::string& who);

// Max over windows of `pool` steps every `stride` steps; padding "valid" or "same".
Tensor max_pool1d(const Tensor& x, int64_t pool, int64_t stride, const std::string& padding);
// Mean over time: [B, T, C] -> [B, C]. With a [B, T] 0/1 mask, the mean of the valid steps only.
Tensor global_average_pool1d(const Tensor& x, const Tensor& mask);

// A fresh tensor of `shape` holding 0 (probability `rate`) or 1/(1-rate), drawn from `seed`:
// the multipliers sequence layers use for their internal dropout (mul(x, keep)).
Tensor dropout_keep_mask(const Shape& shape, float rate, uint64_t seed);

}  // namespace nerve
