// What every model shares: collecting the layers' regularization penalties.
#include "nerve/models/model.h"

#include "nerve/ops.h"

namespace nerve {

Tensor Model::regularization_loss() const {
  Tensor total;
  for (const auto& layer : all_layers()) {
    Tensor p = layer->regularization_loss();
    if (p.defined()) total = total.defined() ? add(total, p) : p;
  }
  return total;
}

void Model::clear_activity_losses() {
  for (const auto& layer : all_layers()) layer->clear_activity_loss();
}

}  // namespace nerve
