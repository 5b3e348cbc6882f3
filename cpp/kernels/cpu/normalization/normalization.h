// CPU kernels of the normalization family (kernel_table.h): batch and layer normalisation.
#pragma once
#include <cstdint>

#include "nerve/replica_sum.h"

namespace nerve::kernels {

void batch_norm_forward(const float* x, int64_t rows, int64_t C, bool training, float momentum, float epsilon,
                        const float* gamma, const float* beta, float* moving_mean, float* moving_variance, float* y,
                        float* mean, float* inv_std, ReplicaSum* replicas);
void batch_norm_backward(const float* x, const float* dy, int64_t rows, int64_t C, const float* mean,
                         const float* inv_std, const float* gamma, bool batch_stats, float* dx, float* dgamma,
                         float* dbeta, ReplicaSum* replicas);
void layer_norm_forward(const float* x, int64_t rows, int64_t D, const float* gamma, const float* beta, float epsilon,
                        float* y, float* xhat, float* rstd);
void layer_norm_backward(const float* dy, const float* xhat, const float* rstd, int64_t rows, int64_t D,
                         const float* gamma, float* dx, float* dgamma, float* dbeta);

}  // namespace nerve::kernels
