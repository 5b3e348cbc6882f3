// Rescaling: y = x * scale + offset.
#include <cmath>

#include "nerve/layers/preprocessing.h"
#include "nerve/ops/core.h"
#include "nerve/ops/math.h"

namespace nerve {

namespace {
bool finite(const ArgValue& v) { return std::isfinite(std::get<double>(v)); }
}  // namespace

const ArgTable<RescalingArgs>& RescalingArgs::table() {
  using Self = RescalingArgs;
  static const ArgTable<RescalingArgs> t{{
      NERVE_ARG(scale).require().must("a finite number", finite),
      NERVE_ARG(offset).must("a finite number", finite),
  }};
  return t;
}
NERVE_REGISTER_LAYER(Rescaling, "Rescaling")

Rescaling::Rescaling(std::string name, RescalingArgs args) : Layer(std::move(name)), args_(std::move(args)) {
  RescalingArgs::table().validate(args_, describe());
}

Tensor Rescaling::forward(const Tensor& x, bool) {
  Tensor y = scale(x, static_cast<float>(args_.scale));
  if (args_.offset == 0.0) return y;
  return binary_op(BinaryOp::Add, y, Tensor::full({}, static_cast<float>(args_.offset), x.device()));
}

}  // namespace nerve
