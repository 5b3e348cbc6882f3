// Loss functions. Each returns the batch mean as a scalar tensor and records its gradient.
// Cross-entropies given the output of softmax/sigmoid use the remembered logits, so they stay
// exact for logits of any size (the Keras behaviour); otherwise probabilities are clipped to
// [eps, 1-eps] as Keras does.
#pragma once
#include <string>

#include "nerve/tensor.h"

namespace nerve {

enum class LossKind : unsigned char {
  MeanSquaredError, MeanAbsoluteError, BinaryCrossentropy, CategoricalCrossentropy,
  SparseCategoricalCrossentropy
};

struct Loss {
  LossKind kind = LossKind::MeanSquaredError;
  bool from_logits = false;
};

LossKind loss_from_name(const std::string& name);  // throws, listing the valid names
const char* loss_name(LossKind kind);

// pred [batch, ...]; target of the same shape, except sparse: [batch] (or [batch, 1]) holding
// class indices as floats (validated to be integers in [0, classes)).
Tensor compute_loss(const Loss& loss, const Tensor& pred, const Tensor& target);

constexpr float kEpsilon = 1e-7f;  // Keras backend epsilon

}  // namespace nerve
