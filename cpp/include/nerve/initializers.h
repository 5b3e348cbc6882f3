// Weight initializers (Keras 3 names and formulas). fan_in/fan_out follow Keras: for a [in, out]
// kernel, fan_in = in, fan_out = out (a layer passes receptive-field-scaled fans for conv kernels).
//   variance_scaling(scale, mode, distribution): s = scale / max(1, fan) with fan = fan_in,
//     fan_out or their mean; "truncated_normal": N(0, sqrt(s)/0.8796) cut at 2 stddev (redrawn),
//     "untruncated_normal": N(0, sqrt(s)), "uniform": U(-sqrt(3s), sqrt(3s)).
//   glorot_* = (1, fan_avg), he_* = (2, fan_in), lecun_* = (1, fan_in); *_normal truncated.
//   orthogonal(gain): the Q of a QR decomposition of a normal matrix (sign-fixed), shaped
//     [prod(shape[:-1]), shape[-1]]; rows or columns orthonormal, times gain.
//   truncated_normal(mean, stddev): N(mean, stddev) redrawn beyond 2 stddev.
#pragma once
#include <string>

#include "nerve/tensor.h"

namespace nerve {

struct Initializer {
  std::string name = "glorot_uniform";            // one of initializer_name_list() (nerve/names.h)
  float value = 0.f;                              // constant
  float minval = -0.05f, maxval = 0.05f;          // random_uniform
  float mean = 0.f, stddev = 0.05f;               // random_normal, truncated_normal
  float gain = 1.f;                               // orthogonal
  float scale = 1.f;                              // variance_scaling
  std::string mode = "fan_in";                    // variance_scaling: fan_in, fan_out, fan_avg
  std::string distribution = "truncated_normal";  // variance_scaling
  // Keras's seed argument: >= 0 draws from this seed instead of the layer's, so the initializer
  // gives the same values on every call (a seeded Keras initializer does); -1: the layer's seed.
  int64_t seed = -1;
};

void check_initializer(const Initializer& init);  // throws listing valid names / settings
void initialize(Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed);

}  // namespace nerve
