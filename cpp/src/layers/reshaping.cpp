// Flatten, Reshape and ZeroPadding2D.
#include "nerve/layers/reshaping.h"

#include <algorithm>
#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "nerve/ops/reshaping.h"

namespace nerve {

const ArgTable<FlattenArgs>& FlattenArgs::table() {
  using Self = FlattenArgs;
  static const ArgTable<FlattenArgs> t{{NERVE_DATA_FORMAT_ARG(data_format)}};
  return t;
}
NERVE_REGISTER_LAYER(Flatten, "Flatten")

Flatten::Flatten(std::string name, FlattenArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  FlattenArgs::table().validate(args_, describe());
}

Shape Flatten::output_shape(const Shape& s) const {
  if (!shape_known(s))
    throw std::invalid_argument(describe() + ": cannot flatten input of shape " + batch_shape_str(s) +
                                ": the output size would depend on the unknown (None) length, so the sequence "
                                "length must be fixed (e.g. nerve.Input(shape=(10, 8))); or reduce the time axis "
                                "first (GlobalAveragePooling1D, an RNN without return_sequences)");
  return {shape_numel(s)};
}

Tensor Flatten::forward(const Tensor& x, bool) { return x.reshape({x.size(0), shape_numel(input_shape())}); }

namespace {
bool sizes_or_minus_one(const ArgValue& v) {
  for (int64_t d : std::get<std::vector<int64_t>>(v))
    if (d <= 0 && d != -1) return false;
  return true;
}
bool at_most_one_minus_one(const ArgValue& v) {
  const auto& t = std::get<std::vector<int64_t>>(v);
  return std::count(t.begin(), t.end(), int64_t{-1}) <= 1;
}
}  // namespace

const ArgTable<ReshapeArgs>& ReshapeArgs::table() {
  using Self = ReshapeArgs;
  static const ArgTable<ReshapeArgs> t{{
      NERVE_ARG(target_shape)
          .require()
          .must("a tuple of positive sizes or -1 (inferred)", sizes_or_minus_one)
          .must("a tuple with no more than one -1", at_most_one_minus_one),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Reshape, "Reshape")

Reshape::Reshape(std::string name, ReshapeArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  ReshapeArgs::table().validate(args_, describe());
  target_ = args_.target_shape;
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

const ArgTable<ZeroPadding2DArgs>& ZeroPadding2DArgs::table() {
  using Self = ZeroPadding2DArgs;
  static const ArgTable<ZeroPadding2DArgs> t{{
      NERVE_ARG(padding).pairs_of(2).must("non-negative", arg_non_negative).shown_as_value(std::vector<int64_t>{1, 1}),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(ZeroPadding2D, "ZeroPadding2D")

ZeroPadding2D::ZeroPadding2D(std::string name, ZeroPadding2DArgs args)
    : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  ZeroPadding2DArgs::table().validate(args_, describe());
  top_ = args_.padding[0];
  bottom_ = args_.padding[1];
  left_ = args_.padding[2];
  right_ = args_.padding[3];
}

Shape ZeroPadding2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  return {s[0] + top_ + bottom_, s[1] + left_ + right_, s[2]};
}

Tensor ZeroPadding2D::forward(const Tensor& x, bool) { return zero_pad2d(x, top_, bottom_, left_, right_); }

}  // namespace nerve
