#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops.h"

namespace nerve {

namespace {
bool all_ones(const ArgValue& v) {
  for (int64_t d : std::get<std::vector<int64_t>>(v))
    if (d != 1) return false;
  return true;
}
}  // namespace

const ArgTable<Conv2DTransposeArgs>& Conv2DTransposeArgs::table() {
  using Self = Conv2DTransposeArgs;
  static const ArgTable<Conv2DTransposeArgs> t{{
      NERVE_ARG(filters).require().must("a positive int", arg_positive),
      NERVE_ARG(kernel_size).require().tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(2).must("positive", arg_positive),
      NERVE_ARG(padding).must("'valid' or 'same'", arg_one_of({"valid", "same"})),
      NERVE_ARG(output_padding).tuple_of(2).must("non-negative", arg_non_negative),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(dilation_rate).tuple_of(2).must("positive", arg_positive),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(bias_initializer),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Conv2DTranspose, "Conv2DTranspose")

Conv2DTranspose::Conv2DTranspose(std::string name, Conv2DTransposeArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  Conv2DTransposeArgs::table().validate(args_, describe());
  kernel_h_ = args_.kernel_size[0];
  kernel_w_ = args_.kernel_size[1];
  options_.stride_h = args_.strides[0];
  options_.stride_w = args_.strides[1];
  options_.dilation_h = args_.dilation_rate[0];
  options_.dilation_w = args_.dilation_rate[1];
  options_.padding = padding_from_name(args_.padding, describe());
  if (args_.output_padding) {
    const auto& op = *args_.output_padding;
    for (size_t i = 0; i < 2; ++i)
      if (op[i] >= args_.strides[i])
        throw std::invalid_argument(describe() + ": output_padding must be strictly less than strides, got " +
                                    "output_padding=" + arg_detail::show(op) + " with strides=" +
                                    arg_detail::show(args_.strides) + " (axis " + std::to_string(i) + ")");
    options_.output_padding_h = op[0];
    options_.output_padding_w = op[1];
  }
  ArgValue strides = args_.strides, dilation = args_.dilation_rate;
  if (!all_ones(strides) && !all_ones(dilation))
    throw std::invalid_argument(describe() + ": dilation_rate must be 1 when strides > 1 (as Keras), got strides=" +
                                arg_detail::show(strides) + " and dilation_rate=" + arg_detail::show(dilation));
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  if (activation_ == Activation::Glu && args_.filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(args_.filters));
  check_initializer(args_.kernel_initializer);
  check_initializer(args_.bias_initializer);
}

Shape Conv2DTranspose::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const std::string who = describe() + " (kernel " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                          ", input " + batch_shape_str(s) + ")";
  Window1D h = conv_transpose_window_1d(s[0], kernel_h_, options_.stride_h, options_.dilation_h, options_.padding,
                                        options_.output_padding_h, who, "height");
  Window1D w = conv_transpose_window_1d(s[1], kernel_w_, options_.stride_w, options_.dilation_w, options_.padding,
                                        options_.output_padding_w, who, "width");
  return {h.in, w.in, activation_output_features(activation_, args_.filters)};
}

void Conv2DTranspose::build_weights(const Shape& s, uint64_t seed) {
  // Keras's fans for the kernel shape (kh, kw, filters, in_channels): in = filters * kh * kw.
  const int64_t cin = s[2], receptive = kernel_h_ * kernel_w_;
  const int64_t filters = args_.filters;
  add_weight({kernel_h_, kernel_w_, filters, cin}, args_.kernel_initializer, receptive * filters, receptive * cin, seed,
             true, "kernel");
  if (args_.use_bias)
    add_weight({filters}, args_.bias_initializer, receptive * filters, receptive * cin, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Conv2DTranspose::forward(const Tensor& x, bool) {
  Conv2DTransposeOptions opt = options_;
  opt.precision = precision();
  return conv2d_transpose(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), opt, activation_, alpha_);
}

}  // namespace nerve
