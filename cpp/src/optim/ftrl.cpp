#include <sstream>
#include <stdexcept>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

namespace {
// Keras's checks, in its words.
void require(bool ok, const char* what, const char* needs, double value) {
  if (ok) return;
  std::ostringstream msg;
  msg << "`" << what << "` needs to be " << needs << ". Received: " << what << "=" << value << ".";
  throw std::invalid_argument(msg.str());
}
}  // namespace

Ftrl::Ftrl(float learning_rate, double learning_rate_power, float initial_accumulator_value, double l1, double l2,
           double l2_shrinkage, double beta)
    : Optimizer(learning_rate), learning_rate_power(learning_rate_power),
      initial_accumulator_value(initial_accumulator_value), l1_regularization_strength(l1),
      l2_regularization_strength(l2), l2_shrinkage_regularization_strength(l2_shrinkage), beta(beta) {
  require(!(initial_accumulator_value < 0.f), "initial_accumulator_value", "positive or zero",
          initial_accumulator_value);
  require(!(learning_rate_power > 0.0), "learning_rate_power", "negative or zero", learning_rate_power);
  require(!(l1 < 0.0), "l1_regularization_strength", "positive or zero", l1);
  require(!(l2 < 0.0), "l2_regularization_strength", "positive or zero", l2);
  require(!(l2_shrinkage < 0.0), "l2_shrinkage_regularization_strength", "positive or zero", l2_shrinkage);
}

UpdateStep Ftrl::update_step(int64_t, float lr) const {
  UpdateStep s;
  s.rule = UpdateRule::Ftrl;
  s.lr = lr;
  s.c[0] = static_cast<float>(-learning_rate_power);
  s.c[1] = static_cast<float>(2.0 * l2_shrinkage_regularization_strength);
  s.c[2] = static_cast<float>(2.0 * (l2_regularization_strength + beta / (2.0 * double(lr))));
  s.c[3] = static_cast<float>(l1_regularization_strength);
  return s;
}

}  // namespace nerve
