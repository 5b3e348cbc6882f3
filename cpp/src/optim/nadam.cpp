#include <cmath>

#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

namespace {
double momentum_at(double beta_1, int64_t t) { return beta_1 * (1.0 - 0.5 * std::pow(0.96, static_cast<double>(t))); }
}  // namespace

Nadam::Nadam(float learning_rate, double beta_1, double beta_2, float epsilon)
    : Optimizer(learning_rate), beta_1(beta_1), beta_2(beta_2), epsilon(epsilon) {}

void Nadam::begin_step(int64_t step) {
  // The product of the momentum schedule up to this step. It is carried from step to step;
  // if `iterations` was moved by hand, it is recomputed from the start.
  if (u_product_step_ != step - 1) {
    u_product_ = 1.0;
    for (int64_t s = 1; s < step; ++s) u_product_ *= momentum_at(float(beta_1), s);
  }
  u_product_ *= momentum_at(float(beta_1), step);
  u_product_step_ = step;
}

UpdateStep Nadam::update_step(int64_t step, float lr) const {
  const double u_t = momentum_at(float(beta_1), step), u_next = momentum_at(float(beta_1), step + 1);
  const double prod = u_product_, prod_next = u_product_ * u_next;
  UpdateStep s;
  s.rule = UpdateRule::Nadam;
  s.lr = lr;
  s.c[0] = static_cast<float>(u_next / (1.0 - prod_next));                                   // c_m
  s.c[1] = static_cast<float>((1.0 - u_t) / (1.0 - prod));                                   // c_g
  s.c[2] = static_cast<float>(1.0 / (1.0 - std::pow(double(float(beta_2)), double(step))));  // c_v
  s.c[3] = static_cast<float>(1.0 - beta_1);
  s.c[4] = static_cast<float>(1.0 - beta_2);
  s.c[5] = epsilon;
  return s;
}

}  // namespace nerve
