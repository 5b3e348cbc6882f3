// R2Score (Keras's formulas): per-output running sums of y, y^2, squared residuals and weights.
#include <cmath>
#include <stdexcept>

#include "metric_families.h"

namespace nerve::metric_families {

void update_r2(const MetricSpec&, MetricState& state, const MetricBatch& b) {
  if (b.pred_shape.size() != 2 || b.target_shape.size() != 2 || b.pred_shape[1] != b.target_shape[1])
    throw std::invalid_argument(b.name + ": expects 2D inputs of the same shape (batch_size, output_dim), got " +
                                b.shapes());
  const int64_t C = b.pred_shape[1];
  if (state.sums.empty()) state.sums.assign(4 * C, 0.0);
  if (static_cast<int64_t>(state.sums.size()) != 4 * C)
    throw std::invalid_argument(b.name + ": got " + std::to_string(C) + " outputs after batches of " +
                                std::to_string(state.sums.size() / 4) + " (" + b.shapes() + ")");
  std::vector<double>& sums = state.sums;  // host memory: the running totals
  double *sum = sums.data(), *squares = sum + C, *residual = squares + C, *weight = residual + C;
  for (int64_t s = 0; s < b.samples; ++s) {
    const double w = b.weight_of(s);
    for (int64_t j = 0; j < C; ++j) {
      const double y = b.target[s * C + j], d = y - b.pred[s * C + j];
      sum[j] += w * y;
      squares[j] += w * y * y;
      residual[j] += w * d * d;
      weight[j] += w;
    }
  }
  state.count += double(b.target_numel);  // Keras counts elements, not samples
}

std::vector<double> r2_values(const MetricSpec& spec, const MetricState& state) {
  const size_t C = state.sums.size() / 4;
  const std::vector<double>& sums = state.sums;
  const double *sum = sums.data(), *squares = sum + C, *residual = squares + C, *weight = residual + C;
  std::vector<double> raw(C), total(C);
  for (size_t j = 0; j < C; ++j) {
    const double mean = sum[j] / weight[j];
    total[j] = squares[j] - sum[j] * mean;
    raw[j] = 1.0 - residual[j] / total[j];
    if (std::isinf(raw[j])) raw[j] = 0.0;  // constant targets: Keras reports 0
  }
  std::vector<double> r2 = raw;
  if (spec.aggregation == ClassAggregation::UniformAverage) {
    double s = 0;
    for (double v : raw) s += v;
    r2 = {C ? s / double(C) : 0.0};
  } else if (spec.aggregation == ClassAggregation::VarianceWeightedAverage) {
    double s = 0, w = 0;
    for (size_t j = 0; j < C; ++j) s += total[j] * raw[j], w += total[j];
    r2 = {s / w};
  }
  // Adjusted R2 when it is defined (Keras warns and keeps the plain score otherwise).
  const double n = state.count, p = double(spec.num_regressors);
  if (spec.num_regressors != 0 && p < n - 1)
    for (double& v : r2) v = 1.0 - (1.0 - v) * (n - 1.0) / (n - p - 1.0);
  return r2;
}

}  // namespace nerve::metric_families
