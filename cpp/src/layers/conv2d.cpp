#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops.h"

namespace nerve {

const ArgTable<Conv2DArgs>& Conv2DArgs::table() {
  using Self = Conv2DArgs;
  static const ArgTable<Conv2DArgs> t{{
      NERVE_ARG(filters).require().must("a positive int", arg_positive),
      NERVE_ARG(kernel_size).require().tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(dilation_rate).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(groups)
          .must("a positive int", arg_positive)
          .supports("only groups=1 is implemented", [](const ArgValue& v) { return std::get<int64_t>(v) == 1; }),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(bias_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Conv2D, "Conv2D")

Conv2D::Conv2D(std::string name, Conv2DArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  Conv2DArgs::table().validate(args_, describe());
  kernel_h_ = args_.kernel_size[0];
  kernel_w_ = args_.kernel_size[1];
  options_.stride_h = args_.strides[0];
  options_.stride_w = args_.strides[1];
  options_.dilation_h = args_.dilation_rate[0];
  options_.dilation_w = args_.dilation_rate[1];
  options_.padding = padding_from_name(args_.padding, describe());
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  if (activation_ == Activation::Glu && args_.filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(args_.filters));
  check_initializer(args_.kernel_initializer);
  check_initializer(args_.bias_initializer);
}

Shape Conv2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const std::string who = describe() + " (kernel " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                          ", input " + batch_shape_str(s) + ")";
  Window1D h = window_1d(s[0], kernel_h_, options_.stride_h, options_.dilation_h, options_.padding, who, "height");
  Window1D w = window_1d(s[1], kernel_w_, options_.stride_w, options_.dilation_w, options_.padding, who, "width");
  return {h.out, w.out, activation_output_features(activation_, args_.filters)};
}

void Conv2D::build_weights(const Shape& s, uint64_t seed) {
  const int64_t cin = s[2], receptive = kernel_h_ * kernel_w_;
  const int64_t filters = args_.filters;
  add_weight({kernel_h_, kernel_w_, cin, filters}, args_.kernel_initializer, receptive * cin, receptive * filters, seed,
             true, "kernel");
  if (args_.use_bias)
    add_weight({filters}, args_.bias_initializer, receptive * cin, receptive * filters, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Conv2D::forward(const Tensor& x, bool) {
  Conv2DOptions opt = options_;
  opt.precision = precision();
  // Row activations (softmax, glu, ...) act over the channels after the convolution.
  if (!activation_elementwise(activation_))
    return activation(conv2d(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), opt), activation_, alpha_);
  return conv2d(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), opt, activation_, alpha_);
}

}  // namespace nerve
