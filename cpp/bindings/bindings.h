// One bind_* function per file; module.cpp calls them all, in this order (a binding's default
// arguments need their types bound first). Layer families live in layers/<family>.cpp, named as
// the Python modules nerve.layers.<family> and the headers nerve/layers/<family>.h.
#pragma once
#include <pybind11/pybind11.h>

#include <optional>

#include "nerve/denormals.h"
#include "nerve/op_registry.h"
#include "nerve/tensor.h"
#include "shape_caster.h"

namespace nerve::py_bindings {
void bind_runtime(pybind11::module_& m);          // runtime.cpp: ISA, threads, config
void bind_interrupt(pybind11::module_& m);        // interrupt.cpp: Ctrl-C stops long calls between batches
void bind_gemm(pybind11::module_& m);             // gemm.cpp: sgemm on numpy arrays
void bind_device(pybind11::module_& m);           // device.cpp: current device, registry, test device
void bind_tensor(pybind11::module_& m);           // tensor.cpp: Tensor <-> numpy, its mask, _core.ops and the core ops
void bind_op_registry(pybind11::module_& m);      // op_registry.cpp: _core.ops.call, every op by name
void bind_random(pybind11::module_& m);           // random.cpp: nerve.random's seed generators
void bind_autograd(pybind11::module_& m);         // autograd.cpp: gradient recording, gradients()
void bind_initializers(pybind11::module_& m);     // initializers.cpp: seeds, Initializer
void bind_regularizers(pybind11::module_& m);     // regularizers.cpp: Regularizer
void bind_names(pybind11::module_& m);            // names.cpp: the activation, loss and initializer names
void bind_layer(pybind11::module_& m);            // layers/layer.cpp: the Layer base class
void bind_layer_arguments(pybind11::module_& m);  // layers/arguments.cpp: layer_spec, make_layer
// Layer families, each with its ops under _core.ops.
void bind_convolutional_layers(pybind11::module_& m);   // layers/convolutional.cpp
void bind_pooling_layers(pybind11::module_& m);         // layers/pooling.cpp
void bind_normalization_layers(pybind11::module_& m);   // layers/normalization.cpp
void bind_regularization_layers(pybind11::module_& m);  // layers/regularization.cpp
void bind_reshaping_layers(pybind11::module_& m);       // layers/reshaping.cpp
void bind_embedding_layers(pybind11::module_& m);       // layers/embedding.cpp
void bind_recurrent_layers(pybind11::module_& m);       // layers/recurrent.cpp
void bind_wrapper_layers(pybind11::module_& m);         // layers/wrappers.cpp
void bind_attention_layers(pybind11::module_& m);       // layers/attention.cpp
void bind_merge_layers(pybind11::module_& m);           // layers/merge.cpp
void bind_traced_layers(pybind11::module_& m);          // layers/traced.cpp: Python layers traced into C++
void bind_step_program(pybind11::module_& m);           // step_program.cpp: overridden train/test steps traced into C++
void bind_models(pybind11::module_& m);                 // models.cpp: Model, Sequential, GraphModel
void bind_train(pybind11::module_& m);                  // train.cpp: optimizers, schedules, losses, metrics, trainer
void bind_distributed(pybind11::module_& m);            // distributed.cpp: the MPI gradient reducer, Trainer's hook

// A Python attribute dict as OpAttrs (None values dropped); TypeError naming op and key for a
// value that is not a bool, int, float, str or list of numbers.
OpAttrs op_attrs_from_python(const std::string& op, const pybind11::dict& attrs);
OpAttr op_attr_from_python(const std::string& op, const std::string& key, const pybind11::handle& value);

// Optional tensor arguments (None from Python) become undefined tensors.
using OptT = std::optional<Tensor>;
inline Tensor opt(const OptT& t) { return t ? *t : Tensor(); }
// Releases the GIL while an op or a training call runs, which computes with denormals flushed
// (nerve/denormals.h; the kernels would flush anyway, this sets the mode once per call).
using GilFree = pybind11::call_guard<pybind11::gil_scoped_release, DenormalsFlushed>;
}  // namespace nerve::py_bindings
