// The input check every image layer shares: per-sample shapes must be (height, width, channels).
#pragma once
#include <stdexcept>
#include <string>

#include "nerve/tensor.h"

namespace nerve {

inline void check_image_input(const std::string& who, const Shape& s) {
  if (s.size() != 3)
    throw std::invalid_argument(who + ": expected input of rank 4 (batch, height, width, channels), got shape " +
                                batch_shape_str(s) + "; reshape grayscale images to (N, H, W, 1)");
  for (int64_t d : s)
    if (d == kUnknownDim)
      throw std::invalid_argument(who + ": input shape " + batch_shape_str(s) +
                                  " has an unknown (None) "
                                  "dimension; image layers need a fixed height, width and channels");
    else if (d <= 0)
      throw std::invalid_argument(who + ": input shape " + batch_shape_str(s) + " has an empty dimension");
}

}  // namespace nerve
