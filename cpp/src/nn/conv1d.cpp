// Conv1D, MaxPooling1D and GlobalAveragePooling1D.
#include <stdexcept>

#include "nerve/ops.h"
#include "nerve/sequence_layers.h"
#include "nerve/sequence_ops.h"

namespace nerve {

namespace {
void check_sequence(const Shape& s, const std::string& who) {
  if (s.size() != 2)
    throw std::invalid_argument(who + ": expects a 3-D input (batch, timesteps, channels), got " + batch_shape_str(s));
}
}  // namespace

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

MaxPooling1D::MaxPooling1D(std::string name, int64_t pool_size, int64_t strides, std::string padding)
    : Layer(std::move(name)), pool_(pool_size), strides_(strides <= 0 ? pool_size : strides),
      padding_(std::move(padding)) {
  if (pool_size <= 0) throw std::invalid_argument(describe() + ": pool_size must be positive");
  if (padding_ != "valid" && padding_ != "same")
    throw std::invalid_argument(describe() + ": padding must be 'valid' or 'same', got '" + padding_ + "'");
}

Shape MaxPooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  if (s[0] == kUnknownDim) return {kUnknownDim, s[1]};
  return {conv1d_output_length(s[0], pool_, strides_, padding_, 1, describe()), s[1]};
}

Tensor MaxPooling1D::forward(const Tensor& x, bool) { return max_pool1d(x, pool_, strides_, padding_); }

Shape GlobalAveragePooling1D::output_shape(const Shape& s) const {
  check_sequence(s, describe());
  return {s[1]};
}

Tensor GlobalAveragePooling1D::forward(const Tensor& x, bool) { return global_average_pool1d(x, x.impl()->mask); }

}  // namespace nerve
