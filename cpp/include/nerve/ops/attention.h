// Multi-head scaled dot-product attention on already projected queries, keys and values.
// Every product runs through nerve::sgemm on strided head slices (no transposed copies); the
// softmax subtracts the row maximum, so any score magnitude is safe.
#pragma once
#include <cstdint>

#include "nerve/tensor.h"

namespace nerve {

// q [B, Tq, H*dk], k [B, Tk, H*dk], v [B, Tk, H*dv] -> [B, Tq, H*dv]
//   softmax(q_h k_h^T / sqrt(dk) + masking) v_h for each head h.
// mask: [B, Tq, Tk] of 0/1 (1 = may attend) or undefined. causal: query i sees keys j <= i.
// A query row with no allowed key gets all-zero weights (and output).
// dropout > 0 drops attention weights (seeded by `seed`), scaling the rest by 1/(1-dropout).
Tensor multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t num_heads, const Tensor& mask,
                            bool causal, float dropout = 0.f, uint64_t seed = 0);

// The attention weights [B, H, Tq, Tk] of the same computation (no gradient), for inspection.
Tensor attention_weights(const Tensor& q, const Tensor& k, int64_t num_heads, const Tensor& mask, bool causal);

}  // namespace nerve
