#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

RMSprop::RMSprop(float learning_rate, double rho, float momentum, float epsilon, bool centered)
    : Optimizer(learning_rate), rho(rho), momentum(momentum), epsilon(epsilon), centered(centered) {}

UpdateStep RMSprop::update_step(int64_t, float lr) const {
  UpdateStep s;
  s.rule = UpdateRule::Rmsprop;
  s.lr = lr;
  s.c[0] = static_cast<float>(rho);
  s.c[1] = static_cast<float>(1.0 - rho);
  s.c[2] = epsilon;
  s.c[3] = momentum;
  s.centered = centered;
  s.momentum = momentum > 0.f;
  return s;
}

}  // namespace nerve
