// Convolution layers (Keras semantics, channels_last): Conv2D on images (height, width,
// channels) and Conv1D on sequences (timesteps, channels). Shapes exclude the batch axis.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"
#include "nerve/ops/convolutional.h"

namespace nerve {

// Conv2D's arguments (Keras names and defaults; see nerve/layers/arguments.h). Tuples may be
// given as one int from Python (repeated); data_format None is 'channels_last' once made.
struct Conv2DArgs {
  int64_t filters = 0;               // required
  std::vector<int64_t> kernel_size;  // required: (height, width)
  std::vector<int64_t> strides{1, 1};
  std::string padding = "valid";
  std::optional<std::string> data_format;
  std::vector<int64_t> dilation_rate{1, 1};
  int64_t groups = 1;                     // only 1 is implemented
  std::optional<std::string> activation;  // None: linear
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<Conv2DArgs>& table();
};

// Weights: kernel (kernel_h, kernel_w, in_channels, filters), Keras's layout; bias (filters).
class Conv2D : public Layer {
 public:
  using Args = Conv2DArgs;
  Conv2D(std::string name, Conv2DArgs args);
  const Conv2DArgs& args() const { return args_; }
  const char* type() const override { return "Conv2D"; }
  Shape output_shape(const Shape& input_shape) const override;
  int64_t filters() const { return args_.filters; }
  const Conv2DOptions& options() const { return options_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Conv2DArgs args_;
  int64_t kernel_h_, kernel_w_;
  Conv2DOptions options_;
  Activation activation_;
  float alpha_;  // the activation's Keras default parameter
};

// Conv2DTranspose's arguments (Keras names, order and defaults). output_padding None is Keras's
// default output size (input * stride for 'same', (input - 1) * stride + max(kernel, stride) for
// 'valid'); dilation_rate > 1 only with strides 1, as Keras.
struct Conv2DTransposeArgs {
  int64_t filters = 0;               // required
  std::vector<int64_t> kernel_size;  // required: (height, width)
  std::vector<int64_t> strides{1, 1};
  std::string padding = "valid";
  std::optional<std::vector<int64_t>> output_padding;
  std::optional<std::string> data_format;
  std::vector<int64_t> dilation_rate{1, 1};
  std::optional<std::string> activation;  // None: linear
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<Conv2DTransposeArgs>& table();
};

// The transposed convolution (the adjoint of Conv2D; a learned upsampling in decoders and GAN
// generators). Weights: kernel (kernel_h, kernel_w, filters, in_channels), Keras's layout (note the
// swapped channel axes against Conv2D); bias (filters).
class Conv2DTranspose : public Layer {
 public:
  using Args = Conv2DTransposeArgs;
  Conv2DTranspose(std::string name, Conv2DTransposeArgs args);
  const Conv2DTransposeArgs& args() const { return args_; }
  const char* type() const override { return "Conv2DTranspose"; }
  Shape output_shape(const Shape& input_shape) const override;
  const Conv2DTransposeOptions& options() const { return options_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Conv2DTransposeArgs args_;
  int64_t kernel_h_, kernel_w_;
  Conv2DTransposeOptions options_;
  Activation activation_;
  float alpha_;
};

// DepthwiseConv2D's arguments (Keras names, order and defaults). data_format None is
// 'channels_last' once made ('channels_first' is refused).
struct DepthwiseConv2DArgs {
  std::vector<int64_t> kernel_size;  // required: (height, width)
  std::vector<int64_t> strides{1, 1};
  std::string padding = "valid";
  int64_t depth_multiplier = 1;
  std::optional<std::string> data_format;
  std::vector<int64_t> dilation_rate{1, 1};
  std::optional<std::string> activation;  // None: linear
  bool use_bias = true;
  Initializer depthwise_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<DepthwiseConv2DArgs>& table();
};

// Each input channel convolved with its own depth_multiplier filters (MobileNet's depthwise
// layer). Weights: kernel (kernel_h, kernel_w, in_channels, depth_multiplier), Keras's layout (its
// regularizer role is "depthwise", as Keras's depthwise_regularizer); bias (in_channels *
// depth_multiplier). Output channel c * depth_multiplier + m, Keras's order.
class DepthwiseConv2D : public Layer {
 public:
  using Args = DepthwiseConv2DArgs;
  DepthwiseConv2D(std::string name, DepthwiseConv2DArgs args);
  const DepthwiseConv2DArgs& args() const { return args_; }
  const char* type() const override { return "DepthwiseConv2D"; }
  Shape output_shape(const Shape& input_shape) const override;
  const Conv2DOptions& options() const { return options_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  DepthwiseConv2DArgs args_;
  Conv2DOptions options_;
  Activation activation_;
  float alpha_;
};

// SeparableConv2D's arguments (Keras names, order and defaults).
struct SeparableConv2DArgs {
  int64_t filters = 0;               // required
  std::vector<int64_t> kernel_size;  // required: (height, width)
  std::vector<int64_t> strides{1, 1};
  std::string padding = "valid";
  std::optional<std::string> data_format;
  std::vector<int64_t> dilation_rate{1, 1};
  int64_t depth_multiplier = 1;
  std::optional<std::string> activation;  // None: linear
  bool use_bias = true;
  Initializer depthwise_initializer{"glorot_uniform"};
  Initializer pointwise_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<SeparableConv2DArgs>& table();
};

// The depthwise convolution, then a 1x1 convolution to `filters` channels (conv2d, a GEMM), with
// the bias and activation after the pointwise one (Xception's and the Keras tutorial's layer).
// Weights in Keras's order: depthwise_kernel (kernel_h, kernel_w, in_channels, depth_multiplier),
// pointwise_kernel (1, 1, in_channels * depth_multiplier, filters), bias (filters); regularizer
// roles "depthwise", "pointwise", "bias".
class SeparableConv2D : public Layer {
 public:
  using Args = SeparableConv2DArgs;
  SeparableConv2D(std::string name, SeparableConv2DArgs args);
  const SeparableConv2DArgs& args() const { return args_; }
  const char* type() const override { return "SeparableConv2D"; }
  Shape output_shape(const Shape& input_shape) const override;
  const Conv2DOptions& options() const { return options_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  SeparableConv2DArgs args_;
  Conv2DOptions options_;
  Activation activation_;
  float alpha_;
};

// Conv1D's arguments: as Conv2D's with 1-tuples, and padding 'causal' too.
struct Conv1DArgs {
  int64_t filters = 0;               // required
  std::vector<int64_t> kernel_size;  // required
  std::vector<int64_t> strides{1};
  std::string padding = "valid";
  std::optional<std::string> data_format;
  std::vector<int64_t> dilation_rate{1};
  int64_t groups = 1;  // only 1 is implemented
  std::optional<std::string> activation;
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer bias_initializer{"zeros"};
  static const ArgTable<Conv1DArgs>& table();
};

// Weights: kernel (kernel_size, in_channels, filters), bias (filters).
class Conv1D : public Layer {
 public:
  using Args = Conv1DArgs;
  Conv1D(std::string name, Conv1DArgs args);
  const Conv1DArgs& args() const { return args_; }
  const char* type() const override { return "Conv1D"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Conv1DArgs args_;
  int64_t kernel_size_, strides_, dilation_;
  Activation activation_;
  float alpha_;
};

}  // namespace nerve
