// Registered adapters for the last-axis ops (nerve/ops/last_axis.h): "argsort" (attribute
// descending), "cumsum" and "cumprod". nerve.ops moves Keras's axis to the end around them.
#include "nerve/op_registry.h"
#include "nerve/ops/last_axis.h"
#include "ops/registered_ops.h"

namespace nerve {

void register_last_axis_ops() {
  register_op({"argsort", 1, [](const std::vector<Tensor>& in, const OpAttrs& a) -> std::vector<Tensor> {
                 return {argsort_last(in[0], a.get_bool("descending", false))};
               }});
  register_op({"cumsum", 1, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {cumulative_last(in[0], false)};
               }});
  register_op({"cumprod", 1, [](const std::vector<Tensor>& in, const OpAttrs&) -> std::vector<Tensor> {
                 return {cumulative_last(in[0], true)};
               }});
}

}  // namespace nerve
