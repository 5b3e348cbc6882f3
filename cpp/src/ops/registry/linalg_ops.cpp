// Registered adapters of the linear-algebra ops (nerve/ops/linalg.h). einsum is composed in
// Python (nerve.ops.linalg) from transpose, reshape, sum and matmul, so it needs no entry here.
#include "nerve/op_registry.h"
#include "nerve/ops/linalg.h"
#include "ops/registered_ops.h"

namespace nerve {

void register_linalg_ops() {
  register_op({"matmul", 2, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {batched_matmul(in[0], in[1])};
               }});
}

}  // namespace nerve
