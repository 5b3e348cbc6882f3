// Optimizers: each works out its update rule and scalars per step (UpdateStep); the device's
// optimizer kernel runs it as one fused pass over each parameter tensor.
// Formulas follow Keras 3 (documented per class); `t` is the 1-based step (iterations + 1), `lr`
// the learning rate of that step (the schedule evaluated at `iterations` when one is set).
//
// Every step, before the update rule, Optimizer::apply does what Keras's base optimizer does:
//   1. gradient clipping, at most one of:
//        clipnorm         g *= clipnorm / max(||g||, clipnorm)          per tensor
//        global_clipnorm  g *= c / max(sqrt(sum over tensors ||g||²), c)  across all tensors
//        clipvalue        g = clip(g, -clipvalue, clipvalue)
//   2. decoupled weight decay (weight_decay > 0): p -= p * weight_decay * lr
#pragma once
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

struct UpdateStep;  // cpp/kernels/kernel_table.h

// A closed-form learning-rate schedule, evaluated in C++ at every step (no Python per step).
// `step` is the optimizer's iteration count before the update (0 for the first step), as Keras.
struct LearningRateSchedule {
  enum class Kind : unsigned char { ExponentialDecay, PiecewiseConstantDecay, CosineDecay };
  Kind kind = Kind::ExponentialDecay;
  // ExponentialDecay: initial * decay_rate^(step / decay_steps), the exponent floored if staircase.
  float initial_learning_rate = 0.f;
  double decay_steps = 1;
  float decay_rate = 1.f;
  bool staircase = false;
  // PiecewiseConstantDecay: values[0] while step <= boundaries[0], values[i] while
  // boundaries[i-1] < step <= boundaries[i], values.back() after the last boundary.
  std::vector<double> boundaries;
  std::vector<float> values;
  // CosineDecay (initial_learning_rate, decay_steps as above): with warm-up (has_warmup), a linear
  // ramp from initial_learning_rate to warmup_target over warmup_steps, then cosine decay from
  // warmup_target; the cosine part is (1-alpha) * 0.5(1 + cos(pi * s / decay_steps)) + alpha,
  // with s clamped to decay_steps.
  float alpha = 0.f;
  bool has_warmup = false;
  float warmup_target = 0.f;
  double warmup_steps = 0;

  static LearningRateSchedule exponential_decay(float initial, double decay_steps, float decay_rate, bool staircase);
  static LearningRateSchedule piecewise_constant(std::vector<double> boundaries, std::vector<float> values);
  static LearningRateSchedule cosine_decay(float initial, double decay_steps, float alpha, bool has_warmup,
                                           float warmup_target, double warmup_steps);
  float operator()(int64_t step) const;
};

class Optimizer {
 public:
  explicit Optimizer(float learning_rate) : learning_rate(learning_rate) {}
  virtual ~Optimizer() = default;
  virtual const char* name() const = 0;

  // Clips the gradients, applies weight decay, updates every parameter that has a gradient with
  // the rule of the subclass, then increments `iterations`. Gradients are read, never modified.
  void apply(const std::vector<Tensor>& params);
  // The state tensors kept for a parameter (created on first use), e.g. Adam's m and v.
  std::vector<Tensor>& slots(const Tensor& param);
  // The learning rate the next step will use: schedule(iterations) if set, else learning_rate.
  float current_learning_rate() const;
  // Throws std::invalid_argument when the settings are inconsistent (negative values, two kinds
  // of clipping at once).
  void check_settings() const;
  // Keras's exclude_from_weight_decay: these parameters are never decayed (the Python optimizer
  // picks them by variable or by name).
  void exclude_from_weight_decay(const std::vector<Tensor>& params);
  bool decays(const Tensor& param) const;

  float learning_rate;
  std::shared_ptr<LearningRateSchedule> schedule;                // null: the constant learning_rate
  float weight_decay = 0.f;                                      // 0: off
  float clipnorm = 0.f, clipvalue = 0.f, global_clipnorm = 0.f;  // 0: off
  int64_t iterations = 0;

 protected:
  virtual int num_slots() const = 0;
  virtual float slot_initial_value(int slot) const { return 0.f; }
  // Called once per apply() before any update, with the 1-based step (Nadam's momentum product).
  virtual void begin_step(int64_t step) {}
  // This step's update rule and its scalars (cpp/kernels/kernel_table.h); the device's optimizer
  // kernel then runs it over each parameter, its gradient and its num_slots() slots.
  virtual UpdateStep update_step(int64_t step, float lr) const = 0;

 private:
  struct Entry {
    std::weak_ptr<TensorImpl> param;
    std::vector<Tensor> slots;
  };
  std::unordered_map<TensorImpl*, Entry> state_;
  std::unordered_map<const TensorImpl*, std::weak_ptr<TensorImpl>> no_weight_decay_;
};

// m = momentum*m - lr*g;  p += m  (nesterov: p += momentum*m - lr*g);  no momentum: p -= lr*g.
// (PyTorch's buf = momentum*buf + g; p -= lr*buf is the same rule with m = -lr*buf.)
class SGD : public Optimizer {
 public:
  SGD(float learning_rate = 0.01f, float momentum = 0.f, bool nesterov = false);
  const char* name() const override { return "SGD"; }
  float momentum;
  bool nesterov;

 protected:
  int num_slots() const override { return momentum != 0.f ? 1 : 0; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// m += (g-m)(1-b1); v += (g²-v)(1-b2); amsgrad: vmax = max(vmax, v), used in place of v;
// p -= lr·sqrt(1-b2^t)/(1-b1^t) · m/(sqrt(v)+eps).
// (PyTorch puts eps after the bias correction: sqrt(v)/sqrt(1-b2^t) + eps; equal when eps = 0.)
class Adam : public Optimizer {
 public:
  Adam(float learning_rate = 0.001f, double beta_1 = 0.9, double beta_2 = 0.999, float epsilon = 1e-7f,
       bool amsgrad = false);
  const char* name() const override { return "Adam"; }
  // Betas (and rho below) are kept in double, as the user wrote them: as in Keras, the update
  // rates 1 - beta are formed in double, then rounded (1 - float(0.999) is 1.3e-5 off), while
  // the bias corrections 1 - beta^t use the float32 beta.
  double beta_1, beta_2;
  float epsilon;
  bool amsgrad;

 protected:
  int num_slots() const override { return amsgrad ? 3 : 2; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// Adam with decoupled weight decay (default 0.004): p -= p*weight_decay*lr, then the Adam rule.
// (PyTorch's AdamW: p *= 1 - lr*weight_decay, the same.)
class AdamW : public Adam {
 public:
  AdamW(float learning_rate = 0.001f, float weight_decay = 0.004f, double beta_1 = 0.9, double beta_2 = 0.999,
        float epsilon = 1e-7f, bool amsgrad = false);
  const char* name() const override { return "AdamW"; }
};

// v = rho*v + (1-rho)g²; centered: a = rho*a + (1-rho)g, d = v - a² + eps; else d = v + eps;
// inc = lr*g/sqrt(d); momentum > 0: m = momentum*m + inc, p -= m; else p -= inc.
// (eps inside the square root; PyTorch adds it outside: equal when eps = 0.)
class RMSprop : public Optimizer {
 public:
  RMSprop(float learning_rate = 0.001f, double rho = 0.9, float momentum = 0.f, float epsilon = 1e-7f,
          bool centered = false);
  const char* name() const override { return "RMSprop"; }
  double rho;
  float momentum, epsilon;
  bool centered;

 protected:
  int num_slots() const override { return 1 + (centered ? 1 : 0) + (momentum > 0.f ? 1 : 0); }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// acc += g² (acc starts at initial_accumulator_value); p -= lr*g/sqrt(acc + eps).
class Adagrad : public Optimizer {
 public:
  Adagrad(float learning_rate = 0.001f, float initial_accumulator_value = 0.1f, float epsilon = 1e-7f);
  const char* name() const override { return "Adagrad"; }
  float initial_accumulator_value, epsilon;

 protected:
  int num_slots() const override { return 1; }
  float slot_initial_value(int) const override { return initial_accumulator_value; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// ag = rho*ag + (1-rho)g²; d = -sqrt(ad + eps)/sqrt(ag + eps) * g; ad = rho*ad + (1-rho)d²;
// p += lr*d.   (Identical to PyTorch's Adadelta.)
class Adadelta : public Optimizer {
 public:
  Adadelta(float learning_rate = 0.001f, double rho = 0.95, float epsilon = 1e-7f);
  const char* name() const override { return "Adadelta"; }
  double rho;
  float epsilon;

 protected:
  int num_slots() const override { return 2; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// m += (g-m)(1-b1); u = max(b2*u, |g|); p -= lr/(1-b1^t) * m/(u + eps).
// (PyTorch: u = max(b2*u, |g| + eps), no eps in the division: equal when eps = 0.)
class Adamax : public Optimizer {
 public:
  Adamax(float learning_rate = 0.001f, double beta_1 = 0.9, double beta_2 = 0.999, float epsilon = 1e-7f);
  const char* name() const override { return "Adamax"; }
  double beta_1, beta_2;
  float epsilon;

 protected:
  int num_slots() const override { return 2; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// u_t = b1(1 - 0.5·0.96^t), u_{t+1} likewise, P_t = u_1···u_t (kept across steps);
// m += (g-m)(1-b1); v += (g²-v)(1-b2);
// m̂ = u_{t+1}·m/(1 - P_t·u_{t+1}) + (1-u_t)·g/(1 - P_t);  v̂ = v/(1 - b2^t);
// p -= lr·m̂/(sqrt(v̂) + eps).   (PyTorch's NAdam with momentum_decay = 1 and eps = 0.)
class Nadam : public Optimizer {
 public:
  Nadam(float learning_rate = 0.001f, double beta_1 = 0.9, double beta_2 = 0.999, float epsilon = 1e-7f);
  const char* name() const override { return "Nadam"; }
  double beta_1, beta_2;
  float epsilon;

 protected:
  int num_slots() const override { return 2; }
  void begin_step(int64_t step) override;
  UpdateStep update_step(int64_t step, float lr) const override;

 private:
  double u_product_ = 1.0;  // P_t for step u_product_step_
  int64_t u_product_step_ = 0;
};

// Lion (Chen et al., 2023; Keras's rule): p -= lr * sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g.
// One slot (the momentum); no bias correction, no epsilon.
class Lion : public Optimizer {
 public:
  Lion(float learning_rate = 0.001f, double beta_1 = 0.9, double beta_2 = 0.99);
  const char* name() const override { return "Lion"; }
  double beta_1, beta_2;

 protected:
  int num_slots() const override { return 1; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// Lamb (You et al., 2019; Keras's rule): Adam's moments, u = m_hat / (sqrt(v_hat) + eps), and
// p -= lr * (|p| / |u|) * u per parameter (the trust ratio; 1 when either norm is 0).
class Lamb : public Optimizer {
 public:
  Lamb(float learning_rate = 0.001f, double beta_1 = 0.9, double beta_2 = 0.999, float epsilon = 1e-7f);
  const char* name() const override { return "Lamb"; }
  double beta_1, beta_2;
  float epsilon;

 protected:
  int num_slots() const override { return 2; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

// FTRL-Proximal (McMahan et al., 2013; Keras's rule and arguments). Slots: the accumulator
// (starting at initial_accumulator_value) and the linear term.
class Ftrl : public Optimizer {
 public:
  Ftrl(float learning_rate = 0.001f, double learning_rate_power = -0.5, float initial_accumulator_value = 0.1f,
       double l1_regularization_strength = 0.0, double l2_regularization_strength = 0.0,
       double l2_shrinkage_regularization_strength = 0.0, double beta = 0.0);
  const char* name() const override { return "Ftrl"; }
  double learning_rate_power;
  float initial_accumulator_value;
  double l1_regularization_strength, l2_regularization_strength, l2_shrinkage_regularization_strength, beta;

 protected:
  int num_slots() const override { return 2; }
  float slot_initial_value(int slot) const override { return slot == 0 ? initial_accumulator_value : 0.f; }
  UpdateStep update_step(int64_t step, float lr) const override;
};

}  // namespace nerve
