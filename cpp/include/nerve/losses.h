// Loss functions (Keras 3 semantics). A loss is computed per row (the last axis holds a row's
// values): regression losses and binary cross-entropy average over the row, categorical
// cross-entropy and KL divergence sum over it. The result is the "sum_over_batch_size" reduction
// sum_r w_r·loss_r / rows, where w_r is the row's sample weight (1 without weights).
// Cross-entropies given the output of softmax/sigmoid use the remembered logits, so they stay
// exact for logits of any size (the Keras behaviour); otherwise probabilities are clipped to
// [eps, 1-eps] as Keras does.
#pragma once
#include <string>

#include "nerve/tensor.h"

namespace nerve {

enum class LossKind : unsigned char {
  MeanSquaredError,
  MeanAbsoluteError,
  Huber,
  BinaryCrossentropy,
  CategoricalCrossentropy,
  SparseCategoricalCrossentropy,
  KLDivergence,
  None  // an output trained by no loss (Keras: compile(loss=[fn, None])); never computed
};

struct Loss {
  LossKind kind = LossKind::MeanSquaredError;
  bool from_logits = false;
  // Binary: t = t(1-s) + s/2; categorical: t = t(1-s) + s/classes. Not for the sparse loss.
  float label_smoothing = 0.f;
  float delta = 1.f;  // Huber: quadratic for |error| <= delta, linear beyond
};

LossKind loss_from_name(const std::string& name);  // throws, listing the valid names
const char* loss_name(LossKind kind);
void check_loss(const Loss& loss);  // throws for settings out of range

// pred [batch, ...]; target of the same shape, except sparse: [batch, ...] without the class axis
// (or with a trailing 1) holding class indices as floats (validated to be integers in
// [0, classes)). sample_weight: undefined, or one non-negative weight per sample ([batch]).
Tensor compute_loss(const Loss& loss, const Tensor& pred, const Tensor& target, const Tensor& sample_weight = Tensor());

constexpr float kEpsilon = 1e-7f;  // Keras backend epsilon

}  // namespace nerve
