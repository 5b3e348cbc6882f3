#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/initializers.h"
#include "nerve/layers.h"
#include "nerve/model.h"
#include "nerve/random.h"
#include "nerve/regularizers.h"
#include "numpy_interop.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_nn(py::module_& m) {
  m.def("set_seed", &set_seed, py::arg("seed"));
  m.def("next_seed", &next_seed);

  py::class_<Initializer>(m, "Initializer")
      .def(py::init([](const std::string& name, float value, float minval, float maxval, float mean, float stddev,
                       float gain, float scale, const std::string& mode, const std::string& distribution) {
             Initializer i{name, value, minval, maxval, mean, stddev, gain, scale, mode, distribution};
             check_initializer(i);
             return i;
           }),
           py::arg("name"), py::arg("value") = 0.f, py::arg("minval") = -0.05f, py::arg("maxval") = 0.05f,
           py::arg("mean") = 0.f, py::arg("stddev") = 0.05f, py::arg("gain") = 1.f, py::arg("scale") = 1.f,
           py::arg("mode") = "fan_in", py::arg("distribution") = "truncated_normal")
      .def_readonly("name", &Initializer::name);
  m.def(
      "initialize",
      [](Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
        initialize(t, init, fan_in, fan_out, seed);
      },
      py::arg("tensor"), py::arg("initializer"), py::arg("fan_in"), py::arg("fan_out"), py::arg("seed"),
      "Fill a tensor in place (for tests and custom weights).");

  py::class_<Regularizer>(m, "Regularizer")
      .def(py::init([](float l1, float l2) {
             if (!(l1 >= 0.f) || !(l2 >= 0.f)) throw py::value_error("regularizer: l1 and l2 must be >= 0");
             return Regularizer{l1, l2};
           }),
           py::arg("l1") = 0.f, py::arg("l2") = 0.f)
      .def_readonly("l1", &Regularizer::l1)
      .def_readonly("l2", &Regularizer::l2);

  py::class_<Layer, std::shared_ptr<Layer>>(m, "Layer")
      .def_property("name", &Layer::name, &Layer::set_name)
      .def_property_readonly("type", &Layer::type)
      .def_property_readonly("built", &Layer::built)
      .def_property_readonly("input_shape", &Layer::input_shape)
      .def_property(
          "trainable", [](const Layer& l) { return l.trainable; }, [](Layer& l, bool v) { l.set_trainable(v); })
      .def("set_weight_regularizer", &Layer::set_weight_regularizer, py::arg("role"), py::arg("regularizer"))
      .def("weight_regularizer", &Layer::weight_regularizer, py::arg("role"))
      .def_readwrite("activity_regularizer", &Layer::activity_regularizer)
      .def("regularization_loss",
           [](const Layer& l) -> py::object {
             Tensor t = l.regularization_loss();
             return t.defined() ? py::cast(t.item()) : py::cast(0.0f);
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

  py::class_<Dense, Layer, std::shared_ptr<Dense>>(m, "Dense")
      .def(py::init([](const std::string& name, int64_t units, const std::string& act, float alpha, bool use_bias,
                       const Initializer& k, const Initializer& b) {
             return std::make_shared<Dense>(name, units, activation_for_layer("Dense '" + name + "'", act), alpha,
                                            use_bias, k, b);
           }),
           py::arg("name"), py::arg("units"), py::arg("activation") = "linear", py::arg("alpha") = 0.f,
           py::arg("use_bias") = true, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"});

  py::class_<ActivationLayer, Layer, std::shared_ptr<ActivationLayer>>(m, "Activation")
      .def(py::init([](const std::string& name, const std::string& act, float alpha) {
             return std::make_shared<ActivationLayer>(name, activation_for_layer("Activation '" + name + "'", act),
                                                      alpha);
           }),
           py::arg("name"), py::arg("activation"), py::arg("alpha") = 0.f);

  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def("forward", &Model::forward, py::arg("x"), py::arg("training") = false)
      .def("forward_many", &Model::forward_many, py::arg("xs"), py::arg("training") = false)
      .def_property_readonly("num_inputs", &Model::num_inputs)
      .def_property_readonly("num_outputs", &Model::num_outputs)
      .def("trainable_weights", &Model::trainable_weights)
      .def("regularization_loss", [](const Model& mdl) {
        Tensor t = mdl.regularization_loss();
        return t.defined() ? t.item() : 0.0f;
      });

  py::class_<Sequential, Model, std::shared_ptr<Sequential>>(m, "Sequential")
      .def(py::init<>())
      .def("add", &Sequential::add)
      .def("build", &Sequential::build, py::arg("input_shape"))
      .def_property_readonly("built", &Sequential::built)
      .def_property_readonly("layers", &Sequential::layers)
      .def("output_shape", &Sequential::output_shape);
}

}  // namespace nerve::py_bindings
