// Inference alone: a model's outputs for whole arrays, batch by batch, in inference mode. It
// needs only the model (no loss, optimizer or metrics), so an uncompiled model predicts without
// a placeholder Trainer.
#pragma once
#include <memory>
#include <vector>

#include "nerve/models/model.h"

namespace nerve {

class Predictor {
 public:
  explicit Predictor(std::shared_ptr<Model> model);

  // xs: one array per model input (same number of samples); returns one array per output.
  // keep_activity: the layers keep the last batch's activity penalties, as a direct call
  // (model(x)) leaves them for layer.losses; predict clears them (they are nobody's).
  std::vector<Tensor> predict(const std::vector<Tensor>& xs, int64_t batch_size, bool keep_activity = false);

  Model& model() { return *model_; }

 private:
  std::shared_ptr<Model> model_;
};

}  // namespace nerve
