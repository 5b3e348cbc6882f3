// Core ops: the fully connected product, activations, element-wise arithmetic and reductions.
// Every op (here and in the other nerve/ops/*.h, one per layer family) checks its arguments
// (std::invalid_argument with the shapes), runs a CPU kernel and records a backward Node when
// gradients are being recorded. Layers are written only in terms of ops; they never see a kernel
// or an ISA.
#pragma once
#include "nerve/activation.h"
#include "nerve/precision.h"
#include "nerve/tensor.h"

namespace nerve {

// Fully connected: act(x @ w + b) over the last axis of x.
// x [..., in], w [in, out], b [out] or undefined. Bias and element-wise activations whose
// gradient follows from the output run in the GEMM epilogue; others run as a separate op.
// precision MixedBFloat16: the forward product and both gradient products run on sgemm_bf16.
Tensor dense(const Tensor& x, const Tensor& w, const Tensor& b, Activation act, float alpha = 0.f,
             ComputePrecision precision = ComputePrecision::Float32);

// 2-D matrix product a [m, k] @ b [k, n].
Tensor matmul(const Tensor& a, const Tensor& b);

// Element-wise activation, or a row activation over the last axis (softmax, log_softmax, glu,
// sparsemax). A float converts to ActivationParams (a layer's activation_alpha).
Tensor activation(const Tensor& x, Activation act, const ActivationParams& params = {});
Tensor softmax(const Tensor& x);

// Element-wise arithmetic on tensors of the same shape.
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& a, float s);

// Reductions to a scalar (shape []).
Tensor sum(const Tensor& a);
Tensor mean(const Tensor& a);

}  // namespace nerve
