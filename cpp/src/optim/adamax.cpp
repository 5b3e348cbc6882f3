#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Adamax::Adamax(float learning_rate, double beta_1, double beta_2, float epsilon)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon) {}

UpdateStep Adamax::update_step(int64_t step, float lr) const {
  UpdateStep s;
  s.rule = UpdateRule::Adamax;
  s.lr = lr;
  s.c[0] = static_cast<float>(lr / (1.0 - std::pow(double(float(beta_1)), double(step))));  // lr_t
  s.c[1] = static_cast<float>(1.0 - beta_1);
  s.c[2] = static_cast<float>(beta_2);
  s.c[3] = epsilon;
  return s;
}

}  // namespace nerve
