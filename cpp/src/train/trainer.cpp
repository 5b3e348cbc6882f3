#include "nerve/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "nerve/array_ops.h"
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

Trainer::Trainer(std::shared_ptr<Model> model, Loss loss, std::shared_ptr<Optimizer> optimizer,
                 std::vector<MetricKind> metrics)
    : Trainer(std::move(model), std::vector<Loss>{loss}, std::vector<float>{1.f},
              std::move(optimizer), std::vector<std::vector<MetricKind>>{std::move(metrics)}) {}

Trainer::Trainer(std::shared_ptr<Model> model, std::vector<Loss> losses,
                 std::vector<float> loss_weights, std::shared_ptr<Optimizer> optimizer,
                 std::vector<std::vector<MetricKind>> metrics)
    : model_(std::move(model)), losses_(std::move(losses)), loss_weights_(std::move(loss_weights)),
      optimizer_(std::move(optimizer)), metrics_(std::move(metrics)) {
  if (!model_) throw std::invalid_argument("Trainer: model is null");
  size_t outputs = model_->num_outputs();
  if (losses_.size() != outputs)
    throw std::invalid_argument("Trainer: the model has " + std::to_string(outputs) +
                                " output(s) but " + std::to_string(losses_.size()) + " loss(es) were given");
  if (loss_weights_.empty()) loss_weights_.assign(outputs, 1.f);
  if (loss_weights_.size() != outputs)
    throw std::invalid_argument("Trainer: " + std::to_string(loss_weights_.size()) +
                                " loss weights for " + std::to_string(outputs) + " output(s)");
  if (metrics_.empty()) metrics_.resize(outputs);
  if (metrics_.size() != outputs)
    throw std::invalid_argument("Trainer: metrics for " + std::to_string(metrics_.size()) +
                                " outputs, the model has " + std::to_string(outputs));
  for (auto& m : metrics_) num_metrics_ += m.size();
}

void Trainer::check_data(const std::vector<Tensor>& xs, const std::vector<Tensor>* ys) const {
  if (xs.size() != model_->num_inputs())
    throw std::invalid_argument("the model has " + std::to_string(model_->num_inputs()) +
                                " input(s), got " + std::to_string(xs.size()) + " input array(s)");
  if (ys && ys->size() != model_->num_outputs())
    throw std::invalid_argument("the model has " + std::to_string(model_->num_outputs()) +
                                " output(s), got " + std::to_string(ys->size()) + " target array(s)");
  auto check = [&](const Tensor& t, const char* what) {
    if (t.dim() == 0 || t.size(0) != xs[0].size(0))
      throw std::invalid_argument(std::string(what) + " of shape " + t.shape_string() +
                                  " does not have the same number of samples as inputs of shape " +
                                  xs[0].shape_string());
  };
  for (const Tensor& x : xs) check(x, "inputs");
  if (ys)
    for (const Tensor& y : *ys) check(y, "targets");
}

Stats Trainer::empty_stats() const {
  Stats stats;
  stats.output_loss_sums.assign(losses_.size(), 0.0);
  stats.metric_sums.assign(num_metrics_, 0.0);
  return stats;
}

std::vector<Tensor> Trainer::run_model(const std::vector<Tensor>& xs, bool training) {
  if (xs.size() == 1 && model_->num_outputs() == 1) return {model_->forward(xs[0], training)};
  return model_->forward_many(xs, training);
}

Tensor Trainer::total_loss(const std::vector<Tensor>& preds, const std::vector<Tensor>& ys,
                           int64_t B, Stats& stats) const {
  if (losses_.size() == 1 && loss_weights_[0] == 1.f) {  // the common case: no extra ops
    Tensor loss = compute_loss(losses_[0], preds[0], ys[0]);
    stats.output_loss_sums[0] += double(loss.item()) * B;
    return loss;
  }
  std::vector<Tensor> terms;
  for (size_t i = 0; i < losses_.size(); ++i) {
    Tensor loss = compute_loss(losses_[i], preds[i], ys[i]);
    stats.output_loss_sums[i] += double(loss.item()) * B;
    terms.push_back(loss_weights_[i] == 1.f ? loss : scale(loss, loss_weights_[i]));
  }
  return terms.size() == 1 ? terms[0] : add_n(terms);
}

void Trainer::accumulate_metrics(const std::vector<Tensor>& preds, const std::vector<Tensor>& targets,
                                 Stats& stats) const {
  size_t offset = 0;
  for (size_t i = 0; i < metrics_.size(); ++i) {
    if (!metrics_[i].empty()) accumulate_metrics(preds[i], targets[i], metrics_[i], offset, stats);
    offset += metrics_[i].size();
  }
}

void Trainer::accumulate_metrics(const Tensor& pred, const Tensor& target,
                                 const std::vector<MetricKind>& metrics, size_t offset,
                                 Stats& stats) const {
  Tensor p = pred.contiguous(), t = target.contiguous();
  int64_t B = p.size(0);
  int64_t per = B ? p.numel() / B : 0;  // values per sample
  const float *pp = p.data(), *tp = t.data();
  for (size_t m = 0; m < metrics.size(); ++m) {
    double correct = 0;
    switch (metrics[m]) {
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
          if (metrics[m] == MetricKind::SparseCategoricalAccuracy) {
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
    stats.metric_sums[offset + m] += correct;
  }
}

Stats Trainer::train_batch(const std::vector<Tensor>& xb, const std::vector<Tensor>& yb) {
  if (!optimizer_) throw std::logic_error("Trainer: no optimizer (compile the model first)");
  check_data(xb, &yb);
  Stats stats = empty_stats();
  std::vector<Tensor> params = model_->trainable_weights();
  std::vector<Tensor> preds = run_model(xb, /*training=*/true);
  int64_t B = xb[0].size(0);
  Tensor loss = total_loss(preds, yb, B, stats);
  float value = loss.item();
  if (!std::isfinite(value)) {
    Stats bad = empty_stats();
    bad.non_finite = true;
    bad.non_finite_step = 0;
    return bad;
  }
  for (auto& p : params) p.set_grad(Tensor());
  if (loss.requires_grad()) loss.backward();
  optimizer_->apply(params);
  for (auto& p : params) p.set_grad(Tensor());
  stats.loss_sum = double(value) * B;
  stats.samples = B;
  stats.steps = 1;
  for (auto& p : preds) p = p.detach();
  accumulate_metrics(preds, yb, stats);
  return stats;
}

static void add_stats(Stats& total, const Stats& s) {
  total.loss_sum += s.loss_sum;
  total.samples += s.samples;
  total.steps += s.steps;
  for (size_t i = 0; i < s.output_loss_sums.size(); ++i) total.output_loss_sums[i] += s.output_loss_sums[i];
  for (size_t m = 0; m < s.metric_sums.size(); ++m) total.metric_sums[m] += s.metric_sums[m];
}

// Rows [begin, end) of every array, in order (views) or through `order` (gathered copies).
static std::vector<Tensor> batch_of(const std::vector<Tensor>& arrays, const std::vector<int64_t>& order,
                                    int64_t begin, int64_t end) {
  std::vector<Tensor> out;
  out.reserve(arrays.size());
  for (const Tensor& a : arrays)
    out.push_back(order.empty() ? slice_rows(a, begin, end)
                                : gather_rows(a, order.data() + begin, end - begin));
  return out;
}

static std::vector<Tensor> contiguous_all(const std::vector<Tensor>& arrays) {
  std::vector<Tensor> out;
  for (const Tensor& a : arrays) out.push_back(a.contiguous());
  return out;
}

Stats Trainer::train(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                     const std::vector<int64_t>& order, int64_t batch_size, int64_t first_batch,
                     int64_t num_batches) {
  check_data(xs, &ys);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  int64_t n = xs[0].size(0);
  if (!order.empty() && static_cast<int64_t>(order.size()) != n)
    throw std::invalid_argument("train: the sample order has " + std::to_string(order.size()) +
                                " entries for " + std::to_string(n) + " samples");
  std::vector<Tensor> xc = contiguous_all(xs), yc = contiguous_all(ys);
  Stats total = empty_stats();
  for (int64_t b = first_batch; b < first_batch + num_batches; ++b) {
    int64_t begin = b * batch_size, end = std::min(n, begin + batch_size);
    if (begin >= end) break;
    Stats s = train_batch(batch_of(xc, order, begin, end), batch_of(yc, order, begin, end));
    if (s.non_finite) {
      total.non_finite = true;
      total.non_finite_step = b;
      return total;
    }
    add_stats(total, s);
  }
  return total;
}

Stats Trainer::evaluate(const std::vector<Tensor>& xs, const std::vector<Tensor>& ys,
                        int64_t batch_size) {
  check_data(xs, &ys);
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  NoGradGuard no_grad;
  std::vector<Tensor> xc = contiguous_all(xs), yc = contiguous_all(ys);
  Stats total = empty_stats();
  int64_t n = xs[0].size(0);
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    std::vector<Tensor> xb = batch_of(xc, {}, begin, end), yb = batch_of(yc, {}, begin, end);
    std::vector<Tensor> preds = run_model(xb, /*training=*/false);
    float value = total_loss(preds, yb, end - begin, total).item();
    total.loss_sum += double(value) * (end - begin);
    total.samples += end - begin;
    total.steps += 1;
    accumulate_metrics(preds, yb, total);
  }
  return total;
}

std::vector<Tensor> Trainer::predict(const std::vector<Tensor>& xs, int64_t batch_size) {
  if (batch_size <= 0) throw std::invalid_argument("batch_size must be positive");
  check_data(xs, nullptr);
  NoGradGuard no_grad;
  std::vector<Tensor> xc = contiguous_all(xs);
  int64_t n = xs[0].size(0);
  std::vector<Tensor> outs;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    int64_t end = std::min(n, begin + batch_size);
    std::vector<Tensor> preds = run_model(batch_of(xc, {}, begin, end), false);
    if (outs.empty()) {
      for (const Tensor& p : preds) {
        Shape shape = p.shape();
        shape[0] = n;
        outs.push_back(Tensor::empty(shape));
      }
    }
    for (size_t i = 0; i < preds.size(); ++i) {
      Tensor pred = preds[i].contiguous();
      int64_t row = pred.numel() / std::max<int64_t>(end - begin, 1);
      std::memcpy(outs[i].data() + begin * row, pred.data(),
                  static_cast<size_t>(pred.numel()) * sizeof(float));
    }
  }
  if (outs.empty()) throw std::invalid_argument("predict: no samples");
  return outs;
}

Tensor Trainer::predict(const Tensor& x, int64_t batch_size) {
  return predict(std::vector<Tensor>{x}, batch_size).at(0);
}

}  // namespace nerve
