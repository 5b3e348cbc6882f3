// CPU kernels of the attention family (kernel_table.h): multi-head scaled dot-product attention.
#pragma once
#include "kernel_table.h"

namespace nerve::kernels {

void attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                       bool causal, const float* keep, float* P, float* out);
void attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                        bool causal, const float* P, const float* keep, const float* dout, float* dq, float* dk,
                        float* dv);
void attention_weights(const AttentionDims& d, const float* q, const float* k, const float* mask, bool causal,
                       float* P);

}  // namespace nerve::kernels
