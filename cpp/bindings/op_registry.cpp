// _core.ops.call(name, tensors, attrs): any registered op by name (nerve/op_registry.h), for
// nerve.ops' eager calls; and the attribute conversion traced programs share.
#include "nerve/op_registry.h"

#include <pybind11/stl.h>

#include "bindings.h"

namespace py = pybind11;

namespace nerve::py_bindings {

namespace {

bool is_int(const py::handle& v) {
  return !py::isinstance<py::bool_>(v) && PyIndex_Check(v.ptr()) && !PyFloat_Check(v.ptr());
}
bool is_float(const py::handle& v) { return PyFloat_Check(v.ptr()) || py::hasattr(v, "__float__"); }

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
  ops.def("op_names", &op_names, "The names of every registered op, sorted.");
  ops.def("has_op", &has_op, py::arg("name"));
}

}  // namespace nerve::py_bindings
