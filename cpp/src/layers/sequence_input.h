// The input check the 1-D sequence layers share: per-sample shapes must be (timesteps, channels).
#pragma once
#include <stdexcept>
#include <string>

#include "nerve/tensor.h"

namespace nerve {

inline void check_sequence(const Shape& s, const std::string& who) {
  if (s.size() != 2)
    throw std::invalid_argument(who + ": expects a 3-D input (batch, timesteps, channels), got " + batch_shape_str(s));
}

}  // namespace nerve
