// Optimizers, learning-rate schedules, losses, metrics, the Trainer and the Predictor.
#include <pybind11/stl.h>

#include <optional>

#include "bindings.h"
#include "nerve/losses.h"
#include "nerve/metrics.h"
#include "nerve/ops/reductions.h"
#include "nerve/optimizers.h"
#include "nerve/predictor.h"
#include "nerve/regularizers.h"
#include "nerve/trainer.h"
#include "numpy_interop.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
Tensor or_undefined(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// A sample order as numpy gives it: int64, C-contiguous, one axis. An int64 array is taken as it
// is (no copy); anything else is converted once by pybind11.
using SampleOrderArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

// Predictor.predict_array: predict's short path for one array of float32 in C order whose
// samples all fit in one batch (Keras users call predict on single samples in loops): no list of
// Tensors in or out, and the NaN/Inf check of the input in C++. None when x is anything else (other
// dtype or layout, a NaN or an Inf): the caller's checks then convert it or say what is wrong.
py::object predict_array(Predictor& predictor, const py::array& x, int64_t batch_size, bool keep_activity) {
  if (!py::isinstance<py::array_t<float>>(x) || (x.flags() & py::array::c_style) != py::array::c_style || x.ndim() == 0)
    return py::none();
  Tensor t = tensor_from_numpy(x);
  std::vector<Tensor> outs;
  bool finite;
  {
    py::gil_scoped_release release;
    DenormalsFlushed flushed;
    finite = all_finite(t);
    if (finite) outs = predictor.predict({t}, batch_size, keep_activity);
  }
  if (!finite) return py::none();
  py::list result;
  for (const Tensor& o : outs) result.append(tensor_to_numpy(o));
  return std::move(result);
}

SampleOrder sample_order(const SampleOrderArray& order) {
  if (order.ndim() != 1)
    throw py::value_error("train: the sample order must be a 1-D int64 array, got " + std::to_string(order.ndim()) +
                          " dimensions");
  return SampleOrder(order.data(), static_cast<int64_t>(order.size()));
}
}  // namespace

void bind_train(py::module_& m) {
  using Schedule = LearningRateSchedule;
  py::class_<Schedule, std::shared_ptr<Schedule>>(m, "LearningRateSchedule")
      .def_static(
          "exponential_decay",
          [](float initial, double decay_steps, float decay_rate, bool staircase) {
            return std::make_shared<Schedule>(Schedule::exponential_decay(initial, decay_steps, decay_rate, staircase));
          },
          py::arg("initial_learning_rate"), py::arg("decay_steps"), py::arg("decay_rate"), py::arg("staircase"))
      .def_static(
          "piecewise_constant",
          [](std::vector<double> boundaries, std::vector<float> values) {
            return std::make_shared<Schedule>(Schedule::piecewise_constant(std::move(boundaries), std::move(values)));
          },
          py::arg("boundaries"), py::arg("values"))
      .def_static(
          "cosine_decay",
          [](float initial, double decay_steps, float alpha, std::optional<float> warmup_target, double warmup_steps) {
            return std::make_shared<Schedule>(Schedule::cosine_decay(
                initial, decay_steps, alpha, warmup_target.has_value(), warmup_target.value_or(0.f), warmup_steps));
          },
          py::arg("initial_learning_rate"), py::arg("decay_steps"), py::arg("alpha"), py::arg("warmup_target"),
          py::arg("warmup_steps"))
      .def("__call__", &Schedule::operator(), py::arg("step"));

  py::class_<Optimizer, std::shared_ptr<Optimizer>>(m, "Optimizer")
      .def_property_readonly("name", &Optimizer::name)
      .def_readwrite("learning_rate", &Optimizer::learning_rate)
      .def_readwrite("schedule", &Optimizer::schedule)
      .def_readwrite("iterations", &Optimizer::iterations)
      .def_readwrite("weight_decay", &Optimizer::weight_decay)
      .def("exclude_from_weight_decay", &Optimizer::exclude_from_weight_decay, py::arg("params"))
      .def_readwrite("clipnorm", &Optimizer::clipnorm)
      .def_readwrite("clipvalue", &Optimizer::clipvalue)
      .def_readwrite("global_clipnorm", &Optimizer::global_clipnorm)
      .def("current_learning_rate", &Optimizer::current_learning_rate)
      .def("check_settings", &Optimizer::check_settings)
      .def("apply", &Optimizer::apply, py::arg("params"), GilFree())
      // apply_gradients(zip(grads, vars)) of a Python training step in one call: every shape
      // checked first, then each variable's .grad set, the update, and the .grad cleared.
      .def(
          "apply_gradients",
          [](Optimizer& o, const std::vector<std::optional<Tensor>>& grads, const std::vector<Tensor>& params) {
            if (grads.size() != params.size())
              throw std::invalid_argument("apply_gradients: " + std::to_string(grads.size()) + " gradients for " +
                                          std::to_string(params.size()) + " variables");
            std::vector<Tensor> used;
            for (size_t i = 0; i < params.size(); ++i) {
              if (!grads[i]) continue;  // no gradient (the loss does not depend on it): skipped
              if (grads[i]->shape() != params[i].shape())
                throw std::invalid_argument("apply_gradients: gradient of shape " + grads[i]->shape_string() +
                                            " for variable of shape " + params[i].shape_string());
              used.push_back(params[i]);
            }
            py::gil_scoped_release release;
            DenormalsFlushed flushed;  // as Optimizer.apply and the C++ training steps
            for (size_t i = 0; i < params.size(); ++i)
              if (grads[i]) params[i].set_grad(*grads[i]);
            try {
              if (!used.empty()) o.apply(used);
            } catch (...) {
              for (auto& p : used) p.set_grad(Tensor());
              throw;
            }
            for (auto& p : used) p.set_grad(Tensor());
            return used.size();
          },
          py::arg("grads"), py::arg("params"))
      .def("slots", [](Optimizer& o, const Tensor& p) { return o.slots(p); });
  py::class_<SGD, Optimizer, std::shared_ptr<SGD>>(m, "SGD")
      .def(py::init<float, float, bool>(), py::arg("learning_rate"), py::arg("momentum"), py::arg("nesterov"))
      .def_readwrite("momentum", &SGD::momentum)
      .def_readwrite("nesterov", &SGD::nesterov);
  py::class_<Adam, Optimizer, std::shared_ptr<Adam>>(m, "Adam")
      .def(py::init<float, double, double, float, bool>(), py::arg("learning_rate"), py::arg("beta_1"),
           py::arg("beta_2"), py::arg("epsilon"), py::arg("amsgrad"))
      .def_readwrite("beta_1", &Adam::beta_1)
      .def_readwrite("beta_2", &Adam::beta_2)
      .def_readwrite("epsilon", &Adam::epsilon)
      .def_readwrite("amsgrad", &Adam::amsgrad);
  py::class_<AdamW, Adam, std::shared_ptr<AdamW>>(m, "AdamW")
      .def(py::init<float, float, double, double, float, bool>(), py::arg("learning_rate"), py::arg("weight_decay"),
           py::arg("beta_1"), py::arg("beta_2"), py::arg("epsilon"), py::arg("amsgrad"));
  py::class_<RMSprop, Optimizer, std::shared_ptr<RMSprop>>(m, "RMSprop")
      .def(py::init<float, double, float, float, bool>(), py::arg("learning_rate"), py::arg("rho"), py::arg("momentum"),
           py::arg("epsilon"), py::arg("centered"))
      .def_readwrite("rho", &RMSprop::rho)
      .def_readwrite("momentum", &RMSprop::momentum)
      .def_readwrite("epsilon", &RMSprop::epsilon)
      .def_readwrite("centered", &RMSprop::centered);
  py::class_<Adagrad, Optimizer, std::shared_ptr<Adagrad>>(m, "Adagrad")
      .def(py::init<float, float, float>(), py::arg("learning_rate"), py::arg("initial_accumulator_value"),
           py::arg("epsilon"))
      .def_readwrite("initial_accumulator_value", &Adagrad::initial_accumulator_value)
      .def_readwrite("epsilon", &Adagrad::epsilon);
  py::class_<Adadelta, Optimizer, std::shared_ptr<Adadelta>>(m, "Adadelta")
      .def(py::init<float, double, float>(), py::arg("learning_rate"), py::arg("rho"), py::arg("epsilon"))
      .def_readwrite("rho", &Adadelta::rho)
      .def_readwrite("epsilon", &Adadelta::epsilon);
  py::class_<Adamax, Optimizer, std::shared_ptr<Adamax>>(m, "Adamax")
      .def(py::init<float, double, double, float>(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"),
           py::arg("epsilon"))
      .def_readwrite("beta_1", &Adamax::beta_1)
      .def_readwrite("beta_2", &Adamax::beta_2)
      .def_readwrite("epsilon", &Adamax::epsilon);
  py::class_<Nadam, Optimizer, std::shared_ptr<Nadam>>(m, "Nadam")
      .def(py::init<float, double, double, float>(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"),
           py::arg("epsilon"))
      .def_readwrite("beta_1", &Nadam::beta_1)
      .def_readwrite("beta_2", &Nadam::beta_2)
      .def_readwrite("epsilon", &Nadam::epsilon);
  py::class_<Lion, Optimizer, std::shared_ptr<Lion>>(m, "Lion")
      .def(py::init<float, double, double>(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"))
      .def_readwrite("beta_1", &Lion::beta_1)
      .def_readwrite("beta_2", &Lion::beta_2);
  py::class_<Lamb, Optimizer, std::shared_ptr<Lamb>>(m, "Lamb")
      .def(py::init<float, double, double, float>(), py::arg("learning_rate"), py::arg("beta_1"), py::arg("beta_2"),
           py::arg("epsilon"))
      .def_readwrite("beta_1", &Lamb::beta_1)
      .def_readwrite("beta_2", &Lamb::beta_2)
      .def_readwrite("epsilon", &Lamb::epsilon);
  py::class_<Ftrl, Optimizer, std::shared_ptr<Ftrl>>(m, "Ftrl")
      .def(py::init<float, double, float, double, double, double, double>(), py::arg("learning_rate"),
           py::arg("learning_rate_power"), py::arg("initial_accumulator_value"), py::arg("l1_regularization_strength"),
           py::arg("l2_regularization_strength"), py::arg("l2_shrinkage_regularization_strength"), py::arg("beta"))
      .def_readwrite("learning_rate_power", &Ftrl::learning_rate_power)
      .def_readwrite("initial_accumulator_value", &Ftrl::initial_accumulator_value)
      .def_readwrite("l1_regularization_strength", &Ftrl::l1_regularization_strength)
      .def_readwrite("l2_regularization_strength", &Ftrl::l2_regularization_strength)
      .def_readwrite("l2_shrinkage_regularization_strength", &Ftrl::l2_shrinkage_regularization_strength)
      .def_readwrite("beta", &Ftrl::beta);

  py::class_<Loss>(m, "Loss")
      .def(py::init([](const std::string& name, bool from_logits, float label_smoothing, float delta) {
             Loss l{loss_from_name(name), from_logits, label_smoothing, delta};
             check_loss(l);
             return l;
           }),
           py::arg("name"), py::arg("from_logits"), py::arg("label_smoothing"), py::arg("delta"))
      .def_static(
          "none", [] { return Loss{LossKind::None}; },
          "No loss: an output of a multi-output model that compile(loss=[..., None]) leaves untrained")
      .def_property_readonly("name", [](const Loss& l) { return std::string(loss_name(l.kind)); })
      .def_readonly("from_logits", &Loss::from_logits)
      .def_readonly("label_smoothing", &Loss::label_smoothing)
      .def_readonly("delta", &Loss::delta);

  py::enum_<MetricKind>(m, "MetricKind")
      .value("binary_accuracy", MetricKind::BinaryAccuracy)
      .value("categorical_accuracy", MetricKind::CategoricalAccuracy)
      .value("sparse_categorical_accuracy", MetricKind::SparseCategoricalAccuracy)
      .value("top_k_categorical_accuracy", MetricKind::TopKCategoricalAccuracy)
      .value("sparse_top_k_categorical_accuracy", MetricKind::SparseTopKCategoricalAccuracy)
      .value("mean_absolute_error", MetricKind::MeanAbsoluteError)
      .value("mean_squared_error", MetricKind::MeanSquaredError)
      .value("precision", MetricKind::Precision)
      .value("recall", MetricKind::Recall)
      .value("auc", MetricKind::AUC)
      .value("root_mean_squared_error", MetricKind::RootMeanSquaredError)
      .value("true_positives", MetricKind::TruePositives)
      .value("false_positives", MetricKind::FalsePositives)
      .value("true_negatives", MetricKind::TrueNegatives)
      .value("false_negatives", MetricKind::FalseNegatives)
      .value("fbeta_score", MetricKind::FBetaScore)
      .value("f1_score", MetricKind::F1Score)
      .value("r2_score", MetricKind::R2Score)
      .value("pearson_correlation", MetricKind::PearsonCorrelation)
      .value("concordance_correlation", MetricKind::ConcordanceCorrelation)
      .value("precision_at_recall", MetricKind::PrecisionAtRecall)
      .value("recall_at_precision", MetricKind::RecallAtPrecision)
      .value("sensitivity_at_specificity", MetricKind::SensitivityAtSpecificity)
      .value("specificity_at_sensitivity", MetricKind::SpecificityAtSensitivity)
      .value("io_u", MetricKind::IoU)
      .value("mean_io_u", MetricKind::MeanIoU)
      .value("binary_io_u", MetricKind::BinaryIoU)
      .value("one_hot_io_u", MetricKind::OneHotIoU)
      .value("one_hot_mean_io_u", MetricKind::OneHotMeanIoU);

  py::enum_<ScoreAverage>(m, "ScoreAverage")
      .value("none", ScoreAverage::None)
      .value("micro", ScoreAverage::Micro)
      .value("macro", ScoreAverage::Macro)
      .value("weighted", ScoreAverage::Weighted);

  py::enum_<ClassAggregation>(m, "ClassAggregation")
      .value("none", ClassAggregation::None)
      .value("uniform_average", ClassAggregation::UniformAverage)
      .value("variance_weighted_average", ClassAggregation::VarianceWeightedAverage);

  py::enum_<AucSummation>(m, "AucSummation")
      .value("interpolation", AucSummation::Interpolation)
      .value("minoring", AucSummation::Minoring)
      .value("majoring", AucSummation::Majoring);

  const MetricSpec kSpec;  // each metric's Python class passes only the settings it has
  py::class_<MetricSpec>(m, "MetricSpec")
      .def(py::init([](MetricKind kind, float threshold, int64_t k, int64_t num_thresholds, bool pr_curve,
                       bool weighted, AucSummation summation, bool from_logits, std::vector<float> threshold_list,
                       float beta, ScoreAverage average, ClassAggregation aggregation, int64_t num_regressors,
                       float value, int64_t class_id, int64_t num_classes, std::vector<int64_t> target_class_ids,
                       std::optional<int64_t> ignore_class, bool sparse_y_true, bool sparse_y_pred,
                       bool integer_weights) {
             MetricSpec s{kind, threshold, k, num_thresholds, pr_curve, weighted, summation, from_logits};
             s.threshold_list = std::move(threshold_list);
             s.beta = beta, s.average = average, s.aggregation = aggregation, s.num_regressors = num_regressors;
             s.value = value, s.class_id = class_id, s.num_classes = num_classes;
             s.target_class_ids = std::move(target_class_ids);
             s.has_ignore_class = ignore_class.has_value(), s.ignore_class = ignore_class.value_or(-1);
             s.sparse_y_true = sparse_y_true, s.sparse_y_pred = sparse_y_pred, s.integer_weights = integer_weights;
             check_metric(s);
             return s;
           }),
           py::arg("kind"), py::arg("threshold") = kSpec.threshold, py::arg("k") = kSpec.k,
           py::arg("num_thresholds") = kSpec.num_thresholds, py::arg("pr_curve") = kSpec.pr_curve,
           py::arg("weighted") = kSpec.weighted, py::arg("summation") = kSpec.summation,
           py::arg("from_logits") = kSpec.from_logits, py::arg("threshold_list") = kSpec.threshold_list,
           py::arg("beta") = kSpec.beta, py::arg("average") = kSpec.average, py::arg("aggregation") = kSpec.aggregation,
           py::arg("num_regressors") = kSpec.num_regressors, py::arg("value") = kSpec.value,
           py::arg("class_id") = kSpec.class_id, py::arg("num_classes") = kSpec.num_classes,
           py::arg("target_class_ids") = kSpec.target_class_ids, py::arg("ignore_class") = py::none(),
           py::arg("sparse_y_true") = kSpec.sparse_y_true, py::arg("sparse_y_pred") = kSpec.sparse_y_pred,
           py::arg("integer_weights") = kSpec.integer_weights)
      .def_readonly("kind", &MetricSpec::kind)
      .def_readonly("weighted", &MetricSpec::weighted)
      .def_property_readonly("sparse_targets", &MetricSpec::sparse_targets)
      .def_property_readonly("vector_result", &MetricSpec::vector_result)
      .def_property_readonly("thresholds", &MetricSpec::thresholds);

  // Shared: a traced train_step (step_program.h) updates the state a Python Metric holds.
  py::class_<MetricState, std::shared_ptr<MetricState>>(m, "MetricState")
      .def(py::init<>())
      .def("merge", &MetricState::merge)
      .def(
          "reset", [](MetricState& s) { s = MetricState(); }, "Back to no batches, in place.")
      .def_readonly("total", &MetricState::total)
      .def_readonly("count", &MetricState::count)
      .def_readonly("sums", &MetricState::sums);
  m.def(
      "update_metric",
      [](const MetricSpec& spec, MetricState& state, const Tensor& pred, const Tensor& target,
         std::optional<Tensor> w) { update_metric(spec, state, pred, target, or_undefined(w)); },
      py::arg("spec"), py::arg("state"), py::arg("pred"), py::arg("target"), py::arg("sample_weight"), GilFree());
  m.def("metric_result", &metric_result, py::arg("spec"), py::arg("state"));
  m.def("metric_values", &metric_values, py::arg("spec"), py::arg("state"));

  py::class_<Stats>(m, "Stats")
      .def(py::init<>())
      .def_readonly("loss_sum", &Stats::loss_sum)
      .def_readonly("output_loss_sums", &Stats::output_loss_sums)
      .def_readonly("samples", &Stats::samples)
      .def_readonly("steps", &Stats::steps)
      .def_readonly("non_finite", &Stats::non_finite)
      .def_readonly("non_finite_step", &Stats::non_finite_step)
      .def("merge", &Stats::merge, py::arg("later"));

  // One API for every model: xs one tensor per model input, ys one per output (a model with one
  // input and one output passes one-element lists); one sample weight per sample, applied to
  // every output's loss.
  py::class_<Trainer, std::shared_ptr<Trainer>>(m, "Trainer")
      .def(py::init<std::shared_ptr<Model>, std::vector<Loss>, std::vector<float>, std::shared_ptr<Optimizer>,
                    std::vector<std::vector<MetricSpec>>>(),
           py::arg("model"), py::arg("losses"), py::arg("loss_weights"), py::arg("optimizer"), py::arg("metrics"))
      .def(
          "train",
          // The order is read in place from the int64 array (fit() passes a fresh permutation
          // per epoch and calls train() once per chunk; copying 60,000 entries cost ~6 ms a call).
          [](Trainer& t, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, std::optional<Tensor> w,
             std::optional<SampleOrderArray> order, int64_t batch_size, int64_t first_batch, int64_t num_batches) {
            SampleOrder view = order ? sample_order(*order) : SampleOrder();
            py::gil_scoped_release no_gil;
            DenormalsFlushed flushed;  // once per chunk rather than per kernel (nerve/denormals.h)
            return t.train(xs, ys, or_undefined(w), view, batch_size, first_batch, num_batches);
          },
          py::arg("xs"), py::arg("ys"), py::arg("sample_weight"), py::arg("order"), py::arg("batch_size"),
          py::arg("first_batch"), py::arg("num_batches"))
      .def(
          "train_batch",
          [](Trainer& t, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, std::optional<Tensor> w) {
            return t.train_batch(xs, ys, or_undefined(w));
          },
          py::arg("xs"), py::arg("ys"), py::arg("sample_weight"), GilFree())
      .def(
          "test_batch",
          [](Trainer& t, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, std::optional<Tensor> w) {
            return t.test_batch(xs, ys, or_undefined(w));
          },
          py::arg("xs"), py::arg("ys"), py::arg("sample_weight"), GilFree())
      .def(
          "evaluate",
          [](Trainer& t, const std::vector<Tensor>& xs, const std::vector<Tensor>& ys, std::optional<Tensor> w,
             int64_t batch_size) { return t.evaluate(xs, ys, or_undefined(w), batch_size); },
          py::arg("xs"), py::arg("ys"), py::arg("sample_weight"), py::arg("batch_size"), GilFree())
      .def("predict", &Trainer::predict, py::arg("xs"), py::arg("batch_size"), GilFree())
      .def("metric_results", &Trainer::metric_results, py::arg("stats"))
      .def("metric_values", &Trainer::metric_values, py::arg("stats"));

  // Inference alone (predict on a model that was never compiled): no loss, optimizer or metrics.
  py::class_<Predictor, std::shared_ptr<Predictor>>(m, "Predictor")
      .def(py::init<std::shared_ptr<Model>>(), py::arg("model"))
      .def("predict", &Predictor::predict, py::arg("xs"), py::arg("batch_size"), py::arg("keep_activity") = false,
           GilFree())
      .def("predict_array", &predict_array, py::arg("x"), py::arg("batch_size"), py::arg("keep_activity") = false,
           "predict of one float32 C-order array (a list of numpy arrays, one per output); None when x "
           "needs converting or holds a NaN or an Inf. keep_activity: the layers keep the activity "
           "penalties of the last batch (a direct call, model(x)), which predict clears");

  // Differentiable penalty op, for gradient checks.
  m.attr("ops").cast<py::module_>().def("regularization_penalty", &regularization_penalty, py::arg("x"),
                                        py::arg("regularizer"));
}

}  // namespace nerve::py_bindings
