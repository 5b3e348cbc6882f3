// Metrics, accumulated in C++ inside the training loop (Keras names and formulas).
// A MetricState holds running totals that merge across chunks of steps; metric_result() turns
// them into the value Keras reports.
//   mean-style metrics (accuracies, top-k, mae, mse, rmse): the (sample-weighted) mean over
//     samples of the per-sample value (itself the mean over the sample's rows / elements); rmse
//     reports the square root of that mean of squared errors;
//   confusion metrics (precision, recall, AUC): counts of predictions above each threshold,
//     over every element, kept as a histogram so any number of thresholds costs O(log T) each.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

enum class MetricKind : unsigned char {
  BinaryAccuracy,
  CategoricalAccuracy,
  SparseCategoricalAccuracy,
  TopKCategoricalAccuracy,
  SparseTopKCategoricalAccuracy,
  MeanAbsoluteError,
  MeanSquaredError,
  Precision,
  Recall,
  AUC,
  RootMeanSquaredError
};

// How AUC sums the areas between thresholds (Keras's summation_method).
enum class AucSummation : unsigned char { Interpolation, Minoring, Majoring };

struct MetricSpec {
  MetricKind kind = MetricKind::BinaryAccuracy;
  float threshold = 0.5f;                                // binary_accuracy, precision, recall: positive when pred > it
  int64_t k = 5;                                         // top-k accuracies
  int64_t num_thresholds = 200;                          // AUC
  bool pr_curve = false;                                 // AUC under the precision-recall curve instead of ROC
  bool weighted = false;                                 // uses the sample weights (compile's weighted_metrics)
  AucSummation summation = AucSummation::Interpolation;  // AUC
  bool from_logits = false;                              // AUC: predictions are logits (a sigmoid is applied first)

  bool sparse_targets() const;  // labels [batch, ...] instead of targets shaped like predictions
  bool confusion() const;       // precision, recall, AUC
  // The thresholds of a confusion metric, increasing. AUC (Keras): -eps, i/(T-1) for
  // i = 1..T-2, 1+eps; as in Keras, AUC clips predictions into [0, 1] first, so one below 0
  // counts as above -eps (and one above 1 as below 1+eps).
  std::vector<float> thresholds() const;
};

const char* metric_kind_name(MetricKind kind);
void check_metric(const MetricSpec& spec);  // throws for settings out of range

struct MetricState {
  double total = 0, count = 0;               // mean-style: sum of w·value, sum of w
  std::vector<double> positives, negatives;  // confusion: weight per bucket b = number of
                                             // thresholds strictly below the prediction
                                             // (AUC: below the clipped prediction)
  void merge(const MetricState& other);
};

// Adds a batch. pred [batch, ...]; target shaped like pred (or sparse labels); sample_weight
// undefined or [batch] (used only when spec.weighted).
void update_metric(const MetricSpec& spec, MetricState& state, const Tensor& pred, const Tensor& target,
                   const Tensor& sample_weight);
double metric_result(const MetricSpec& spec, const MetricState& state);

}  // namespace nerve
