// The training loop's inner part, in C++: batches are gathered, run forward, through the loss
// (plus the layers' regularization penalties), backward and the optimizer with no Python in
// between. Python's fit() calls train() for a chunk of steps at a time (between progress-bar
// updates and callbacks). Inference alone is the Predictor's (predictor.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nerve/gradient_reducer.h"
#include "nerve/losses.h"
#include "nerve/metrics.h"
#include "nerve/models/model.h"
#include "nerve/optimizers.h"
#include "nerve/predictor.h"

namespace nerve {

struct Stats {
  double loss_sum = 0;  // sum over samples of the batch loss (batch-size weighted):
                        // the weighted total over outputs plus the penalties
  // Models with several outputs: per output, the same sum for that output's loss alone. Empty
  // for a single-output model (its loss is loss_sum), so that step allocates nothing extra.
  std::vector<double> output_loss_sums;
  int64_t samples = 0;
  int64_t steps = 0;                 // steps completed
  std::vector<MetricState> metrics;  // one per metric of the trainer (output 0's metrics first)
  bool non_finite = false;           // a step produced a NaN/Inf loss; it was not applied
  int64_t non_finite_step = -1;      // index of that batch
  // Adds the totals of a later chunk (non_finite is carried over).
  void merge(const Stats& later);
};

// A sample permutation the trainer reads without owning or copying it (a view of the caller's
// array, e.g. fit()'s numpy int64 order, alive for the call). Empty: the samples in order.
struct SampleOrder {
  const int64_t* data = nullptr;
  int64_t size = 0;
  SampleOrder() = default;
  SampleOrder(const int64_t* d, int64_t n) : data(d), size(n) {}
  // Implicit, so that C++ callers pass their std::vector as it is (it must outlive the call).
  SampleOrder(const std::vector<int64_t>& v) : data(v.data()), size(static_cast<int64_t>(v.size())) {}  // NOLINT
  bool empty() const { return size == 0; }
};

// One API for every model: inputs are one array per model input (xs) and targets one per output
// (ys), all with the same number of samples; a model with one input and one output passes
// one-element vectors (and still takes a path with no per-step vectors inside).
class Trainer {
 public:
  // losses[i] on output i; the total loss minimised is sum_i loss_weights[i] * losses[i] (Keras
  // loss_weights; empty = all 1) plus the penalties; metrics[i] are counted on output i (empty =
  // none). The optimizer may be null for a trainer that only evaluates.
  Trainer(std::shared_ptr<Model> model, std::vector<Loss> losses, std::vector<float> loss_weights,
          std::shared_ptr<Optimizer> optimizer, std::vector<std::vector<MetricSpec>> metrics);

  // Runs batches first_batch .. first_batch+num_batches-1 of an epoch, in `order` (see
  // SampleOrder). sample_weight: undefined or one weight per sample, gathered with the batch
  // rows; it weights every output's loss. Stops early at a non-finite loss (see Stats).
  Stats train(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
              SampleOrder order, int64_t batch_size, int64_t first_batch, int64_t num_batches);
  Stats evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
                 int64_t batch_size);
  // The model's outputs (see Predictor: no loss is involved).
  std::vector<Tensor> predict(const std::vector<Tensor>& xs, int64_t batch_size);
  // One training step on one batch (train_on_batch, batches from a generator).
  Stats train_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb = Tensor());
  // Loss and metrics of one batch in inference mode, no update (test_on_batch).
  Stats test_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb = Tensor());

  // The metric values Keras reports for accumulated stats, in the order of the metrics
  // (output 0's first).
  std::vector<double> metric_results(const Stats& stats) const;  // scalar metrics only
  // Every metric's value as a vector (one element for a scalar one; see MetricSpec::vector_result).
  std::vector<std::vector<double>> metric_values(const Stats& stats) const;

  Model& model() { return *model_; }
  Optimizer& optimizer() { return *optimizer_; }
  const std::vector<Loss>& losses() const { return losses_; }
  const std::vector<float>& loss_weights() const { return loss_weights_; }
  // Data-parallel training (gradient_reducer.h): every step's gradients go through `reducer`
  // between backward and the optimizer. Null (the default) turns it off.
  void set_gradient_reducer(std::shared_ptr<GradientReducer> reducer) { reducer_ = std::move(reducer); }
  const std::shared_ptr<GradientReducer>& gradient_reducer() const { return reducer_; }

 private:
  // One input and one output (Sequential): the step runs on plain tensors, no vectors per step.
  bool single() const { return losses_.size() == 1 && model_->num_inputs() == 1; }
  Stats train_step(const Tensor& xb, const Tensor& yb, const Tensor& wb);
  Stats test_step(const Tensor& xb, const Tensor& yb, const Tensor& wb);
  // Several inputs / outputs (graph models).
  Stats train_step(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb);
  Stats test_step(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb);
  // Backward pass, gradient reduction (with a reducer) and optimizer update for one step's
  // objective over B samples, then clears the gradients and activity losses. Returns false,
  // applying nothing, when the loss is NaN or Inf (on any rank, with a reducer).
  // synchronized_forward: the forward pass summed statistics over the ranks (replica_sum.h).
  bool apply_step(const Tensor& loss, float value, const std::vector<Tensor>& params, int64_t B,
                  bool synchronized_forward);
  std::vector<Tensor> run_model(const std::vector<Tensor>& xs, bool training);
  // The training objective of one batch: the weighted sum of the outputs' losses plus every
  // regularization penalty of the forward pass. Adds each output's loss * B to stats.
  Tensor objective(const std::vector<Tensor>& preds, const std::vector<Tensor>& ys, const Tensor& w, int64_t B,
                   Stats& stats) const;
  // Metrics of output `output` (metric_specs_[offsets_[output]..offsets_[output+1])).
  void accumulate_metrics(size_t output, const Tensor& pred, const Tensor& target, const Tensor& weights,
                          Stats& stats) const;
  void check_data(const std::vector<Tensor>& xs, const std::vector<Tensor>* ys, const Tensor& w) const;
  void require_optimizer() const;
  Stats empty_stats() const;
  std::shared_ptr<Model> model_;
  std::vector<Loss> losses_;
  std::vector<float> loss_weights_;
  std::shared_ptr<Optimizer> optimizer_;
  std::vector<MetricSpec> metric_specs_;  // every output's metrics, output 0's first
  std::vector<size_t> offsets_;           // per output (+ end): where its metrics start
  std::shared_ptr<GradientReducer> reducer_;
};

// Rows `rows[0..n)` of t (first axis), copied into a new contiguous tensor on `device` (a host
// array's rows land straight in device memory, through that device's gather kernel).
Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n, Device device = current_device());
// Rows [begin, end) of t: a view (no copy) when t is on `device`, else a copy there.
Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end, Device device = current_device());

}  // namespace nerve
