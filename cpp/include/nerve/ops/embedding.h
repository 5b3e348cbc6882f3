// Embedding ops: table lookup and learned position embeddings.
#pragma once
#include "nerve/tensor.h"

namespace nerve {

// table[indices]: indices [B, ...] hold integer values (as floats) in [0, V); table [V, D].
// Returns [B, ..., D]. Out-of-range or non-integer indices throw, naming the first offender.
Tensor embedding(const Tensor& indices, const Tensor& table);

// x [B, T, D] + table[:T] for a learned position table [L, D] (L >= T).
Tensor add_position_embedding(const Tensor& x, const Tensor& table);

}  // namespace nerve
