// FBetaScore and F1Score (Keras formulas): per-class true positives, false positives, false
// negatives and support, folded by the average at result time.
#include <cmath>
#include <stdexcept>

#include "metric_families.h"
#include "nerve/losses.h"

namespace nerve::metric_families {

void update_f_score(const MetricSpec& spec, MetricState& state, const MetricBatch& b) {
  if (b.pred_shape.size() != 2 || b.target_shape.size() != 2 || b.pred_shape[1] != b.target_shape[1])
    throw std::invalid_argument(b.name + ": expects 2D inputs of the same shape (batch_size, output_dim), got " +
                                b.shapes());
  const int64_t C = b.pred_shape[1];
  if (state.sums.empty()) state.sums.assign(4 * C, 0.0);
  if (static_cast<int64_t>(state.sums.size()) != 4 * C)
    throw std::invalid_argument(b.name + ": got " + std::to_string(C) + " classes after batches of " +
                                std::to_string(state.sums.size() / 4) + " (" + b.shapes() + ")");
  std::vector<double>& sums = state.sums;  // host memory: the running totals
  double *tp = sums.data(), *fp = tp + C, *fn = fp + C, *support = fn + C;
  const bool by_max = spec.threshold <= 0.f;  // Keras's threshold=None
  for (int64_t s = 0; s < b.samples; ++s) {
    const float* p = b.pred + s * C;
    const float* t = b.target + s * C;
    const double w = b.weight_of(s);
    float top = p[0];
    for (int64_t j = 1; j < C; ++j) top = std::max(top, p[j]);
    for (int64_t j = 0; j < C; ++j) {
      // Keras: the row's maximum (when not ~0) is predicted positive, or every score > threshold.
      const double positive = by_max ? (p[j] >= top && std::fabs(p[j]) > 1e-9f) : (p[j] > spec.threshold);
      const double truth = t[j];  // used as a number, as Keras does (soft labels count partly)
      tp[j] += w * positive * truth;
      fp[j] += w * positive * (1.0 - truth);
      fn[j] += w * (1.0 - positive) * truth;
      support[j] += w * truth;
    }
  }
}

std::vector<double> f_score_values(const MetricSpec& spec, const MetricState& state) {
  const double eps = kEpsilon, b2 = double(spec.beta) * spec.beta;
  auto score = [&](double tp, double fp, double fn) {
    const double precision = tp / (tp + fp + eps), recall = tp / (tp + fn + eps);
    return (1.0 + b2) * (precision * recall) / (b2 * precision + recall + eps);
  };
  const size_t C = state.sums.size() / 4;
  const std::vector<double>& sums = state.sums;
  const double *tp = sums.data(), *fp = tp + C, *fn = fp + C, *support = fn + C;
  if (spec.average == ScoreAverage::Micro) {
    double t = 0, f = 0, n = 0;
    for (size_t j = 0; j < C; ++j) t += tp[j], f += fp[j], n += fn[j];
    return {score(t, f, n)};
  }
  std::vector<double> per_class(C);
  for (size_t j = 0; j < C; ++j) per_class[j] = score(tp[j], fp[j], fn[j]);
  if (spec.average == ScoreAverage::None) return per_class;
  double folded = 0;
  if (spec.average == ScoreAverage::Macro) {
    for (double v : per_class) folded += v;
    return {C ? folded / double(C) : 0.0};
  }
  double total_support = 0;
  for (size_t j = 0; j < C; ++j) total_support += support[j];
  for (size_t j = 0; j < C; ++j) folded += per_class[j] * support[j] / (total_support + eps);
  return {folded};
}

}  // namespace nerve::metric_families
