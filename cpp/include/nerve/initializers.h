// Weight initializers (Keras names). fan_in/fan_out follow Keras: for a [in, out] kernel,
// fan_in = in, fan_out = out.
#pragma once
#include <string>

#include "nerve/tensor.h"

namespace nerve {

struct Initializer {
  std::string name = "glorot_uniform";  // zeros, ones, constant, glorot_uniform, glorot_normal,
                                        // he_uniform, he_normal, random_uniform, random_normal,
                                        // orthogonal
  float value = 0.f;                    // constant; orthogonal: gain (0 means 1)
  float minval = -0.05f, maxval = 0.05f;  // random_uniform
  float mean = 0.f, stddev = 0.05f;       // random_normal
};

void check_initializer(const Initializer& init);  // throws listing valid names
void initialize(Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed);

}  // namespace nerve
