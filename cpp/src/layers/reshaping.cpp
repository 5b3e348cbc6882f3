// Flatten, Reshape and ZeroPadding2D.
#include "nerve/layers/reshaping.h"

#include <stdexcept>

#include "layers/image_input.h"
#include "nerve/ops/reshaping.h"

namespace nerve {

Shape Flatten::output_shape(const Shape& s) const {
  if (!shape_known(s))
    throw std::invalid_argument(describe() + ": cannot flatten input of shape " + batch_shape_str(s) +
                                ": the output size would depend on the unknown (None) length, so the sequence "
                                "length must be fixed (e.g. nerve.Input(shape=(10, 8))); or reduce the time axis "
                                "first (GlobalAveragePooling1D, an RNN without return_sequences)");
  return {shape_numel(s)};
}

Tensor Flatten::forward(const Tensor& x, bool) { return x.reshape({x.size(0), shape_numel(input_shape())}); }

Reshape::Reshape(std::string name, Shape target_shape) : Layer(std::move(name)), target_(std::move(target_shape)) {
  int unknown = 0;
  for (int64_t d : target_) {
    if (d == -1)
      ++unknown;
    else if (d <= 0)
      throw std::invalid_argument(describe() + ": target_shape " + shape_str(target_) +
                                  " must hold positive sizes and at most one -1");
  }
  if (unknown > 1)
    throw std::invalid_argument(describe() + ": target_shape " + shape_str(target_) + " has more than one -1");
}

Shape Reshape::output_shape(const Shape& s) const {
  if (!shape_known(s)) return unknown_output_shape(s);
  const int64_t n = shape_numel(s);
  Shape out = target_;
  int64_t known = 1, unknown = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1)
      unknown = static_cast<int64_t>(i);
    else
      known *= out[i];
  }
  if (unknown >= 0 && known > 0 && n % known == 0) out[unknown] = n / known;
  if (shape_numel(out) != n || (unknown >= 0 && out[unknown] <= 0))
    throw std::invalid_argument(describe() + ": cannot reshape input of shape " + batch_shape_str(s) + " (" +
                                std::to_string(n) + " values per sample) to target_shape " + shape_str(target_));
  return out;
}

Shape Reshape::unknown_output_shape(const Shape& s) const {
  // The size per sample follows the data: the target's -1 takes it, and each call checks that
  // the data fits the target.
  for (int64_t d : target_)
    if (d == -1) return target_;
  throw std::invalid_argument(describe() + ": cannot reshape input of shape " + batch_shape_str(s) +
                              " to target_shape " + shape_str(target_) +
                              ": the size depends on the unknown "
                              "(None) length, so the sequence length must be fixed (e.g. nerve.Input(shape=(10, 8))), "
                              "or put -1 in target_shape for the axis that follows it");
}

Tensor Reshape::forward(const Tensor& x, bool) {
  Shape out = output_shape(input_shape());
  out.insert(out.begin(), x.size(0));
  try {
    return x.reshape(out);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(describe() + ": cannot reshape input of shape " + x.shape_string() +
                                " to target_shape " + shape_str(target_) + " (" + e.what() + ")");
  }
}

ZeroPadding2D::ZeroPadding2D(std::string name, int64_t top, int64_t bottom, int64_t left, int64_t right)
    : Layer(std::move(name)), top_(top), bottom_(bottom), left_(left), right_(right) {
  if (top < 0 || bottom < 0 || left < 0 || right < 0)
    throw std::invalid_argument(describe() + ": padding must be non-negative");
}

Shape ZeroPadding2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  return {s[0] + top_ + bottom_, s[1] + left_ + right_, s[2]};
}

Tensor ZeroPadding2D::forward(const Tensor& x, bool) { return zero_pad2d(x, top_, bottom_, left_, right_); }

}  // namespace nerve
