// Conv1D: a 1-D convolution over time.
#include <stdexcept>

#include "layers/sequence_input.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/core.h"

namespace nerve {

Conv1D::Conv1D(std::string name, int64_t filters, int64_t kernel_size, int64_t strides, std::string padding,
               int64_t dilation_rate, Activation activation, float activation_alpha, bool use_bias,
               Initializer kernel_initializer, Initializer bias_initializer)
    : Layer(std::move(name)), filters_(filters), kernel_size_(kernel_size), strides_(strides), dilation_(dilation_rate),
      padding_(std::move(padding)), activation_(activation), alpha_(activation_alpha), use_bias_(use_bias),
      kernel_init_(std::move(kernel_initializer)), bias_init_(std::move(bias_initializer)) {
  if (filters <= 0 || kernel_size <= 0 || strides <= 0 || dilation_rate <= 0)
    throw std::invalid_argument(describe() + ": filters, kernel_size, strides and dilation_rate must be positive");
  if (padding_ != "valid" && padding_ != "same" && padding_ != "causal")
    throw std::invalid_argument(describe() + ": padding must be 'valid', 'same' or 'causal', got '" + padding_ + "'");
  if (strides > 1 && dilation_rate > 1)
    throw std::invalid_argument(describe() +
                                ": strides > 1 together with dilation_rate > 1 is not supported (as Keras)");
  if (activation == Activation::Glu && filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(filters));
  check_initializer(kernel_init_);
  check_initializer(bias_init_);
}

Shape Conv1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  require_known_dim(describe(), s, 1, "the last axis (channels)");
  const int64_t features = activation_output_features(activation_, filters_);
  if (s[0] == kUnknownDim) return {kUnknownDim, features};  // the length follows the data
  return {conv1d_output_length(s[0], kernel_size_, strides_, padding_, dilation_, describe()), features};
}

void Conv1D::build_weights(const Shape& s, uint64_t seed) {
  int64_t C = s[1];
  add_weight({kernel_size_, C, filters_}, kernel_init_, kernel_size_ * C, kernel_size_ * filters_, seed);
  if (use_bias_) add_weight({filters_}, bias_init_, kernel_size_ * C, filters_, seed ^ 0xb1a5ull);
}

Tensor Conv1D::forward(const Tensor& x, bool) {
  // With the length left open, a too-short input is found only here (Layer::call names us).
  Tensor y = conv1d(x, weights_[0], use_bias_ ? weights_[1] : Tensor(), strides_, padding_, dilation_);
  return activation(y, activation_, alpha_);
}

}  // namespace nerve
