// The IoU metrics (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU), as Keras computes them: a
// confusion matrix of (true, predicted) class labels; IoU of a class = TP / (TP + FP + FN),
// averaged over the target classes that occur.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "metric_families.h"
#include "nerve/losses.h"

namespace nerve::metric_families {

namespace {

int64_t argmax(const float* v, int64_t n) { return std::max_element(v, v + n) - v; }

// A label read as Keras's int cast (truncation), or -1 when outside [0, K).
int64_t label_of(float v, int64_t K) { return v > -1.f && v < float(K) ? static_cast<int64_t>(v) : -1; }

}  // namespace

void update_iou(const MetricSpec& spec, MetricState& state, const MetricBatch& b) {
  const int64_t K = spec.num_classes;
  const bool binary = spec.kind == MetricKind::BinaryIoU;
  const int64_t true_last = b.target_shape.empty() ? 1 : b.target_shape[b.target_shape.size() - 1];
  const int64_t pred_last = b.pred_shape.empty() ? 1 : b.pred_shape[b.pred_shape.size() - 1];
  const int64_t true_labels = spec.sparse_y_true ? b.target_numel : (true_last ? b.target_numel / true_last : 0);
  const int64_t pred_labels = spec.sparse_y_pred || binary ? b.pred_numel : (pred_last ? b.pred_numel / pred_last : 0);
  if (true_labels != pred_labels || b.samples == 0 || true_labels % b.samples)
    throw std::invalid_argument(b.name + ": " + b.shapes() + " give " + std::to_string(true_labels) +
                                " true labels (sparse_y_true=" + (spec.sparse_y_true ? "True" : "False") + ") and " +
                                std::to_string(pred_labels) + " predicted labels (sparse_y_pred=" +
                                (spec.sparse_y_pred ? "True" : "False") + "); expected as many of each");
  if (state.sums.empty()) state.sums.assign(K * K, 0.0);
  const int64_t per_sample = true_labels / b.samples;
  for (int64_t i = 0; i < true_labels; ++i) {
    const int64_t t = spec.sparse_y_true ? label_of(b.target[i], K) : argmax(b.target + i * true_last, true_last);
    const int64_t p = binary               ? int64_t(b.pred[i] >= spec.threshold)
                      : spec.sparse_y_pred ? label_of(b.pred[i], K)
                                           : argmax(b.pred + i * pred_last, pred_last);
    if (t < 0 || t >= K || p < 0 || p >= K || (spec.has_ignore_class && t == spec.ignore_class)) continue;
    double w = b.weight_of(i / per_sample);
    if (spec.integer_weights) w = std::trunc(w);  // Keras's IoU state is int by default
    state.sums[t * K + p] += w;
  }
}

double iou_value(const MetricSpec& spec, const MetricState& state) {
  const int64_t K = spec.num_classes;
  if (static_cast<int64_t>(state.sums.size()) != K * K) return 0.0;  // nothing seen yet
  const std::vector<double>& cm = state.sums;                        // host memory: the confusion matrix
  std::vector<int64_t> ids = spec.target_class_ids;
  if (ids.empty())
    for (int64_t c = 0; c < K; ++c) ids.push_back(c);
  double total = 0, valid = 0;
  for (int64_t c : ids) {
    double predicted = 0, actual = 0;
    for (int64_t k = 0; k < K; ++k) predicted += cm[k * K + c], actual += cm[c * K + k];
    const double tp = cm[c * K + c], denominator = predicted + actual - tp;
    if (denominator > 1e-9) {
      total += tp / (denominator + kEpsilon);
      valid += 1;
    }
  }
  return total / (valid + kEpsilon);
}

}  // namespace nerve::metric_families
