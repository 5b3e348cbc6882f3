#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "nerve's C++ engine (tensors, autograd, kernels, layers, optimizers)";
  m.attr("__version__") = NERVE_VERSION;
  nerve::py_bindings::bind_runtime(m);
  nerve::py_bindings::bind_device(m);
  nerve::py_bindings::bind_gemm(m);
  nerve::py_bindings::bind_tensor(m);
  nerve::py_bindings::bind_nn(m);
  nerve::py_bindings::bind_train(m);
  nerve::py_bindings::bind_graph(m);  // after bind_nn and bind_tensor: extends Layer, Model, ops
  nerve::py_bindings::bind_sequence(m);
  nerve::py_bindings::bind_conv(m);
}
