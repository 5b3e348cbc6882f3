// Normalisation ops: batch normalisation (statistics over the batch) and layer normalisation
// (over the last axis).
#pragma once
#include "nerve/tensor.h"

namespace nerve {

// Batch normalisation over every axis but the last (channels). gamma/beta [C] or undefined
// (no scale / no centre); moving_mean/moving_variance [C] are plain (non-grad) tensors.
// training: normalise with the batch mean and biased batch variance, and update the moving
// statistics in place (moving = moving * momentum + batch * (1 - momentum)).
// Otherwise: normalise with the moving statistics and leave them unchanged.
// synchronized: in training inside a data-parallel training step (current_replica_sum(),
// replica_sum.h), the batch statistics and their gradients are those of every replica's batch
// together; elsewhere it changes nothing.
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& moving_mean,
                  const Tensor& moving_variance, bool training, float momentum, float epsilon,
                  bool synchronized = false);

// Layer normalisation over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta.
// x [..., D]; gamma and beta [D] or undefined (no scale / no centre).
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, float epsilon);

}  // namespace nerve
