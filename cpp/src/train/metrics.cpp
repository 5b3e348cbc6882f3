#include "nerve/metrics.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "nerve/losses.h"

namespace nerve {

namespace {

// Whether the true class of a row is among the k highest scores (ties count against it).
bool in_top_k(const float* scores, int64_t C, int64_t truth, int64_t k) {
  int64_t above = 0;
  for (int64_t j = 0; j < C; ++j) above += scores[j] > scores[truth];
  return above < k;
}

int64_t argmax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

double divide_no_nan(double a, double b) { return b != 0 ? a / b : 0.0; }

}  // namespace

bool MetricSpec::sparse_targets() const {
  return kind == MetricKind::SparseCategoricalAccuracy || kind == MetricKind::SparseTopKCategoricalAccuracy;
}

bool MetricSpec::confusion() const {
  return kind == MetricKind::Precision || kind == MetricKind::Recall || kind == MetricKind::AUC;
}

std::vector<float> MetricSpec::thresholds() const {
  if (kind != MetricKind::AUC) return {threshold};
  std::vector<float> t;
  t.push_back(0.f - kEpsilon);
  for (int64_t i = 1; i <= num_thresholds - 2; ++i)
    t.push_back(static_cast<float>(double(i) / double(num_thresholds - 1)));
  t.push_back(1.f + kEpsilon);
  return t;
}

const char* metric_kind_name(MetricKind kind) {
  switch (kind) {
    case MetricKind::BinaryAccuracy:
      return "binary_accuracy";
    case MetricKind::CategoricalAccuracy:
      return "categorical_accuracy";
    case MetricKind::SparseCategoricalAccuracy:
      return "sparse_categorical_accuracy";
    case MetricKind::TopKCategoricalAccuracy:
      return "top_k_categorical_accuracy";
    case MetricKind::SparseTopKCategoricalAccuracy:
      return "sparse_top_k_categorical_accuracy";
    case MetricKind::MeanAbsoluteError:
      return "mean_absolute_error";
    case MetricKind::MeanSquaredError:
      return "mean_squared_error";
    case MetricKind::Precision:
      return "precision";
    case MetricKind::Recall:
      return "recall";
    case MetricKind::AUC:
      return "auc";
    case MetricKind::RootMeanSquaredError:
      return "root_mean_squared_error";
  }
  return "?";
}

void check_metric(const MetricSpec& spec) {
  const std::string name = metric_kind_name(spec.kind);
  if ((spec.kind == MetricKind::TopKCategoricalAccuracy || spec.kind == MetricKind::SparseTopKCategoricalAccuracy) &&
      spec.k < 1)
    throw std::invalid_argument(name + ": k must be >= 1, got " + std::to_string(spec.k));
  if (spec.kind == MetricKind::AUC && spec.num_thresholds < 2)
    throw std::invalid_argument("auc: num_thresholds must be > 1, got " + std::to_string(spec.num_thresholds));
  if ((spec.kind == MetricKind::Precision || spec.kind == MetricKind::Recall) &&
      !(spec.threshold >= 0.f && spec.threshold <= 1.f))
    throw std::invalid_argument(name + ": threshold must be in [0, 1], got " + std::to_string(spec.threshold));
}

void MetricState::merge(const MetricState& o) {
  total += o.total;
  count += o.count;
  if (positives.size() < o.positives.size()) positives.resize(o.positives.size(), 0.0);
  if (negatives.size() < o.negatives.size()) negatives.resize(o.negatives.size(), 0.0);
  for (size_t i = 0; i < o.positives.size(); ++i) positives[i] += o.positives[i];
  for (size_t i = 0; i < o.negatives.size(); ++i) negatives[i] += o.negatives[i];
}

void update_metric(const MetricSpec& spec, MetricState& state, const Tensor& pred, const Tensor& target,
                   const Tensor& sample_weight) {
  const std::string name = metric_kind_name(spec.kind);
  if (pred.dim() == 0 || target.dim() == 0 || pred.size(0) != target.size(0))
    throw std::invalid_argument(name + ": targets of shape " + target.shape_string() +
                                " do not match predictions of shape " + pred.shape_string());
  Tensor p = pred.contiguous(), t = target.contiguous();
  const int64_t B = p.size(0);
  const int64_t C = p.dim() == 1 ? 1 : p.size(-1);
  const int64_t rows = C ? p.numel() / C : 0, rows_per_sample = B ? rows / B : 0;
  if (spec.sparse_targets() ? t.numel() * C != p.numel() : t.numel() != p.numel())
    throw std::invalid_argument(
        name + ": targets of shape " + t.shape_string() + " do not fit predictions of shape " + p.shape_string() +
        (spec.sparse_targets() ? " (expected one integer label per row)" : " (expected the same shape)"));
  Tensor w;
  if (spec.weighted && sample_weight.defined()) {
    if (sample_weight.numel() != B)
      throw std::invalid_argument(name + ": sample_weight of shape " + sample_weight.shape_string() +
                                  " for a batch of " + std::to_string(B));
    w = sample_weight.contiguous();
  }
  // Metrics add up on the host: predictions and targets are read where they are (a copy only
  // for a device the host cannot read).
  HostView pv(p);
  HostView tv(t);
  std::optional<HostView> wv;
  if (w.defined()) wv.emplace(w);
  const float *pp = pv.data(), *tp = tv.data(), *wp = wv ? wv->data() : nullptr;
  auto weight_of = [&](int64_t sample) { return wp ? double(wp[sample]) : 1.0; };

  if (spec.confusion()) {
    std::vector<float> thr = spec.thresholds();
    const size_t buckets = thr.size() + 1;
    state.positives.resize(buckets, 0.0);
    state.negatives.resize(buckets, 0.0);
    const int64_t per_sample = B ? p.numel() / B : 0;
    const bool auc = spec.kind == MetricKind::AUC;
    const float steps = static_cast<float>(spec.num_thresholds - 1);
    for (int64_t i = 0, n = p.numel(); i < n; ++i) {
      // b = number of thresholds strictly below the prediction (pred > thr[b-1]).
      size_t b;
      if (auc) {
        // Keras's evenly-spaced buckets: the prediction (after the sigmoid for logits) clipped
        // into [0, 1] is above thresholds 0..ceil(p (T-1)) - 1, and always above -eps.
        float v = spec.from_logits ? 1.f / (1.f + std::exp(-pp[i])) : pp[i];
        v = std::min(std::max(v, 0.f), 1.f);
        b = static_cast<size_t>(std::max(std::ceil(v * steps) - 1.f, 0.f)) + 1;
      } else {
        b = std::lower_bound(thr.begin(), thr.end(), pp[i]) - thr.begin();
      }
      double wi = weight_of(per_sample ? i / per_sample : 0);
      (tp[i] != 0.f ? state.positives : state.negatives)[b] += wi;
    }
    return;
  }

  for (int64_t s = 0; s < B; ++s) {
    double value = 0;  // the sample's mean over its rows
    for (int64_t r = s * rows_per_sample; r < (s + 1) * rows_per_sample; ++r) {
      const float* pr = pp + r * C;
      const float* tr = spec.sparse_targets() ? tp + r : tp + r * C;
      double row_value = 0;
      switch (spec.kind) {
        case MetricKind::BinaryAccuracy: {
          int64_t hits = 0;
          for (int64_t j = 0; j < C; ++j) hits += (pr[j] > spec.threshold) == (tr[j] > 0.5f);
          row_value = double(hits) / C;
          break;
        }
        case MetricKind::CategoricalAccuracy:
          row_value = argmax(pr, C) == argmax(tr, C);
          break;
        case MetricKind::SparseCategoricalAccuracy:
          row_value = argmax(pr, C) == static_cast<int64_t>(*tr);
          break;
        case MetricKind::TopKCategoricalAccuracy:
          row_value = in_top_k(pr, C, argmax(tr, C), spec.k);
          break;
        case MetricKind::SparseTopKCategoricalAccuracy: {
          int64_t truth = static_cast<int64_t>(*tr);
          row_value = truth >= 0 && truth < C && in_top_k(pr, C, truth, spec.k);
          break;
        }
        case MetricKind::MeanAbsoluteError:
        case MetricKind::MeanSquaredError:
        case MetricKind::RootMeanSquaredError: {
          double acc = 0;
          for (int64_t j = 0; j < C; ++j) {
            double d = double(pr[j]) - tr[j];
            acc += spec.kind == MetricKind::MeanAbsoluteError ? std::fabs(d) : d * d;
          }
          row_value = acc / C;
          break;
        }
        default:
          break;
      }
      value += row_value;
    }
    if (rows_per_sample) value /= rows_per_sample;
    state.total += weight_of(s) * value;
    state.count += weight_of(s);
  }
}

double metric_result(const MetricSpec& spec, const MetricState& state) {
  if (spec.kind == MetricKind::RootMeanSquaredError) return std::sqrt(divide_no_nan(state.total, state.count));
  if (!spec.confusion()) return divide_no_nan(state.total, state.count);
  const size_t T = spec.thresholds().size();
  if (state.positives.size() != T + 1) return 0.0;  // nothing seen yet
  // tp[i] / fp[i]: weight of positives / negatives predicted above threshold i.
  std::vector<double> tp(T), fp(T);
  double above_pos = 0, above_neg = 0;
  for (size_t b = T; b >= 1; --b) {  // thresholds i < b are below bucket b
    above_pos += state.positives[b];
    above_neg += state.negatives[b];
    tp[b - 1] = above_pos;
    fp[b - 1] = above_neg;
  }
  double P = above_pos + state.positives[0], N = above_neg + state.negatives[0];
  if (spec.kind == MetricKind::Precision) return divide_no_nan(tp[0], tp[0] + fp[0]);
  if (spec.kind == MetricKind::Recall) return divide_no_nan(tp[0], P);
  double auc = 0;
  if (!spec.pr_curve || spec.summation != AucSummation::Interpolation) {
    // Riemann sum over the thresholds: ROC (x = false-positive rate, y = recall) or PR
    // (x = recall, y = precision); heights per Keras's summation_method.
    for (size_t i = 0; i + 1 < T; ++i) {
      double x0, x1, y0, y1;
      if (!spec.pr_curve) {
        x0 = divide_no_nan(fp[i], N), x1 = divide_no_nan(fp[i + 1], N);
        y0 = divide_no_nan(tp[i], P), y1 = divide_no_nan(tp[i + 1], P);
      } else {
        x0 = divide_no_nan(tp[i], P), x1 = divide_no_nan(tp[i + 1], P);
        y0 = divide_no_nan(tp[i], tp[i] + fp[i]), y1 = divide_no_nan(tp[i + 1], tp[i + 1] + fp[i + 1]);
      }
      double height = spec.summation == AucSummation::Interpolation ? (y0 + y1) / 2.0
                      : spec.summation == AucSummation::Minoring    ? std::min(y0, y1)
                                                                    : std::max(y0, y1);
      auc += (x0 - x1) * height;
    }
    return auc;
  }
  // Precision-recall, interpolated as Davis & Goadrich (2006), as Keras does.
  for (size_t i = 0; i + 1 < T; ++i) {
    double dtp = tp[i] - tp[i + 1];
    double p0 = tp[i] + fp[i], p1 = tp[i + 1] + fp[i + 1];
    double dp = p0 - p1;
    double slope = divide_no_nan(dtp, std::max(dp, 0.0));
    double intercept = tp[i + 1] - slope * p1;
    double ratio = (p0 > 0 && p1 > 0) ? divide_no_nan(p0, std::max(p1, 0.0)) : 1.0;
    double fn1 = P - tp[i + 1];
    auc += divide_no_nan(slope * (dtp + intercept * std::log(ratio)), std::max(tp[i + 1] + fn1, 0.0));
  }
  return auc;
}

}  // namespace nerve
