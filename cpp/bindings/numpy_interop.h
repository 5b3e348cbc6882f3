// Tensor <-> numpy without copies where possible.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "nerve/tensor.h"
#include "shape_caster.h"

namespace nerve::py_bindings {

// float32 C-contiguous arrays are wrapped (the tensor keeps the array alive); other numeric
// arrays are converted to float32 once; non-numeric arrays raise TypeError.
Tensor tensor_from_numpy(const pybind11::array& array);
// A numpy array sharing the tensor's memory (the array keeps the storage alive).
pybind11::array tensor_to_numpy(const Tensor& t);

}  // namespace nerve::py_bindings
