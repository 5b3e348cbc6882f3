// Image augmentation ops on NHWC batches, one transform per sample: flips, Keras's affine transform
// (RandomRotation, RandomTranslation, RandomZoom) and contrast. The layers draw the per-sample
// parameters (nerve/layers/augmentation.h); these ops apply them and carry the input's gradient.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

// How a sample point outside the image is filled (Keras's fill_mode, jax.scipy.ndimage's modes):
// reflect (d c b a | a b c d | d c b a), wrap (a b c d | a b c d), constant (fill_value), nearest
// (a a | a b c d | d d).
enum class AffineFill : uint8_t { Reflect, Wrap, Constant, Nearest };
enum class AffineInterpolation : uint8_t { Nearest, Bilinear };
// Parse Keras's names; std::invalid_argument naming `who` and the choices otherwise.
AffineFill affine_fill_from(const std::string& name, const std::string& who);
AffineInterpolation affine_interpolation_from(const std::string& name, const std::string& who);

// Keras's 8-number transform [a0, a1, a2, b0, b1, b2, c0, c1]: output pixel (row i, column j)
// reads the input at column a0 j + a1 i + a2, row b0 j + b1 i + b2 (c0 = c1 = 0: no projection).
using AffineTransform = std::array<float, 8>;

// y[n] = x[n] reversed along the width where flip_width[n], along the height where flip_height[n]
// (each N entries, or empty for none). Gradient: the same flips of the output's gradient.
Tensor flip_images(const Tensor& x, const std::vector<uint8_t>& flip_height, const std::vector<uint8_t>& flip_width);

// y[n] = x[n] resampled through transforms[n], as keras.ops.image.affine_transform on JAX
// (jax.scipy.ndimage.map_coordinates: bilinear weights of the four neighbours, each neighbour's
// index mapped by the fill mode; nearest rounds half away from zero). Gradient: to x (the
// transforms are constants).
Tensor affine_transform(const Tensor& x, const std::vector<AffineTransform>& transforms,
                        AffineInterpolation interpolation, AffineFill fill, float fill_value);

// y[n] = clip((x[n] - m) * factors[n] + m, lo, hi), m the per-channel mean of x[n] over height and
// width (RandomContrast), in one fused kernel; the gradient flows to x (through the clip as
// jnp.clip's: 1/2 at a bound).
Tensor adjust_contrast(const Tensor& x, const std::vector<float>& factors, float lo, float hi);

}  // namespace nerve
