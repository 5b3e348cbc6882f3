#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Adam::Adam(float learning_rate, double beta_1, double beta_2, float epsilon, bool amsgrad)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon), amsgrad(amsgrad) {}

UpdateStep Adam::update_step(int64_t step, float lr) const {
  const double t = static_cast<double>(step);
  UpdateStep s;
  s.rule = amsgrad ? UpdateRule::AdamAmsgrad : UpdateRule::Adam;
  s.lr = lr;
  s.c[0] = static_cast<float>(lr * std::sqrt(1.0 - std::pow(double(float(beta_2)), t)) /
                              (1.0 - std::pow(double(float(beta_1)), t)));  // lr_t
  s.c[1] = static_cast<float>(1.0 - beta_1);
  s.c[2] = static_cast<float>(1.0 - beta_2);
  s.c[3] = epsilon;
  return s;
}

}  // namespace nerve
