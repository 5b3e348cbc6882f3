// Reshaping ops: slicing along an axis, time reversal, zero padding and cropping, upsampling and
// repeats.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/tensor.h"

namespace nerve {

// x[..., start:start+length, ...] along `axis` as a contiguous copy; the gradient is scattered back.
Tensor narrow(const Tensor& x, int64_t axis, int64_t start, int64_t length);
// Reverses axis 1 (time) of a [B, T, ...] tensor.
Tensor reverse_time(const Tensor& x);

// x [N, H, W, C] -> [N, top + H + bottom, left + W + right, C] with zeros around.
Tensor zero_pad2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
// x [N, H, W, C] -> [N, H - top - bottom, W - left - right, C]: zero_pad2d's adjoint (Cropping2D).
Tensor crop2d(const Tensor& x, int64_t top, int64_t bottom, int64_t left, int64_t right);
// x [N, H, W, C] -> [N, H * size_h, W * size_w, C]: "nearest" repeats each pixel, "bilinear"
// interpolates with half-pixel centres as Keras 3 (jax.image.resize) and PyTorch
// (align_corners=False) do (UpSampling2D).
Tensor upsample2d(const Tensor& x, int64_t size_h, int64_t size_w, const std::string& interpolation);
// x [B, F] -> [B, n, F], each row repeated n times (RepeatVector).
Tensor repeat_vector(const Tensor& x, int64_t n);

}  // namespace nerve
