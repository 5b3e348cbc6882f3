#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/autograd.h"
#include "nerve/losses.h"
#include "nerve/ops.h"
#include "numpy_interop.h"

namespace py = pybind11;
namespace nerve::py_bindings {

Tensor tensor_from_numpy(const py::array& array) {
  char kind = array.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u' && kind != 'b')
    throw py::type_error("expected a numeric array, got dtype " + py::str(array.dtype()).cast<std::string>());
  py::array_t<float, py::array::c_style> f32;
  if (py::isinstance<py::array_t<float>>(array) && (array.flags() & py::array::c_style) == py::array::c_style) {
    f32 = py::reinterpret_borrow<py::array_t<float, py::array::c_style>>(array);
  } else {
    f32 = py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
  }
  Shape shape(f32.shape(), f32.shape() + f32.ndim());
  // On another current device the array is copied there (as torch.tensor does under
  // torch.set_default_device): numpy memory is host memory, and a CPU tensor would not mix.
  if (current_device().type != DeviceType::CPU) return Tensor::from_host(f32.data(), shape);
  auto* keep = new py::object(f32);  // released with the GIL held, from whichever thread
  auto storage = Storage::wrap(const_cast<float*>(f32.data()), f32.nbytes(), Device{}, [keep] {
    py::gil_scoped_acquire gil;
    delete keep;
  });
  return Tensor::view_of(storage, 0, shape, {});
}

static std::vector<py::ssize_t> byte_strides(const Tensor& t) {
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(sizeof(float)));
  return strides;
}

py::array tensor_to_numpy(const Tensor& t) {
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  if (!backend_for(t.device()).host_accessible) {  // a copy in host memory that numpy owns
    py::array_t<float, py::array::c_style> out(shape);
    t.copy_to_host(out.mutable_data());
    return std::move(out);
  }
  auto* owner = new Tensor(t.detach());
  py::capsule base(owner, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(py::dtype::of<float>(), shape, byte_strides(t), t.data(), base);
}

void bind_tensor(py::module_& m) {
  py::class_<Tensor>(m, "Tensor", py::buffer_protocol(),
                     "A float32 n-d array in C++ memory with autograd. np.asarray(t) shares memory.")
      .def(py::init([](const py::array& a, bool requires_grad) {
             Tensor t = tensor_from_numpy(a);
             t.set_requires_grad(requires_grad);
             return t;
           }),
           py::arg("data"), py::arg("requires_grad") = false)
      .def_buffer([](Tensor& t) -> py::buffer_info {
        // A view needs memory the host can read; other devices go through .numpy() (a copy).
        if (!backend_for(t.device()).host_accessible)
          throw py::buffer_error("tensor lives on " + t.device().str() + "; use .numpy() for a host copy");
        std::vector<py::ssize_t> strides = byte_strides(t);
        return py::buffer_info(t.data(), sizeof(float), py::format_descriptor<float>::format(), t.dim(),
                               std::vector<py::ssize_t>(t.shape().begin(), t.shape().end()), strides);
      })
      .def_property_readonly("shape", [](const Tensor& t) { return py::tuple(py::cast(t.shape())); })
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("device", [](const Tensor& t) { return t.device().str(); })
      .def_property("requires_grad", &Tensor::requires_grad, [](Tensor& t, bool v) { t.set_requires_grad(v); })
      .def_property(
          "grad",
          [](const Tensor& t) -> py::object {
            Tensor g = t.grad();
            return g.defined() ? py::cast(g) : py::none();
          },
          [](const Tensor& t, py::object g) {
            if (g.is_none()) return t.set_grad(Tensor());
            Tensor gt = g.cast<Tensor>();
            if (gt.shape() != t.shape())
              throw py::value_error("grad of shape " + gt.shape_string() + " for a tensor of shape " +
                                    t.shape_string());
            t.set_grad(gt);
          })
      .def_property_readonly("grad_fn",
                             [](const Tensor& t) -> py::object {
                               return t.grad_fn() ? py::str(t.grad_fn()->name()) : py::object(py::none());
                             })
      .def("zero_grad", [](Tensor& t) { t.set_grad(Tensor()); })
      .def("numpy", &tensor_to_numpy,
           "A numpy array sharing this tensor's memory (a host copy for a device the host cannot read)")
      .def(
          "to", [](const Tensor& t, const std::string& device) { return t.to(parse_device(device)); },
          py::arg("device"), "This tensor on another device ('cpu', 'poison:0'): itself when it is there, else a copy")
      .def("item", &Tensor::item)
      .def("detach", &Tensor::detach)
      .def("clone", &Tensor::clone)
      .def("reshape", &Tensor::reshape)
      .def(
          "backward",
          [](const Tensor& t, py::object grad) {
            Tensor g = grad.is_none() ? Tensor() : grad.cast<Tensor>();
            py::gil_scoped_release release;
            t.backward(g);
          },
          py::arg("gradient") = py::none())
      .def("__len__", [](const Tensor& t) { return t.dim() ? t.size(0) : 0; })
      .def("__repr__", [](const Tensor& t) {
        return "<nerve.Tensor shape=" + t.shape_string() + (t.requires_grad() ? " requires_grad" : "") + ">";
      });
  py::implicitly_convertible<py::array, Tensor>();

  // Differentiable ops, for custom loops and gradient checks.
  auto ops = m.def_submodule("ops", "Differentiable tensor ops (C++ autograd)");
  ops.def(
      "dense",
      [](const Tensor& x, const Tensor& w, std::optional<Tensor> b, const std::string& act, float alpha) {
        return dense(x, w, b ? *b : Tensor(), activation_from_name(act), alpha);
      },
      py::arg("x"), py::arg("kernel"), py::arg("bias") = py::none(), py::arg("activation") = "linear",
      py::arg("alpha") = 0.f);
  ops.def("matmul", &matmul);
  // The Keras functions' keyword arguments: alpha is each one's single parameter (None: Keras's
  // default); relu takes max_value and threshold too, threshold needs threshold and
  // default_value, gelu takes approximate.
  ops.def(
      "activation",
      [](const Tensor& x, const std::string& name, std::optional<float> alpha, std::optional<float> max_value,
         std::optional<float> threshold, std::optional<float> default_value, bool approximate) {
        Activation act;
        ActivationParams p;
        if (name == "threshold") {
          if (!threshold || !default_value)
            throw py::value_error("activation 'threshold' needs threshold and default_value");
          act = Activation::Threshold;
        } else {
          act = activation_from_name(name);
        }
        p.alpha = alpha ? *alpha : activation_default_alpha(act);
        if (max_value) p.max_value = *max_value;
        if (threshold) p.threshold = *threshold;
        if (default_value) p.default_value = *default_value;
        if (act == Activation::Gelu && approximate) act = Activation::GeluApproximate;
        if (act == Activation::Relu && (p.alpha != 0.f || max_value || p.threshold != 0.f))
          act = Activation::ReluGeneral;
        if ((max_value || threshold) && act != Activation::ReluGeneral && act != Activation::Threshold)
          throw py::value_error("activation '" + name + "' takes no max_value or threshold");
        return activation(x, act, p);
      },
      py::arg("x"), py::arg("activation"), py::arg("alpha") = py::none(), py::arg("max_value") = py::none(),
      py::arg("threshold") = py::none(), py::arg("default_value") = py::none(), py::arg("approximate") = false);
  ops.def("softmax", &softmax);
  ops.def("add", &add);
  ops.def("sub", &sub);
  ops.def("mul", &mul);
  ops.def("scale", &scale);
  ops.def("sum", &sum);
  ops.def("mean", &mean);
  const Loss kLoss;  // the loss settings' defaults, for gradient checks and custom loops
  ops.def(
      "loss",
      [](const std::string& name, const Tensor& pred, const Tensor& target, bool from_logits, float label_smoothing,
         float delta, std::optional<Tensor> sample_weight) {
        return compute_loss(Loss{loss_from_name(name), from_logits, label_smoothing, delta}, pred, target,
                            sample_weight ? *sample_weight : Tensor());
      },
      py::arg("name"), py::arg("pred"), py::arg("target"), py::arg("from_logits") = kLoss.from_logits,
      py::arg("label_smoothing") = kLoss.label_smoothing, py::arg("delta") = kLoss.delta,
      py::arg("sample_weight") = py::none());

  // The padding mask that rides on a tensor (Embedding(mask_zero) sets it).
  py::reinterpret_borrow<py::class_<Tensor>>(m.attr("Tensor"))
      .def_property(
          "mask",
          [](const Tensor& t) -> py::object {
            return t.impl()->mask.defined() ? py::cast(t.impl()->mask) : py::object(py::none());
          },
          [](const Tensor& t, const OptT& mask) { t.impl()->mask = opt(mask); })
      // A layer weight's Keras variable.path ("dense/kernel") and variable.name ("kernel").
      .def_property(
          "path",
          [](const Tensor& t) -> py::object {
            return t.impl()->path ? py::cast(*t.impl()->path) : py::object(py::none());
          },
          [](const Tensor& t, const std::optional<std::string>& path) {
            t.impl()->path = path ? intern_path(*path) : nullptr;
          })
      .def_property_readonly("name", [](const Tensor& t) -> py::object {
        if (!t.impl()->path) return py::none();
        const std::string& p = *t.impl()->path;
        return py::cast(p.substr(p.rfind('/') + 1));
      });
}

}  // namespace nerve::py_bindings
