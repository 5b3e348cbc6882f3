// The training loop's inner part, in C++: batches are gathered, run forward, through the loss,
// backward and the optimizer with no Python in between. Python's fit() calls train() for a
// chunk of steps at a time (between progress-bar updates and callbacks).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nerve/losses.h"
#include "nerve/model.h"
#include "nerve/optimizers.h"

namespace nerve {

enum class MetricKind : unsigned char {
  BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy
};

struct Stats {
  double loss_sum = 0;               // sum over samples of the per-sample mean (total) loss
  std::vector<double> output_loss_sums;  // per model output, the same for that output's loss
  int64_t samples = 0;
  int64_t steps = 0;                 // steps completed
  std::vector<double> metric_sums;   // per metric, sum over samples (output 0's metrics first)
  bool non_finite = false;           // a step produced a NaN/Inf loss; it was not applied
  int64_t non_finite_step = -1;      // index of that batch
};

class Trainer {
 public:
  // A model with one output: one loss, and metrics on that output.
  Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
          std::vector<MetricKind> metrics);
  // A model with several outputs: losses[i] on output i, and the total loss minimised is
  // sum_i loss_weights[i] * losses[i] (Keras loss_weights); metrics[i] are counted on output i.
  Trainer(std::shared_ptr<Model> model, std::vector<Loss> losses, std::vector<float> loss_weights,
          std::shared_ptr<Optimizer> optimizer, std::vector<std::vector<MetricKind>> metrics);

  // Runs batches first_batch .. first_batch+num_batches-1 of an epoch. `order` is the sample
  // permutation (empty = in order). Stops early at a non-finite loss (see Stats).
  // xs: one array per model input, ys: one per output, all with the same number of samples.
  Stats train(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
              const std::vector<int64_t>& order, int64_t batch_size, int64_t first_batch,
              int64_t num_batches);
  Stats evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, int64_t batch_size);
  std::vector<Tensor> predict(const std::vector<Tensor>& xs, int64_t batch_size);
  // One step on one batch (train_on_batch); returns the loss.
  Stats train_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb);

  // Single input and output.
  Stats train(const Tensor& x, const Tensor& y, const std::vector<int64_t>& order,
              int64_t batch_size, int64_t first_batch, int64_t num_batches) {
    return train(std::vector<Tensor>{x}, std::vector<Tensor>{y}, order, batch_size, first_batch,
                 num_batches);
  }
  Stats evaluate(const Tensor& x, const Tensor& y, int64_t batch_size) {
    return evaluate(std::vector<Tensor>{x}, std::vector<Tensor>{y}, batch_size);
  }
  Tensor predict(const Tensor& x, int64_t batch_size);
  Stats train_batch(const Tensor& xb, const Tensor& yb) {
    return train_batch(std::vector<Tensor>{xb}, std::vector<Tensor>{yb});
  }

  Model& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Loss& loss() const { return losses_.at(0); }
  const std::vector<Loss>& losses() const { return losses_; }
  const std::vector<float>& loss_weights() const { return loss_weights_; }

 private:
  std::vector<Tensor> run_model(const std::vector<Tensor>& xs, bool training);
  // The weighted total loss (recorded for backward); adds each output's loss to stats, * B.
  Tensor total_loss(const std::vector<Tensor>& preds, const std::vector<Tensor>& ys, int64_t B,
                    Stats& stats) const;
  void accumulate_metrics(const std::vector<Tensor>& preds, const std::vector<Tensor>& targets,
                          Stats& stats) const;
  void accumulate_metrics(const Tensor& pred, const Tensor& target,
                          const std::vector<MetricKind>& metrics, size_t offset, Stats& stats) const;
  void check_data(const std::vector<Tensor>& xs, const std::vector<Tensor>* ys) const;
  Stats empty_stats() const;
  std::shared_ptr<Model> model_;
  std::vector<Loss> losses_;
  std::vector<float> loss_weights_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<std::vector<MetricKind>> metrics_;  // per output
  size_t num_metrics_ = 0;
};

// Rows `rows[0..n)` of t (first axis), copied into a new contiguous tensor.
Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n);
// Rows [begin, end) of t as a view (no copy) when t is contiguous.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end);

}  // namespace nerve
