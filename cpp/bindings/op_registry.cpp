// _core.ops.call(name, tensors, attrs): any registered op by name (nerve/op_registry.h), for
// nerve.ops' eager calls; and the attribute conversion traced programs share.
#include "nerve/op_registry.h"

#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/autograd.h"
#include "nerve/denormals.h"
#include "numpy_interop.h"

namespace py = pybind11;

namespace nerve::py_bindings {

namespace {

bool is_int(const py::handle& v) {
  return !py::isinstance<py::bool_>(v) && PyIndex_Check(v.ptr()) && !PyFloat_Check(v.ptr());
}
bool is_float(const py::handle& v) { return PyFloat_Check(v.ptr()) || py::hasattr(v, "__float__"); }

// A float32 array read in place: C-contiguous, or F-contiguous (a transposed view, `a.T`), whose
// strides a tensor view holds as they are. Null when the array needs a copy to become a tensor.
std::shared_ptr<Storage> borrowable(const py::array& a) {
  if (current_device().type != DeviceType::CPU || !py::isinstance<py::array_t<float>>(a)) return nullptr;
  auto flags = a.flags();
  if (!(flags & (py::array::c_style | py::array::f_style))) return nullptr;
  auto* keep = new py::object(a);  // released with the GIL held, from whichever thread
  return Storage::wrap(const_cast<void*>(a.data()), static_cast<size_t>(a.nbytes()), Device{}, [keep] {
    py::gil_scoped_acquire gil;
    delete keep;
  });
}

Tensor view_of_array(const py::array& a, std::shared_ptr<Storage> storage) {
  Shape shape(a.shape(), a.shape() + a.ndim()), strides;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) strides.push_back(a.strides(i) / static_cast<py::ssize_t>(sizeof(float)));
  if (a.flags() & py::array::c_style) {  // size-1 axes may carry any stride: use the C ones
    strides.assign(shape.size(), 1);
    for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i) strides[i] = strides[i + 1] * shape[i + 1];
  }
  return Tensor::view_of(std::move(storage), 0, shape, strides);
}

bool holds(const Tensor& t, const std::vector<std::shared_ptr<Storage>>& borrowed) {
  if (!t.defined()) return false;
  for (const auto& s : borrowed)
    if (t.storage() == s) return true;
  return false;
}

// The op on `inputs` (nerve.Tensor, numpy arrays already checked numeric by Python, Python floats,
// Python ints within int64), reading
// float32 arrays in place instead of copying them (a copy of a (784, 256) operand costs twice
// its one-row product). The caller's array must not be reachable from the result once the call
// returns, or writing into it later would change the result (nerve.ops makes constants of
// arrays, as tf.constant copies): so arrays are copied when a backward node may keep them (an
// input requires a gradient); an output that is a view of one (reshape, transpose) is copied,
// and so is a softmax output's remembered logits. Any other hold, which no op makes today, is
// caught by the storage's use count and the op is run again on copies.
std::vector<Tensor> call_reading_arrays(const std::string& name, const py::sequence& inputs, const py::dict& attrs) {
  OpAttrs a = op_attrs_from_python(name, attrs);
  std::vector<Tensor> tensors;
  std::vector<std::shared_ptr<Storage>> borrowed;
  bool any_grad = false;
  for (py::handle x : inputs) {
    if (py::isinstance<Tensor>(x)) {
      tensors.push_back(x.cast<Tensor>());
      any_grad = any_grad || tensors.back().requires_grad();
    } else if (PyFloat_CheckExact(x.ptr())) {  // a 0-d constant, as numpy's float32 cast of it
      tensors.push_back(Tensor::full({}, static_cast<float>(PyFloat_AS_DOUBLE(x.ptr()))));
    } else if (PyLong_CheckExact(x.ptr())) {  // Python checked it fits int64, as numpy's cast
      tensors.push_back(Tensor::full({}, static_cast<float>(PyLong_AsLongLong(x.ptr()))));
    } else {
      py::array arr = py::reinterpret_borrow<py::array>(x);
      std::shared_ptr<Storage> storage = borrowable(arr);
      if (storage) {
        tensors.push_back(view_of_array(arr, storage));
        borrowed.push_back(std::move(storage));
      } else {
        tensors.push_back(tensor_from_numpy(arr));
      }
    }
  }
  auto copy_borrowed = [&] {
    for (Tensor& t : tensors)
      if (holds(t, borrowed)) t = t.clone();
    borrowed.clear();
  };
  if (any_grad && grad_enabled()) copy_borrowed();
  std::vector<Tensor> outs;
  {
    py::gil_scoped_release release;
    DenormalsFlushed flushed;
    outs = call_op(name, tensors, a);
    if (!borrowed.empty()) {
      for (Tensor& o : outs) {
        if (holds(o, borrowed)) o = o.clone();
        TensorImpl* impl = o.impl();
        if (holds(impl->logits, borrowed)) impl->logits = impl->logits.clone();
        if (holds(impl->mask, borrowed)) impl->mask = impl->mask.clone();
      }
      // Each borrowed storage is now held by its input tensor alone, unless the op kept it.
      bool kept = false;
      for (const auto& s : borrowed) kept = kept || s.use_count() > 2;  // `borrowed` + the tensor
      if (kept) {
        copy_borrowed();
        outs = call_op(name, tensors, a);
      }
    }
  }
  return outs;
}

}  // namespace

OpAttr op_attr_from_python(const std::string& op, const std::string& key, const py::handle& v) {
  if (py::isinstance<py::bool_>(v) ||
      (py::hasattr(v, "dtype") && py::str(v.attr("dtype")).cast<std::string>() == "bool"))
    return v.cast<bool>();
  if (is_int(v)) return py::int_(py::reinterpret_borrow<py::object>(v)).cast<int64_t>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (is_float(v) && !py::isinstance<py::sequence>(v))
    return py::float_(py::reinterpret_borrow<py::object>(v)).cast<double>();
  if (py::isinstance<py::sequence>(v)) {
    std::vector<int64_t> ints;
    std::vector<double> floats;
    bool any_float = false;
    for (py::handle item : py::reinterpret_borrow<py::sequence>(v)) {
      if (is_int(item)) {
        int64_t i = py::int_(py::reinterpret_borrow<py::object>(item)).cast<int64_t>();
        ints.push_back(i);
        floats.push_back(static_cast<double>(i));
      } else if (is_float(item) && !py::isinstance<py::bool_>(item)) {
        any_float = true;
        floats.push_back(py::float_(py::reinterpret_borrow<py::object>(item)).cast<double>());
      } else {
        throw py::type_error(op + ": argument '" + key + "' must hold ints or floats, got " +
                             py::repr(v).cast<std::string>());
      }
    }
    if (any_float) return floats;
    return ints;
  }
  throw py::type_error(op + ": argument '" + key + "' has unsupported type " +
                       py::str(py::type::handle_of(v).attr("__name__")).cast<std::string>());
}

OpAttrs op_attrs_from_python(const std::string& op, const py::dict& attrs) {
  OpAttrs out;
  out.op_name = op;
  for (auto [k, v] : attrs) {
    if (v.is_none()) continue;  // None: the op's default
    std::string key = py::str(k);
    out.set(key, op_attr_from_python(op, key, v));
  }
  return out;
}

void bind_op_registry(py::module_& m) {
  py::module_ ops = m.attr("ops").cast<py::module_>();
  ops.def(
      "call",
      [](const std::string& name, const std::vector<Tensor>& inputs, const py::dict& attrs) {
        OpAttrs a = op_attrs_from_python(name, attrs);
        py::gil_scoped_release release;
        DenormalsFlushed flushed;
        return call_op(name, inputs, a);
      },
      py::arg("name"), py::arg("inputs"), py::arg("attrs") = py::dict(),
      "Runs the registered op `name` on `inputs` (nerve.Tensor) with attributes `attrs`; a list of "
      "output tensors.");
  ops.def("call_reading_arrays", &call_reading_arrays, py::arg("name"), py::arg("inputs"),
          py::arg("attrs") = py::dict(),
          "As call, with numpy arrays among `inputs` too: float32 ones are read in place, not copied, "
          "as long as the result cannot keep them.");
  ops.def("op_names", &op_names, "The names of every registered op, sorted.");
  ops.def("has_op", &has_op, py::arg("name"));
}

}  // namespace nerve::py_bindings
