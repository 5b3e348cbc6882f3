// Layers for convolutional networks (Keras semantics, channels_last): Conv2D, pooling,
// BatchNormalization, Dropout and the reshaping layers Flatten, Reshape, ZeroPadding2D.
// Shapes given to build()/output_shape() exclude the batch axis: images are (height, width, channels).
#pragma once
#include <cstdint>
#include <string>

#include "nerve/conv_ops.h"
#include "nerve/layers.h"

namespace nerve {

class Conv2D : public Layer {
 public:
  Conv2D(std::string name, int64_t filters, int64_t kernel_h, int64_t kernel_w, Conv2DOptions options = {},
         Activation activation = Activation::Linear, float activation_alpha = 0.f, bool use_bias = true,
         Initializer kernel_initializer = {}, Initializer bias_initializer = {"zeros"});
  const char* type() const override { return "Conv2D"; }
  Shape output_shape(const Shape& input_shape) const override;
  int64_t filters() const { return filters_; }
  const Conv2DOptions& options() const { return options_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t filters_, kernel_h_, kernel_w_;
  Conv2DOptions options_;
  Activation activation_;
  float alpha_;
  bool use_bias_;
  Initializer kernel_init_, bias_init_;
};

// MaxPooling2D / AveragePooling2D.
class Pooling2D : public Layer {
 public:
  Pooling2D(std::string name, PoolKind kind, Pool2DOptions options);
  const char* type() const override { return kind_ == PoolKind::Max ? "MaxPooling2D" : "AveragePooling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PoolKind kind_;
  Pool2DOptions options_;
};

// GlobalMaxPooling2D / GlobalAveragePooling2D: (H, W, C) -> (C), or (1, 1, C) with keepdims.
class GlobalPooling2D : public Layer {
 public:
  GlobalPooling2D(std::string name, PoolKind kind, bool keepdims = false)
      : Layer(std::move(name)), kind_(kind), keepdims_(keepdims) {}
  const char* type() const override { return kind_ == PoolKind::Max ? "GlobalMaxPooling2D" : "GlobalAveragePooling2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  PoolKind kind_;
  bool keepdims_;
};

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

// Inverted dropout while training, the identity otherwise. Each training call draws a new mask
// from (seed, call counter); the seed is the one given, or the layer's build seed.
class Dropout : public Layer {
 public:
  Dropout(std::string name, float rate, int64_t seed = -1);
  const char* type() const override { return "Dropout"; }
  Shape output_shape(const Shape& input_shape) const override { return input_shape; }
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }
  float rate() const { return rate_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  float rate_;
  int64_t user_seed_;
  uint64_t seed_ = 0, calls_ = 0;
};

class Flatten : public Layer {
 public:
  explicit Flatten(std::string name) : Layer(std::move(name)) {}
  const char* type() const override { return "Flatten"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;
};

// Reshape to `target_shape` (no batch axis; at most one -1, inferred).
class Reshape : public Layer {
 public:
  Reshape(std::string name, Shape target_shape);
  const char* type() const override { return "Reshape"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  // output_shape for an input with unknown (None) dimensions: the target with its -1 unknown.
  Shape unknown_output_shape(const Shape& input_shape) const;
  Shape target_;
};

class ZeroPadding2D : public Layer {
 public:
  ZeroPadding2D(std::string name, int64_t top, int64_t bottom, int64_t left, int64_t right);
  const char* type() const override { return "ZeroPadding2D"; }
  Shape output_shape(const Shape& input_shape) const override;

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t top_, bottom_, left_, right_;
};

}  // namespace nerve
