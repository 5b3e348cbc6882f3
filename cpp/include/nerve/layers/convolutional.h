// Convolution layers (Keras semantics, channels_last): Conv2D on images (height, width,
// channels) and Conv1D on sequences (timesteps, channels). Shapes exclude the batch axis.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/layers/layer.h"
#include "nerve/ops/convolutional.h"

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

class Conv1D : public Layer {
 public:
  Conv1D(std::string name, int64_t filters, int64_t kernel_size, int64_t strides = 1, std::string padding = "valid",
         int64_t dilation_rate = 1, Activation activation = Activation::Linear, float activation_alpha = 0.f,
         bool use_bias = true, Initializer kernel_initializer = {}, Initializer bias_initializer = {"zeros"});
  const char* type() const override { return "Conv1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t filters_, kernel_size_, strides_, dilation_;
  std::string padding_;
  Activation activation_;
  float alpha_;
  bool use_bias_;
  Initializer kernel_init_, bias_init_;
};

}  // namespace nerve
