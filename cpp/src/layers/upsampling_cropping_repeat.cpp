// UpSampling2D, Cropping2D and RepeatVector.
#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "layers/image_input.h"
#include "layers/keras_choices.h"
#include "nerve/layers/reshaping.h"
#include "nerve/ops/reshaping.h"

namespace nerve {

const ArgTable<UpSampling2DArgs>& UpSampling2DArgs::table() {
  using Self = UpSampling2DArgs;
  static const ArgTable<UpSampling2DArgs> t{{
      NERVE_ARG(size).tuple_of(2).must("positive", arg_positive),
      NERVE_DATA_FORMAT_ARG(data_format),
      NERVE_ARG(interpolation)
          .must("one of 'nearest', 'bilinear', 'bicubic', 'lanczos3', 'lanczos5', 'area'",
                arg_one_of({"nearest", "bilinear", "bicubic", "lanczos3", "lanczos5", "area"}))
          .supports("only 'nearest' and 'bilinear' are implemented", arg_one_of({"nearest", "bilinear"})),
  }};
  return t;
}
NERVE_REGISTER_LAYER(UpSampling2D, "UpSampling2D")

UpSampling2D::UpSampling2D(std::string name, UpSampling2DArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  // Keras lower-cases the name ("Bilinear" is "bilinear", in get_config too)
  std::transform(args_.interpolation.begin(), args_.interpolation.end(), args_.interpolation.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  UpSampling2DArgs::table().validate(args_, describe());
}

Shape UpSampling2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  return {s[0] * args_.size[0], s[1] * args_.size[1], s[2]};
}

Tensor UpSampling2D::forward(const Tensor& x, bool) {
  return upsample2d(x, args_.size[0], args_.size[1], args_.interpolation);
}

const ArgTable<Cropping2DArgs>& Cropping2DArgs::table() {
  using Self = Cropping2DArgs;
  static const ArgTable<Cropping2DArgs> t{{
      NERVE_ARG(cropping).pairs_of(2).must("non-negative", arg_non_negative),
      NERVE_DATA_FORMAT_ARG(data_format),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Cropping2D, "Cropping2D")

Cropping2D::Cropping2D(std::string name, Cropping2DArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  standardize_data_format(args_.data_format);
  Cropping2DArgs::table().validate(args_, describe());
}

Shape Cropping2D::output_shape(const Shape& s) const {
  check_image_input(describe(), s);
  const auto& c = args_.cropping;
  if (c[0] + c[1] >= s[0] || c[2] + c[3] >= s[1])
    throw std::invalid_argument(describe() + ": cropping ((" + std::to_string(c[0]) + ", " + std::to_string(c[1]) +
                                "), (" + std::to_string(c[2]) + ", " + std::to_string(c[3]) +
                                ")) must be smaller than the input's height and width, got input " +
                                batch_shape_str(s));
  return {s[0] - c[0] - c[1], s[1] - c[2] - c[3], s[2]};
}

Tensor Cropping2D::forward(const Tensor& x, bool) {
  const auto& c = args_.cropping;
  return crop2d(x, c[0], c[1], c[2], c[3]);
}

const ArgTable<RepeatVectorArgs>& RepeatVectorArgs::table() {
  using Self = RepeatVectorArgs;
  static const ArgTable<RepeatVectorArgs> t{{NERVE_ARG(n).require().must("a positive int", arg_positive)}};
  return t;
}
NERVE_REGISTER_LAYER(RepeatVector, "RepeatVector")

RepeatVector::RepeatVector(std::string name, RepeatVectorArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  RepeatVectorArgs::table().validate(args_, describe());
}

Shape RepeatVector::output_shape(const Shape& s) const {
  if (s.size() != 1)
    throw std::invalid_argument(describe() + ": expects inputs of shape (batch, features), got " + batch_shape_str(s));
  return {args_.n, s[0]};
}

Tensor RepeatVector::forward(const Tensor& x, bool) { return repeat_vector(x, args_.n); }

}  // namespace nerve
