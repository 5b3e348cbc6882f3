#include "kernel_table.h"
#include "nerve/optimizers.h"

namespace nerve {

SGD::SGD(float learning_rate, float momentum, bool nesterov)
    : Optimizer(learning_rate), momentum(momentum), nesterov(nesterov) {}

UpdateStep SGD::update_step(int64_t, float lr) const {
  UpdateStep s;
  s.rule = momentum == 0.f ? UpdateRule::Sgd : nesterov ? UpdateRule::SgdNesterov : UpdateRule::SgdMomentum;
  s.lr = lr;
  s.c[0] = momentum;
  return s;
}

}  // namespace nerve
