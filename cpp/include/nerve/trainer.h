// The training loop's inner part, in C++: batches are gathered, run forward, through the loss
// (plus the layers' regularization penalties), backward and the optimizer with no Python in
// between. Python's fit() calls train() for a chunk of steps at a time (between progress-bar
// updates and callbacks).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "nerve/losses.h"
#include "nerve/metrics.h"
#include "nerve/model.h"
#include "nerve/optimizers.h"

namespace nerve {

struct Stats {
  double loss_sum = 0;               // sum over samples of the batch loss (batch-size weighted)
  int64_t samples = 0;
  int64_t steps = 0;                 // steps completed
  std::vector<MetricState> metrics;  // one per metric of the trainer
  bool non_finite = false;           // a step produced a NaN/Inf loss; it was not applied
  int64_t non_finite_step = -1;      // index of that batch
  // Adds the totals of a later chunk (non_finite is carried over).
  void merge(const Stats& later);
};

class Trainer {
 public:
  Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
          std::vector<MetricSpec> metrics);

  // Runs batches first_batch .. first_batch+num_batches-1 of an epoch. `order` is the sample
  // permutation (empty = in order). sample_weight: undefined or one weight per sample of x,
  // gathered with the batch rows. Stops early at a non-finite loss (see Stats).
  Stats train(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
              const std::vector<int64_t>& order, int64_t batch_size, int64_t first_batch,
              int64_t num_batches);
  Stats evaluate(const Tensor& x, const Tensor& y, const Tensor& sample_weight, int64_t batch_size);
  Tensor predict(const Tensor& x, int64_t batch_size);

  // One training step on one batch (train_on_batch, batches from a generator).
  Stats train_batch(const Tensor& xb, const Tensor& yb, const Tensor& wb = Tensor());
  // Loss and metrics of one batch in inference mode, no update (test_on_batch).
  Stats test_batch(const Tensor& xb, const Tensor& yb, const Tensor& wb = Tensor());

  // The metric values Keras reports for accumulated stats, in the order of the metrics.
  std::vector<double> metric_results(const Stats& stats) const;

  Model& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Loss& loss() const { return loss_; }

 private:
  void accumulate_metrics(const Tensor& pred, const Tensor& target, const Tensor& weights,
                          Stats& stats) const;
  Stats empty_stats() const;
  std::shared_ptr<Model> model_;
  Loss loss_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<MetricSpec> metrics_;
};

// Rows `rows[0..n)` of t (first axis), copied into a new contiguous tensor.
Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n);
// Rows [begin, end) of t as a view (no copy) when t is contiguous.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end);

}  // namespace nerve
