// Creation ops of keras.ops (nerve.ops.zeros, full, arange, linspace, eye, tri) and the triangle
// masks tril / triu. The results of creation ops have no history (no gradient); tril and triu
// pass the gradient through the kept entries.
#pragma once
#include <cstdint>

#include "nerve/tensor.h"

namespace nerve {

// A tensor of `shape` filled with `value` (zeros, ones, full).
Tensor full(const Shape& shape, float value);
// x's shape filled with `value`; x's values are not read (zeros_like, ones_like, full_like).
Tensor full_like(const Tensor& x, float value);
// start, start + step, ... while below stop (above it when step < 0), as numpy.arange:
// ceil((stop - start) / step) values, none when that is <= 0. step == 0: std::invalid_argument.
Tensor arange(double start, double stop, double step);
// num values from start to stop (included when endpoint), as numpy.linspace.
Tensor linspace(double start, double stop, int64_t num, bool endpoint);
// [rows, cols] with 1 where lower <= j - i <= upper (eye: lower = upper = k; tri: j - i <= k).
Tensor band(const char* op, int64_t rows, int64_t cols, int64_t lower, int64_t upper);
// x with the entries above diagonal k of its last two axes zeroed (tril), or below it (triu).
Tensor tril(const Tensor& x, int64_t k);
Tensor triu(const Tensor& x, int64_t k);

}  // namespace nerve
