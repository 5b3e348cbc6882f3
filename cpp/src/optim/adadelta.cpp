#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Adadelta::Adadelta(float learning_rate, double rho, float epsilon)
    : Optimizer(learning_rate), rho(rho), epsilon(epsilon) {}

UpdateStep Adadelta::update_step(int64_t, float lr) const {
  UpdateStep s;
  s.rule = UpdateRule::Adadelta;
  s.lr = lr;
  s.c[0] = static_cast<float>(rho);
  s.c[1] = static_cast<float>(1.0 - rho);
  s.c[2] = epsilon;
  return s;
}

}  // namespace nerve
