#include <stdexcept>

#include "layers/image_input.h"
#include "nerve/layers/convolutional.h"
#include "nerve/ops.h"

namespace nerve {

Conv2D::Conv2D(std::string name, int64_t filters, int64_t kernel_h, int64_t kernel_w, Conv2DOptions options,
               Activation activation, float activation_alpha, bool use_bias, Initializer kernel_initializer,
               Initializer bias_initializer)
    : Layer(std::move(name)), filters_(filters), kernel_h_(kernel_h), kernel_w_(kernel_w), options_(options),
      activation_(activation), alpha_(activation_alpha), use_bias_(use_bias),
      kernel_init_(std::move(kernel_initializer)), bias_init_(std::move(bias_initializer)) {
  if (filters <= 0)
    throw std::invalid_argument(describe() + ": filters must be positive, got " + std::to_string(filters));
  if (kernel_h <= 0 || kernel_w <= 0)
    throw std::invalid_argument(describe() + ": kernel_size must be positive, got (" + std::to_string(kernel_h) + ", " +
                                std::to_string(kernel_w) + ")");
  if (options.stride_h <= 0 || options.stride_w <= 0 || options.dilation_h <= 0 || options.dilation_w <= 0)
    throw std::invalid_argument(describe() + ": strides and dilation_rate must be positive");
  if (activation == Activation::Glu && filters % 2 != 0)
    throw std::invalid_argument(describe() + ": activation 'glu' halves the filters, so filters must be even, got " +
                                std::to_string(filters));
  check_initializer(kernel_init_);
  check_initializer(bias_init_);
}

Shape Conv2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const std::string who = describe() + " (kernel " + std::to_string(kernel_h_) + "x" + std::to_string(kernel_w_) +
                          ", input " + batch_shape_str(s) + ")";
  Window1D h = window_1d(s[0], kernel_h_, options_.stride_h, options_.dilation_h, options_.padding, who, "height");
  Window1D w = window_1d(s[1], kernel_w_, options_.stride_w, options_.dilation_w, options_.padding, who, "width");
  return {h.out, w.out, activation_output_features(activation_, filters_)};
}

void Conv2D::build_weights(const Shape& s, uint64_t seed) {
  const int64_t cin = s[2], receptive = kernel_h_ * kernel_w_;
  add_weight({kernel_h_, kernel_w_, cin, filters_}, kernel_init_, receptive * cin, receptive * filters_, seed, true,
             "kernel");
  if (use_bias_)
    add_weight({filters_}, bias_init_, receptive * cin, receptive * filters_, seed ^ 0xb1a5ull, true, "bias");
}

Tensor Conv2D::forward(const Tensor& x, bool) {
  // Row activations (softmax, glu, ...) act over the channels after the convolution.
  if (!activation_elementwise(activation_))
    return activation(conv2d(x, weights_[0], use_bias_ ? weights_[1] : Tensor(), options_), activation_, alpha_);
  return conv2d(x, weights_[0], use_bias_ ? weights_[1] : Tensor(), options_, activation_, alpha_);
}

}  // namespace nerve
