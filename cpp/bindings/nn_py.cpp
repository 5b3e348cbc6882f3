#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/initializers.h"
#include "nerve/layers.h"
#include "nerve/model.h"
#include "nerve/optimizers.h"
#include "nerve/random.h"
#include "nerve/trainer.h"
#include "numpy_interop.h"

namespace py = pybind11;
namespace nerve::py_bindings {

void bind_nn(py::module_& m) {
  m.def("set_seed", &set_seed, py::arg("seed"));
  m.def("next_seed", &next_seed);

  py::class_<Initializer>(m, "Initializer")
      .def(py::init([](const std::string& name, float value, float minval, float maxval, float mean,
                       float stddev) {
             Initializer i{name, value, minval, maxval, mean, stddev};
             check_initializer(i);
             return i;
           }),
           py::arg("name"), py::arg("value") = 0.f, py::arg("minval") = -0.05f,
           py::arg("maxval") = 0.05f, py::arg("mean") = 0.f, py::arg("stddev") = 0.05f)
      .def_readonly("name", &Initializer::name);

  py::class_<Layer, std::shared_ptr<Layer>>(m, "Layer")
      .def_property("name", &Layer::name, &Layer::set_name)
      .def_property_readonly("type", &Layer::type)
      .def_property_readonly("built", &Layer::built)
      .def_property_readonly("input_shape", &Layer::input_shape)
      .def_property("trainable", [](const Layer& l) { return l.trainable; },
                    [](Layer& l, bool v) { l.trainable = v; })
      .def("build", &Layer::build, py::arg("input_shape"), py::arg("seed"))
      .def("output_shape", &Layer::output_shape, py::arg("input_shape"))
      .def_property_readonly("weights", &Layer::weights)
      .def_property_readonly("trainable_weights", &Layer::trainable_weights)
      .def_property_readonly("non_trainable_weights", &Layer::non_trainable_weights)
      .def("__call__", &Layer::call, py::arg("x"), py::arg("training") = false)
      .def("build_many", &Layer::build_many, py::arg("input_shapes"), py::arg("seed"))
      .def("output_shapes_many", &Layer::output_shapes_many, py::arg("input_shapes"))
      .def_property_readonly("input_shapes", &Layer::input_shapes)
      .def("call_many", &Layer::call_many, py::arg("xs"), py::arg("training") = false);

  py::class_<Dense, Layer, std::shared_ptr<Dense>>(m, "Dense")
      .def(py::init([](const std::string& name, int64_t units, const std::string& act, float alpha,
                       bool use_bias, const Initializer& k, const Initializer& b) {
             return std::make_shared<Dense>(name, units, activation_from_name(act), alpha, use_bias, k, b);
           }),
           py::arg("name"), py::arg("units"), py::arg("activation") = "linear", py::arg("alpha") = 0.f,
           py::arg("use_bias") = true, py::arg("kernel_initializer") = Initializer{},
           py::arg("bias_initializer") = Initializer{"zeros"});

  py::class_<ActivationLayer, Layer, std::shared_ptr<ActivationLayer>>(m, "Activation")
      .def(py::init([](const std::string& name, const std::string& act, float alpha) {
             return std::make_shared<ActivationLayer>(name, activation_from_name(act), alpha);
           }),
           py::arg("name"), py::arg("activation"), py::arg("alpha") = 0.f);

  py::class_<Model, std::shared_ptr<Model>>(m, "Model")
      .def("forward", &Model::forward, py::arg("x"), py::arg("training") = false)
      .def("forward_many", &Model::forward_many, py::arg("xs"), py::arg("training") = false)
      .def_property_readonly("num_inputs", &Model::num_inputs)
      .def_property_readonly("num_outputs", &Model::num_outputs)
      .def("trainable_weights", &Model::trainable_weights);

  py::class_<Sequential, Model, std::shared_ptr<Sequential>>(m, "Sequential")
      .def(py::init<>())
      .def("add", &Sequential::add)
      .def("build", &Sequential::build, py::arg("input_shape"))
      .def_property_readonly("built", &Sequential::built)
      .def_property_readonly("layers", &Sequential::layers)
      .def("output_shape", &Sequential::output_shape);

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(m, "Optimizer")
      .def_readwrite("learning_rate", &Optimizer::learning_rate)
      .def_readwrite("iterations", &Optimizer::iterations)
      .def("apply", &Optimizer::apply, py::arg("params"), py::call_guard<py::gil_scoped_release>())
      .def("slots", [](Optimizer& o, const Tensor& p) { return o.slots(p); });
  py::class_<SGD, Optimizer, std::shared_ptr<SGD>>(m, "SGD")
      .def(py::init<float, float, bool>(), py::arg("learning_rate") = 0.01f,
           py::arg("momentum") = 0.f, py::arg("nesterov") = false)
      .def_readwrite("momentum", &SGD::momentum)
      .def_readwrite("nesterov", &SGD::nesterov);
  py::class_<Adam, Optimizer, std::shared_ptr<Adam>>(m, "Adam")
      .def(py::init<float, float, float, float>(), py::arg("learning_rate") = 0.001f,
           py::arg("beta_1") = 0.9f, py::arg("beta_2") = 0.999f, py::arg("epsilon") = 1e-7f)
      .def_readwrite("beta_1", &Adam::beta_1)
      .def_readwrite("beta_2", &Adam::beta_2)
      .def_readwrite("epsilon", &Adam::epsilon);

  py::enum_<MetricKind>(m, "MetricKind")
      .value("binary_accuracy", MetricKind::BinaryAccuracy)
      .value("categorical_accuracy", MetricKind::CategoricalAccuracy)
      .value("sparse_categorical_accuracy", MetricKind::SparseCategoricalAccuracy);

  py::class_<Loss>(m, "Loss")
      .def(py::init([](const std::string& name, bool from_logits) {
             return Loss{loss_from_name(name), from_logits};
           }),
           py::arg("name"), py::arg("from_logits") = false)
      .def_property_readonly("name", [](const Loss& l) { return std::string(loss_name(l.kind)); })
      .def_readonly("from_logits", &Loss::from_logits);

  py::class_<Stats>(m, "Stats")
      .def_readonly("loss_sum", &Stats::loss_sum)
      .def_readonly("output_loss_sums", &Stats::output_loss_sums)
      .def_readonly("samples", &Stats::samples)
      .def_readonly("steps", &Stats::steps)
      .def_readonly("metric_sums", &Stats::metric_sums)
      .def_readonly("non_finite", &Stats::non_finite)
      .def_readonly("non_finite_step", &Stats::non_finite_step);

  using GilFree = py::call_guard<py::gil_scoped_release>;
  py::class_<Trainer, std::shared_ptr<Trainer>>(m, "Trainer")
      .def(py::init<std::shared_ptr<Model>, Loss, std::shared_ptr<Optimizer>, std::vector<MetricKind>>(),
           py::arg("model"), py::arg("loss"), py::arg("optimizer"), py::arg("metrics"))
      .def(py::init<std::shared_ptr<Model>, std::vector<Loss>, std::vector<float>,
                    std::shared_ptr<Optimizer>, std::vector<std::vector<MetricKind>>>(),
           py::arg("model"), py::arg("losses"), py::arg("loss_weights"), py::arg("optimizer"),
           py::arg("metrics"))
      .def("train",
           py::overload_cast<const Tensor&, const Tensor&, const std::vector<int64_t>&, int64_t,
                             int64_t, int64_t>(&Trainer::train),
           py::arg("x"), py::arg("y"), py::arg("order"),
           py::arg("batch_size"), py::arg("first_batch"), py::arg("num_batches"), GilFree())
      .def("train_batch", py::overload_cast<const Tensor&, const Tensor&>(&Trainer::train_batch),
           py::arg("x"), py::arg("y"), GilFree())
      .def("evaluate",
           py::overload_cast<const Tensor&, const Tensor&, int64_t>(&Trainer::evaluate), py::arg("x"), py::arg("y"), py::arg("batch_size"), GilFree())
      .def("predict", py::overload_cast<const Tensor&, int64_t>(&Trainer::predict), py::arg("x"),
           py::arg("batch_size"), GilFree())
      // Several inputs / outputs: lists of tensors, one per model input (xs) and output (ys).
      .def("train_many",
           py::overload_cast<const std::vector<Tensor>&, const std::vector<Tensor>&,
                             const std::vector<int64_t>&, int64_t, int64_t, int64_t>(&Trainer::train),
           py::arg("xs"), py::arg("ys"), py::arg("order"), py::arg("batch_size"),
           py::arg("first_batch"), py::arg("num_batches"), GilFree())
      .def("train_batch_many",
           py::overload_cast<const std::vector<Tensor>&, const std::vector<Tensor>&>(&Trainer::train_batch),
           py::arg("xs"), py::arg("ys"), GilFree())
      .def("evaluate_many",
           py::overload_cast<const std::vector<Tensor>&, const std::vector<Tensor>&, int64_t>(
               &Trainer::evaluate),
           py::arg("xs"), py::arg("ys"), py::arg("batch_size"), GilFree())
      .def("predict_many",
           py::overload_cast<const std::vector<Tensor>&, int64_t>(&Trainer::predict), py::arg("xs"),
           py::arg("batch_size"), GilFree());
}

}  // namespace nerve::py_bindings
