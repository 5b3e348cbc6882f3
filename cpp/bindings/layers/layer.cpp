// Layer: the base class every layer binding derives from.
#include "nerve/layers/layer.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_layer(py::module_& m) {
  py::class_<Layer, std::shared_ptr<Layer>>(m, "Layer")
      .def_property("name", &Layer::name, &Layer::set_name)
      .def_property_readonly("type", &Layer::type)
      .def_property_readonly("built", &Layer::built)
      .def_property_readonly("input_shape", &Layer::input_shape)
      .def_property(
          "trainable", [](const Layer& l) { return l.trainable; }, [](Layer& l, bool v) { l.set_trainable(v); })
      // The precision of the layer's matrix products, by Keras policy name: "float32" or
      // "mixed_bfloat16" (nerve/precision.h); ValueError for a layer that cannot compute in it.
      .def_property(
          "precision", [](const Layer& l) { return std::string(precision_name(l.precision())); },
          [](Layer& l, const std::string& name) {
            if (name == "float32")
              l.set_precision(ComputePrecision::Float32);
            else if (name == "mixed_bfloat16")
              l.set_precision(ComputePrecision::MixedBFloat16);
            else
              throw py::value_error("precision must be 'float32' or 'mixed_bfloat16', got '" + name + "'");
          })
      .def("set_weight_regularizer", &Layer::set_weight_regularizer, py::arg("role"), py::arg("regularizer"))
      .def("weight_regularizer", &Layer::weight_regularizer, py::arg("role"))
      .def_readwrite("activity_regularizer", &Layer::activity_regularizer)
      .def("regularization_loss",
           [](const Layer& l) -> py::object {
             Tensor t = l.regularization_loss();
             return t.defined() ? py::cast(t.item()) : py::cast(0.0f);
           })
      // None when the layer holds no penalty: no regularized trainable weight and no activity
      // recorded (none yet, or cleared by predict / fit / evaluate, as Keras's layer.losses).
      .def("regularization_value",
           [](const Layer& l) -> py::object {
             Tensor t = l.regularization_loss();
             return t.defined() ? py::cast(t.item()) : py::none();
           })
      .def("build", &Layer::build, py::arg("input_shape"), py::arg("seed"))
      .def("output_shape", &Layer::output_shape, py::arg("input_shape"))
      .def_property_readonly("weights", &Layer::weights)
      .def_property_readonly("trainable_weights", &Layer::trainable_weights)
      .def_property_readonly("non_trainable_weights", &Layer::non_trainable_weights)
      .def("__call__", &Layer::call, py::arg("x"), py::arg("training") = false)
      .def("build_many", &Layer::build_many, py::arg("input_shapes"), py::arg("seed"))
      .def("output_shapes_many", &Layer::output_shapes_many, py::arg("input_shapes"))
      .def_property_readonly("input_shapes", &Layer::input_shapes)
      .def_property_readonly("input_specs", &Layer::input_specs)
      .def("accepts", &Layer::accepts, py::arg("input_shapes"))
      .def("call_many", &Layer::call_many, py::arg("xs"), py::arg("training") = false);
}

}  // namespace nerve::py_bindings
