// Reshaping ops: slicing along an axis, time reversal and zero padding.
#pragma once
#include <cstdint>

#include "nerve/tensor.h"

namespace nerve {

// x[..., start:start+length, ...] along `axis` as a contiguous copy; the gradient is scattered back.
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);
// Reverses axis 1 (time) of a [B, T, ...] tensor.
Tensor reverse_time(const Tensor& x);

// x [N, H, W, C] -> [N, top + H + bottom, left + W + right, C] with zeros around.
Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);

}  // namespace nerve
