// Losses: names, checks and the op. The row functions (each loss kind's value and gradient, the
// sample weights and the sum_over_batch_size reduction) are the device's losses family (the
// CPU's in cpp/kernels/cpu/losses/losses.cpp); the node hands out the gradient computed with the
// forward pass.
#include "nerve/losses.h"

#include <cmath>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <vector>

#include "nerve/autograd.h"
#include "nerve/layers/arguments.h"
#include "nerve/names.h"
#include "ops/dispatch.h"
#include "tensor/small_block_pool.h"

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
    NERVE_KERNEL(g.device(), elementwise, scale, label)(grad_input.data(), s, g.data(), g.numel());
    return {g};
  }
};

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
  if (kind == LossKind::None) return "none";
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

// A padding mask on the predictions (Embedding(mask_zero=True) through a sequence model), as
// Keras applies it: a weight per row of the last axis, 0 where masked and total/valid elsewhere
// (times the sample's weight), so the mean runs over the unmasked rows.
static Tensor masked_row_weights(const std::string& name, const Tensor& pred, const Tensor& sample_weight, int64_t rows,
                                 int64_t rows_per_sample) {
  const Tensor& mask = pred.impl()->mask;
  HostView m(mask);
  if (m.size() != rows)
    throw UnsupportedArgument(name + ": the predictions of shape " + pred.shape_string() +
                              " carry a padding mask of shape " + mask.shape_string() +
                              "; nerve applies a mask with one value per row of the last axis only");
  int64_t valid = 0;
  for (int64_t r = 0; r < rows; ++r) valid += m[r] != 0.f;
  const float scale = valid ? static_cast<float>(double(rows) / double(valid)) : 0.f;
  std::optional<HostView> sw;
  if (sample_weight.defined()) sw.emplace(sample_weight);
  std::vector<float> weights(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    weights[r] = m[r] == 0.f ? 0.f : scale * (sw ? (*sw)[rows_per_sample ? r / rows_per_sample : 0] : 1.f);
  return Tensor::from_host(weights.data(), {rows}, pred.device());
}

Tensor compute_loss(const Loss& loss, const Tensor& pred, const Tensor& target, const Tensor& sample_weight) {
  check_loss(loss);
  const std::string name = loss_name(loss.kind);
  if (loss.kind == LossKind::None) throw std::logic_error("compute_loss: an output with no loss has no value");
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

  check_same_device(name.c_str(), input, target);
  check_same_device(name.c_str(), input, w);
  Tensor p = input.contiguous(), t = target.contiguous();
  const int64_t rows = C ? p.numel() / C : 0;
  int64_t rows_per_sample = batch ? rows / batch : 0;
  if (pi.mask.defined()) {
    w = masked_row_weights(name, pred, w, rows, rows_per_sample);
    rows_per_sample = 1;
  }
  Tensor g = Tensor::empty(p.shape(), p.device());
  LossParams lp;
  lp.kind = loss.kind;
  lp.logits = logits;
  lp.sparse = sparse;
  lp.delta = loss.delta;
  lp.label_smoothing = loss.label_smoothing;
  const LossResult result = NERVE_KERNEL(p.device(), losses, compute, loss_name(loss.kind))(
      lp, p.data(), t.data(), kernel_arg(w), rows, C, rows_per_sample, g.data());
  if (result.bad_row >= 0) {
    float v;  // the offending label, copied back for the message
    backend_for(t.device()).copy_to_host(&v, t.data() + result.bad_row, sizeof(float));
    throw std::invalid_argument("sparse_categorical_crossentropy: label " + std::to_string(v) + " at position " +
                                std::to_string(result.bad_row) + " is not an integer in [0, " + std::to_string(C) +
                                ")");
  }
  Tensor out = Tensor::full({}, static_cast<float>(rows ? result.total / rows : 0.0), p.device());
  auto node = detail::make_pooled<LossNode>();
  node->inputs = {input};
  node->grad_input = g;
  node->label = loss_name(loss.kind);
  return record(out, node);
}

}  // namespace nerve
