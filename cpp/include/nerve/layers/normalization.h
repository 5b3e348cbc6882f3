// Normalization layers: BatchNormalization and LayerNormalization.
#pragma once
#include <string>

#include "nerve/layers/layer.h"

namespace nerve {

// Normalises the last axis. Batch statistics while training (updating the moving ones), the
// moving statistics otherwise, and always when the layer is frozen (trainable = false), as Keras 3.
// Weights: gamma (if scale), beta (if center), moving_mean, moving_variance (non-trainable).
class BatchNormalization : public Layer {
 public:
  BatchNormalization(std::string name, float momentum = 0.99f, float epsilon = 1e-3f, bool center = true,
                     bool scale = true, Initializer beta_initializer = {"zeros"},
                     Initializer gamma_initializer = {"ones"}, Initializer moving_mean_initializer = {"zeros"},
                     Initializer moving_variance_initializer = {"ones"});
  const char* type() const override { return "BatchNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  float momentum_, epsilon_;
  bool center_, scale_;
  Initializer beta_init_, gamma_init_, mean_init_, var_init_;
};

class LayerNormalization : public Layer {
 public:
  LayerNormalization(std::string name, float epsilon = 1e-3f, bool center = true, bool scale = true,
                     Initializer gamma_initializer = {"ones"}, Initializer beta_initializer = {"zeros"});
  const char* type() const override { return "LayerNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  float epsilon_;
  bool center_, scale_;
  Initializer gamma_init_, beta_init_;
};

}  // namespace nerve
