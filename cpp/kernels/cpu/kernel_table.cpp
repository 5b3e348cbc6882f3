// The CPU kernel table: every CPU kernel an op reaches, by family (kernel_table.h). A kernel not
// listed here does not exist on the CPU.
#include "kernel_table.h"

#include "cpu/activation/prelu.h"
#include "cpu/attention/attention.h"
#include "cpu/augmentation/augmentation.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/elementwise/elementwise.h"
#include "cpu/embedding/embedding.h"
#include "cpu/losses/losses.h"
#include "cpu/math/math.h"
#include "cpu/normalization/normalization.h"
#include "cpu/optim/updates.h"
#include "cpu/pooling/pooling.h"
#include "cpu/random/random.h"
#include "cpu/recurrent/recurrent.h"
#include "cpu/reduction/reduction.h"
#include "cpu/regularization/regularization.h"
#include "cpu/shape/shape.h"
#include "cpu/tensor/tensor_kernels.h"

namespace nerve {

namespace {

void sgemm_with_epilogue(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                         const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& ep) {
  sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

void sgemm_bf16_with_epilogue(Trans ta, Trans tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                              int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                              const Epilogue& ep) {
  sgemm_bf16(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc, ep);
}

KernelTable make_cpu_table() {
  KernelTable t;
  // Host memory is the CPU's own memory: a host gather is the same gather.
  t.tensor = {kernels::fill, kernels::strided_copy, kernels::gather_rows, kernels::gather_rows};
  t.elementwise = {kernels::add,  kernels::sub, kernels::mul,         kernels::scale,
                   kernels::axpy, kernels::sum, kernels::column_sums, kernels::all_finite};
  t.math = {kernels::math_binary,
            kernels::math_binary_backward,
            kernels::math_unary,
            kernels::math_unary_backward,
            kernels::math_clip,
            kernels::math_clip_backward,
            kernels::math_to_integer,
            kernels::math_where,
            kernels::math_where_backward,
            kernels::math_ramp,
            kernels::math_band,
            kernels::math_argsort_rows,
            kernels::math_cumulative_rows,
            kernels::math_cumulative_rows_backward};
  t.activation.forward = activation_forward;
  t.activation.backward = activation_backward;
  t.activation.rows_forward = activation_rows_forward;
  t.activation.rows_backward = activation_rows_backward;
  t.activation.softmax_rows = kernels::softmax_rows;
  t.activation.softmax_rows_backward = kernels::softmax_rows_backward;
  t.activation.prelu_forward = kernels::prelu_forward;
  t.activation.prelu_backward = kernels::prelu_backward;
  t.gemm.sgemm = sgemm_with_epilogue;
  t.gemm.sgemm_bf16 = sgemm_bf16_with_epilogue;
  t.conv.conv2d_forward = conv_kernels::conv2d_forward;
  t.conv.conv2d_backward = conv_kernels::conv2d_backward;
  t.conv.conv2d_bf16_forward = conv_kernels::conv2d_bf16_forward;
  t.conv.conv2d_bf16_backward = conv_kernels::conv2d_bf16_backward;
  t.conv.conv1d_forward = conv_kernels::conv1d_forward;
  t.conv.conv1d_backward = conv_kernels::conv1d_backward;
  t.conv.conv2d_transpose_forward = conv_kernels::conv2d_transpose_forward;
  t.conv.conv2d_transpose_backward = conv_kernels::conv2d_transpose_backward;
  t.conv.conv2d_transpose_bf16_forward = conv_kernels::conv2d_transpose_bf16_forward;
  t.conv.conv2d_transpose_bf16_backward = conv_kernels::conv2d_transpose_bf16_backward;
  t.conv.depthwise_conv2d_forward = conv_kernels::depthwise_conv2d_forward;
  t.conv.depthwise_conv2d_backward = conv_kernels::depthwise_conv2d_backward;
  t.optimizer = {kernels::optimizer_update, kernels::sum_squares, kernels::clip};
  t.regularization = {kernels::dropout_forward, kernels::dropout_backward, kernels::keep_mask,
                      kernels::penalty,         kernels::penalty_backward, kernels::normal_noise};
  t.shape = {kernels::copy_blocks,      kernels::narrow_copy,         kernels::reverse_time,
             kernels::pad2d_copy,       kernels::strided_assign,      kernels::gather_axis,
             kernels::scatter_add_axis, kernels::gather_along_axis,   kernels::scatter_add_along_axis,
             kernels::upsample2d,       kernels::upsample2d_backward, kernels::repeat_rows,
             kernels::sum_repeats};
  t.reduction = {kernels::reduce_rows, kernels::reduce_rows_backward, kernels::arg_rows};
  t.embedding = {kernels::embedding_lookup, kernels::embedding_scatter_add, kernels::add_position,
                 kernels::position_backward};
  t.normalization = {kernels::batch_norm_forward, kernels::batch_norm_backward, kernels::layer_norm_forward,
                     kernels::layer_norm_backward};
  t.pooling = {kernels::max_pool2d_forward,        kernels::max_pool2d_backward,       kernels::avg_pool2d_forward,
               kernels::avg_pool2d_backward,       kernels::global_pool2d_forward,     kernels::global_pool2d_backward,
               kernels::global_avg_pool1d_forward, kernels::global_avg_pool1d_backward};
  t.recurrent = {kernels::rnn_needs_pre_activation, kernels::rnn_forward, kernels::rnn_backward};
  t.attention = {kernels::attention_forward, kernels::attention_backward, kernels::attention_weights};
  t.losses.compute = kernels::compute_loss;
  t.random = {kernels::random_uniform,      kernels::random_normal,      kernels::random_truncated_normal,
              kernels::random_randint,      kernels::random_categorical, kernels::random_dropout_mask,
              kernels::random_gamma,        kernels::random_beta,        kernels::random_binomial,
              kernels::permutation_indices, kernels::gather_along_axis,  kernels::scatter_along_axis};
  t.augmentation = {kernels::flip_images, kernels::affine_forward, kernels::affine_backward, kernels::contrast_forward,
                    kernels::contrast_backward};
  return t;
}

}  // namespace

const KernelTable& cpu_kernel_table() {
  static const KernelTable table = make_cpu_table();
  return table;
}

}  // namespace nerve
