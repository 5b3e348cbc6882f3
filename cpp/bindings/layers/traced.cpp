// TraceProgram and TracedLayer: what nerve.layers.tracing builds from a Python layer's call().
#include "nerve/layers/traced.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
// What each step does, for tests and debugging: an op name, "layer:<name>", "add_loss", "assign*".
std::vector<std::string> step_ops(const TraceProgram& p) {
  std::vector<std::string> out;
  for (const TraceStep& s : p.steps()) {
    if (s.kind == TraceStep::Kind::LayerCall)
      out.push_back("layer:" + s.layer->name());
    else if (s.kind == TraceStep::Kind::AddLoss)
      out.push_back("add_loss");
    else
      out.push_back(s.op);
  }
  return out;
}
}  // namespace

void bind_traced_layers(py::module_& m) {
  py::class_<TraceProgram, std::shared_ptr<TraceProgram>>(m, "TraceProgram")
      .def(py::init<int64_t>(), py::arg("num_inputs"))
      .def("add_capture", &TraceProgram::add_capture, py::arg("tensor"))
      .def(
          "add_op",
          [](TraceProgram& p, const std::string& op, const py::dict& attrs, std::vector<int64_t> inputs,
             int64_t num_outputs, const std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>& patches) {
            std::vector<DimPatch> ps;
            for (const auto& [key, index, value, axis] : patches) ps.push_back({key, index, value, axis});
            return p.add_op(op, op_attrs_from_python(op, attrs), std::move(inputs), num_outputs, std::move(ps));
          },
          py::arg("op"), py::arg("attrs"), py::arg("inputs"), py::arg("num_outputs"), py::arg("patches"))
      .def("add_layer_call", &TraceProgram::add_layer_call, py::arg("layer"), py::arg("inputs"), py::arg("num_outputs"),
           py::arg("training"))
      .def("add_loss", &TraceProgram::add_loss, py::arg("value"))
      .def("add_assign", &TraceProgram::add_assign, py::arg("kind"), py::arg("target"), py::arg("value"))
      .def("set_outputs", &TraceProgram::set_outputs, py::arg("outputs"), py::arg("output_shapes"))
      .def_property_readonly("num_steps", [](const TraceProgram& p) { return p.steps().size(); })
      .def_property_readonly("step_ops", &step_ops);

  py::class_<TracedLayer, Layer, std::shared_ptr<TracedLayer>>(m, "TracedLayer")
      .def(py::init<std::string, std::string, std::shared_ptr<TraceProgram>, std::shared_ptr<TraceProgram>,
                    std::vector<Shape>>(),
           py::arg("name"), py::arg("type_name"), py::arg("train"), py::arg("infer"), py::arg("input_shapes"))
      .def(
          "add_own_weight",
          [](TracedLayer& l, const Tensor& w, bool trainable, const std::optional<Regularizer>& r) {
            l.add_own_weight(w, trainable, r ? *r : Regularizer{});
          },
          py::arg("weight"), py::arg("trainable"), py::arg("regularizer") = py::none())
      .def("add_sublayer_weight", &TracedLayer::add_sublayer_weight, py::arg("weight"), py::arg("trainable"))
      .def("set_weight_trainable", &TracedLayer::set_weight_trainable, py::arg("index"), py::arg("trainable"))
      .def("complete", &TracedLayer::complete)
      .def(
          "set_mask_rule",
          [](TracedLayer& l, const std::string& rule) {
            if (rule == "drop") return l.set_mask_rule(TracedLayer::MaskRule::Drop);
            if (rule == "pass") return l.set_mask_rule(TracedLayer::MaskRule::Pass);
            if (rule == "refuse") return l.set_mask_rule(TracedLayer::MaskRule::Refuse);
            throw std::invalid_argument("set_mask_rule: 'drop', 'pass' or 'refuse', got '" + rule + "'");
          },
          py::arg("rule"), "What a padding mask on an input does: 'drop', 'pass' or 'refuse'.")
      .def(
          "step_ops", [](const TracedLayer& l, bool training) { return step_ops(l.program(training)); },
          py::arg("training"))
      .def_property_readonly("added_losses", [](const TracedLayer& l) {
        std::vector<float> out;
        for (const Tensor& t : l.added_losses()) out.push_back(t.item());
        return out;
      });
}

}  // namespace nerve::py_bindings
