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
  double loss_sum = 0;               // sum over samples of the per-sample mean loss
  int64_t samples = 0;
  int64_t steps = 0;                 // steps completed
  std::vector<double> metric_sums;   // per metric, sum over samples
  bool non_finite = false;           // a step produced a NaN/Inf loss; it was not applied
  int64_t non_finite_step = -1;      // index of that batch
};

class Trainer {
 public:
  Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
          std::vector<MetricKind> metrics);

  // Runs batches first_batch .. first_batch+num_batches-1 of an epoch. `order` is the sample
  // permutation (empty = in order). Stops early at a non-finite loss (see Stats).
  Stats train(const Tensor& x, const Tensor& y, const std::vector<int64_t>& order,
              int64_t batch_size, int64_t first_batch, int64_t num_batches);
  Stats evaluate(const Tensor& x, const Tensor& y, int64_t batch_size);
  Tensor predict(const Tensor& x, int64_t batch_size);

  // One step on one batch (train_on_batch); returns the loss.
  Stats train_batch(const Tensor& xb, const Tensor& yb);

  Model& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const Loss& loss() const { return loss_; }

 private:
  void accumulate_metrics(const Tensor& pred, const Tensor& target, Stats& stats) const;
  std::shared_ptr<Model> model_;
  Loss loss_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<MetricKind> metrics_;
};

// Rows `rows[0..n)` of t (first axis), copied into a new contiguous tensor.
Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n);
// Rows [begin, end) of t as a view (no copy) when t is contiguous.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end);

}  // namespace nerve
