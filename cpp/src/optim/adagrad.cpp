#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

Adagrad::Adagrad(float learning_rate, float initial_accumulator_value, float epsilon)
    : Optimizer(learning_rate), initial_accumulator_value(initial_accumulator_value), epsilon(epsilon) {}

UpdateStep Adagrad::update_step(int64_t, float lr) const {
  UpdateStep s;
  s.rule = UpdateRule::Adagrad;
  s.lr = lr;
  s.c[0] = epsilon;
  return s;
}

}  // namespace nerve
