#include "bindings.h"

PYBIND11_MODULE(_core, m) {
  m.doc() = "nerve's C++ engine (tensors, autograd, kernels, layers, optimizers)";
  m.attr("__version__") = NERVE_VERSION;
  pybind11::dict build_info;  // the CMake settings this module was built with (python -m nerve)
  build_info["build_type"] = NERVE_BUILD_TYPE;
  build_info["compiler"] = NERVE_COMPILER;
  build_info["cmake"] = NERVE_CMAKE_VERSION;
  build_info["NERVE_OPENMP"] = NERVE_OPENMP_OPTION;
  build_info["openmp_found"] = NERVE_OPENMP_FOUND;
  build_info["simd_kernels"] = NERVE_SIMD_FLAGS;
  m.attr("build_info") = build_info;
  using namespace nerve::py_bindings;
  bind_runtime(m);
  bind_interrupt(m);
  bind_device(m);
  bind_gemm(m);
  bind_tensor(m);
  bind_op_registry(m);
  bind_random(m);
  bind_autograd(m);
  bind_initializers(m);
  bind_regularizers(m);
  bind_names(m);
  bind_layer(m);
  bind_layer_arguments(m);
  bind_convolutional_layers(m);
  bind_pooling_layers(m);
  bind_normalization_layers(m);
  bind_regularization_layers(m);
  bind_reshaping_layers(m);
  bind_embedding_layers(m);
  bind_recurrent_layers(m);
  bind_wrapper_layers(m);
  bind_attention_layers(m);
  bind_merge_layers(m);
  bind_traced_layers(m);
  bind_models(m);
  bind_train(m);
  bind_step_program(m);
  bind_distributed(m);
}
