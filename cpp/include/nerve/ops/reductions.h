// Reductions over axes, as keras.ops has them: sum, mean, prod, max, min, logsumexp, var, std
// (differentiable), argmax and argmin (float32 indices, no gradient).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

// Var and Std are the population (biased) ones, as numpy's and Keras's.
enum class ReduceKind : unsigned char { Sum, Mean, Prod, Max, Min, LogSumExp, Var, Std };
const char* reduce_kind_name(ReduceKind kind);

// Axes to reduce: std::nullopt means every axis (Keras axis=None); negative axes count from the
// end; an empty list reduces nothing. Errors name the op, the axis and the shape.
using AxisList = std::optional<std::vector<int64_t>>;

// The reduction over `axis`; keepdims keeps the reduced axes with length 1. Max / Min give their
// gradient to the extreme cells, shared evenly between ties (as jax.grad does).
Tensor reduce(const Tensor& x, ReduceKind kind, const AxisList& axis, bool keepdims);

// The index of the first largest (smallest) value along `axis`, or in the flattened tensor when
// axis is nullopt, as a float32 tensor holding integers. Not differentiable.
Tensor argmax(const Tensor& x, std::optional<int64_t> axis, bool keepdims);
Tensor argmin(const Tensor& x, std::optional<int64_t> axis, bool keepdims);

// True when no element of x is an Inf or a NaN: one pass on x's device (not an op: no gradient,
// a host bool), as the checks of data at the boundary need it.
bool all_finite(const Tensor& x);

}  // namespace nerve
