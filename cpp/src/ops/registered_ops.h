// The families of registered ops (nerve/op_registry.h): each file under ops/registry/ defines one
// register_*_ops() that calls register_op for every op it adapts. Add a family here and to
// register_all_ops() below (one line each).
#pragma once

namespace nerve {

void register_core_ops();            // ops/registry/core_ops.cpp: the ops nerve had before the registry
void register_math_ops();            // ops/registry/math_ops.cpp: element-wise math, comparisons, cast
void register_nn_ops();              // ops/registry/nn_ops.cpp: the activations of keras.ops
void register_reduction_ops();       // ops/registry/reduction_ops.cpp: sum, mean, max, ..., argmax
void register_shape_ops();           // ops/registry/shape_ops.cpp: reshape, transpose, take, pad, ...
void register_linalg_ops();          // ops/registry/linalg_ops.cpp: matmul
void register_random_ops();          // ops/registry/random_ops.cpp: nerve.random's draws, dropout, shuffle
void register_conv_transpose_ops();  // ops/registry/conv_transpose_ops.cpp: conv2d_transpose
void register_last_axis_ops();       // ops/registry/last_axis_ops.cpp: argsort, cumsum, cumprod
void register_creation_ops();        // ops/registry/creation_ops.cpp: zeros, full, arange, eye, tri, tril

// Called once, on first use of the registry.
inline void register_all_ops() {
  register_core_ops();
  register_math_ops();
  register_nn_ops();
  register_reduction_ops();
  register_shape_ops();
  register_linalg_ops();
  register_random_ops();
  register_conv_transpose_ops();
  register_creation_ops();
  register_last_axis_ops();
}

}  // namespace nerve
