// Optimizers: the update rules run in C++, one fused pass over each parameter tensor.
// Formulas follow Keras 3 (documented per class).
#pragma once
#include <memory>
#include <unordered_map>
#include <vector>

#include "nerve/tensor.h"

namespace nerve {

class Optimizer {
 public:
  explicit Optimizer(float learning_rate) : learning_rate(learning_rate) {}
  virtual ~Optimizer() = default;
  virtual const char* name() const = 0;

  // Updates every parameter that has a gradient, then increments `iterations`.
  void apply(const std::vector<Tensor>& params);
  // The state tensors kept for a parameter (created on first use), e.g. Adam's m and v.
  std::vector<Tensor>& slots(const Tensor& param);

  float learning_rate;
  int64_t iterations = 0;

 protected:
  virtual int num_slots() const = 0;
  // step = iterations + 1 (1-based, for bias correction).
  virtual void update(float* p, const float* g, float* const* slots, int64_t n, int64_t step) = 0;

 private:
  struct Entry {
    std::weak_ptr<TensorImpl> param;
    std::vector<Tensor> slots;
  };
  std::unordered_map<TensorImpl*, Entry> state_;
};

// v = momentum*v - lr*g;  p += v  (nesterov: p += momentum*v - lr*g);  no momentum: p -= lr*g
class SGD : public Optimizer {
 public:
  SGD(float learning_rate = 0.01f, float momentum = 0.f, bool nesterov = false);
  const char* name() const override { return "SGD"; }
  float momentum;
  bool nesterov;

 protected:
  int num_slots() const override { return momentum != 0.f ? 1 : 0; }
  void update(float* p, const float* g, float* const* slots, int64_t n, int64_t step) override;
};

// m += (g-m)(1-b1); v += (g²-v)(1-b2); p -= lr·sqrt(1-b2^t)/(1-b1^t) · m/(sqrt(v)+eps)
class Adam : public Optimizer {
 public:
  Adam(float learning_rate = 0.001f, float beta_1 = 0.9f, float beta_2 = 0.999f,
       float epsilon = 1e-7f);
  const char* name() const override { return "Adam"; }
  float beta_1, beta_2, epsilon;

 protected:
  int num_slots() const override { return 2; }
  void update(float* p, const float* g, float* const* slots, int64_t n, int64_t step) override;
};

}  // namespace nerve
