#include "nerve/metrics.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "metric_families.h"
#include "nerve/layers/arguments.h"
#include "nerve/losses.h"

namespace nerve {

using metric_families::MetricBatch;

namespace {

// Whether the true class of a row is among the k highest scores (ties count against it).
bool in_top_k(const float* scores, int64_t C, int64_t truth, int64_t k) {
  int64_t above = 0;
  for (int64_t j = 0; j < C; ++j) above += scores[j] > scores[truth];
  return above < k;
}

int64_t argmax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

double divide_no_nan(double a, double b) { return b != 0 ? a / b : 0.0; }

// Keras's is_evenly_distributed_thresholds: 3 or more thresholds at i / (n - 1) (np.allclose,
// atol 1e-7). Such thresholds are counted by bucket (the prediction clipped into [0, 1]).
bool evenly_spaced(const std::vector<float>& t) {
  if (t.size() < 3) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const float even = static_cast<float>(i) / static_cast<float>(t.size() - 1);
    if (!(std::fabs(double(t[i]) - even) <= 1e-7 + 1e-5 * std::fabs(even))) return false;
  }
  return true;
}

// Pearson's correlation over one row (Keras's pearson_correlation: population std).
double pearson_row(const float* p, const float* t, int64_t C) {
  double mp = 0, mt = 0;
  for (int64_t j = 0; j < C; ++j) mp += p[j], mt += t[j];
  mp /= C, mt /= C;
  double vp = 0, vt = 0;
  for (int64_t j = 0; j < C; ++j) vp += (p[j] - mp) * (p[j] - mp), vt += (t[j] - mt) * (t[j] - mt);
  const double sp = std::sqrt(vp / C), st = std::sqrt(vt / C);
  double acc = 0;
  for (int64_t j = 0; j < C; ++j) acc += ((t[j] - mt) / st) * ((p[j] - mp) / sp);
  return acc / C;
}

// Keras's concordance_correlation over one row, as Keras 3.15 writes it (the covariance term
// centres y_true on the mean of y_pred).
double concordance_row(const float* p, const float* t, int64_t C) {
  double mp = 0, mt = 0;
  for (int64_t j = 0; j < C; ++j) mp += p[j], mt += t[j];
  mp /= C, mt /= C;
  double vp = 0, vt = 0;
  for (int64_t j = 0; j < C; ++j) vp += (p[j] - mp) * (p[j] - mp), vt += (t[j] - mt) * (t[j] - mt);
  const double norm = vt / C + vp / C + (mt - mp) * (mt - mp) + kEpsilon;
  double acc = 0;
  for (int64_t j = 0; j < C; ++j) acc += 2.0 * (t[j] - mp) * (p[j] - mp) / norm;
  return acc / C;
}

}  // namespace

std::string MetricBatch::shapes() const {
  return "targets of shape " + shape_str(target_shape) + " and predictions of shape " + shape_str(pred_shape);
}

bool MetricSpec::sparse_targets() const {
  if (iou()) return sparse_y_true && !sparse_y_pred && kind != MetricKind::BinaryIoU;  // labels vs scores
  return kind == MetricKind::SparseCategoricalAccuracy || kind == MetricKind::SparseTopKCategoricalAccuracy;
}

bool MetricSpec::counts() const {
  return kind == MetricKind::TruePositives || kind == MetricKind::FalsePositives || kind == MetricKind::TrueNegatives ||
         kind == MetricKind::FalseNegatives;
}

bool MetricSpec::at_constraint() const {
  return kind == MetricKind::PrecisionAtRecall || kind == MetricKind::RecallAtPrecision ||
         kind == MetricKind::SensitivityAtSpecificity || kind == MetricKind::SpecificityAtSensitivity;
}

bool MetricSpec::f_score() const { return kind == MetricKind::FBetaScore || kind == MetricKind::F1Score; }

bool MetricSpec::iou() const {
  return kind == MetricKind::IoU || kind == MetricKind::MeanIoU || kind == MetricKind::BinaryIoU ||
         kind == MetricKind::OneHotIoU || kind == MetricKind::OneHotMeanIoU;
}

bool MetricSpec::confusion() const {
  return kind == MetricKind::Precision || kind == MetricKind::Recall || kind == MetricKind::AUC || counts() ||
         at_constraint();
}

bool MetricSpec::vector_result() const {
  if (counts()) return threshold_list.size() > 1;
  if (f_score()) return average == ScoreAverage::None;
  if (kind == MetricKind::R2Score) return aggregation == ClassAggregation::None;
  return false;
}

std::vector<float> MetricSpec::thresholds() const {
  if (counts()) {
    std::vector<float> t = threshold_list.empty() ? std::vector<float>{threshold} : threshold_list;
    std::sort(t.begin(), t.end());
    return t;
  }
  if (at_constraint()) {  // Keras: 0, 1/(T-1), ..., 1 (one threshold: 0.5)
    if (num_thresholds == 1) return {0.5f};
    std::vector<float> t;
    for (int64_t i = 0; i < num_thresholds; ++i)
      t.push_back(i == num_thresholds - 1 ? 1.f : static_cast<float>(double(i) / double(num_thresholds - 1)));
    return t;
  }
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
    case MetricKind::TruePositives:
      return "true_positives";
    case MetricKind::FalsePositives:
      return "false_positives";
    case MetricKind::TrueNegatives:
      return "true_negatives";
    case MetricKind::FalseNegatives:
      return "false_negatives";
    case MetricKind::FBetaScore:
      return "fbeta_score";
    case MetricKind::F1Score:
      return "f1_score";
    case MetricKind::R2Score:
      return "r2_score";
    case MetricKind::PearsonCorrelation:
      return "pearson_correlation";
    case MetricKind::ConcordanceCorrelation:
      return "concordance_correlation";
    case MetricKind::PrecisionAtRecall:
      return "precision_at_recall";
    case MetricKind::RecallAtPrecision:
      return "recall_at_precision";
    case MetricKind::SensitivityAtSpecificity:
      return "sensitivity_at_specificity";
    case MetricKind::SpecificityAtSensitivity:
      return "specificity_at_sensitivity";
    // Keras's default names: the class names in snake_case ("IoU" -> "io_u").
    case MetricKind::IoU:
      return "io_u";
    case MetricKind::MeanIoU:
      return "mean_io_u";
    case MetricKind::BinaryIoU:
      return "binary_io_u";
    case MetricKind::OneHotIoU:
      return "one_hot_io_u";
    case MetricKind::OneHotMeanIoU:
      return "one_hot_mean_io_u";
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
  if (spec.counts())
    for (float t : spec.thresholds())
      if (!(t >= 0.f && t <= 1.f))
        throw std::invalid_argument(name + ": thresholds must be in [0, 1], got " + std::to_string(t));
  if (spec.f_score() && !(spec.beta > 0.f))
    throw std::invalid_argument(name + ": beta must be > 0, got " + std::to_string(spec.beta));
  if (spec.f_score() && spec.threshold > 1.f)
    throw std::invalid_argument(name + ": threshold must be in (0, 1], got " + std::to_string(spec.threshold));
  if (spec.kind == MetricKind::R2Score && spec.num_regressors < 0)
    throw std::invalid_argument(name + ": num_regressors must be >= 0, got " + std::to_string(spec.num_regressors));
  if (spec.at_constraint()) {
    if (spec.num_thresholds < 1)
      throw std::invalid_argument(name + ": num_thresholds must be > 0, got " + std::to_string(spec.num_thresholds));
    if (!(spec.value >= 0.f && spec.value <= 1.f))
      throw std::invalid_argument(name + ": the constraint must be in [0, 1], got " + std::to_string(spec.value));
  }
  if (spec.iou()) {
    if (spec.num_classes < 1)
      throw std::invalid_argument(name + ": num_classes must be >= 1, got " + std::to_string(spec.num_classes));
    for (int64_t id : spec.target_class_ids)
      if (id < 0 || id >= spec.num_classes)
        throw std::invalid_argument(name + ": target class id " + std::to_string(id) + " is out of range [0, " +
                                    std::to_string(spec.num_classes) + ")");
  }
}

void MetricState::merge(const MetricState& o) {
  total += o.total;
  count += o.count;
  if (positives.size() < o.positives.size()) positives.resize(o.positives.size(), 0.0);
  if (negatives.size() < o.negatives.size()) negatives.resize(o.negatives.size(), 0.0);
  for (size_t i = 0; i < o.positives.size(); ++i) positives[i] += o.positives[i];
  for (size_t i = 0; i < o.negatives.size(); ++i) negatives[i] += o.negatives[i];
  if (sums.size() < o.sums.size()) sums.resize(o.sums.size(), 0.0);
  for (size_t i = 0; i < o.sums.size(); ++i) sums[i] += o.sums[i];
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
  // (the IoU metrics check their labels' shapes themselves: either side may be one-hot)
  if (!spec.iou() && (spec.sparse_targets() ? t.numel() * C != p.numel() : t.numel() != p.numel()))
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
  // A padding mask on the predictions (Embedding(mask_zero=True) through a sequence model): as
  // Keras's mean metrics, masked rows count for nothing. (Keras's other metrics ignore it.)
  std::optional<HostView> mv;
  if (pred.impl()->mask.defined()) {
    mv.emplace(pred.impl()->mask);
    if (mv->size() != rows)
      throw UnsupportedArgument(name + ": the predictions of shape " + p.shape_string() +
                                " carry a padding mask of shape " + pred.impl()->mask.shape_string() +
                                "; nerve applies a mask with one value per row of the last axis only");
  }

  if (spec.f_score() || spec.kind == MetricKind::R2Score || spec.iou()) {
    MetricBatch batch{name, pp, tp, wp, B, p.shape(), t.shape(), p.numel(), t.numel()};
    if (spec.f_score()) metric_families::update_f_score(spec, state, batch);
    if (spec.kind == MetricKind::R2Score) metric_families::update_r2(spec, state, batch);
    if (spec.iou()) metric_families::update_iou(spec, state, batch);
    return;
  }

  if (spec.confusion()) {
    std::vector<float> thr = spec.thresholds();
    const size_t buckets = thr.size() + 1;
    state.positives.resize(buckets, 0.0);
    state.negatives.resize(buckets, 0.0);
    const int64_t per_sample = B ? p.numel() / B : 0;
    const bool auc = spec.kind == MetricKind::AUC;
    // Keras counts evenly spaced thresholds 0, 1/(T-1), ..., 1 by bucket, not by comparison.
    const bool bucketed =
        !auc && (spec.counts() ? evenly_spaced(spec.threshold_list) : spec.at_constraint() && thr.size() > 1);
    const float steps = static_cast<float>(auc ? spec.num_thresholds - 1 : int64_t(thr.size()) - 1);
    int64_t stride = 1, first = 0;  // class_id: only that column of the last axis
    if (spec.class_id >= 0) {
      if (p.dim() < 2 || spec.class_id >= C)
        throw std::invalid_argument(name + ": class_id=" + std::to_string(spec.class_id) +
                                    " needs predictions of shape (batch, num_classes > class_id), got " +
                                    p.shape_string());
      stride = C, first = spec.class_id;
    }
    for (int64_t i = first, n = p.numel(); i < n; i += stride) {
      // b = number of thresholds strictly below the prediction (pred > thr[b-1]).
      size_t b;
      if (auc) {
        // Keras's evenly-spaced buckets: the prediction (after the sigmoid for logits) clipped
        // into [0, 1] is above thresholds 0..ceil(p (T-1)) - 1, and always above -eps.
        float v = spec.from_logits ? 1.f / (1.f + std::exp(-pp[i])) : pp[i];
        v = std::min(std::max(v, 0.f), 1.f);
        b = static_cast<size_t>(std::max(std::ceil(v * steps) - 1.f, 0.f)) + 1;
      } else if (bucketed) {
        // Thresholds 0..T-1 at i/(T-1): the clipped prediction is above ceil(p (T-1)) of them.
        const float v = std::min(std::max(pp[i], 0.f), 1.f);
        b = static_cast<size_t>(std::ceil(v * steps));
      } else {
        b = std::lower_bound(thr.begin(), thr.end(), pp[i]) - thr.begin();
      }
      double wi = weight_of(per_sample ? i / per_sample : 0);
      (tp[i] != 0.f ? state.positives : state.negatives)[b] += wi;
    }
    return;
  }

  for (int64_t s = 0; s < B; ++s) {
    double value = 0;     // the sample's mean over its rows
    double unmasked = 0;  // with a mask: its rows' total weight
    for (int64_t r = s * rows_per_sample; r < (s + 1) * rows_per_sample; ++r) {
      if (mv && (*mv)[r] == 0.f) continue;
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
        case MetricKind::PearsonCorrelation:
          row_value = pearson_row(pr, tr, C);
          break;
        case MetricKind::ConcordanceCorrelation:
          row_value = concordance_row(pr, tr, C);
          break;
        default:
          break;
      }
      value += row_value;
      unmasked += 1;
    }
    if (mv) {  // Keras: total += sum of weight * value over the unmasked rows, count += their weight
      state.total += weight_of(s) * value;
      state.count += weight_of(s) * unmasked;
      continue;
    }
    if (rows_per_sample) value /= rows_per_sample;
    state.total += weight_of(s) * value;
    state.count += weight_of(s);
  }
}

double metric_result(const MetricSpec& spec, const MetricState& state) {
  if (spec.vector_result())
    throw std::invalid_argument(std::string(metric_kind_name(spec.kind)) +
                                ": the result is a vector; read it with metric_values()");
  return metric_values(spec, state).at(0);
}

std::vector<double> metric_values(const MetricSpec& spec, const MetricState& state) {
  if (spec.kind == MetricKind::RootMeanSquaredError) return {std::sqrt(divide_no_nan(state.total, state.count))};
  if (spec.f_score()) {
    std::vector<double> v = metric_families::f_score_values(spec, state);
    return v.empty() && !spec.vector_result() ? std::vector<double>{0.0} : v;
  }
  if (spec.kind == MetricKind::R2Score) return metric_families::r2_values(spec, state);
  if (spec.iou()) return {metric_families::iou_value(spec, state)};
  if (!spec.confusion()) return {divide_no_nan(state.total, state.count)};
  const size_t T = spec.thresholds().size();
  std::vector<double> positives = state.positives, negatives = state.negatives;
  if (positives.size() != T + 1) positives.assign(T + 1, 0.0), negatives.assign(T + 1, 0.0);  // nothing seen yet
  // tp[i] / fp[i]: weight of positives / negatives predicted above threshold i.
  std::vector<double> tp(T), fp(T);
  double above_pos = 0, above_neg = 0;
  for (size_t b = T; b >= 1; --b) {  // thresholds i < b are below bucket b
    above_pos += positives[b];
    above_neg += negatives[b];
    tp[b - 1] = above_pos;
    fp[b - 1] = above_neg;
  }
  double P = above_pos + positives[0], N = above_neg + negatives[0];
  if (spec.kind == MetricKind::Precision) return {divide_no_nan(tp[0], tp[0] + fp[0])};
  if (spec.kind == MetricKind::Recall) return {divide_no_nan(tp[0], P)};
  if (spec.counts()) {  // in the caller's order of thresholds
    const std::vector<float> sorted = spec.thresholds();
    const std::vector<float> given = spec.threshold_list.empty() ? sorted : spec.threshold_list;
    std::vector<double> out;
    for (float t : given) {
      const size_t i = std::lower_bound(sorted.begin(), sorted.end(), t) - sorted.begin();
      switch (spec.kind) {
        case MetricKind::TruePositives:
          out.push_back(tp[i]);
          break;
        case MetricKind::FalsePositives:
          out.push_back(fp[i]);
          break;
        case MetricKind::TrueNegatives:
          out.push_back(N - fp[i]);
          break;
        default:
          out.push_back(P - tp[i]);
          break;
      }
    }
    return out;
  }
  if (spec.at_constraint()) {
    // Keras: the best value of one rate over the thresholds where the other rate >= value.
    double best = 0;
    for (size_t i = 0; i < T; ++i) {
      const double recall = divide_no_nan(tp[i], P), specificity = divide_no_nan(N - fp[i], N);
      const double precision = divide_no_nan(tp[i], tp[i] + fp[i]);
      double constrained = 0, dependent = 0;
      switch (spec.kind) {
        case MetricKind::PrecisionAtRecall:
          constrained = recall, dependent = precision;
          break;
        case MetricKind::RecallAtPrecision:
          constrained = precision, dependent = recall;
          break;
        case MetricKind::SensitivityAtSpecificity:
          constrained = specificity, dependent = recall;
          break;
        default:  // SpecificityAtSensitivity
          constrained = recall, dependent = specificity;
          break;
      }
      // compared in float32, as Keras (a recall of 4/5 meets recall=0.8)
      if (static_cast<float>(constrained) >= spec.value) best = std::max(best, dependent);
    }
    return {best};
  }
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
    return {auc};
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
  return {auc};
}

}  // namespace nerve
