// Shape ops as keras.ops has them (numpy semantics): reshape, transpose, expand_dims, squeeze,
// stack, split, slice, strided_slice (basic indexing), take, take_along_axis, tile, repeat,
// broadcast_to, pad, moveaxis, swapaxes, flip. Every one records its gradient. Index tensors are
// float32 holding integers; negative indices count from the end. Errors name the op, the
// shapes and the axis.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/ops/reductions.h"
#include "nerve/tensor.h"

namespace nerve {

// One -1 in `shape` is inferred.
Tensor reshape(const Tensor& x, const Shape& shape);
// axes: a permutation of the axes; nullopt reverses them.
Tensor transpose(const Tensor& x, const std::optional<std::vector<int64_t>>& axes);
// Inserts length-1 axes at `axes` (positions in the result).
Tensor expand_dims(const Tensor& x, const std::vector<int64_t>& axes);
// Removes the length-1 axes listed (nullopt: every length-1 axis).
Tensor squeeze(const Tensor& x, const AxisList& axes);
// keras.ops.concatenate: concat (nerve/ops/merge.h) with errors naming concatenate.
Tensor concatenate(const std::vector<Tensor>& xs, int64_t axis);
Tensor stack(const std::vector<Tensor>& xs, int64_t axis);
// sections: split into that many equal parts; or at the given indices, which must rise within
// the axis (negative ones count from the end), as jnp.split requires.
std::vector<Tensor> split_sections(const Tensor& x, int64_t sections, int64_t axis);
std::vector<Tensor> split_at(const Tensor& x, const std::vector<int64_t>& indices, int64_t axis);
// keras.ops.slice: `shape` cells from `start` (a -1 in shape: to the end). Starts are clamped so
// that the slice fits, as jax.lax.dynamic_slice does.
Tensor slice(const Tensor& x, const std::vector<int64_t>& start, const std::vector<int64_t>& shape);
// x[b0:e0:s0, b1:e1:s1, ...] with Python's slice rules per axis (out-of-range bounds clamp,
// negative bounds count from the end); begin_none / end_none mark an omitted bound. Every axis
// of x is listed.
struct SliceSpec {
  int64_t begin = 0, end = 0, step = 1;
  bool begin_none = true, end_none = true;
};
Tensor strided_slice(const Tensor& x, const std::vector<SliceSpec>& spec);
// Gathers along `axis` (nullopt: of the flattened x): x.shape[:axis] + indices.shape + x.shape[axis+1:].
Tensor take(const Tensor& x, const Tensor& indices, std::optional<int64_t> axis);
// numpy's take_along_axis; indices broadcast against x outside `axis` (nullopt: flattened).
Tensor take_along_axis(const Tensor& x, const Tensor& indices, std::optional<int64_t> axis);
Tensor tile(const Tensor& x, const std::vector<int64_t>& repeats);
// repeats: one count for every element, or one per element along the axis (nullopt: flattened).
Tensor repeat(const Tensor& x, const std::vector<int64_t>& repeats, std::optional<int64_t> axis);
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// pad_width: one (before, after) pair per axis. Modes: constant, edge, reflect, symmetric, wrap.
Tensor pad(const Tensor& x, const std::vector<std::pair<int64_t, int64_t>>& pad_width, const std::string& mode,
           float constant_value);
Tensor moveaxis(const Tensor& x, const std::vector<int64_t>& source, const std::vector<int64_t>& destination);
Tensor swapaxes(const Tensor& x, int64_t axis1, int64_t axis2);
Tensor flip(const Tensor& x, const AxisList& axes);

// The shape two shapes broadcast to (numpy rules); std::invalid_argument naming `op` otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace nerve
