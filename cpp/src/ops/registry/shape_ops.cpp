// Registered adapters of the shape ops (nerve/ops/shape_ops.h), named and with attributes as
// keras.ops has them (an absent optional attribute means None). strided_slice is nerve's own:
// the op under Python's basic indexing (nerve.ops.getitem).
#include "nerve/ops/shape_ops.h"

#include <stdexcept>

#include "nerve/op_registry.h"
#include "ops/registered_ops.h"

namespace nerve {

namespace {

using Inputs = const std::vector<Tensor>&;
using Out = std::vector<Tensor>;

std::optional<int64_t> opt_int(const OpAttrs& a, const char* key) {
  if (!a.has(key)) return std::nullopt;
  return a.get_int(key);
}
AxisList opt_ints(const OpAttrs& a, const char* key) {
  if (!a.has(key)) return std::nullopt;
  return a.get_ints(key);
}

}  // namespace

void register_shape_ops() {
  register_op(
      {"reshape", 1, [](Inputs in, const OpAttrs& a) -> Out { return {reshape(in[0], a.get_ints("newshape"))}; }});
  register_op(
      {"transpose", 1, [](Inputs in, const OpAttrs& a) -> Out { return {transpose(in[0], opt_ints(a, "axes"))}; }});
  register_op(
      {"expand_dims", 1, [](Inputs in, const OpAttrs& a) -> Out { return {expand_dims(in[0], a.get_ints("axis"))}; }});
  register_op({"squeeze", 1, [](Inputs in, const OpAttrs& a) -> Out { return {squeeze(in[0], opt_ints(a, "axis"))}; }});
  register_op(
      {"concatenate", -1, [](Inputs in, const OpAttrs& a) -> Out { return {concatenate(in, a.get_int("axis", 0))}; }});
  register_op({"stack", -1, [](Inputs in, const OpAttrs& a) -> Out { return {stack(in, a.get_int("axis", 0))}; }});
  register_op({"split", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 int64_t axis = a.get_int("axis", 0);
                 if (a.has("sections")) return split_sections(in[0], a.get_int("sections"), axis);
                 return split_at(in[0], a.get_ints("indices"), axis);
               }});
  register_op({"slice", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 return {slice(in[0], a.get_ints("start_indices"), a.get_ints("shape"))};
               }});
  register_op(
      {"strided_slice", 1, [](Inputs in, const OpAttrs& a) -> Out {
         std::vector<int64_t> begin = a.get_ints("begin"), end = a.get_ints("end"), step = a.get_ints("strides");
         std::vector<int64_t> begin_none = a.get_ints("begin_none"), end_none = a.get_ints("end_none");
         const size_t n = begin.size();
         if (end.size() != n || step.size() != n || begin_none.size() != n || end_none.size() != n)
           throw std::invalid_argument("strided_slice: begin, end, strides, begin_none and end_none differ in length");
         std::vector<SliceSpec> spec(n);
         for (size_t i = 0; i < n; ++i) spec[i] = {begin[i], end[i], step[i], begin_none[i] != 0, end_none[i] != 0};
         return {strided_slice(in[0], spec)};
       }});
  register_op({"take", 2, [](Inputs in, const OpAttrs& a) -> Out { return {take(in[0], in[1], opt_int(a, "axis"))}; }});
  register_op({"take_along_axis", 2,
               [](Inputs in, const OpAttrs& a) -> Out { return {take_along_axis(in[0], in[1], opt_int(a, "axis"))}; }});
  register_op({"tile", 1, [](Inputs in, const OpAttrs& a) -> Out { return {tile(in[0], a.get_ints("repeats"))}; }});
  register_op({"repeat", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 return {repeat(in[0], a.get_ints("repeats"), opt_int(a, "axis"))};
               }});
  register_op({"broadcast_to", 1,
               [](Inputs in, const OpAttrs& a) -> Out { return {broadcast_to(in[0], a.get_ints("shape"))}; }});
  register_op({"pad", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 std::vector<int64_t> flat = a.get_ints("pad_width");
                 if (flat.size() % 2) throw std::invalid_argument("pad: pad_width must hold (before, after) pairs");
                 std::vector<std::pair<int64_t, int64_t>> pairs;
                 for (size_t i = 0; i < flat.size(); i += 2) pairs.push_back({flat[i], flat[i + 1]});
                 return {pad(in[0], pairs, a.get_string("mode", "constant"),
                             static_cast<float>(a.get_float("constant_values", 0.0)))};
               }});
  register_op({"moveaxis", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 return {moveaxis(in[0], a.get_ints("source"), a.get_ints("destination"))};
               }});
  register_op({"swapaxes", 1, [](Inputs in, const OpAttrs& a) -> Out {
                 return {swapaxes(in[0], a.get_int("axis1"), a.get_int("axis2"))};
               }});
  register_op({"flip", 1, [](Inputs in, const OpAttrs& a) -> Out { return {flip(in[0], opt_ints(a, "axis"))}; }});
}

}  // namespace nerve
