#include "nerve/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/interrupt.h"
#include "nerve/ops.h"
#include "nerve/ops/merge.h"
#include "ops/dispatch.h"

namespace nerve {

Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n, Device device) {
  Tensor src = t.contiguous();
  int64_t total = src.size(0);
  int64_t row = total ? src.numel() / total : 0;
  for (int64_t i = 0; i < n; ++i)
    if (rows[i] < 0 || rows[i] >= total)
      throw std::out_of_range("gather_rows: row " + std::to_string(rows[i]) + " out of range");
  Shape shape = src.shape();
  shape[0] = n;
  Tensor out = Tensor::empty(shape, device);
  if (src.device() == device) {
    NERVE_KERNEL(device, tensor, gather_rows, "gather_rows")(src.data(), rows, n, row, out.data());
  } else if (src.device().type == DeviceType::CPU) {
    NERVE_KERNEL(device, tensor, gather_rows_from_host, "gather_rows")(src.data(), rows, n, row, out.data());
  } else {
    return gather_rows(src.to(device), rows, n, device);
  }
  return out;
}

Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end, Device device) {
  Tensor src = t.contiguous();
  int64_t total = src.size(0);
  int64_t row = total ? src.numel() / total : 0;
  Shape shape = src.shape();
  shape[0] = end - begin;
  Tensor view = Tensor::view_of(src.storage(), src.offset() + begin * row, shape, {});
  return view.to(device);
}

void Stats::merge(const Stats& later) {
  loss_sum += later.loss_sum;
  samples += later.samples;
  steps += later.steps;
  if (output_loss_sums.size() < later.output_loss_sums.size()) output_loss_sums.resize(later.output_loss_sums.size());
  for (size_t i = 0; i < later.output_loss_sums.size(); ++i) output_loss_sums[i] += later.output_loss_sums[i];
  if (metrics.size() < later.metrics.size()) metrics.resize(later.metrics.size());
  for (size_t m = 0; m < later.metrics.size(); ++m) metrics[m].merge(later.metrics[m]);
  if (later.non_finite && !non_finite) {
    non_finite = true;
    non_finite_step = later.non_finite_step;
  }
}

Trainer::Trainer(std::shared_ptr<Model> model, std::vector<Loss> losses, std::vector<float> loss_weights,
                 std::shared_ptr<Optimizer> optimizer, std::vector<std::vector<MetricSpec>> metrics)
    : model_(std::move(model)), losses_(std::move(losses)), loss_weights_(std::move(loss_weights)),
      optimizer_(std::move(optimizer)) {
  if (!model_) throw std::invalid_argument("Trainer: model is null");
  size_t outputs = model_->num_outputs();
  if (losses_.size() != outputs)
    throw std::invalid_argument("Trainer: the model has " + std::to_string(outputs) + " output(s) but " +
                                std::to_string(losses_.size()) + " loss(es) were given");
  if (loss_weights_.empty()) loss_weights_.assign(outputs, 1.f);
  if (loss_weights_.size() != outputs)
    throw std::invalid_argument("Trainer: " + std::to_string(loss_weights_.size()) + " loss weights for " +
                                std::to_string(outputs) + " output(s)");
  if (metrics.empty()) metrics.resize(outputs);
  if (metrics.size() != outputs)
    throw std::invalid_argument("Trainer: metrics for " + std::to_string(metrics.size()) + " outputs, the model has " +
                                std::to_string(outputs));
  for (const Loss& l : losses_) check_loss(l);
  offsets_.push_back(0);
  for (const auto& per_output : metrics) {
    for (const MetricSpec& m : per_output) {
      check_metric(m);
      metric_specs_.push_back(m);
    }
    offsets_.push_back(metric_specs_.size());
  }
  if (optimizer_) optimizer_->check_settings();
}

void Trainer::check_data(const std::vector<Tensor>& xs, const std::vector<Tensor>* ys, const Tensor& w) const {
  if (xs.size() != model_->num_inputs())
    throw std::invalid_argument("the model has " + std::to_string(model_->num_inputs()) + " input(s), got " +
                                std::to_string(xs.size()) + " input array(s)");
  if (ys && ys->size() != model_->num_outputs())
    throw std::invalid_argument("the model has " + std::to_string(model_->num_outputs()) + " output(s), got " +
                                std::to_string(ys->size()) + " target array(s)");
  if (xs.empty()) throw std::invalid_argument("the model has no inputs");
  auto check = [&](const Tensor& t, const char* what) {
    if (t.dim() == 0 || t.size(0) != xs[0].size(0))
      throw std::invalid_argument(std::string(what) + " of shape " + t.shape_string() +
                                  " do not have the same number of samples as inputs of shape " + xs[0].shape_string());
  };
  for (const Tensor& x : xs) check(x, "inputs");
  if (ys)
    for (const Tensor& y : *ys) check(y, "targets");
  if (w.defined() && w.numel() != xs[0].size(0))
    throw std::invalid_argument("sample_weight of shape " + w.shape_string() +
                                " does not give one weight per sample for " + std::to_string(xs[0].size(0)) +
                                " samples");
}

Stats Trainer::empty_stats() const {
  Stats s;
  if (losses_.size() > 1) s.output_loss_sums.assign(losses_.size(), 0.0);
  s.metrics.resize(metric_specs_.size());
  return s;
}

void Trainer::accumulate_metrics(size_t output, const Tensor& pred, const Tensor& target, const Tensor& weights,
                                 Stats& stats) const {
  if (stats.metrics.size() != metric_specs_.size()) stats.metrics.resize(metric_specs_.size());
  for (size_t m = offsets_[output]; m < offsets_[output + 1]; ++m)
    update_metric(metric_specs_[m], stats.metrics[m], pred, target, weights);
}

std::vector<std::vector<double>> Trainer::metric_values(const Stats& stats) const {
  std::vector<std::vector<double>> out;
  const MetricState none;
  for (size_t m = 0; m < metric_specs_.size(); ++m)
    out.push_back(nerve::metric_values(metric_specs_[m], m < stats.metrics.size() ? stats.metrics[m] : none));
  return out;
}

std::vector<double> Trainer::metric_results(const Stats& stats) const {
  std::vector<double> out;
  for (size_t m = 0; m < metric_specs_.size(); ++m)
    out.push_back(m < stats.metrics.size() ? metric_result(metric_specs_[m], stats.metrics[m]) : 0.0);
  return out;
}

// The predictions without their graph, keeping their padding mask for the metrics.
static Tensor detached(const Tensor& pred) {
  Tensor out = pred.detach();
  out.impl()->mask = pred.impl()->mask;
  return out;
}

// One output: its (weighted) loss plus every regularization penalty of the forward pass.
static Tensor single_objective(const Loss& loss, float weight, Model& model, const Tensor& pred, const Tensor& y,
                               const Tensor& w) {
  Tensor value = compute_loss(loss, pred, y, w);
  if (weight != 1.f) value = scale(value, weight);
  Tensor penalty = model.regularization_loss();
  return penalty.defined() ? add(value, penalty) : value;
}

Tensor Trainer::objective(const std::vector<Tensor>& preds, const std::vector<Tensor>& ys, const Tensor& w, int64_t B,
                          Stats& stats) const {
  std::vector<Tensor> terms;
  terms.reserve(losses_.size() + 1);
  for (size_t i = 0; i < losses_.size(); ++i) {
    if (losses_[i].kind == LossKind::None) continue;  // an output no loss trains
    Tensor loss = compute_loss(losses_[i], preds[i], ys[i], w);
    if (i < stats.output_loss_sums.size()) stats.output_loss_sums[i] += double(loss.item()) * B;
    terms.push_back(loss_weights_[i] == 1.f ? loss : scale(loss, loss_weights_[i]));
  }
  Tensor penalty = model_->regularization_loss();
  if (penalty.defined()) terms.push_back(penalty);
  return terms.size() == 1 ? terms[0] : add_n(terms);
}

std::vector<Tensor> Trainer::run_model(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() == 1 && model_->num_outputs() == 1) return {model_->forward(xs[0], training)};
  return model_->forward_many(xs, training);
}

void Trainer::require_optimizer() const {
  if (!optimizer_) throw std::logic_error("Trainer: no optimizer (compile the model first)");
}

bool Trainer::apply_step(const Tensor& loss, float value, const std::vector<Tensor>& params, int64_t B,
                         bool synchronized_forward) {
  bool finite = std::isfinite(value);
  if (!finite && !reducer_) {
    model_->clear_activity_losses();
    return false;
  }
  // A synchronized BatchNormalization communicates in backward too, so every rank must run
  // backward or none: the ranks first agree whether every loss is finite (one more allreduce,
  // in such steps only).
  if (synchronized_forward) {
    double not_finite = finite ? 0.0 : 1.0;
    reducer_->sum(&not_finite, 1);
    finite = not_finite == 0.0;
  }
  for (auto& p : params) p.set_grad(Tensor());
  if (finite && loss.requires_grad()) loss.backward();
  // A rank whose loss is not finite still joins the reduction (with no gradients), so that the
  // others do not wait for it; then every rank skips the step.
  if (reducer_ && !reducer_->reduce(params, double(B), finite)) {
    for (auto& p : params) p.set_grad(Tensor());
    model_->clear_activity_losses();
    return false;
  }
  optimizer_->apply(params);
  for (auto& p : params) p.set_grad(Tensor());
  model_->clear_activity_losses();
  return true;
}

static Stats non_finite_stats(Stats stats) {
  stats.non_finite = true;
  stats.non_finite_step = 0;
  return stats;
}

// ---- One step, one input and one output (Sequential): no vectors on the per-step path. ----

Stats Trainer::train_step(const Tensor& xb, const Tensor& yb, const Tensor& wb) {
  std::lock_guard<RunLock> lock(model_->run_lock());
  Stats stats = empty_stats();
  std::vector<Tensor> params = model_->trainable_weights();
  ReplicaSumScope replicas(reducer_.get());  // for synchronized BatchNormalization
  const int64_t sums = reducer_ ? reducer_->sums() : 0;
  Tensor pred = model_->forward(xb, /*training=*/true);
  Tensor loss = single_objective(losses_[0], loss_weights_[0], *model_, pred, yb, wb);
  float value = loss.item();
  int64_t B = xb.size(0);
  if (!apply_step(loss, value, params, B, reducer_ && reducer_->sums() != sums))
    return non_finite_stats(std::move(stats));
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  accumulate_metrics(0, detached(pred), yb, wb, stats);
  return stats;
}

Stats Trainer::test_step(const Tensor& xb, const Tensor& yb, const Tensor& wb) {
  std::lock_guard<RunLock> lock(model_->run_lock());
  NoGradGuard no_grad;
  Stats stats = empty_stats();
  Tensor pred = model_->forward(xb, /*training=*/false);
  float value = single_objective(losses_[0], loss_weights_[0], *model_, pred, yb, wb).item();
  model_->clear_activity_losses();
  int64_t B = xb.size(0);
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  accumulate_metrics(0, pred, yb, wb, stats);
  return stats;
}

// ---- One step, several inputs / outputs (graph models). ----

Stats Trainer::train_step(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb) {
  std::lock_guard<RunLock> lock(model_->run_lock());
  Stats stats = empty_stats();
  std::vector<Tensor> params = model_->trainable_weights();
  ReplicaSumScope replicas(reducer_.get());  // for synchronized BatchNormalization
  const int64_t sums = reducer_ ? reducer_->sums() : 0;
  std::vector<Tensor> preds = run_model(xb, /*training=*/true);
  int64_t B = xb[0].size(0);
  Tensor loss = objective(preds, yb, wb, B, stats);
  float value = loss.item();
  if (!apply_step(loss, value, params, B, reducer_ && reducer_->sums() != sums)) return non_finite_stats(empty_stats());
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  for (size_t i = 0; i < preds.size(); ++i) accumulate_metrics(i, detached(preds[i]), yb[i], wb, stats);
  return stats;
}

Stats Trainer::test_step(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb) {
  std::lock_guard<RunLock> lock(model_->run_lock());
  NoGradGuard no_grad;
  Stats stats = empty_stats();
  std::vector<Tensor> preds = run_model(xb, /*training=*/false);
  int64_t B = xb[0].size(0);
  float value = objective(preds, yb, wb, B, stats).item();
  model_->clear_activity_losses();
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  for (size_t i = 0; i < preds.size(); ++i) accumulate_metrics(i, preds[i], yb[i], wb, stats);
  return stats;
}

// ---- Batching. ----

// Rows [begin, end) of one array, in order (a view) or through `order` (a gathered copy);
// an undefined tensor (no sample weights) stays undefined.
static Tensor rows_of(const Tensor& a, SampleOrder order, int64_t begin, int64_t end) {
  if (!a.defined()) return Tensor();
  return order.empty() ? slice_rows(a, begin, end) : gather_rows(a, order.data + begin, end - begin);
}

// The same rows of every array.
static std::vector<Tensor> batch_of(const std::vector<Tensor>& arrays, SampleOrder order, int64_t begin, int64_t end) {
  std::vector<Tensor> out;
  out.reserve(arrays.size());
  for (const Tensor& a : arrays) out.push_back(rows_of(a, order, begin, end));
  return out;
}

static std::vector<Tensor> contiguous_all(const std::vector<Tensor>& arrays) {
  std::vector<Tensor> out;
  out.reserve(arrays.size());
  for (const Tensor& a : arrays) out.push_back(a.contiguous());
  return out;
}

// One weight per sample as a contiguous vector (the batch rows are gathered from it).
static Tensor flat_weights(const Tensor& sample_weight, int64_t n) {
  return sample_weight.defined() ? sample_weight.contiguous().reshape({n}) : Tensor();
}

static void check_batching(int64_t n, int64_t batch_size, SampleOrder order) {
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  if (!order.empty() && order.size != n)
    throw std::invalid_argument("train: the sample order has " + std::to_string(order.size) + " entries for " +
                                std::to_string(n) + " samples");
  if (order.size < 0 || (order.size > 0 && !order.data))
    throw std::invalid_argument("train: the sample order has no data");
}

// Runs step(begin, end) for batches first_batch .. first_batch + num_batches - 1 of n samples,
// merging their stats into `total`; stops at the first step whose loss is not finite, and says
// which step that was. A pending interrupt stops it between two steps (nerve/interrupt.h).
template <class Step>
static Stats run_batches(int64_t n, int64_t batch_size, int64_t first_batch, int64_t num_batches, Stats total,
                         Step&& step) {
  InterruptPoll poll;
  for (int64_t b = first_batch; b < first_batch + num_batches; ++b) {
    int64_t begin = b * batch_size, end = std::min(n, begin + batch_size);
    if (begin >= end) break;
    if (b > first_batch) poll();
    Stats s = step(begin, end);
    if (s.non_finite) {
      total.non_finite = true;
      total.non_finite_step = b;
      return total;
    }
    total.merge(s);
  }
  return total;
}

// ---- The public API: vectors in, the single path chosen inside. ----

Stats Trainer::train_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb) {
  check_data(xb, &yb, wb);
  require_optimizer();
  return single() ? train_step(xb[0], yb[0], wb) : train_step(xb, yb, wb);
}

Stats Trainer::test_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb, const Tensor& wb) {
  check_data(xb, &yb, wb);
  return single() ? test_step(xb[0], yb[0], wb) : test_step(xb, yb, wb);
}

Stats Trainer::train(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
                     SampleOrder order, int64_t batch_size, int64_t first_batch, int64_t num_batches) {
  check_data(xs, &ys, sample_weight);
  require_optimizer();
  int64_t n = xs[0].size(0);
  check_batching(n, batch_size, order);
  Tensor wc = flat_weights(sample_weight, n);
  if (single()) {
    Tensor xc = xs[0].contiguous(), yc = ys[0].contiguous();
    auto step = [&](int64_t begin, int64_t end) {
      return train_step(rows_of(xc, order, begin, end), rows_of(yc, order, begin, end), rows_of(wc, order, begin, end));
    };
    return run_batches(n, batch_size, first_batch, num_batches, empty_stats(), step);
  }
  std::vector<Tensor> xc = contiguous_all(xs), yc = contiguous_all(ys);
  auto step = [&](int64_t begin, int64_t end) {
    return train_step(batch_of(xc, order, begin, end), batch_of(yc, order, begin, end), rows_of(wc, order, begin, end));
  };
  return run_batches(n, batch_size, first_batch, num_batches, empty_stats(), step);
}

Stats Trainer::evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, const Tensor& sample_weight,
                        int64_t batch_size) {
  check_data(xs, &ys, sample_weight);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  int64_t n = xs[0].size(0);
  Tensor wc = flat_weights(sample_weight, n);
  Stats total = empty_stats();
  InterruptPoll poll;  // a pending interrupt stops it between two batches (nerve/interrupt.h)
  if (single()) {
    Tensor xc = xs[0].contiguous(), yc = ys[0].contiguous();
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      if (begin > 0) poll();
      int64_t end = std::min(n, begin + batch_size);
      total.merge(test_step(slice_rows(xc, begin, end), slice_rows(yc, begin, end), rows_of(wc, {}, begin, end)));
    }
    return total;
  }
  std::vector<Tensor> xc = contiguous_all(xs), yc = contiguous_all(ys);
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    if (begin > 0) poll();
    int64_t end = std::min(n, begin + batch_size);
    total.merge(test_step(batch_of(xc, {}, begin, end), batch_of(yc, {}, begin, end), rows_of(wc, {}, begin, end)));
  }
  return total;
}

std::vector<Tensor> Trainer::predict(const std::vector<Tensor>& xs, int64_t batch_size) {
  return Predictor(model_).predict(xs, batch_size);
}

}  // namespace nerve
