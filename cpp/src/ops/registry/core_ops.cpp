// Registered adapters for the ops nerve had before the registry (nerve/ops/core.h). The Keras-named
// families (math, reductions, shapes, random) register themselves in their own files.
#include <stdexcept>

#include "nerve/op_registry.h"
#include "nerve/ops.h"
#include "ops/registered_ops.h"

namespace nerve {

void register_core_ops() {
  // dense(x, kernel[, bias], activation="linear"): the fused layer op, GEMM epilogue included.
  register_op({"dense", -1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 if (in.size() != 2 && in.size() != 3)
                   throw std::invalid_argument("dense: takes x, kernel and an optional bias, got " +
                                               std::to_string(in.size()) + " tensors");
                 Activation act = activation_from_name(a.get_string("activation", "linear"));
                 return {dense(in[0], in[1], in.size() == 3 ? in[2] : Tensor(), act,
                               static_cast<float>(a.get_float("alpha", 0.0)))};
               }});
}

}  // namespace nerve
