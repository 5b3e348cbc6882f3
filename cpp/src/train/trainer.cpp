#include "nerve/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops.h"

namespace nerve {

Tensor gather_rows(const Tensor& t, const int64_t* rows, int64_t n) {
  Tensor src = t.contiguous();
  int64_t total = src.size(0);
  int64_t row = total ? src.numel() / total : 0;
  Shape shape = src.shape();
  shape[0] = n;
  Tensor out = Tensor::empty(shape);
  const float* s = src.data();
  float* d = out.data();
  for (int64_t i = 0; i < n; ++i) {
    if (rows[i] < 0 || rows[i] >= total)
      throw std::out_of_range("gather_rows: row " + std::to_string(rows[i]) + " out of range");
    std::memcpy(d + i * row, s + rows[i] * row, static_cast<size_t>(row) * sizeof(float));
  }
  return out;
}

Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end) {
  Tensor src = t.contiguous();
  int64_t total = src.size(0);
  int64_t row = total ? src.numel() / total : 0;
  Shape shape = src.shape();
  shape[0] = end - begin;
  return Tensor::view_of(src.storage(), src.offset() + begin * row, shape, {});
}

void Stats::merge(const Stats& later) {
  loss_sum += later.loss_sum;
  samples += later.samples;
  steps += later.steps;
  if (metrics.size() < later.metrics.size()) metrics.resize(later.metrics.size());
  for (size_t m = 0; m < later.metrics.size(); ++m) metrics[m].merge(later.metrics[m]);
  if (later.non_finite && !non_finite) {
    non_finite = true;
    non_finite_step = later.non_finite_step;
  }
}

Trainer::Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
                 std::vector<MetricSpec> metrics)
    : model_(std::move(model)), loss_(loss), optimizer_(std::move(optimizer)),
      metrics_(std::move(metrics)) {
  if (!model_) throw std::invalid_argument("Trainer: model is null");
  check_loss(loss_);
  for (const auto& m : metrics_) check_metric(m);
  if (optimizer_) optimizer_->check_settings();
}

static void check_xy(const Tensor& x, const Tensor& y, const Tensor& w) {
  if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0))
    throw std::invalid_argument("inputs of shape " + x.shape_string() + " and targets of shape " +
                                y.shape_string() + " do not have the same number of samples");
  if (w.defined() && w.numel() != x.size(0))
    throw std::invalid_argument("sample_weight of shape " + w.shape_string() +
                                " does not give one weight per sample for " +
                                std::to_string(x.size(0)) + " samples");
}

Stats Trainer::empty_stats() const {
  Stats s;
  s.metrics.resize(metrics_.size());
  return s;
}

void Trainer::accumulate_metrics(const Tensor& pred, const Tensor& target, const Tensor& weights,
                                 Stats& stats) const {
  if (stats.metrics.size() != metrics_.size()) stats.metrics.resize(metrics_.size());
  for (size_t m = 0; m < metrics_.size(); ++m)
    update_metric(metrics_[m], stats.metrics[m], pred, target, weights);
}

std::vector<double> Trainer::metric_results(const Stats& stats) const {
  std::vector<double> out;
  for (size_t m = 0; m < metrics_.size(); ++m)
    out.push_back(m < stats.metrics.size() ? metric_result(metrics_[m], stats.metrics[m]) : 0.0);
  return out;
}

// The training objective: the loss plus every regularization penalty of the forward pass.
static Tensor objective(const Loss& loss, Model& model, const Tensor& pred, const Tensor& y,
                        const Tensor& w) {
  Tensor value = compute_loss(loss, pred, y, w);
  Tensor penalty = model.regularization_loss();
  return penalty.defined() ? add(value, penalty) : value;
}

Stats Trainer::train_batch(const Tensor& xb, const Tensor& yb, const Tensor& wb) {
  if (!optimizer_) throw std::logic_error("Trainer: no optimizer (compile the model first)");
  check_xy(xb, yb, wb);
  Stats stats = empty_stats();
  std::vector<Tensor> params = model_->trainable_weights();
  Tensor pred = model_->forward(xb, /*training=*/true);
  Tensor loss = objective(loss_, *model_, pred, yb, wb);
  float value = loss.item();
  int64_t B = xb.size(0);
  if (!std::isfinite(value)) {
    model_->clear_activity_losses();
    stats.non_finite = true;
    stats.non_finite_step = 0;
    return stats;
  }
  for (auto& p : params) p.set_grad(Tensor());
  if (loss.requires_grad()) loss.backward();
  optimizer_->apply(params);
  for (auto& p : params) p.set_grad(Tensor());
  model_->clear_activity_losses();
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  accumulate_metrics(pred.detach(), yb, wb, stats);
  return stats;
}

Stats Trainer::test_batch(const Tensor& xb, const Tensor& yb, const Tensor& wb) {
  check_xy(xb, yb, wb);
  NoGradGuard no_grad;
  Stats stats = empty_stats();
  Tensor pred = model_->forward(xb, /*training=*/false);
  float value = objective(loss_, *model_, pred, yb, wb).item();
  model_->clear_activity_losses();
  int64_t B = xb.size(0);
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  accumulate_metrics(pred, yb, wb, stats);
  return stats;
}

Stats Trainer::train(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
                     const std::vector<int64_t>& order, int64_t batch_size, int64_t first_batch,
                     int64_t num_batches) {
  check_xy(x, y, sample_weight);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  int64_t n = x.size(0);
  if (!order.empty() && static_cast<int64_t>(order.size()) != n)
    throw std::invalid_argument("train: the sample order has " + std::to_string(order.size()) +
                                " entries for " + std::to_string(n) + " samples");
  Tensor xc = x.contiguous(), yc = y.contiguous();
  Tensor wc = sample_weight.defined() ? sample_weight.contiguous().reshape({n}) : Tensor();
  Stats total = empty_stats();
  for (int64_t b = first_batch; b < first_batch + num_batches; ++b) {
    int64_t begin = b * batch_size, end = std::min(n, begin + batch_size);
    if (begin >= end) break;
    Tensor xb, yb, wb;
    if (order.empty()) {
      xb = slice_rows(xc, begin, end);
      yb = slice_rows(yc, begin, end);
      if (wc.defined()) wb = slice_rows(wc, begin, end);
    } else {
      xb = gather_rows(xc, order.data() + begin, end - begin);
      yb = gather_rows(yc, order.data() + begin, end - begin);
      if (wc.defined()) wb = gather_rows(wc, order.data() + begin, end - begin);
    }
    Stats s = train_batch(xb, yb, wb);
    if (s.non_finite) {
      total.non_finite = true;
      total.non_finite_step = b;
      return total;
    }
    total.merge(s);
  }
  return total;
}

Stats Trainer::evaluate(const Tensor& x, const Tensor& y, const Tensor& sample_weight,
                        int64_t batch_size) {
  check_xy(x, y, sample_weight);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  Tensor xc = x.contiguous(), yc = y.contiguous();
  int64_t n = x.size(0);
  Tensor wc = sample_weight.defined() ? sample_weight.contiguous().reshape({n}) : Tensor();
  Stats total = empty_stats();
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    total.merge(test_batch(slice_rows(xc, begin, end), slice_rows(yc, begin, end),
                           wc.defined() ? slice_rows(wc, begin, end) : Tensor()));
  }
  return total;
}

Tensor Trainer::predict(const Tensor& x, int64_t batch_size) {
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  NoGradGuard no_grad;
  Tensor xc = x.contiguous();
  int64_t n = x.size(0);
  Tensor out;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    Tensor pred = model_->forward(slice_rows(xc, begin, end), false).contiguous();
    if (!out.defined()) {
      Shape shape = pred.shape();
      shape[0] = n;
      out = Tensor::empty(shape);
    }
    int64_t row = pred.numel() / std::max<int64_t>(end - begin, 1);
    std::memcpy(out.data() + begin * row, pred.data(), static_cast<size_t>(pred.numel()) * sizeof(float));
  }
  model_->clear_activity_losses();
  if (!out.defined()) throw std::invalid_argument("predict: no samples");
  return out;
}

}  // namespace nerve
