// _core.random: the seed generators' table behind nerve.random.SeedGenerator (the draws
// themselves are registered ops, reached through _core.ops.call).
#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/ops/random_ops.h"

namespace py = pybind11;

namespace nerve::py_bindings {

void bind_random(py::module_& m) {
  auto r = m.def_submodule("random", "Seed generators of nerve.random (state kept in C++)");
  r.def("new_seed_generator", &new_seed_generator, py::arg("seed"),
        "A new generator with state (seed, 0); returns its id.");
  r.def("seed_generator_next", &seed_generator_next, py::arg("id"),
        "The key of the generator's state, then its counter advances by one.");
  r.def("seed_generator_state", &seed_generator_state, py::arg("id"), "The generator's (seed, counter).");
  r.def("set_seed_generator_state", &set_seed_generator_state, py::arg("id"), py::arg("seed"), py::arg("counter"));
  r.def("random_key", &random_key, py::arg("seed"), py::arg("counter"), "The key of the seed state (seed, counter).");
}

}  // namespace nerve::py_bindings
