// One bind_* function per area; module.cpp calls them all.
#pragma once
#include <pybind11/pybind11.h>

namespace nerve::py_bindings {
void bind_runtime(pybind11::module_& m);   // runtime_py.cpp: ISA, threads, config
void bind_device(pybind11::module_& m);    // device_py.cpp: current device, registry, test device
void bind_gemm(pybind11::module_& m);      // gemm_py.cpp: sgemm on numpy arrays
void bind_tensor(pybind11::module_& m);    // tensor_py.cpp: Tensor <-> numpy, autograd
void bind_nn(pybind11::module_& m);        // nn_py.cpp: initializers, regularizers, layers, models
void bind_train(pybind11::module_& m);     // train_py.cpp: optimizers, schedules, losses, metrics, trainer
void bind_graph(pybind11::module_& m);     // graph_py.cpp: merge layers, GraphModel, gradients
void bind_sequence(pybind11::module_& m);  // sequence_py.cpp: RNN/LSTM/GRU, attention, sequence layers
void bind_conv(pybind11::module_& m);      // conv_py.cpp: convolutional layers and ops (after bind_tensor)
}  // namespace nerve::py_bindings
