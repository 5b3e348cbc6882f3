// Models: what the trainer drives. A model maps a batch to predictions and owns weights.
#pragma once
#include <memory>
#include <vector>

#include "nerve/layers/layer.h"
#include "nerve/models/run_lock.h"

namespace nerve {

class Model {
 public:
  virtual ~Model() = default;
  // One input, one output: the common case (Sequential), kept free of vector overhead.
  virtual Tensor forward(const Tensor& x, bool training) = 0;
  // Several inputs and outputs (graph models). The default bridges to forward().
  virtual std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training);
  virtual size_t num_inputs() const { return 1; }
  virtual size_t num_outputs() const { return 1; }
  virtual std::vector<Tensor> trainable_weights() const = 0;
  // Every layer the model runs: the trainer collects their regularization penalties. A model
  // that does not list its layers trains without regularizers.
  virtual std::vector<std::shared_ptr<Layer>> all_layers() const { return {}; }
  // Sum of the layers' penalties (trainable weights, and activity of the last forward pass);
  // undefined when no layer has a regularizer.
  Tensor regularization_loss() const;
  // Drops the activity penalties (and the graph they hold) once a step is done.
  void clear_activity_losses();
  // Held by each training step, evaluation step and predicted batch (models/run_lock.h).
  RunLock& run_lock() const { return run_lock_; }

 private:
  mutable RunLock run_lock_;
};

}  // namespace nerve
