// Models: the Model base, Sequential and GraphModel (the functional model).
#include <pybind11/stl.h>

#include <mutex>
#include <utility>
#include <vector>

#include "bindings.h"
#include "nerve/models/graph_model.h"
#include "nerve/models/sequential.h"

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

void bind_models(py::module_& m) {
  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      // GIL-free, as the training steps: a Python train_step's forward pass runs like theirs.
      // Under the model's run lock, as they are (models/run_lock.h): model(x) in one thread
      // while another fits sees the weights of whole steps.
      .def(
          "forward",
          [](Model& mdl, const Tensor& x, bool training) {
            std::lock_guard<RunLock> lock(mdl.run_lock());
            return mdl.forward(x, training);
          },
          py::arg("x"), py::arg("training"), GilFree())
      .def(
          "forward_many",
          [](Model& mdl, const std::vector<Tensor>& xs, bool training) {
            std::lock_guard<RunLock> lock(mdl.run_lock());
            return mdl.forward_many(xs, training);
          },
          py::arg("xs"), py::arg("training"), GilFree())
      .def_property_readonly("num_inputs", &Model::num_inputs)
      .def_property_readonly("num_outputs", &Model::num_outputs)
      .def("trainable_weights", &Model::trainable_weights)
      .def("regularization_loss",
           [](const Model& mdl) {
             Tensor t = mdl.regularization_loss();
             return t.defined() ? t.item() : 0.0f;
           })
      // The same penalties as a differentiable scalar (None when there are none): what a
      // Python training step adds to its loss (Model.compute_loss), as the C++ step does.
      .def("regularization_tensor",
           [](const Model& mdl) -> py::object {
             Tensor t = mdl.regularization_loss();
             return t.defined() ? py::cast(t) : py::none();
           })
      .def("clear_activity_losses", &Model::clear_activity_losses);
  py::class_<Sequential, Model, std::shared_ptr<Sequential>>(m, "Sequential")
      .def(py::init<>())
      .def("add", &Sequential::add)
      .def("build", &Sequential::build, py::arg("input_shape"))
      .def_property_readonly("built", &Sequential::built)
      .def_property_readonly("layers", &Sequential::layers)
      .def("output_shape", &Sequential::output_shape);
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
}

}  // namespace nerve::py_bindings
