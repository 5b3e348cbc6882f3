// DepthwiseConv2D and SeparableConv2D (Keras semantics, channels_last): the depthwise op, and for
// SeparableConv2D a 1x1 conv2d after it carrying the bias and activation.
#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops.h"

namespace nerve {

namespace {

Conv2DOptions window_options(const std::vector<int64_t>& strides, const std::vector<int64_t>& dilation,
                             const std::string& padding, const std::string& who) {
  Conv2DOptions o;
  o.stride_h = strides[0];
  o.stride_w = strides[1];
  o.dilation_h = dilation[0];
  o.dilation_w = dilation[1];
  o.padding = padding_from_name(padding, who);
  return o;
}

// The depthwise output's (height, width) for the per-sample input shape s.
std::pair<int64_t, int64_t> depthwise_output_size(const std::string& who, const Shape& s,
                                                  const std::vector<int64_t>& kernel, const Conv2DOptions& o) {
  check_image_input(who, s);
  const std::string what = who + " (kernel " + std::to_string(kernel[0]) + "x" + std::to_string(kernel[1]) +
                           ", input " + batch_shape_str(s) + ")";
  return {window_1d(s[0], kernel[0], o.stride_h, o.dilation_h, o.padding, what, "height").out,
          window_1d(s[1], kernel[1], o.stride_w, o.dilation_w, o.padding, what, "width").out};
}

}  // namespace

const ArgTable<DepthwiseConv2DArgs>& DepthwiseConv2DArgs::table() {
  using Self = DepthwiseConv2DArgs;
  static const ArgTable<DepthwiseConv2DArgs> t{{
      NERVE_ARG(kernel_size).require().tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_ARG(depth_multiplier).must("a positive int", arg_positive),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(dilation_rate).tuple_of(2).must("positive", arg_positive),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(depthwise_initializer),
      NERVE_ARG(bias_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(DepthwiseConv2D, "DepthwiseConv2D")

DepthwiseConv2D::DepthwiseConv2D(std::string name, DepthwiseConv2DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  DepthwiseConv2DArgs::table().validate(args_, describe());
  options_ = window_options(args_.strides, args_.dilation_rate, args_.padding, describe());
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  check_initializer(args_.depthwise_initializer);
  check_initializer(args_.bias_initializer);
}

Shape DepthwiseConv2D::output_shape(const Shape& s) const {
  auto [oh, ow] = depthwise_output_size(describe(), s, args_.kernel_size, options_);
  return {oh, ow, activation_output_features(activation_, s[2] * args_.depth_multiplier)};
}

void DepthwiseConv2D::build_weights(const Shape& s, uint64_t seed) {
  const int64_t cin = s[2], m = args_.depth_multiplier, receptive = args_.kernel_size[0] * args_.kernel_size[1];
  // Keras's fans for a (kh, kw, in, depth_multiplier) kernel: receptive * in and receptive * M.
  add_weight({args_.kernel_size[0], args_.kernel_size[1], cin, m}, args_.depthwise_initializer, receptive * cin,
             receptive * m, seed, true, "depthwise", "kernel");
  if (args_.use_bias)
    add_weight({cin * m}, args_.bias_initializer, receptive * cin, receptive * m, seed ^ 0xb1a5ull, true, "bias");
}

Tensor DepthwiseConv2D::forward(const Tensor& x, bool) {
  Tensor y = depthwise_conv2d(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), options_);
  return activation_ == Activation::Linear ? y : activation(y, activation_, alpha_);
}

const ArgTable<SeparableConv2DArgs>& SeparableConv2DArgs::table() {
  using Self = SeparableConv2DArgs;
  static const ArgTable<SeparableConv2DArgs> t{{
      NERVE_ARG(filters).require().must("a positive int", arg_positive),
      NERVE_ARG(kernel_size).require().tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(dilation_rate).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(depth_multiplier).must("a positive int", arg_positive),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(depthwise_initializer),
      NERVE_ARG(pointwise_initializer),
      NERVE_ARG(bias_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(SeparableConv2D, "SeparableConv2D")

SeparableConv2D::SeparableConv2D(std::string name, SeparableConv2DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  SeparableConv2DArgs::table().validate(args_, describe());
  options_ = window_options(args_.strides, args_.dilation_rate, args_.padding, describe());
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  if (activation_ == Activation::Glu && args_.filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(args_.filters));
  check_initializer(args_.depthwise_initializer);
  check_initializer(args_.pointwise_initializer);
  check_initializer(args_.bias_initializer);
}

Shape SeparableConv2D::output_shape(const Shape& s) const {
  auto [oh, ow] = depthwise_output_size(describe(), s, args_.kernel_size, options_);
  return {oh, ow, activation_output_features(activation_, args_.filters)};
}

void SeparableConv2D::build_weights(const Shape& s, uint64_t seed) {
  const int64_t cin = s[2], m = args_.depth_multiplier, f = args_.filters;
  const int64_t receptive = args_.kernel_size[0] * args_.kernel_size[1];
  add_weight({args_.kernel_size[0], args_.kernel_size[1], cin, m}, args_.depthwise_initializer, receptive * cin,
             receptive * m, seed, true, "depthwise", "depthwise_kernel");
  add_weight({1, 1, cin * m, f}, args_.pointwise_initializer, cin * m, f, seed ^ 0x9017ull, true, "pointwise",
             "pointwise_kernel");
  if (args_.use_bias) add_weight({f}, args_.bias_initializer, cin * m, f, seed ^ 0xb1a5ull, true, "bias");
}

Tensor SeparableConv2D::forward(const Tensor& x, bool) {
  const Tensor depthwise = depthwise_conv2d(x, weights_[0], Tensor(), options_);
  Conv2DOptions pointwise;  // 1x1, stride 1: one GEMM over every pixel
  pointwise.precision = precision();
  const Tensor bias = args_.use_bias ? weights_[2] : Tensor();
  // Row activations (softmax, glu, ...) act over the channels after the convolution.
  if (!activation_elementwise(activation_))
    return activation(conv2d(depthwise, weights_[1], bias, pointwise), activation_, alpha_);
  return conv2d(depthwise, weights_[1], bias, pointwise, activation_, alpha_);
}

}  // namespace nerve
