// Metrics, accumulated in C++ inside the training loop (Keras names and formulas).
// A MetricState holds running totals that merge across chunks of steps; metric_result() turns
// them into the value Keras reports.
//   mean-style metrics (accuracies, top-k, mae, mse, rmse): the (sample-weighted) mean over
//     samples of the per-sample value (itself the mean over the sample's rows / elements); rmse
//     reports the square root of that mean of squared errors;
//   confusion metrics (precision, recall, AUC, the true/false positive/negative counts, the
//     X-at-Y metrics such as PrecisionAtRecall): counts of predictions above each threshold,
//     over every element, kept as a histogram so any number of thresholds costs O(log T) each;
//   per-class totals (F-beta / F1 scores, R2 score, the IoU metrics' confusion matrix): running
//     sums kept in MetricState::sums, sized by the first batch.
// Some results are vectors (F1Score with average=None, TruePositives with several thresholds,
// R2Score with class_aggregation=None): metric_values() gives every metric's value as a vector,
// metric_result() a scalar one's.
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
  RootMeanSquaredError,
  TruePositives,
  FalsePositives,
  TrueNegatives,
  FalseNegatives,
  FBetaScore,
  F1Score,
  R2Score,
  PearsonCorrelation,
  ConcordanceCorrelation,
  PrecisionAtRecall,
  RecallAtPrecision,
  SensitivityAtSpecificity,
  SpecificityAtSensitivity,
  IoU,
  MeanIoU,
  BinaryIoU,
  OneHotIoU,
  OneHotMeanIoU
};

// How AUC sums the areas between thresholds (Keras's summation_method).
enum class AucSummation : unsigned char { Interpolation, Minoring, Majoring };

// How F-beta scores fold the per-class scores (Keras's average: None, micro, macro, weighted).
enum class ScoreAverage : unsigned char { None, Micro, Macro, Weighted };

// How R2Score folds the per-output scores (Keras's class_aggregation).
enum class ClassAggregation : unsigned char { None, UniformAverage, VarianceWeightedAverage };

struct MetricSpec {
  MetricKind kind = MetricKind::BinaryAccuracy;
  float threshold = 0.5f;                                // binary_accuracy, precision, recall: positive when pred > it
  int64_t k = 5;                                         // top-k accuracies
  int64_t num_thresholds = 200;                          // AUC
  bool pr_curve = false;                                 // AUC under the precision-recall curve instead of ROC
  bool weighted = false;                                 // uses the sample weights (compile's weighted_metrics)
  AucSummation summation = AucSummation::Interpolation;  // AUC
  bool from_logits = false;                              // AUC: predictions are logits (a sigmoid is applied first)
  // true/false positives/negatives: the thresholds in the caller's order (empty: {threshold}).
  std::vector<float> threshold_list;
  // F-beta / F1: threshold <= 0 means "the row's largest prediction is the positive one".
  float beta = 1.f;
  ScoreAverage average = ScoreAverage::None;
  ClassAggregation aggregation = ClassAggregation::UniformAverage;  // R2Score
  int64_t num_regressors = 0;                                       // R2Score (adjusted R2)
  float value = 0.5f;     // X-at-Y metrics: the constraint on Y (recall, precision, ...)
  int64_t class_id = -1;  // X-at-Y metrics: the one class counted (-1: every element)
  // IoU metrics: a num_classes x num_classes confusion matrix of (true, predicted) labels.
  int64_t num_classes = 0;
  std::vector<int64_t> target_class_ids;  // IoU: the classes averaged over (empty: all)
  int64_t ignore_class = -1;              // IoU: true label not counted (-1: none)
  bool has_ignore_class = false;
  bool sparse_y_true = true, sparse_y_pred = true;  // IoU: labels (else one-hot / scores)
  bool integer_weights = true;                      // IoU: weights cast to int, as Keras's int dtype

  bool sparse_targets() const;  // labels [batch, ...] instead of targets shaped like predictions
  bool confusion() const;       // the histogram metrics (precision, recall, AUC, counts, X-at-Y)
  bool counts() const;          // true/false positives/negatives
  bool at_constraint() const;   // PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, ...
  bool f_score() const;         // FBetaScore, F1Score
  bool iou() const;             // IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU
  bool vector_result() const;   // result() is a vector (F1 with average None, several thresholds, ...)
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
  std::vector<double> sums;                  // per-class totals (F-beta, R2, IoU), see each
  void merge(const MetricState& other);
};

// Adds a batch. pred [batch, ...]; target shaped like pred (or sparse labels); sample_weight
// undefined or [batch] (used only when spec.weighted).
void update_metric(const MetricSpec& spec, MetricState& state, const Tensor& pred, const Tensor& target,
                   const Tensor& sample_weight);
double metric_result(const MetricSpec& spec, const MetricState& state);  // throws for a vector result
std::vector<double> metric_values(const MetricSpec& spec, const MetricState& state);

}  // namespace nerve
