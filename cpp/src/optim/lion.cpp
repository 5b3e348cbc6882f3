#include <sstream>
#include <stdexcept>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Lion::Lion(float learning_rate, double beta_1, double beta_2)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2) {
  if (beta_1 <= 0.0 || beta_1 > 1.0) {  // Keras's check, in its words
    std::ostringstream msg;
    msg << "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer degenerates to SignSGD. "
        << "Received: beta_1=" << beta_1 << ".";
    throw std::invalid_argument(msg.str());
  }
}

UpdateStep Lion::update_step(int64_t, float lr) const {
  // Keras casts the betas to float32 first, then takes 1 - beta in float32.
  const float b1 = static_cast<float>(beta_1), b2 = static_cast<float>(beta_2);
  UpdateStep s;
  s.rule = UpdateRule::Lion;
  s.lr = lr;
  s.c[0] = b1;
  s.c[1] = 1.f - b1;
  s.c[2] = b2;
  s.c[3] = 1.f - b2;
  return s;
}

}  // namespace nerve
