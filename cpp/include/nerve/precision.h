// How a layer's matrix products compute (Keras's dtype policy, nerve.mixed_precision). Tensors
// stay float32 either way; under MixedBFloat16 the operands of every matrix product (Dense,
// Conv1D, Conv2D, Conv2DTranspose, SimpleRNN / LSTM / GRU, forward and backward) are rounded to
// bfloat16 and the products summed in float32 (sgemm_bf16, nerve/gemm.h), as torch.autocast
// does. Everything else computes in float32.
#pragma once
#include <cstdint>
#include <string>

namespace nerve {

enum class ComputePrecision : uint8_t { Float32, MixedBFloat16 };

// "float32" / "mixed_bfloat16": the Keras policy names.
inline const char* precision_name(ComputePrecision p) {
  return p == ComputePrecision::MixedBFloat16 ? "mixed_bfloat16" : "float32";
}

}  // namespace nerve
