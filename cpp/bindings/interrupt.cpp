// Ctrl-C during long C++ calls: nerve's loops poll between batches (nerve/interrupt.h); this
// module's check runs Python's pending signal handlers there, so fit, evaluate and predict stop
// within a batch (or 20 ms) of a SIGINT with the handler's KeyboardInterrupt.
#include "nerve/interrupt.h"

#include "bindings.h"

namespace py = pybind11;
namespace nerve::py_bindings {

namespace {
unsigned long g_main_thread = 0;  // Python runs signal handlers in its main thread only

void run_python_signal_handlers() {
  if (PyThread_get_thread_ident() != g_main_thread) return;  // other threads: nothing to run
  py::gil_scoped_acquire gil;
  // Runs the handlers of signals that arrived while the GIL was released; the default SIGINT
  // handler raises KeyboardInterrupt, which the binding's caller then sees. A handler that
  // returns normally lets the loop go on.
  if (PyErr_CheckSignals() != 0) throw py::error_already_set();
}
}  // namespace

void bind_interrupt(py::module_& m) {
  (void)m;
  g_main_thread = py::module_::import("threading").attr("main_thread")().attr("ident").cast<unsigned long>();
  set_interrupt_check(&run_python_signal_handlers);
}

}  // namespace nerve::py_bindings
