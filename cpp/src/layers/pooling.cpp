// MaxPooling2D / AveragePooling2D, the global 2-D poolings, MaxPooling1D and GlobalAveragePooling1D.
#include "nerve/layers/pooling.h"

#include <stdexcept>

#include "layers/image_input.h"
#include "layers/sequence_input.h"
#include "nerve/ops/pooling.h"

namespace nerve {

Pooling2D::Pooling2D(std::string name, PoolKind kind, Pool2DOptions options)
    : Layer(std::move(name)), kind_(kind), options_(options) {
  if (options.pool_h <= 0 || options.pool_w <= 0 || options.stride_h <= 0 || options.stride_w <= 0)
    throw std::invalid_argument(describe() + ": pool_size and strides must be positive");
}

Shape Pooling2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const std::string who = describe() + " (pool " + std::to_string(options_.pool_h) + "x" +
                          std::to_string(options_.pool_w) + ", input " + batch_shape_str(s) + ")";
  Window1D h = window_1d(s[0], options_.pool_h, options_.stride_h, 1, options_.padding, who, "height");
  Window1D w = window_1d(s[1], options_.pool_w, options_.stride_w, 1, options_.padding, who, "width");
  return {h.out, w.out, s[2]};
}

Tensor Pooling2D::forward(const Tensor& x, bool) { return pool2d(x, kind_, options_); }

Shape GlobalPooling2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  return keepdims_ ? Shape{1, 1, s[2]} : Shape{s[2]};
}

Tensor GlobalPooling2D::forward(const Tensor& x, bool) {
  Tensor y = global_pool2d(x, kind_);
  return keepdims_ ? y.reshape({x.size(0), 1, 1, x.size(3)}) : y;
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
