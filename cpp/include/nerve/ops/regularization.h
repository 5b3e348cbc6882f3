// Dropout ops: inverted dropout on a tensor, and the keep-multipliers sequence layers use for
// their internal (per-step) dropout, and Gaussian noise and Gaussian dropout.
#pragma once
#include <cstdint>

#include "nerve/tensor.h"

namespace nerve {

// Inverted dropout: each element kept with probability 1 - rate and scaled by 1 / (1 - rate).
// The mask is a pure function of (seed, element index): reproducible at any thread count.
Tensor dropout(const Tensor& x, float rate, uint64_t seed);

// A fresh tensor of `shape` holding 0 (probability `rate`) or 1/(1-rate), drawn from `seed`:
// the multipliers sequence layers use for their internal dropout (mul(x, keep)).
Tensor dropout_keep_mask(const Shape& shape, float rate, uint64_t seed);
// x + noise with noise ~ N(0, stddev^2) drawn from `seed` (GaussianNoise while training); the
// noise is a pure function of (seed, element index).
Tensor gaussian_noise(const Tensor& x, float stddev, uint64_t seed);
// x * noise with noise ~ N(1, rate / (1 - rate)) drawn from `seed` (GaussianDropout while training).
Tensor gaussian_dropout(const Tensor& x, float rate, uint64_t seed);

}  // namespace nerve
