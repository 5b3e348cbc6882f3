#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/array_ops.h"
#include "nerve/autograd.h"
#include "nerve/graph_model.h"
#include "nerve/merge_layers.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
// Graph values cross the boundary as (node, index) tuples.
std::vector<ValueRef> to_refs(const std::vector<std::pair<int64_t, int64_t>>& pairs) {
  std::vector<ValueRef> refs;
  for (auto& [node, index] : pairs) refs.push_back({node, index});
  return refs;
}
}  // namespace

void bind_graph(py::module_& m) {
  py::class_<Add, Layer, std::shared_ptr<Add>>(m, "Add").def(py::init<std::string>(), py::arg("name"));
  py::class_<Subtract, Layer, std::shared_ptr<Subtract>>(m, "Subtract").def(py::init<std::string>(), py::arg("name"));
  py::class_<Multiply, Layer, std::shared_ptr<Multiply>>(m, "Multiply").def(py::init<std::string>(), py::arg("name"));
  py::class_<Average, Layer, std::shared_ptr<Average>>(m, "Average").def(py::init<std::string>(), py::arg("name"));
  py::class_<Concatenate, Layer, std::shared_ptr<Concatenate>>(m, "Concatenate")
      .def(py::init<std::string, int64_t>(), py::arg("name"), py::arg("axis") = -1)
      .def_property_readonly("axis", &Concatenate::axis);

  py::class_<GraphModel, Model, std::shared_ptr<GraphModel>>(m, "GraphModel")
      .def(py::init<>())
      .def("add_input", &GraphModel::add_input, py::arg("shape"))
      .def(
          "add_node",
          [](GraphModel& g, std::shared_ptr<Layer> layer, const std::vector<std::pair<int64_t, int64_t>>& inputs) {
            return g.add_node(std::move(layer), to_refs(inputs));
          },
          py::arg("layer"), py::arg("inputs"))
      .def(
          "set_outputs",
          [](GraphModel& g, const std::vector<std::pair<int64_t, int64_t>>& outputs) {
            g.set_outputs(to_refs(outputs));
          },
          py::arg("outputs"))
      .def_property_readonly("input_shapes", &GraphModel::input_shapes)
      .def_property("flexible_inputs", &GraphModel::flexible_inputs, &GraphModel::set_flexible_inputs)
      .def_property_readonly("output_shapes", &GraphModel::output_shapes)
      .def_property_readonly("layers", &GraphModel::layers)
      .def_property_readonly("num_nodes", [](const GraphModel& g) { return g.nodes().size(); });

  // Autograd control for GradientTape.
  m.def("grad_enabled", &grad_enabled);
  m.def("set_grad_enabled", &set_grad_enabled, py::arg("enabled"),
        "Turns op recording on or off for this thread; returns the previous setting.");
  m.def(
      "gradients",
      [](const Tensor& target, const std::vector<Tensor>& sources, std::optional<Tensor> grad) {
        std::vector<Tensor> gs;
        {
          py::gil_scoped_release release;
          gs = gradients(target, sources, grad ? *grad : Tensor());
        }
        py::list out;
        for (const Tensor& g : gs) out.append(g.defined() ? py::cast(g) : py::none());
        return out;
      },
      py::arg("target"), py::arg("sources"), py::arg("output_gradient") = py::none());

  auto ops = m.attr("ops").cast<py::module_>();
  ops.def("concat", &concat, py::arg("xs"), py::arg("axis") = -1);
  ops.def("add_n", &add_n, py::arg("xs"));
}

}  // namespace nerve::py_bindings
