// Losses. Each kind is a row function computing one row's loss (double) and its gradient; one
// driver applies the sample weights and the sum_over_batch_size reduction to the gradient.
#include "cpu/losses/losses.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nerve::kernels {

namespace {

// One row: C predictions (or logits) p, the row's target t (C values, or one label when sparse),
// gradient out g (d loss_row / d p). Returns loss_row.
struct RowArgs {
  const float* p;
  const float* t;
  float* g;
  int64_t C;
};

double row_regression(LossKind kind, float delta, const RowArgs& a) {
  double total = 0;
  const float inv = 1.f / static_cast<float>(a.C);
  for (int64_t j = 0; j < a.C; ++j) {
    float d = a.p[j] - a.t[j];
    float ad = std::fabs(d);
    if (kind == LossKind::MeanSquaredError) {
      total += double(d) * d;
      a.g[j] = 2.f * d * inv;
    } else if (kind == LossKind::MeanAbsoluteError) {
      total += ad;
      a.g[j] = (d > 0.f ? inv : d < 0.f ? -inv : 0.f);
    } else {  // Huber
      if (ad <= delta) {
        total += 0.5 * double(d) * d;
        a.g[j] = d * inv;
      } else {
        total += double(delta) * ad - 0.5 * double(delta) * delta;
        a.g[j] = (d > 0.f ? delta : -delta) * inv;
      }
    }
  }
  return total / a.C;
}

float smooth_binary(float t, float s) { return t * (1.f - s) + 0.5f * s; }

// Binary cross-entropy on logits z: max(z,0) - z t + log(1 + exp(-|z|)); d/dz = sigmoid(z) - t.
double row_bce_logits(const RowArgs& a, float smoothing) {
  double total = 0;
  const float inv = 1.f / static_cast<float>(a.C);
  for (int64_t j = 0; j < a.C; ++j) {
    double z = a.p[j];
    float t = smooth_binary(a.t[j], smoothing);
    total += std::max(z, 0.0) - z * t + std::log1p(std::exp(-std::fabs(z)));
    float zf = a.p[j];
    float s = zf >= 0 ? 1.f / (1.f + std::exp(-zf)) : std::exp(zf) / (1.f + std::exp(zf));
    a.g[j] = (s - t) * inv;
  }
  return total / a.C;
}

// On probabilities: clip to [eps, 1-eps] (no gradient through the clipped values).
double row_bce_probs(const RowArgs& a, float smoothing) {
  double total = 0;
  const float inv = 1.f / static_cast<float>(a.C);
  for (int64_t j = 0; j < a.C; ++j) {
    float t = smooth_binary(a.t[j], smoothing);
    float pc = std::min(std::max(a.p[j], kEpsilon), 1.f - kEpsilon);
    total += -(t * std::log(double(pc)) + (1.0 - t) * std::log(1.0 - pc));
    a.g[j] = a.p[j] != pc ? 0.f : (pc - t) / (pc * (1.f - pc)) * inv;
  }
  return total / a.C;
}

// Target j of a row: the (smoothed) soft target, or the one-hot of a sparse label.
struct Targets {
  const float* t;
  int64_t label;    // >= 0 when sparse
  float keep, add;  // smoothing: t*keep + add
  float operator[](int64_t j) const {
    float v = label >= 0 ? (j == label ? 1.f : 0.f) : t[j];
    return v * keep + add;
  }
};

double row_cce_logits(const RowArgs& a, const Targets& t) {
  const float* z = a.p;
  float mx = *std::max_element(z, z + a.C);
  double se = 0;
  for (int64_t j = 0; j < a.C; ++j) se += std::exp(double(z[j]) - mx);
  double lse = mx + std::log(se), total = 0, tsum = 0;
  for (int64_t j = 0; j < a.C; ++j) {
    total += t[j] * (lse - z[j]);
    tsum += t[j];
  }
  for (int64_t j = 0; j < a.C; ++j) a.g[j] = static_cast<float>(std::exp(z[j] - lse) * tsum - t[j]);
  return total;
}

// Keras on probabilities: renormalise the row, clip to [eps, 1-eps], -sum t log p.
double row_cce_probs(const RowArgs& a, const Targets& t, std::vector<float>& dq) {
  double S = 0;
  for (int64_t j = 0; j < a.C; ++j) S += a.p[j];
  double dot = 0, total = 0;  // dot = sum_j dq_j q_j
  for (int64_t j = 0; j < a.C; ++j) {
    float tj = t[j];
    float q = static_cast<float>(a.p[j] / S);
    float qc = std::min(std::max(q, kEpsilon), 1.f - kEpsilon);
    total -= tj * std::log(double(qc));
    dq[j] = (q == qc) ? -tj / qc : 0.f;
    dot += double(dq[j]) * q;
  }
  for (int64_t j = 0; j < a.C; ++j) a.g[j] = static_cast<float>((dq[j] - dot) / S);
  return total;
}

// Keras: t and p clipped to [eps, 1]; sum t log(t/p); d/dp = -t/p where p is not clipped.
double row_kld(const RowArgs& a) {
  double total = 0;
  for (int64_t j = 0; j < a.C; ++j) {
    float t = std::min(std::max(a.t[j], kEpsilon), 1.f);
    float p = std::min(std::max(a.p[j], kEpsilon), 1.f);
    total += t * std::log(double(t) / p);
    a.g[j] = a.p[j] == p ? -t / p : 0.f;
  }
  return total;
}

}  // namespace

LossResult compute_loss(const LossParams& lp, const float* pp, const float* tp, const float* wp, int64_t rows,
                        int64_t C, int64_t rows_per_sample, float* gp) {
  const bool sparse = lp.sparse, logits = lp.logits;
  std::vector<float> scratch(static_cast<size_t>(C));
  const float s = lp.label_smoothing;
  const float keep = 1.f - s, add_cat = C ? s / static_cast<float>(C) : 0.f;
  LossResult result;
  double& total = result.total;
  for (int64_t r = 0; r < rows; ++r) {
    RowArgs a{pp + r * C, sparse ? tp + r : tp + r * C, gp + r * C, C};
    double value = 0;
    switch (lp.kind) {
      case LossKind::MeanSquaredError:
      case LossKind::MeanAbsoluteError:
      case LossKind::Huber:
        value = row_regression(lp.kind, lp.delta, a);
        break;
      case LossKind::BinaryCrossentropy:
        value = logits ? row_bce_logits(a, s) : row_bce_probs(a, s);
        break;
      case LossKind::CategoricalCrossentropy:
      case LossKind::SparseCategoricalCrossentropy: {
        int64_t label = -1;
        if (sparse) {
          const float v = *a.t;
          if (!(v >= 0.f) || v >= static_cast<float>(C) || v != std::floor(v)) {
            result.bad_row = r;
            return result;
          }
          label = static_cast<int64_t>(v);
        }
        Targets tg{a.t, label, keep, sparse ? 0.f : add_cat};
        value = logits ? row_cce_logits(a, tg) : row_cce_probs(a, tg, scratch);
        break;
      }
      case LossKind::KLDivergence:
        value = row_kld(a);
        break;
      case LossKind::None:  // never computed (compute_loss refuses it)
        break;
    }
    const float weight = wp ? wp[rows_per_sample ? r / rows_per_sample : 0] : 1.f;
    total += double(weight) * value;
    const float scale = weight / static_cast<float>(rows);
    float* gr = gp + r * C;
    for (int64_t j = 0; j < C; ++j) gr[j] *= scale;
  }
  return result;
}

}  // namespace nerve::kernels
