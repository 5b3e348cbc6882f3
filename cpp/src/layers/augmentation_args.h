// Argument rules the augmentation layers share (nerve/layers/augmentation.h).
#pragma once
#include <cmath>

#include "keras_choices.h"
#include "nerve/layers/arguments.h"

namespace nerve {

inline bool arg_finite(const ArgValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return true;
  return std::isfinite(std::get<double>(v));
}
inline bool arg_in_signed_unit(const ArgValue& v) {  // [-1, 1]
  if (std::holds_alternative<std::monostate>(v)) return true;
  const double x = std::get<double>(v);
  return x >= -1.0 && x <= 1.0;
}

// fill_mode, interpolation, seed, fill_value, data_format of RandomRotation/Translation/Zoom.
#define NERVE_AFFINE_AUGMENTATION_FIELDS                                                                      \
  NERVE_ARG(fill_mode).must("one of 'reflect', 'wrap', 'constant', 'nearest'",                                \
                            ::nerve::arg_one_of({"reflect", "wrap", "constant", "nearest"})),                 \
      NERVE_ARG(interpolation).must("'nearest' or 'bilinear'", ::nerve::arg_one_of({"nearest", "bilinear"})), \
      NERVE_ARG(seed).must("a non-negative int or None", ::nerve::arg_non_negative),                          \
      NERVE_ARG(fill_value).must("a finite number", ::nerve::arg_finite), NERVE_DATA_FORMAT_ARG(data_format)

}  // namespace nerve
