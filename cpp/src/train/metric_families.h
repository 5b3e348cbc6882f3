// The metric families with per-class totals (MetricState::sums), each in its own file; metrics.cpp
// dispatches to them. Internal to the trainer's metric code.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/metrics.h"

namespace nerve::metric_families {

// One batch as update_metric reads it: host pointers, the batch size and the last axes.
struct MetricBatch {
  std::string name;  // the metric kind's name, for errors
  const float* pred = nullptr;
  const float* target = nullptr;
  const float* weight = nullptr;  // one per sample, or null
  int64_t samples = 0;
  Shape pred_shape, target_shape;
  int64_t pred_numel = 0, target_numel = 0;
  double weight_of(int64_t sample) const { return weight ? double(weight[sample]) : 1.0; }
  std::string shapes() const;  // "targets of shape [..] and predictions of shape [..]"
};

// FBetaScore / F1Score: sums = per class [true positives | false positives | false negatives |
// support (weight of the true labels)].
void update_f_score(const MetricSpec& spec, MetricState& state, const MetricBatch& batch);
std::vector<double> f_score_values(const MetricSpec& spec, const MetricState& state);

// R2Score: sums = per output [sum of y | sum of y^2 | sum of squared residuals | weight];
// state.count = number of target elements (Keras's num_samples, for the adjusted score).
void update_r2(const MetricSpec& spec, MetricState& state, const MetricBatch& batch);
std::vector<double> r2_values(const MetricSpec& spec, const MetricState& state);

// IoU metrics: sums = num_classes x num_classes confusion matrix, row = true, column = predicted.
void update_iou(const MetricSpec& spec, MetricState& state, const MetricBatch& batch);
double iou_value(const MetricSpec& spec, const MetricState& state);

}  // namespace nerve::metric_families
