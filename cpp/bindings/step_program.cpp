// StepProgram: what nerve.models.step_tracing builds from an overridden train_step / test_step.
#include "nerve/step_program.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
using OrderArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

py::list outputs_to_python(const std::vector<Tensor>& outs) {
  py::list result;
  for (const Tensor& t : outs) result.append(t.defined() ? py::cast(t) : py::none());
  return result;
}
}  // namespace

void bind_step_program(py::module_& m) {
  py::class_<StepProgram, std::shared_ptr<StepProgram>>(m, "StepProgram")
      .def(py::init<int64_t>(), py::arg("num_inputs"))
      .def("add_capture", &StepProgram::add_capture, py::arg("tensor"))
      .def(
          "add_op",
          [](StepProgram& p, const std::string& op, const py::dict& attrs, std::vector<int64_t> inputs,
             int64_t num_outputs, const std::vector<std::tuple<std::string, int64_t, int64_t, int64_t>>& patches) {
            std::vector<DimPatch> ps;
            for (const auto& [key, index, value, axis] : patches) ps.push_back({key, index, value, axis});
            return p.add_op(op, op_attrs_from_python(op, attrs), std::move(inputs), num_outputs, std::move(ps));
          },
          py::arg("op"), py::arg("attrs"), py::arg("inputs"), py::arg("num_outputs"), py::arg("patches"))
      .def(
          "add_layer_call",
          [](StepProgram& p, std::shared_ptr<Layer> layer, std::vector<int64_t> inputs, int64_t num_outputs,
             int training) { return p.add_layer_call(std::move(layer), std::move(inputs), num_outputs, training > 0); },
          py::arg("layer"), py::arg("inputs"), py::arg("num_outputs"), py::arg("training"))
      .def("add_model_call", &StepProgram::add_model_call, py::arg("model"), py::arg("inputs"), py::arg("num_outputs"),
           py::arg("training"))
      .def(
          "add_loss",
          [](StepProgram& p, const std::string& name, bool from_logits, float label_smoothing, float delta,
             std::vector<int64_t> inputs) {
            return p.add_loss(Loss{loss_from_name(name), from_logits, label_smoothing, delta}, std::move(inputs));
          },
          py::arg("name"), py::arg("from_logits"), py::arg("label_smoothing"), py::arg("delta"), py::arg("inputs"))
      .def("add_penalty", &StepProgram::add_penalty, py::arg("model"))
      .def("add_gradient", &StepProgram::add_gradient, py::arg("target"), py::arg("sources"))
      .def("add_apply_gradients", &StepProgram::add_apply_gradients, py::arg("optimizer"), py::arg("grads"),
           py::arg("variables"))
      .def("add_assign", &StepProgram::add_assign, py::arg("kind"), py::arg("target"), py::arg("value"))
      .def("add_metric_update", &StepProgram::add_metric_update, py::arg("spec"), py::arg("state"), py::arg("inputs"))
      .def("add_metric_result", &StepProgram::add_metric_result, py::arg("spec"), py::arg("state"))
      .def("set_outputs", &StepProgram::set_outputs, py::arg("outputs"))
      .def(
          "run",
          [](const StepProgram& p, const std::vector<Tensor>& inputs) {
            std::vector<Tensor> outs;
            {
              py::gil_scoped_release no_gil;
              DenormalsFlushed flushed;
              outs = p.run(inputs);
            }
            return outputs_to_python(outs);
          },
          py::arg("inputs"), "One step on one batch (inputs in the traced order); the step's outputs.")
      .def(
          "run_chunk",
          [](const StepProgram& p, const std::vector<Tensor>& arrays, std::optional<OrderArray> order,
             int64_t batch_size, int64_t first_batch, int64_t num_batches) {
            if (order && order->ndim() != 1)
              throw py::value_error("run_chunk: the sample order must be a 1-D int64 array");
            SampleOrder view = order ? SampleOrder(order->data(), static_cast<int64_t>(order->size())) : SampleOrder();
            std::vector<Tensor> outs;
            {
              py::gil_scoped_release no_gil;
              outs = p.run_chunk(arrays, view, batch_size, first_batch, num_batches);
            }
            return outputs_to_python(outs);
          },
          py::arg("arrays"), py::arg("order"), py::arg("batch_size"), py::arg("first_batch"), py::arg("num_batches"),
          "Batches first_batch.. of an epoch over whole arrays (rows in `order`); the last step's outputs.")
      .def_property_readonly("step_ops", &StepProgram::describe_steps);
}

}  // namespace nerve::py_bindings
