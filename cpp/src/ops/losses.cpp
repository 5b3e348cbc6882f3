// Losses. Each computes the batch-mean loss (double accumulation) and the gradient w.r.t. its
// input in one pass; the gradient is stored and handed out by the node.
#include "nerve/losses.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nerve/autograd.h"

namespace nerve {

namespace {

struct Entry {
  const char* name;
  LossKind kind;
};
constexpr Entry kLosses[] = {
    {"mean_squared_error", LossKind::MeanSquaredError},
    {"mse", LossKind::MeanSquaredError},
    {"mean_absolute_error", LossKind::MeanAbsoluteError},
    {"mae", LossKind::MeanAbsoluteError},
    {"binary_crossentropy", LossKind::BinaryCrossentropy},
    {"categorical_crossentropy", LossKind::CategoricalCrossentropy},
    {"sparse_categorical_crossentropy", LossKind::SparseCategoricalCrossentropy},
};

// The loss node holds the gradient computed with the forward pass (scaled by the incoming
// scalar gradient on the way back).
struct LossNode : Node {
  Tensor grad_input;
  const char* label;
  const char* name() const override { return label; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    float s = grad.item();
    if (s == 1.f) return {grad_input};
    Tensor g = Tensor::empty(grad_input.shape());
    const float* src = grad_input.data();
    float* dst = g.data();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) dst[i] = src[i] * s;
    return {g};
  }
};

Tensor finish(double total, Tensor grad_wrt, const Tensor& input, const char* label) {
  Tensor out = Tensor::full({}, static_cast<float>(total));
  auto node = std::make_shared<LossNode>();
  node->inputs = {input};
  node->grad_input = std::move(grad_wrt);
  node->label = label;
  return record(out, node);
}


Tensor elementwise_regression(LossKind kind, const Tensor& pred, const Tensor& target) {
  Tensor p = pred.contiguous(), t = target.contiguous();
  int64_t n = p.numel();
  Tensor g = Tensor::empty(p.shape());
  const float *pp = p.data(), *tp = t.data();
  float* gp = g.data();
  double total = 0;
  float inv = n ? 1.f / static_cast<float>(n) : 0.f;
  if (kind == LossKind::MeanSquaredError) {
    for (int64_t i = 0; i < n; ++i) {
      float d = pp[i] - tp[i];
      total += double(d) * d;
      gp[i] = 2.f * d * inv;
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      float d = pp[i] - tp[i];
      total += std::fabs(double(d));
      gp[i] = (d > 0.f ? inv : d < 0.f ? -inv : 0.f);
    }
  }
  return finish(n ? total / n : 0.0, g, pred, loss_name(kind));
}

// Binary cross-entropy on logits z: max(z,0) - z t + log(1 + exp(-|z|)); d/dz = sigmoid(z) - t.
Tensor bce_logits(const Tensor& logits, const Tensor& target) {
  Tensor z = logits.contiguous(), t = target.contiguous();
  int64_t n = z.numel();
  Tensor g = Tensor::empty(z.shape());
  const float *zp = z.data(), *tp = t.data();
  float* gp = g.data();
  double total = 0;
  float inv = n ? 1.f / static_cast<float>(n) : 0.f;
  for (int64_t i = 0; i < n; ++i) {
    double zi = zp[i];
    total += std::max(zi, 0.0) - zi * tp[i] + std::log1p(std::exp(-std::fabs(zi)));
    float s = zi >= 0 ? 1.f / (1.f + std::exp(-zp[i])) : std::exp(zp[i]) / (1.f + std::exp(zp[i]));
    gp[i] = (s - tp[i]) * inv;
  }
  return finish(n ? total / n : 0.0, g, logits, "binary_crossentropy");
}

// Keras on probabilities: clip to [eps, 1-eps] (no gradient through the clipped values).
Tensor bce_probs(const Tensor& pred, const Tensor& target) {
  Tensor p = pred.contiguous(), t = target.contiguous();
  int64_t n = p.numel();
  Tensor g = Tensor::empty(p.shape());
  const float *pp = p.data(), *tp = t.data();
  float* gp = g.data();
  double total = 0;
  float inv = n ? 1.f / static_cast<float>(n) : 0.f;
  for (int64_t i = 0; i < n; ++i) {
    float pc = std::min(std::max(pp[i], kEpsilon), 1.f - kEpsilon);
    total += -(tp[i] * std::log(double(pc)) + (1.0 - tp[i]) * std::log(1.0 - pc));
    bool clipped = pp[i] != pc;
    gp[i] = clipped ? 0.f : (pc - tp[i]) / (pc * (1.f - pc)) * inv;
  }
  return finish(n ? total / n : 0.0, g, pred, "binary_crossentropy");
}

// Class index for row i of a sparse target; validated.
int64_t label_at(const float* labels, int64_t i, int64_t classes) {
  float v = labels[i];
  if (!(v >= 0.f) || v >= static_cast<float>(classes) || v != std::floor(v))
    throw std::invalid_argument("sparse_categorical_crossentropy: label " + std::to_string(v) +
                                " at position " + std::to_string(i) + " is not an integer in [0, " +
                                std::to_string(classes) + ")");
  return static_cast<int64_t>(v);
}

// Categorical cross-entropy on logits (one-hot/soft targets, or sparse labels when sparse).
Tensor cce_logits(const Tensor& logits, const Tensor& target, bool sparse) {
  Tensor z = logits.contiguous(), t = target.contiguous();
  int64_t C = z.size(-1), rows = C ? z.numel() / C : 0;
  Tensor g = Tensor::empty(z.shape());
  const float *zp = z.data(), *tp = t.data();
  float* gp = g.data();
  double total = 0;
  float inv = rows ? 1.f / static_cast<float>(rows) : 0.f;
  for (int64_t i = 0; i < rows; ++i) {
    const float* zi = zp + i * C;
    float* gi = gp + i * C;
    float mx = *std::max_element(zi, zi + C);
    double se = 0;
    for (int64_t j = 0; j < C; ++j) se += std::exp(double(zi[j]) - mx);
    double lse = mx + std::log(se);
    if (sparse) {
      int64_t y = label_at(tp, i, C);
      total += lse - zi[y];
      for (int64_t j = 0; j < C; ++j) gi[j] = static_cast<float>(std::exp(zi[j] - lse)) * inv;
      gi[y] -= inv;
    } else {
      const float* ti = tp + i * C;
      double tsum = 0;
      for (int64_t j = 0; j < C; ++j) {
        total += ti[j] * (lse - zi[j]);
        tsum += ti[j];
      }
      for (int64_t j = 0; j < C; ++j)
        gi[j] = static_cast<float>(std::exp(zi[j] - lse) * tsum - ti[j]) * inv;
    }
  }
  return finish(rows ? total / rows : 0.0, g, logits,
                sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy");
}

// Keras on probabilities: renormalise rows, clip to [eps, 1-eps], -sum t log p.
Tensor cce_probs(const Tensor& pred, const Tensor& target, bool sparse) {
  Tensor p = pred.contiguous(), t = target.contiguous();
  int64_t C = p.size(-1), rows = C ? p.numel() / C : 0;
  Tensor g = Tensor::empty(p.shape());
  const float *pp = p.data(), *tp = t.data();
  float* gp = g.data();
  double total = 0;
  float inv = rows ? 1.f / static_cast<float>(rows) : 0.f;
  std::vector<float> dq(C);
  for (int64_t i = 0; i < rows; ++i) {
    const float* pi = pp + i * C;
    float* gi = gp + i * C;
    double S = 0;
    for (int64_t j = 0; j < C; ++j) S += pi[j];
    int64_t y = sparse ? label_at(tp, i, C) : -1;
    double dot = 0;  // sum_j dq_j q_j
    for (int64_t j = 0; j < C; ++j) {
      float tj = sparse ? (j == y ? 1.f : 0.f) : tp[i * C + j];
      float q = static_cast<float>(pi[j] / S);
      float qc = std::min(std::max(q, kEpsilon), 1.f - kEpsilon);
      total -= tj * std::log(double(qc));
      dq[j] = (q == qc) ? -tj / qc : 0.f;
      dot += double(dq[j]) * q;
    }
    for (int64_t j = 0; j < C; ++j) gi[j] = static_cast<float>((dq[j] - dot) / S) * inv;
  }
  return finish(rows ? total / rows : 0.0, g, pred,
                sparse ? "sparse_categorical_crossentropy" : "categorical_crossentropy");
}

}  // namespace

LossKind loss_from_name(const std::string& name) {
  for (const auto& e : kLosses)
    if (name == e.name) return e.kind;
  throw std::invalid_argument("unknown loss '" + name +
                              "'; valid names: mean_squared_error (mse), mean_absolute_error (mae), "
                              "binary_crossentropy, categorical_crossentropy, "
                              "sparse_categorical_crossentropy");
}

const char* loss_name(LossKind kind) {
  for (const auto& e : kLosses)
    if (e.kind == kind) return e.name;
  return "?";
}

Tensor compute_loss(const Loss& loss, const Tensor& pred, const Tensor& target) {
  const char* name = loss_name(loss.kind);
  if (pred.dim() == 0) throw std::invalid_argument(std::string(name) + ": predictions must have a batch axis");
  if (target.dim() == 0 || target.size(0) != pred.size(0))
    throw std::invalid_argument(std::string(name) + ": targets of shape " + target.shape_string() +
                                " do not match predictions of shape " + pred.shape_string());
  if (loss.kind == LossKind::SparseCategoricalCrossentropy) {
    int64_t C = pred.size(-1);
    if (C == 0 || target.numel() * C != pred.numel())
      throw std::invalid_argument(std::string(name) + ": expected one integer label per row of the " +
                                  std::to_string(C) + " class scores, got targets of shape " +
                                  target.shape_string() + " for predictions of shape " +
                                  pred.shape_string());
  } else if (target.numel() != pred.numel()) {
    throw std::invalid_argument(std::string(name) + ": targets of shape " + target.shape_string() +
                                " do not match predictions of shape " + pred.shape_string());
  }
  const TensorImpl& pi = *pred.impl();
  switch (loss.kind) {
    case LossKind::MeanSquaredError:
    case LossKind::MeanAbsoluteError:
      return elementwise_regression(loss.kind, pred, target);
    case LossKind::BinaryCrossentropy:
      if (loss.from_logits) return bce_logits(pred, target);
      if (pi.logits_of == LogitsOf::Sigmoid) return bce_logits(pi.logits, target);
      return bce_probs(pred, target);
    case LossKind::CategoricalCrossentropy:
    case LossKind::SparseCategoricalCrossentropy: {
      bool sparse = loss.kind == LossKind::SparseCategoricalCrossentropy;
      if (loss.from_logits) return cce_logits(pred, target, sparse);
      if (pi.logits_of == LogitsOf::Softmax) return cce_logits(pi.logits, target, sparse);
      return cce_probs(pred, target, sparse);
    }
  }
  throw std::logic_error("compute_loss: unknown loss kind");
}

}  // namespace nerve
