#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Lamb::Lamb(float learning_rate, double beta_1, double beta_2, float epsilon)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon) {}

UpdateStep Lamb::update_step(int64_t step, float lr) const {
  // As Keras: 1 - beta in double (Python floats), the powers of the float32 betas.
  UpdateStep s;
  s.rule = UpdateRule::Lamb;
  s.lr = lr;
  s.c[0] = static_cast<float>(1.0 - beta_1);
  s.c[1] = static_cast<float>(1.0 - beta_2);
  s.c[2] = static_cast<float>(1.0 - std::pow(double(float(beta_1)), double(step)));
  s.c[3] = static_cast<float>(1.0 - std::pow(double(float(beta_2)), double(step)));
  s.c[4] = epsilon;
  return s;
}

}  // namespace nerve
