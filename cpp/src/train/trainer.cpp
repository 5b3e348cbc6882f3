#include "nerve/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "nerve/autograd.h"

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

Trainer::Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
                 std::vector<MetricKind> metrics)
    : model_(std::move(model)), loss_(loss), optimizer_(std::move(optimizer)),
      metrics_(std::move(metrics)) {
  if (!model_) throw std::invalid_argument("Trainer: model is null");
}

static void check_xy(const Tensor& x, const Tensor& y) {
  if (x.dim() == 0 || y.dim() == 0 || x.size(0) != y.size(0))
    throw std::invalid_argument("inputs of shape " + x.shape_string() + " and targets of shape " +
                                y.shape_string() + " do not have the same number of samples");
}

void Trainer::accumulate_metrics(const Tensor& pred, const Tensor& target, Stats& stats) const {
  if (stats.metric_sums.size() != metrics_.size()) stats.metric_sums.assign(metrics_.size(), 0.0);
  Tensor p = pred.contiguous(), t = target.contiguous();
  int64_t B = p.size(0);
  int64_t per = B ? p.numel() / B : 0;  // values per sample
  const float *pp = p.data(), *tp = t.data();
  for (size_t m = 0; m < metrics_.size(); ++m) {
    double correct = 0;
    switch (metrics_[m]) {
      case MetricKind::BinaryAccuracy:
        for (int64_t i = 0; i < B; ++i) {
          int64_t hits = 0;
          for (int64_t j = 0; j < per; ++j)
            hits += (pp[i * per + j] > 0.5f) == (tp[i * per + j] > 0.5f);
          correct += per ? double(hits) / per : 0.0;
        }
        break;
      case MetricKind::CategoricalAccuracy:
      case MetricKind::SparseCategoricalAccuracy: {
        int64_t C = p.size(-1);
        int64_t rows = C ? p.numel() / C : 0;
        int64_t rows_per_sample = B ? rows / B : 0;
        for (int64_t r = 0; r < rows; ++r) {
          const float* pr = pp + r * C;
          int64_t guess = std::max_element(pr, pr + C) - pr;
          int64_t truth;
          if (metrics_[m] == MetricKind::SparseCategoricalAccuracy) {
            truth = static_cast<int64_t>(tp[r]);
          } else {
            const float* tr = tp + r * C;
            truth = std::max_element(tr, tr + C) - tr;
          }
          if (guess == truth) correct += rows_per_sample ? 1.0 / rows_per_sample : 0.0;
        }
        break;
      }
    }
    stats.metric_sums[m] += correct;
  }
}

Stats Trainer::train_batch(const Tensor& xb, const Tensor& yb) {
  if (!optimizer_) throw std::logic_error("Trainer: no optimizer (compile the model first)");
  Stats stats;
  stats.metric_sums.assign(metrics_.size(), 0.0);
  std::vector<Tensor> params = model_->trainable_weights();
  Tensor pred = model_->forward(xb, /*training=*/true);
  Tensor loss = compute_loss(loss_, pred, yb);
  float value = loss.item();
  int64_t B = xb.size(0);
  if (!std::isfinite(value)) {
    stats.non_finite = true;
    stats.non_finite_step = 0;
    return stats;
  }
  for (auto& p : params) p.set_grad(Tensor());
  if (loss.requires_grad()) loss.backward();
  optimizer_->apply(params);
  for (auto& p : params) p.set_grad(Tensor());
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  accumulate_metrics(pred.detach(), yb, stats);
  return stats;
}

Stats Trainer::train(const Tensor& x, const Tensor& y, const std::vector<int64_t>& order,
                     int64_t batch_size, int64_t first_batch, int64_t num_batches) {
  check_xy(x, y);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  int64_t n = x.size(0);
  if (!order.empty() && static_cast<int64_t>(order.size()) != n)
    throw std::invalid_argument("train: the sample order has " + std::to_string(order.size()) +
                                " entries for " + std::to_string(n) + " samples");
  Tensor xc = x.contiguous(), yc = y.contiguous();
  Stats total;
  total.metric_sums.assign(metrics_.size(), 0.0);
  for (int64_t b = first_batch; b < first_batch + num_batches; ++b) {
    int64_t begin = b * batch_size, end = std::min(n, begin + batch_size);
    if (begin >= end) break;
    Tensor xb, yb;
    if (order.empty()) {
      xb = slice_rows(xc, begin, end);
      yb = slice_rows(yc, begin, end);
    } else {
      xb = gather_rows(xc, order.data() + begin, end - begin);
      yb = gather_rows(yc, order.data() + begin, end - begin);
    }
    Stats s = train_batch(xb, yb);
    if (s.non_finite) {
      total.non_finite = true;
      total.non_finite_step = b;
      return total;
    }
    total.loss_sum += s.loss_sum;
    total.samples += s.samples;
    total.steps += 1;
    for (size_t m = 0; m < metrics_.size(); ++m) total.metric_sums[m] += s.metric_sums[m];
  }
  return total;
}

Stats Trainer::evaluate(const Tensor& x, const Tensor& y, int64_t batch_size) {
  check_xy(x, y);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  NoGradGuard no_grad;
  Tensor xc = x.contiguous(), yc = y.contiguous();
  Stats total;
  total.metric_sums.assign(metrics_.size(), 0.0);
  int64_t n = x.size(0);
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    Tensor xb = slice_rows(xc, begin, end), yb = slice_rows(yc, begin, end);
    Tensor pred = model_->forward(xb, /*training=*/false);
    float value = compute_loss(loss_, pred, yb).item();
    total.loss_sum += double(value) * (end - begin);
    total.samples += end - begin;
    total.steps += 1;
    accumulate_metrics(pred, yb, total);
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
  if (!out.defined()) throw std::invalid_argument("predict: no samples");
  return out;
}

}  // namespace nerve
