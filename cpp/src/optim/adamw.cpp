#include "nerve/optimizers.h"

namespace nerve {

AdamW::AdamW(float learning_rate, float weight_decay_, double beta_1, double beta_2, float epsilon, bool amsgrad)
    : Adam(learning_rate, beta_1, beta_2, epsilon, amsgrad) {
  weight_decay = weight_decay_;
}

}  // namespace nerve
