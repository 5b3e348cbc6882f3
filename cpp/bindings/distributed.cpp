// _core.distributed: the MPI gradient reducer (nerve/distributed/mpi_reducer.h) and the Trainer's
// hook for it. nerve.distributed (Python) builds the reducer from mpi4py's handles.
#include <pybind11/stl.h>

#include "bindings.h"
#include "nerve/distributed/mpi_reducer.h"
#include "nerve/trainer.h"

namespace py = pybind11;

namespace nerve::py_bindings {

void bind_distributed(py::module_& m) {
  py::module_ d = m.def_submodule("distributed", "Data-parallel training over MPI (see nerve.distributed)");
  py::class_<GradientReducer, std::shared_ptr<GradientReducer>>(d, "GradientReducer");
  py::class_<MpiGradientReducer, GradientReducer, std::shared_ptr<MpiGradientReducer>>(d, "MpiGradientReducer")
      .def(py::init([](const std::string& library, uintptr_t comm, uintptr_t float32, uintptr_t float64, uintptr_t sum,
                       int rank, int size, int64_t bucket_bytes, double timeout_seconds) {
             MpiHandles h{comm, float32, float64, sum, rank, size};
             return std::make_shared<MpiGradientReducer>(library, h, bucket_bytes, timeout_seconds);
           }),
           py::arg("library"), py::arg("comm"), py::arg("float32"), py::arg("float64"), py::arg("sum"), py::arg("rank"),
           py::arg("size"), py::arg("bucket_bytes"), py::arg("timeout_seconds"))
      .def("reduce", &MpiGradientReducer::reduce, py::arg("params"), py::arg("local_weight"), py::arg("finite"),
           GilFree())
      .def("reduce_stats", &MpiGradientReducer::reduce_stats, py::arg("stats"), GilFree())
      .def(
          "allreduce_sum",
          [](MpiGradientReducer& r, std::vector<double> values) {
            py::gil_scoped_release no_gil;
            r.allreduce_sum(values);
            return values;
          },
          py::arg("values"))
      .def_property_readonly("rank", &MpiGradientReducer::rank)
      .def_property_readonly("size", &MpiGradientReducer::size)
      .def_property_readonly("bucket_bytes", &MpiGradientReducer::bucket_bytes)
      .def_property_readonly("timeout_seconds", &MpiGradientReducer::timeout_seconds)
      .def_property_readonly("comm_seconds", &MpiGradientReducer::comm_seconds)
      .def_property_readonly("allreduce_calls", &MpiGradientReducer::allreduce_calls)
      .def("reset_counters", &MpiGradientReducer::reset_counters);

  // The Trainer's hook (bound here rather than in train.cpp so the feature stays in one place).
  auto trainer = py::reinterpret_borrow<py::class_<Trainer, std::shared_ptr<Trainer>>>(m.attr("Trainer"));
  trainer.def_property(
      "gradient_reducer", [](const Trainer& t) { return t.gradient_reducer(); },
      [](Trainer& t, std::shared_ptr<GradientReducer> r) { t.set_gradient_reducer(std::move(r)); });
}

}  // namespace nerve::py_bindings
