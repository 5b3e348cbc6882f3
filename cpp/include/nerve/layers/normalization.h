// Normalization layers: BatchNormalization and LayerNormalization.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"

namespace nerve {

// BatchNormalization's arguments (Keras names and defaults; nerve/layers/arguments.h).
struct BatchNormalizationArgs {
  int64_t axis = -1;  // only the last (channels) axis is implemented
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer{"zeros"};
  Initializer gamma_initializer{"ones"};
  Initializer moving_mean_initializer{"zeros"};
  Initializer moving_variance_initializer{"ones"};
  // Under nerve.distributed, the training statistics are the global batch's (every rank's rows),
  // and so are their gradients and the moving statistics; one process: plain BatchNormalization.
  bool synchronized = false;
  static const ArgTable<BatchNormalizationArgs>& table();
};

// Normalises the last axis. Batch statistics while training (updating the moving ones), the
// moving statistics otherwise, and always when the layer is frozen (trainable = false), as Keras 3.
// Weights: gamma (if scale; role "gamma"), beta (if center; role "beta"), moving_mean,
// moving_variance (non-trainable).
class BatchNormalization : public Layer {
 public:
  bool passes_mask() const override { return true; }  // Keras's supports_masking
  using Args = BatchNormalizationArgs;
  BatchNormalization(std::string name, BatchNormalizationArgs args);
  const BatchNormalizationArgs& args() const { return args_; }
  const char* type() const override { return "BatchNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  BatchNormalizationArgs args_;
  float momentum_, epsilon_;
};

struct LayerNormalizationArgs {
  int64_t axis = -1;  // only the last axis is implemented
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer{"zeros"};
  Initializer gamma_initializer{"ones"};
  static const ArgTable<LayerNormalizationArgs>& table();
};

// (x - mean) / sqrt(var + epsilon) * gamma + beta, statistics over the last axis. Weights: gamma
// (if scale; role "gamma"), beta (if center; role "beta").
class LayerNormalization : public Layer {
 public:
  using Args = LayerNormalizationArgs;
  LayerNormalization(std::string name, LayerNormalizationArgs args);
  // Keras's defaults but epsilon (the sublayers of TransformerEncoder).
  LayerNormalization(std::string name, float epsilon);
  const LayerNormalizationArgs& args() const { return args_; }
  const char* type() const override { return "LayerNormalization"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  LayerNormalizationArgs args_;
  float epsilon_;
};

}  // namespace nerve
