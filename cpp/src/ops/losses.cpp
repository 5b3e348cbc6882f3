// Losses. Each kind is a row function computing one row's loss (double) and its gradient; one
// driver applies the sample weights and the sum_over_batch_size reduction, and records a node
// that hands out the gradient computed with the forward pass.
#include "nerve/losses.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "nerve/autograd.h"
#include "nerve/names.h"

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
    {"huber", LossKind::Huber},
    {"binary_crossentropy", LossKind::BinaryCrossentropy},
    {"categorical_crossentropy", LossKind::CategoricalCrossentropy},
    {"sparse_categorical_crossentropy", LossKind::SparseCategoricalCrossentropy},
    {"kl_divergence", LossKind::KLDivergence},
    {"kld", LossKind::KLDivergence},
};

struct LossNode : Node {
  Tensor grad_input;
  const char* label;
  const char* name() const override { return label; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    float s = grad.item();
    if (s == 1.f) return {grad_input};
    Tensor g = Tensor::empty(grad_input.shape(), grad_input.device());
    const float* src = grad_input.data();
    float* dst = g.data();
    for (int64_t i = 0, n = g.numel(); i < n; ++i) dst[i] = src[i] * s;
    return {g};
  }
};

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

int64_t label_at(const float* label, int64_t row, int64_t classes) {
  float v = *label;
  if (!(v >= 0.f) || v >= static_cast<float>(classes) || v != std::floor(v))
    throw std::invalid_argument("sparse_categorical_crossentropy: label " + std::to_string(v) + " at position " +
                                std::to_string(row) + " is not an integer in [0, " + std::to_string(classes) + ")");
  return static_cast<int64_t>(v);
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

LossKind loss_from_name(const std::string& name) {
  for (const auto& e : kLosses)
    if (name == e.name) return e.kind;
  // "mean_squared_error (mse), ...": an alias follows its loss in the table.
  std::string valid;
  for (size_t i = 0; i < std::size(kLosses); ++i) {
    const bool alias = i > 0 && kLosses[i].kind == kLosses[i - 1].kind;
    valid += alias ? std::string(" (") + kLosses[i].name + ")" : (i ? ", " : "") + std::string(kLosses[i].name);
  }
  throw std::invalid_argument("unknown loss '" + name + "'; valid names: " + valid);
}

const std::vector<std::string>& loss_name_list() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& e : kLosses) v.emplace_back(e.name);
    return v;
  }();
  return names;
}

const char* loss_name(LossKind kind) {
  for (const auto& e : kLosses)
    if (e.kind == kind) return e.name;
  return "?";
}

void check_loss(const Loss& loss) {
  const std::string name = loss_name(loss.kind);
  if (!(loss.label_smoothing >= 0.f && loss.label_smoothing <= 1.f))
    throw std::invalid_argument(name + ": label_smoothing must be in [0, 1], got " +
                                std::to_string(loss.label_smoothing));
  if (loss.label_smoothing != 0.f && loss.kind != LossKind::BinaryCrossentropy &&
      loss.kind != LossKind::CategoricalCrossentropy)
    throw std::invalid_argument(name +
                                ": label_smoothing applies only to binary_crossentropy "
                                "and categorical_crossentropy");
  if (loss.kind == LossKind::Huber && !(loss.delta > 0.f && std::isfinite(loss.delta)))
    throw std::invalid_argument("huber: delta must be a positive number, got " + std::to_string(loss.delta));
}

Tensor compute_loss(const Loss& loss, const Tensor& pred, const Tensor& target, const Tensor& sample_weight) {
  check_loss(loss);
  const std::string name = loss_name(loss.kind);
  if (pred.dim() == 0) throw std::invalid_argument(name + ": predictions must have a batch axis");
  if (target.dim() == 0 || target.size(0) != pred.size(0))
    throw std::invalid_argument(name + ": targets of shape " + target.shape_string() +
                                " do not match predictions of shape " + pred.shape_string());
  const bool sparse = loss.kind == LossKind::SparseCategoricalCrossentropy;
  // A [batch] prediction is one value per sample: rows of one.
  const int64_t C = pred.dim() == 1 ? 1 : pred.size(-1);
  if (sparse) {
    if (C == 0 || target.numel() * C != pred.numel())
      throw std::invalid_argument(name + ": expected one integer label per row of the " + std::to_string(C) +
                                  " class scores, got targets of shape " + target.shape_string() +
                                  " for predictions of shape " + pred.shape_string());
  } else if (target.numel() != pred.numel()) {
    throw std::invalid_argument(name + ": targets of shape " + target.shape_string() +
                                " do not match predictions of shape " + pred.shape_string());
  }
  const int64_t batch = pred.size(0);
  Tensor w;
  if (sample_weight.defined()) {
    if (sample_weight.numel() != batch)
      throw std::invalid_argument(name + ": sample_weight of shape " + sample_weight.shape_string() +
                                  " does not give one weight per sample for a batch of " + std::to_string(batch));
    w = sample_weight.contiguous();
  }

  // Which tensor the gradient is for: the predictions, or the logits softmax/sigmoid remembered.
  const TensorImpl& pi = *pred.impl();
  Tensor input = pred;
  bool logits = loss.from_logits;
  if (!logits && loss.kind == LossKind::BinaryCrossentropy && pi.logits_of == LogitsOf::Sigmoid) {
    input = pi.logits;
    logits = true;
  }
  if (!logits && (loss.kind == LossKind::CategoricalCrossentropy || sparse) && pi.logits_of == LogitsOf::Softmax) {
    input = pi.logits;
    logits = true;
  }

  Tensor p = input.contiguous(), t = target.contiguous();
  const int64_t rows = C ? p.numel() / C : 0;
  const int64_t rows_per_sample = batch ? rows / batch : 0;
  Tensor g = Tensor::empty(p.shape(), p.device());
  const float *pp = p.data(), *tp = t.data(), *wp = w.defined() ? w.data() : nullptr;
  float* gp = g.data();
  std::vector<float> scratch(static_cast<size_t>(C));
  const float s = loss.label_smoothing;
  const float keep = 1.f - s, add_cat = C ? s / static_cast<float>(C) : 0.f;
  double total = 0;
  for (int64_t r = 0; r < rows; ++r) {
    RowArgs a{pp + r * C, sparse ? tp + r : tp + r * C, gp + r * C, C};
    double value = 0;
    switch (loss.kind) {
      case LossKind::MeanSquaredError:
      case LossKind::MeanAbsoluteError:
      case LossKind::Huber:
        value = row_regression(loss.kind, loss.delta, a);
        break;
      case LossKind::BinaryCrossentropy:
        value = logits ? row_bce_logits(a, s) : row_bce_probs(a, s);
        break;
      case LossKind::CategoricalCrossentropy:
      case LossKind::SparseCategoricalCrossentropy: {
        Targets tg{a.t, sparse ? label_at(a.t, r, C) : -1, keep, sparse ? 0.f : add_cat};
        value = logits ? row_cce_logits(a, tg) : row_cce_probs(a, tg, scratch);
        break;
      }
      case LossKind::KLDivergence:
        value = row_kld(a);
        break;
    }
    const float weight = wp ? wp[rows_per_sample ? r / rows_per_sample : 0] : 1.f;
    total += double(weight) * value;
    const float scale = weight / static_cast<float>(rows);
    float* gr = gp + r * C;
    for (int64_t j = 0; j < C; ++j) gr[j] *= scale;
  }
  Tensor out = Tensor::full({}, static_cast<float>(rows ? total / rows : 0.0));
  auto node = std::make_shared<LossNode>();
  node->inputs = {input};
  node->grad_input = g;
  node->label = loss_name(loss.kind);
  return record(out, node);
}

}  // namespace nerve
