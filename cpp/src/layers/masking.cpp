// Masking: marks the time steps whose features all equal mask_value as padding (the class is in
// nerve/layers/core.h).
#include <stdexcept>
#include <vector>

#include "nerve/layers/core.h"
#include "nerve/ops/math.h"

namespace nerve {

const ArgTable<MaskingArgs>& MaskingArgs::table() {
  using Self = MaskingArgs;
  static const ArgTable<MaskingArgs> t{{NERVE_ARG(mask_value)}};
  return t;
}
NERVE_REGISTER_LAYER(Masking, "Masking")

Masking::Masking(std::string name, MaskingArgs args) : Layer(std::move(name)), args_(args) {
  MaskingArgs::table().validate(args_, describe());
}

Shape Masking::output_shape(const Shape& input_shape) const {
  if (input_shape.empty())
    throw std::invalid_argument(describe() + ": expects input of shape (batch, ..., features), got " +
                                batch_shape_str(input_shape));
  return input_shape;
}

Tensor Masking::forward(const Tensor& x, bool) {
  const int64_t C = x.size(-1);
  const int64_t rows = C ? x.numel() / C : 0;
  const auto value = static_cast<float>(args_.mask_value);
  HostView xv(x.contiguous());
  std::vector<float> keep(static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r) {
    bool any = false;  // as Keras: any(x != mask_value) over the features (a NaN counts as a value)
    for (int64_t j = 0; j < C && !any; ++j) any = !(xv[r * C + j] == value);
    keep[r] = any ? 1.f : 0.f;
  }
  Shape steps(x.shape().begin(), x.shape().end() - 1);
  Shape column = steps;
  column.push_back(1);
  Tensor out = binary_op(BinaryOp::Multiply, x, Tensor::from_host(keep.data(), column, x.device()));
  out.impl()->mask = Tensor::from_host(keep.data(), steps, x.device());
  return out;
}

}  // namespace nerve
