// Conv1D: a 1-D convolution over time.
#include <stdexcept>

#include "layers/keras_choices.h"
#include "layers/sequence_input.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/core.h"

namespace nerve {

const ArgTable<Conv1DArgs>& Conv1DArgs::table() {
  using Self = Conv1DArgs;
  static const ArgTable<Conv1DArgs> t{{
      NERVE_ARG(filters).require().must("a positive int", arg_positive),
      NERVE_ARG(kernel_size).require().tuple_of(1).must("positive", arg_positive),
      NERVE_ARG(strides).tuple_of(1).must("positive", arg_positive).shown_as_value(int64_t{1}),
      NERVE_ARG(padding).must("'valid', 'same' or 'causal'", arg_one_of({"valid", "same", "causal"})),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(dilation_rate).tuple_of(1).must("positive", arg_positive).shown_as_value(int64_t{1}),
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
NERVE_REGISTER_LAYER(Conv1D, "Conv1D")

Conv1D::Conv1D(std::string name, Conv1DArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  lower_case(args_.padding);
  standardize_data_format(args_.data_format);
  Conv1DArgs::table().validate(args_, describe());
  kernel_size_ = args_.kernel_size[0];
  strides_ = args_.strides[0];
  dilation_ = args_.dilation_rate[0];
  if (strides_ > 1 && dilation_ > 1)
    throw std::invalid_argument(describe() +
                                ": strides > 1 together with dilation_rate > 1 is not supported (as Keras)");
  activation_ = activation_for_layer(describe(), args_.activation.value_or("linear"));
  alpha_ = activation_default_alpha(activation_);
  if (activation_ == Activation::Glu && args_.filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(args_.filters));
  check_initializer(args_.kernel_initializer);
  check_initializer(args_.bias_initializer);
}

Shape Conv1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  require_known_dim(describe(), s, 1, "the last axis (channels)");
  const int64_t features = activation_output_features(activation_, args_.filters);
  if (s[0] == kUnknownDim) return {kUnknownDim, features};  // the length follows the data
  return {conv1d_output_length(s[0], kernel_size_, strides_, args_.padding, dilation_, describe()), features};
}

void Conv1D::build_weights(const Shape& s, uint64_t seed) {
  int64_t C = s[1];
  const int64_t filters = args_.filters;
  add_weight({kernel_size_, C, filters}, args_.kernel_initializer, kernel_size_ * C, kernel_size_ * filters, seed, true,
             "kernel");
  if (args_.use_bias)
    add_weight({filters}, args_.bias_initializer, kernel_size_ * C, filters, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Conv1D::forward(const Tensor& x, bool) {
  // With the length left open, a too-short input is found only here (Layer::call names us).
  Tensor y =
      conv1d(x, weights_[0], args_.use_bias ? weights_[1] : Tensor(), strides_, args_.padding, dilation_, precision());
  return activation(y, activation_, alpha_);
}

}  // namespace nerve
