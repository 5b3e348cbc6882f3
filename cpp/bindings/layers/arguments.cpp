// The layers declared with an arguments table (nerve/layers/arguments.h), exposed generically:
// layer_spec(type) gives their names, kinds and defaults (the Python class builds its signature
// from it), make_layer(type, name, kwargs) builds one, layer_config(layer) reads its arguments
// back. No argument of these layers is restated here.
#include "nerve/layers/arguments.h"

#include <pybind11/stl.h>

#include <string>

#include "bindings.h"
#include "nerve/layers/layer.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
py::object to_python(const ArgValue& v) {
  return std::visit(
      [](const auto& x) -> py::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return py::none();
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          return py::tuple(py::cast(x));
        } else if constexpr (std::is_same_v<T, Initializer>) {
          return py::str(x.name);  // a default is shown by name, as Keras's signatures do
        } else {
          return py::cast(x);
        }
      },
      v);
}

// A value as Python reads it for its kind: IntPairs as n (before, after) pairs.
py::object to_python(const ArgValue& v, ArgKind kind) {
  auto* flat = std::get_if<std::vector<int64_t>>(&v);
  if (kind != ArgKind::IntPairs || !flat) return to_python(v);
  py::list pairs;
  for (size_t i = 0; i + 1 < flat->size(); i += 2) pairs.append(py::make_tuple((*flat)[i], (*flat)[i + 1]));
  return py::tuple(pairs);
}

bool is_int(const py::handle& h) {
  return !py::isinstance<py::bool_>(h) && py::hasattr(h, "__index__") && !py::isinstance<py::float_>(h);
}

// A Python value for argument `arg` of kind `kind`; the error names the layer and argument.
ArgValue from_python(const py::handle& h, const ArgSpec& arg, const std::string& who) {
  auto bad = [&](const std::string& want) {
    return py::value_error(who + ": " + arg.name + " must be " + want + ", got " + py::repr(h).cast<std::string>());
  };
  if (h.is_none()) {
    if (!arg.optional) throw bad(arg.kind == ArgKind::Bool ? "True or False" : "given (not None)");
    return std::monostate{};
  }
  // A tuple argument of n axes takes one int or n entries (Keras's standardize_tuple): checked
  // here so that the error shows the value as written ((2,), [3]), not as flattened below.
  const bool sequence = py::isinstance<py::tuple>(h) || py::isinstance<py::list>(h);
  if (arg.axes > 0 && sequence && py::len(h) != arg.axes) throw bad(tuple_rule(arg.kind, arg.axes));
  switch (arg.kind) {
    case ArgKind::Bool:
      if (py::isinstance<py::bool_>(h)) return h.cast<bool>();
      if (py::hasattr(h, "dtype") && py::str(h.attr("dtype").attr("kind")).cast<std::string>() == "b")
        return h.attr("__bool__")().cast<bool>();  // a numpy bool
      if (is_int(h) && (h.cast<int64_t>() == 0 || h.cast<int64_t>() == 1)) return h.cast<int64_t>() == 1;
      throw bad("True or False");
    case ArgKind::Int:
      if (is_int(h)) return h.cast<int64_t>();
      throw bad("an int");
    case ArgKind::Float:
      if (!py::isinstance<py::bool_>(h) && !py::isinstance<py::str>(h) && py::hasattr(h, "__float__"))
        return h.cast<double>();
      throw bad("a number");
    case ArgKind::String:
    case ArgKind::Activation:
      if (py::isinstance<py::str>(h)) return h.cast<std::string>();
      throw bad("a string");
    case ArgKind::Ints: {
      const std::string want = arg.axes ? tuple_rule(arg.kind, arg.axes) : "an int or a tuple of ints";
      if (is_int(h)) return h.cast<int64_t>();  // the field repeats it (tuple_of) or holds (x,)
      if (sequence) {
        std::vector<int64_t> out;
        for (auto item : h) {
          if (!is_int(item)) throw bad(want);
          out.push_back(item.cast<int64_t>());
        }
        return out;
      }
      throw bad(want);
    }
    case ArgKind::Initializer:
      if (py::isinstance<Initializer>(h)) return h.cast<Initializer>();
      if (py::isinstance<py::str>(h)) return Initializer{h.cast<std::string>()};
      throw bad("an initializer");
    case ArgKind::IntPairs: {
      // one int (every side), n ints (symmetric per axis) or n (before, after) pairs
      const std::string want =
          arg.axes ? tuple_rule(arg.kind, arg.axes) : "an int, a tuple of ints or a tuple of (before, after) pairs";
      if (is_int(h)) return h.cast<int64_t>();
      if (!sequence) throw bad(want);
      std::vector<int64_t> out;
      for (auto item : h) {
        if (is_int(item)) {
          out.insert(out.end(), 2, item.cast<int64_t>());
        } else if ((py::isinstance<py::tuple>(item) || py::isinstance<py::list>(item)) && py::len(item) == 2) {
          for (auto side : item) {
            if (!is_int(side)) throw bad(want);
            out.push_back(side.cast<int64_t>());
          }
        } else {
          throw bad(want);
        }
      }
      return out;
    }
  }
  throw bad("?");
}
}  // namespace

void bind_layer_arguments(py::module_& m) {
  // UnsupportedArgument (a Keras value nerve does not implement) is Python's
  // UnsupportedArgumentError, which is also a ValueError; looked up when raised, since the
  // nerve package imports _core before nerve.utils.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const UnsupportedArgument& e) {
      py::object cls = py::module_::import("nerve.utils.keras_args").attr("UnsupportedArgumentError");
      PyErr_SetString(cls.ptr(), e.what());
    }
  });
  m.def("registered_layers", &registered_layers, "Layer classes declared with an arguments table.");
  m.def(
      "layer_spec",
      [](const std::string& type) {
        py::list out;
        for (const ArgSpec& a : layer_spec(type).args) {
          // An IntPairs default of two or more axes reads as Keras writes it, ((0, 0), (0, 0))
          // (Cropping2D); a shorter one is a symmetric shorthand as shown (ZeroPadding2D's (1, 1)).
          auto* flat = std::get_if<std::vector<int64_t>>(&a.default_value);
          const bool pairs = a.kind == ArgKind::IntPairs && flat && flat->size() >= 4;
          out.append(py::make_tuple(a.name, arg_kind_name(a.kind), a.required, a.optional,
                                    pairs ? to_python(a.default_value, a.kind) : to_python(a.default_value)));
        }
        return out;
      },
      py::arg("type"), "[(name, kind, required, optional, default)] in declaration order");
  m.def(
      "make_layer",
      [](const std::string& type, const std::string& name, const py::dict& kwargs) {
        const LayerSpec& spec = layer_spec(type);
        std::string who = type + " '" + name + "'";
        NamedArgs args;
        for (const ArgSpec& a : spec.args) {
          if (kwargs.contains(a.name)) {
            args.emplace_back(a.name, from_python(kwargs[py::str(a.name)], a, who));
          } else if (a.required) {
            throw py::type_error(who + ": missing required argument '" + a.name + "'");
          }
        }
        for (auto item : kwargs) {
          std::string key = item.first.cast<std::string>();
          bool known = false;
          for (const ArgSpec& a : spec.args) known = known || a.name == key;
          if (!known) throw py::type_error(who + ": unexpected argument '" + key + "'");
        }
        return spec.make(name, args);
      },
      py::arg("type"), py::arg("name"), py::arg("kwargs"));
  m.def(
      "layer_config",
      [](const Layer& layer) {
        py::dict out;
        const LayerSpec& spec = layer_spec(layer.type());
        for (const auto& [name, value] : spec.config(layer)) {
          ArgKind kind = ArgKind::String;
          for (const ArgSpec& a : spec.args)
            if (a.name == name) kind = a.kind;
          out[py::str(name)] = to_python(value, kind);
        }
        return out;
      },
      py::arg("layer"), "The arguments a layer was made with, by name (initializers by name).");
}

}  // namespace nerve::py_bindings
