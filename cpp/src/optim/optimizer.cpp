// The optimizer base: per-parameter state, gradient clipping, weight decay, the step's learning
// rate; subclasses supply only the update rule (one file each).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "nerve/optimizers.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {
constexpr int kMaxSlots = 3;  // what the optimizer kernel takes (Adam with amsgrad, centered RMSprop with momentum)
}  // namespace

std::vector<Tensor>& Optimizer::slots(const Tensor& param) {
  TensorImpl* key = param.impl();
  auto it = state_.find(key);
  if (it != state_.end() && it->second.param.expired()) {  // address reused by a new tensor
    state_.erase(it);
    it = state_.end();
  }
  // A changed setting (momentum turned on, amsgrad) changes the slots: start them afresh.
  if (it != state_.end() && static_cast<int>(it->second.slots.size()) != num_slots()) {
    state_.erase(it);
    it = state_.end();
  }
  if (it == state_.end()) {
    Entry e;
    e.param = param.impl_ptr();
    for (int i = 0; i < num_slots(); ++i) {
      float v = slot_initial_value(i);
      e.slots.push_back(v == 0.f ? Tensor::zeros(param.shape(), param.device())
                                 : Tensor::full(param.shape(), v, param.device()));
    }
    it = state_.emplace(key, std::move(e)).first;
  }
  return it->second.slots;
}

float Optimizer::current_learning_rate() const { return schedule ? (*schedule)(iterations) : learning_rate; }

void Optimizer::check_settings() const {
  auto non_negative = [&](float v, const char* what) {
    if (!(v >= 0.f && std::isfinite(v)))
      throw std::invalid_argument(std::string(name()) + ": " + what + " must be a finite number >= 0 (0: off), got " +
                                  std::to_string(v));
  };
  non_negative(weight_decay, "weight_decay");
  non_negative(clipnorm, "clipnorm");
  non_negative(clipvalue, "clipvalue");
  non_negative(global_clipnorm, "global_clipnorm");
  if ((clipnorm > 0.f) + (clipvalue > 0.f) + (global_clipnorm > 0.f) > 1)
    throw std::invalid_argument(std::string(name()) +
                                ": only one of clipnorm, clipvalue and global_clipnorm can be set");
}

void Optimizer::apply(const std::vector<Tensor>& params) {
  check_settings();
  const int64_t step = iterations + 1;
  const float lr = current_learning_rate();

  struct Item {
    Tensor p, g;
  };
  std::vector<Item> items;
  for (const Tensor& p : params) {
    Tensor g = p.grad();
    if (!g.defined()) continue;
    if (!p.is_contiguous()) throw std::invalid_argument(std::string(name()) + ": parameters must be contiguous");
    if (g.numel() != p.numel())
      throw std::invalid_argument(std::string(name()) + ": gradient of shape " + g.shape_string() +
                                  " for a parameter of shape " + p.shape_string());
    items.push_back({p, g.contiguous()});
  }

  // Clipping works on copies: the gradient may be memory the caller still owns.
  const bool clipping = clipnorm > 0.f || clipvalue > 0.f || global_clipnorm > 0.f;
  if (clipping) {
    float global_scale = 1.f;
    if (global_clipnorm > 0.f) {
      double total = 0;
      for (auto& it : items)
        total += NERVE_KERNEL(it.g.device(), optimizer, sum_squares, name())(it.g.data(), it.g.numel());
      double norm = std::sqrt(total);  // NaN/Inf norms give NaN gradients, as Keras
      global_scale = static_cast<float>(global_clipnorm * std::min(1.0 / norm, 1.0 / global_clipnorm) + (norm - norm));
    }
    for (auto& it : items) {
      Tensor c = it.g.clone();
      const int64_t n = c.numel();
      const Device dev = c.device();
      if (clipnorm > 0.f) {
        double norm = std::sqrt(NERVE_KERNEL(dev, optimizer, sum_squares, name())(c.data(), n));
        float s = static_cast<float>(clipnorm / std::max<double>(norm, clipnorm));
        NERVE_KERNEL(dev, elementwise, scale, name())(c.data(), s, c.data(), n);
      } else if (global_clipnorm > 0.f) {
        NERVE_KERNEL(dev, elementwise, scale, name())(c.data(), global_scale, c.data(), n);
      } else {
        NERVE_KERNEL(dev, optimizer, clip, name())(c.data(), -clipvalue, clipvalue, n);
      }
      it.g = c;
    }
  }

  begin_step(step);
  UpdateStep rule = update_step(step, lr);
  const float decay = weight_decay * lr;
  for (auto& it : items) {
    rule.decay = decay != 0.f && decays(it.p) ? decay : 0.f;
    std::vector<Tensor>& s = slots(it.p);
    if (s.size() > kMaxSlots) throw std::logic_error(std::string(name()) + ": more slots than the update kernel takes");
    check_same_device(name(), it.p, it.g);
    NERVE_KERNEL(it.p.device(), optimizer, update, name())(
        rule, it.p.data(), it.g.data(), s.size() > 0 ? s[0].data() : nullptr, s.size() > 1 ? s[1].data() : nullptr,
        s.size() > 2 ? s[2].data() : nullptr, it.p.numel());
  }
  ++iterations;
}

void Optimizer::exclude_from_weight_decay(const std::vector<Tensor>& params) {
  for (const Tensor& p : params) no_weight_decay_[p.impl()] = p.impl_ptr();
}

bool Optimizer::decays(const Tensor& param) const {
  if (no_weight_decay_.empty()) return true;
  auto it = no_weight_decay_.find(param.impl());
  return it == no_weight_decay_.end() || it->second.expired();  // expired: another tensor there now
}

// ---- learning-rate schedules --------------------------------------------------------------

LearningRateSchedule LearningRateSchedule::exponential_decay(float initial, double decay_steps, float decay_rate,
                                                             bool staircase) {
  if (!(decay_steps > 0))
    throw std::invalid_argument("ExponentialDecay: decay_steps must be > 0, got " + std::to_string(decay_steps));
  LearningRateSchedule s;
  s.kind = Kind::ExponentialDecay;
  s.initial_learning_rate = initial;
  s.decay_steps = decay_steps;
  s.decay_rate = decay_rate;
  s.staircase = staircase;
  return s;
}

LearningRateSchedule LearningRateSchedule::piecewise_constant(std::vector<double> boundaries,
                                                              std::vector<float> values) {
  if (values.size() != boundaries.size() + 1)
    throw std::invalid_argument(
        "PiecewiseConstantDecay: values must have one more element than "
        "boundaries, got " +
        std::to_string(values.size()) + " values for " + std::to_string(boundaries.size()) + " boundaries");
  for (size_t i = 1; i < boundaries.size(); ++i)
    if (!(boundaries[i] > boundaries[i - 1]))
      throw std::invalid_argument("PiecewiseConstantDecay: boundaries must increase");
  LearningRateSchedule s;
  s.kind = Kind::PiecewiseConstantDecay;
  s.boundaries = std::move(boundaries);
  s.values = std::move(values);
  return s;
}

LearningRateSchedule LearningRateSchedule::cosine_decay(float initial, double decay_steps, float alpha, bool has_warmup,
                                                        float warmup_target, double warmup_steps) {
  if (!(decay_steps > 0))
    throw std::invalid_argument("CosineDecay: decay_steps must be > 0, got " + std::to_string(decay_steps));
  if (!(warmup_steps >= 0))
    throw std::invalid_argument("CosineDecay: warmup_steps must be >= 0, got " + std::to_string(warmup_steps));
  LearningRateSchedule s;
  s.kind = Kind::CosineDecay;
  s.initial_learning_rate = initial;
  s.decay_steps = decay_steps;
  s.alpha = alpha;
  s.has_warmup = has_warmup;
  s.warmup_target = warmup_target;
  s.warmup_steps = has_warmup ? warmup_steps : 0;
  return s;
}

float LearningRateSchedule::operator()(int64_t step_i) const {
  const double step = static_cast<double>(step_i);
  switch (kind) {
    case Kind::ExponentialDecay: {
      double p = step / decay_steps;
      if (staircase) p = std::floor(p);
      return static_cast<float>(initial_learning_rate * std::pow(double(decay_rate), p));
    }
    case Kind::PiecewiseConstantDecay: {
      for (size_t i = 0; i < boundaries.size(); ++i)
        if (step <= boundaries[i]) return values[i];
      return values.back();
    }
    case Kind::CosineDecay: {
      auto decay = [&](double s, double from) {
        double fraction = s / decay_steps;
        double cosine = 0.5 * (1.0 + std::cos(M_PI * fraction));
        return static_cast<float>(from * ((1.0 - alpha) * cosine + alpha));
      };
      if (!has_warmup) return decay(std::min(step, decay_steps), initial_learning_rate);
      double s = std::min(step, decay_steps + warmup_steps);
      if (s < warmup_steps)
        return static_cast<float>((double(warmup_target) - initial_learning_rate) * (s / warmup_steps) +
                                  initial_learning_rate);
      return decay(s - warmup_steps, warmup_target);
    }
  }
  return initial_learning_rate;
}

}  // namespace nerve
