// The kernel table of a device: every kernel an op reaches, as typed function pointers grouped by
// family. An op validates shapes, records its autograd node and calls
// kernels_for(op, device).<family>.<kernel>(...) (ops/dispatch.h); a device fills in the entries
// it supports and leaves the rest null, which the op reports as "op 'x' has no kernel on device y".
//
// Pointers are the device's own memory (what its Allocator returned, plus offsets); sizes count
// floats; every tensor argument is contiguous. A kernel runs to completion before it returns (no
// streams yet). One call per op or per block of rows, never per element: the table costs one
// indirect call where a direct call used to be.
#pragma once
#include <cstdint>
#include <vector>

#include "nerve/activation.h"
#include "nerve/gemm.h"
#include "nerve/losses.h"
#include "nerve/ops/augmentation.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/math.h"
#include "nerve/ops/recurrent.h"
#include "nerve/ops/reductions.h"
#include "nerve/precision.h"
#include "nerve/replica_sum.h"

namespace nerve {

// Data movement beneath Tensor itself (creation, contiguous(), the trainer's batches).
struct TensorKernels {
  void (*fill)(float* out, float value, int64_t n) = nullptr;
  // dst (contiguous, shape) = src read through `strides` (in floats); dim may be 0.
  void (*strided_copy)(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim,
                       float* dst) = nullptr;
  // dst[i, :] = src[rows[i], :] for i < n, each row `row` floats; rows already range-checked.
  void (*gather_rows)(const float* src, const int64_t* rows, int64_t n, int64_t row, float* dst) = nullptr;
  // The same with src in host memory: how a host batch lands straight in device memory.
  void (*gather_rows_from_host)(const float* host_src, const int64_t* rows, int64_t n, int64_t row,
                                float* dst) = nullptr;
};

// Element-wise arithmetic and reductions over n floats.
struct ElementwiseKernels {
  void (*add)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*sub)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*mul)(const float* a, const float* b, float* out, int64_t n) = nullptr;
  void (*scale)(const float* a, float s, float* out, int64_t n) = nullptr;
  void (*axpy)(float alpha, const float* x, float* y, int64_t n) = nullptr;  // y += alpha * x
  // The total, summed in double in a fixed order (deterministic), returned to the host.
  double (*sum)(const float* a, int64_t n) = nullptr;
  // out[j] = sum_i x[i*cols + j]
  void (*column_sums)(const float* x, int64_t rows, int64_t cols, float* out) = nullptr;
  bool (*all_finite)(const float* a, int64_t n) = nullptr;
};

// How the operands of a broadcasting element-wise op (nerve/ops/math.h) map onto its output:
// operand k is Flat when it holds the output's elements in the output's order (same size: a
// plain loop), Scalar when it is one value, Block when its axes of size > 1 are one run of the
// output's axes (a bias [n] over [batch, n], a column [b, 1] over [b, n]): output element i then
// reads element (i / stretch[k]) % numel of it; else Strided through strides[k] (floats, over
// the output's axes, 0 along the axes it is broadcast along). Binary ops use operands 0 and 1,
// where() all three (condition, x1, x2).
struct BroadcastGeometry {
  enum class Layout : uint8_t { Flat, Scalar, Block, Strided };
  std::vector<int64_t> shape;  // the output's
  int64_t numel = 0;           // the output's
  Layout layout[3] = {Layout::Flat, Layout::Flat, Layout::Flat};
  int64_t size[3] = {0, 0, 0};      // each operand's element count
  int64_t stretch[3] = {1, 1, 1};   // Block: the output elements sharing one operand element
  std::vector<int64_t> strides[3];  // each of shape.size() entries
};

// Keras-named element-wise math. Gradients of broadcast operands (da, db, dx1, dx2: operand-sized,
// zeros on entry, each null when not wanted) are summed over the axes they were broadcast along.
struct MathKernels {
  void (*binary)(BinaryOp op, const float* a, const float* b, float* out, const BroadcastGeometry& g) = nullptr;
  // y: the forward output (power's gradient reads it).
  void (*binary_backward)(BinaryOp op, const float* a, const float* b, const float* y, const float* dy, float* da,
                          float* db, const BroadcastGeometry& g) = nullptr;
  void (*unary)(UnaryOp op, const float* x, float* y, int64_t n) = nullptr;
  void (*unary_backward)(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n) = nullptr;
  void (*clip)(const float* x, float lo, float hi, float* y, int64_t n) = nullptr;
  void (*clip_backward)(const float* x, float lo, float hi, const float* dy, float* dx, int64_t n) = nullptr;
  // y = x truncated toward zero, saturated to [lo, hi], NaN -> 0 (a cast to an integer type).
  void (*to_integer)(const float* x, float lo, float hi, float* y, int64_t n) = nullptr;
  void (*where)(const float* condition, const float* x1, const float* x2, float* out,
                const BroadcastGeometry& g) = nullptr;
  void (*where_backward)(const float* condition, const float* dy, float* dx1, float* dx2,
                         const BroadcastGeometry& g) = nullptr;
  // out[i] = start + i * step, computed in double (arange, linspace).
  void (*ramp)(double start, double step, float* out, int64_t n) = nullptr;
  // out [rows, cols] = 1 where lower <= j - i <= upper, else 0 (eye, tri).
  void (*band)(int64_t rows, int64_t cols, int64_t lower, int64_t upper, float* out) = nullptr;
  // Per row of x [rows, n]: the indices that sort it (stable; NaN last ascending, first
  // descending), as floats.
  void (*argsort_rows)(const float* x, int64_t rows, int64_t n, bool descending, float* idx) = nullptr;
  // Per row of x [rows, n]: the running sum (or product) y, and its gradient dx from dy.
  void (*cumulative_rows)(bool product, const float* x, int64_t rows, int64_t n, float* y) = nullptr;
  void (*cumulative_rows_backward)(bool product, const float* x, const float* dy, int64_t rows, int64_t n,
                                   float* dx) = nullptr;
};

// Activations (nerve/activation.h lists them) and softmax over the last axis.
struct ActivationKernels {
  void (*forward)(Activation a, const ActivationParams& p, const float* x, float* y, int64_t n) = nullptr;
  void (*backward)(Activation a, const ActivationParams& p, const float* x, const float* y, const float* dy, float* dx,
                   int64_t n) = nullptr;
  void (*rows_forward)(Activation a, const float* x, float* y, int64_t rows, int64_t cols) = nullptr;
  void (*rows_backward)(Activation a, const float* x, const float* y, const float* dy, float* dx, int64_t rows,
                        int64_t cols) = nullptr;
  void (*softmax_rows)(const float* x, float* y, int64_t rows, int64_t cols) = nullptr;
  // dx = y * (dy - <dy, y>) per row.
  void (*softmax_rows_backward)(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) = nullptr;
  // PReLU over `batch` samples of `per` elements; index (host metadata, `per` entries) maps a
  // sample element to its alpha. Backward: dx and dalpha each null when not wanted; dalpha is
  // overwritten (shared axes add several elements into one alpha).
  void (*prelu_forward)(const float* x, const float* alpha, const int64_t* index, int64_t batch, int64_t per,
                        float* y) = nullptr;
  void (*prelu_backward)(const float* x, const float* alpha, const float* dy, const int64_t* index, int64_t batch,
                         int64_t per, float* dx, float* dalpha, int64_t alpha_n) = nullptr;
};

// The matrix products (nerve/gemm.h says what each computes).
struct GemmKernels {
  void (*sgemm)(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc, const Epilogue& epilogue) = nullptr;
  // The same product with operands rounded to bfloat16 and float32 sums (gemm.h, sgemm_bf16).
  void (*sgemm_bf16)(Trans trans_a, Trans trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float* A,
                     int64_t lda, const float* B, int64_t ldb, float beta, float* C, int64_t ldc,
                     const Epilogue& epilogue) = nullptr;
};

// The geometry of one conv2d call: input [N, H, W, C], kernel [KH, KW, C, F], output [N, OH, OW, F].
struct ConvGeometry {
  int64_t H, W, C, F;
  Window1D h, w;
  int64_t rows_per_image() const { return h.out * w.out; }
  int64_t patch() const { return h.kernel * w.kernel * C; }  // columns of the im2col matrix
};

// Convolutions on NHWC images (the algorithm, e.g. Winograd, is the device's choice).
// The geometry of one conv1d call: input [B, T, C], kernel [K, C, F], output [B, To, F].
// precision MixedBFloat16: every product on sgemm_bf16 (operands rounded to bfloat16).
struct Conv1DGeometry {
  int64_t B, T, C, K, F, To, stride, dilation, pad_left;
  ComputePrecision precision = ComputePrecision::Float32;
};

struct ConvKernels {
  // y [N, OH, OW, F] = act(conv(x, w) + bias), bias and activation from the epilogue.
  void (*conv2d_forward)(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                         float* y) = nullptr;
  // From dy at the output of the fused activation `act` (y: that output): dx [N, H, W, C],
  // dw [KH, KW, C, F], db [F]; each null when not wanted.
  void (*conv2d_backward)(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g,
                          int64_t N, Activation act, float alpha, float* dx, float* dw, float* db) = nullptr;
  // The same two under mixed_bfloat16: every product through im2col (col2im) and sgemm_bf16.
  void (*conv2d_bf16_forward)(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                              float* y) = nullptr;
  void (*conv2d_bf16_backward)(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g,
                               int64_t N, Activation act, float alpha, float* dx, float* dw, float* db) = nullptr;
  // y [B, To, F] = conv(x, w) + bias (bias may be null); col [B * To, K * C] receives the input
  // windows, kept by the op for the kernel gradient.
  void (*conv1d_forward)(const float* x, const float* w, const float* bias, const Conv1DGeometry& g, float* col,
                         float* y) = nullptr;
  // From dz [B, To, F]: dx (zeros on entry), dw, db; each null when not wanted.
  void (*conv1d_backward)(const float* dz, const float* w, const float* col, const Conv1DGeometry& g, float* dx,
                          float* dw, float* db) = nullptr;
  // The transposed convolution, x [N, OH, OW, F] -> y [N, H, W, C] for the conv2d geometry g whose
  // input gradient it is (kernel [KH, KW, C, F], Keras's Conv2DTranspose layout), plus bias [C] (may
  // be null). Backward from dy [N, H, W, C]: dx (the conv2d of dy), dw, db; each null when not wanted.
  void (*conv2d_transpose_forward)(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                                   float* y) = nullptr;
  void (*conv2d_transpose_backward)(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                                    float* dx, float* dw, float* db) = nullptr;
  // The same two under mixed_bfloat16: every product on sgemm_bf16 (conv2d's bfloat16 kernels).
  void (*conv2d_transpose_bf16_forward)(const float* x, const float* w, const float* bias, const ConvGeometry& g,
                                        int64_t N, float* y) = nullptr;
  void (*conv2d_transpose_bf16_backward)(const float* x, const float* w, const float* dy, const ConvGeometry& g,
                                         int64_t N, float* dx, float* dw, float* db) = nullptr;
  // The depthwise convolution: x [N, H, W, C], w [KH, KW, C, M] with g.F = C * M, bias [C * M] (may
  // be null) -> y [N, OH, OW, C * M], output channel c * M + m (Keras's DepthwiseConv2D order).
  // Backward from dy: dx, dw, db, each null when not wanted.
  void (*depthwise_conv2d_forward)(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                                   float* y) = nullptr;
  void (*depthwise_conv2d_backward)(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                                    float* dx, float* dw, float* db) = nullptr;
};

// One optimizer step: the rule and its scalars, worked out on the host by the optimizer (schedule,
// bias corrections, Nadam's momentum product), so that the device runs only the element loop.
enum class UpdateRule : unsigned char {
  Sgd,
  SgdMomentum,
  SgdNesterov,
  Adam,
  AdamAmsgrad,
  Rmsprop,
  Adagrad,
  Adadelta,
  Adamax,
  Nadam,
  Lion,
  Lamb,
  Ftrl
};
struct UpdateStep {
  UpdateRule rule = UpdateRule::Sgd;
  float lr = 0.f;
  float decay = 0.f;  // p -= p * decay before the rule (weight_decay * lr; 0: off)
  float c[6] = {};    // the rule's scalars, named where each rule is computed (cpu/optim/updates.cpp)
  bool centered = false, momentum = false;  // RMSprop's variants
};

// Optimizer updates and gradient clipping. An update changes p and the slots in place.
struct OptimizerKernels {
  void (*update)(const UpdateStep& s, float* p, const float* g, float* slot0, float* slot1, float* slot2,
                 int64_t n) = nullptr;
  double (*sum_squares)(const float* a, int64_t n) = nullptr;       // in double, fixed order
  void (*clip)(float* a, float lo, float hi, int64_t n) = nullptr;  // in place
};

// Dropout and the L1/L2 penalty. Random masks are functions of the seed (and the element index)
// only, so any device can reproduce the CPU's numbers.
struct RegularizationKernels {
  // y = x / (1 - rate) where kept, else 0; keep[i] = 1 / 0 (bytes). Element i is kept when a hash
  // of (seed, i) passes the rate, whatever the thread count.
  void (*dropout_forward)(const float* x, float rate, uint64_t seed, float* y, uint8_t* keep, int64_t n) = nullptr;
  void (*dropout_backward)(const float* dy, const uint8_t* keep, float scale, float* dx, int64_t n) = nullptr;
  // keep[i] = 0 with probability rate, else 1 / (1 - rate): draws of nerve::Rng(seed) in order.
  void (*keep_mask)(float rate, uint64_t seed, float* keep, int64_t n) = nullptr;
  // l1 * sum |x| + l2 * sum x^2, in double, to the host; its gradient with l1, l2 already scaled.
  double (*penalty)(const float* x, float l1, float l2, int64_t n) = nullptr;
  void (*penalty_backward)(const float* x, float l1, float two_l2, float* dx, int64_t n) = nullptr;
  // out[i] = mean + stddev * a standard normal draw that is a pure function of (seed, i): the same
  // numbers at any thread count (GaussianNoise, GaussianDropout).
  void (*normal_noise)(float mean, float stddev, uint64_t seed, float* out, int64_t n) = nullptr;
};

// Random draws (nerve.random). Every value is a pure function of (key, element index), so any
// thread count and any device give the same numbers from the same key. Index types live in
// float-sized slots (int32_t).
struct RandomKernels {
  // out[i] uniform in [minval, maxval).
  void (*uniform)(uint64_t key, float minval, float maxval, float* out, int64_t n) = nullptr;
  // out[i] = mean + stddev * z, z standard normal; truncated: z re-drawn until |z| <= 2.
  void (*normal)(uint64_t key, float mean, float stddev, float* out, int64_t n) = nullptr;
  void (*truncated_normal)(uint64_t key, float mean, float stddev, float* out, int64_t n) = nullptr;
  // out[i] an integer in [minval, maxval), as a float.
  void (*randint)(uint64_t key, int64_t minval, int64_t maxval, float* out, int64_t n) = nullptr;
  // logits [rows, classes] -> out [rows, samples]: class indices drawn from softmax(row). Returns
  // the first row whose logits give no distribution (NaN, +inf or all -inf), or -1.
  int64_t (*categorical)(const float* logits, int64_t rows, int64_t classes, int64_t samples, uint64_t key,
                         float* out) = nullptr;
  // mask (contiguous, shape[dim]) = 0 with probability rate, else scale, one draw per element of
  // the noise shape: element i draws at sum_d index_d(i) * noise_strides[d] (0 where broadcast).
  void (*dropout_mask)(uint64_t key, float rate, float scale, const int64_t* shape, const int64_t* noise_strides,
                       int64_t dim, float* mask) = nullptr;
  // out[i] from Gamma(alpha, 1), Beta(alpha, beta), Binomial(counts, p) (counts an integer as a
  // double; the result an integer as a float).
  void (*gamma)(uint64_t key, double alpha, float* out, int64_t n) = nullptr;
  void (*beta)(uint64_t key, double alpha, double beta, float* out, int64_t n) = nullptr;
  void (*binomial)(uint64_t key, double counts, double p, float* out, int64_t n) = nullptr;
  // Over [outer, len, inner]: idx[o, :, i] an independent random permutation of [0, len) per (o, i).
  void (*permutation_indices)(uint64_t key, int64_t outer, int64_t len, int64_t inner, int32_t* idx) = nullptr;
  // y[o, j, i] = x[o, idx[o, j, i], i]; its backward dx[o, idx[o, j, i], i] = dy[o, j, i].
  void (*gather_along_axis)(const float* x, const int32_t* idx, int64_t outer, int64_t len, int64_t inner,
                            float* y) = nullptr;
  void (*scatter_along_axis)(const float* dy, const int32_t* idx, int64_t outer, int64_t len, int64_t inner,
                             float* dx) = nullptr;
};

// The geometry of one affine transform call: images [N, H, W, C] in and out, Keras's fill mode
// and interpolation (nerve/ops/augmentation.h).
struct AffineGeometry {
  int64_t N, H, W, C;
  AffineInterpolation interpolation;
  AffineFill fill;
  float fill_value;
};

// Per-sample image augmentation (RandomFlip, RandomRotation, RandomTranslation, RandomZoom,
// RandomContrast). The
// per-sample parameters are host metadata (flags: N bytes each, null for none; transforms: N
// rows of Keras's 8 numbers, nerve::AffineTransform).
struct AugmentationKernels {
  // y[n] = x[n] mirrored along the height where flip_height[n], along the width where flip_width[n].
  void (*flip)(const float* x, const uint8_t* flip_height, const uint8_t* flip_width, int64_t N, int64_t H, int64_t W,
               int64_t C, float* y) = nullptr;
  // y[n] = x[n] resampled through transforms[n]; backward: dx (overwritten) from dy.
  void (*affine_forward)(const float* x, const AffineGeometry& g, const float* transforms, float* y) = nullptr;
  void (*affine_backward)(const float* dy, const AffineGeometry& g, const float* transforms, float* dx) = nullptr;
  // y[n] = clip((x[n] - m) * factors[n] + m, lo, hi), m x[n]'s per-channel mean over the height
  // and width (factors: host metadata, N entries); backward: dx (overwritten) from x and dy.
  void (*contrast_forward)(const float* x, const float* factors, int64_t N, int64_t H, int64_t W, int64_t C, float lo,
                           float hi, float* y) = nullptr;
  void (*contrast_backward)(const float* x, const float* dy, const float* factors, int64_t N, int64_t H, int64_t W,
                            int64_t C, float lo, float hi, float* dx) = nullptr;
};

// Copies along one axis (concat, narrow, reverse, zero padding).
struct ShapeKernels {
  // `rows` blocks of `width` floats from src to dst, src_stride and dst_stride floats apart.
  void (*copy_blocks)(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows,
                      int64_t width) = nullptr;
  // dst[o, dst_start + j, :] = src[o, src_start + j, :] for j < len, over [outer, len, inner].
  void (*narrow_copy)(const float* src, int64_t src_len, int64_t src_start, float* dst, int64_t dst_len,
                      int64_t dst_start, int64_t len, int64_t outer, int64_t inner) = nullptr;
  // dst[b, t] = src[b, T - 1 - t], rows of `inner` floats.
  void (*reverse_time)(const float* src, int64_t B, int64_t T, int64_t inner, float* dst) = nullptr;
  // Between [N, H, W, C] and the zero-padded [N, PH, PW, C] (to_padded: forward; else backward).
  void (*pad2d_copy)(const float* src, float* dst, int64_t N, int64_t H, int64_t W, int64_t C, int64_t top,
                     int64_t left, int64_t PH, int64_t PW, bool to_padded) = nullptr;
  // The inverse of TensorKernels::strided_copy: dst read through `strides` (in floats; may be
  // negative, never overlapping) = src (contiguous, shape). Slicing's gradient.
  void (*strided_assign)(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim,
                         float* dst) = nullptr;
  // take over [outer, V, inner]: dst[o, i, :] = src[o, idx[i], :] for i < n. Indices are floats
  // holding integers, already checked to lie in [-V, V) (negative ones count from the end).
  void (*gather_axis)(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n,
                      float* dst) = nullptr;
  // Its gradient: dsrc (zeros on entry)[o, idx[i], :] += dy[o, i, :]; repeated indices accumulate.
  void (*scatter_add_axis)(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n,
                           float* dsrc) = nullptr;
  // take_along_axis over [outer, V, inner] and idx [outer, J, inner]: dst[o, j, k] =
  // src[o, idx[o, j, k], k]; and its gradient, dsrc zeros on entry.
  void (*gather_along_axis)(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                            float* dst) = nullptr;
  void (*scatter_add_along_axis)(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                                 float* dsrc) = nullptr;
  // Upsampling of [N, H, W, C] by integer factors (sh, sw) to [N, H * sh, W * sw, C]: nearest
  // (each pixel repeated) or bilinear with half-pixel centres (Keras 3 / jax.image.resize, PyTorch's
  // align_corners=False). Backward: dx (overwritten) from dy.
  void (*upsample2d)(const float* x, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw, bool bilinear,
                     float* y) = nullptr;
  void (*upsample2d_backward)(const float* dy, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw,
                              bool bilinear, float* dx) = nullptr;
  // y[b, r, :] = x[b, :] for r < n (RepeatVector), and its adjoint dx[b, :] = sum_r dy[b, r, :].
  void (*repeat_rows)(const float* x, int64_t B, int64_t n, int64_t F, float* y) = nullptr;
  void (*sum_repeats)(const float* dy, int64_t B, int64_t n, int64_t F, float* dx) = nullptr;
};

// Reductions over the last axis of a [rows, cols] matrix (ops move the reduced axes last first);
// ReduceKind is nerve/ops/reductions.h's.
struct ReductionKernels {
  // out[r] = the reduction of x[r, :] (in double). Max / Min of an empty row are not called.
  // Var and Std are the population (biased) ones, as numpy's and Keras's.
  void (*reduce_rows)(ReduceKind kind, const float* x, int64_t rows, int64_t cols, float* out) = nullptr;
  // dx[r, c] = dy[r] * d out[r] / d x[r, c], with y = the forward's out. Max / Min: the row's
  // extreme cells share dy[r] evenly (as jax.grad); Std: 0 where y is 0.
  void (*reduce_rows_backward)(ReduceKind kind, const float* x, const float* y, const float* dy, int64_t rows,
                               int64_t cols, float* dx) = nullptr;
  // out[r] = the index (as a float) of the first largest (max) or smallest cell of x[r, :].
  void (*arg_rows)(bool max, const float* x, int64_t rows, int64_t cols, float* out) = nullptr;
};

// Table lookups. Indices are float tensors holding integers.
struct EmbeddingKernels {
  // out[i, :] = table[indices[i], :]; returns -1, or the first position whose index is not an
  // integer in [0, V) (then out is untouched).
  int64_t (*lookup)(const float* indices, int64_t n, const float* table, int64_t V, int64_t D, float* out) = nullptr;
  // dtable (zeros on entry)[indices[i], :] += dy[i, :]: repeated indices accumulate.
  void (*scatter_add)(const float* indices, int64_t n, const float* dy, int64_t D, float* dtable) = nullptr;
  // out[b] = x[b] + table[:T] for B blocks of TD floats; dtable (zeros on entry) = sum_b dy[b].
  void (*add_position)(const float* x, const float* table, int64_t B, int64_t TD, float* out) = nullptr;
  void (*position_backward)(const float* dy, int64_t B, int64_t TD, float* dtable) = nullptr;
};

// Batch and layer normalisation over the last axis (C or D channels, `rows` rows).
struct NormalizationKernels {
  // y = (x - mean) * inv_std * gamma + beta (gamma, beta may be null). Training: the batch's
  // mean and biased variance, and the moving statistics updated in place with `momentum`;
  // otherwise the moving ones. mean and inv_std [C] are written for the backward pass.
  // replicas (synchronized BatchNormalization under data-parallel training; null otherwise): the
  // batch is every replica's rows together, so the per-channel sums (in double, on the host) go
  // through replicas->sum before they become statistics.
  void (*batch_norm_forward)(const float* x, int64_t rows, int64_t C, bool training, float momentum, float epsilon,
                             const float* gamma, const float* beta, float* moving_mean, float* moving_variance,
                             float* y, float* mean, float* inv_std, ReplicaSum* replicas) = nullptr;
  // dx, dgamma, dbeta each null when not wanted; batch_stats: the statistics depended on x.
  // replicas: as in the forward pass; dx then includes the other replicas' sums of dy and
  // dy * xhat (dgamma and dbeta stay this replica's: the GradientReducer averages them).
  void (*batch_norm_backward)(const float* x, const float* dy, int64_t rows, int64_t C, const float* mean,
                              const float* inv_std, const float* gamma, bool batch_stats, float* dx, float* dgamma,
                              float* dbeta, ReplicaSum* replicas) = nullptr;
  // y = xhat * gamma + beta per row, xhat [rows, D] and rstd [rows] kept for the backward pass.
  void (*layer_norm_forward)(const float* x, int64_t rows, int64_t D, const float* gamma, const float* beta,
                             float epsilon, float* y, float* xhat, float* rstd) = nullptr;
  void (*layer_norm_backward)(const float* dy, const float* xhat, const float* rstd, int64_t rows, int64_t D,
                              const float* gamma, float* dx, float* dgamma, float* dbeta) = nullptr;
};

// The geometry of one 2-D pooling call: input [N, H, W, C], output [N, h.out, w.out, C].
struct PoolGeometry {
  int64_t N, H, W, C;
  Window1D h, w;
};

// Max / average pooling on NHWC images and [B, T, C] sequences. Every dx is zeros on entry
// unless said otherwise.
struct PoolingKernels {
  void (*max_pool2d_forward)(const float* x, const PoolGeometry& g, float* y) = nullptr;
  // The first maximum of each window (the cell equal to y) receives the gradient. dx comes
  // uninitialised: the kernel writes every cell (zeros where no window's maximum lies).
  void (*max_pool2d_backward)(const float* x, const float* y, const float* dy, const PoolGeometry& g,
                              float* dx) = nullptr;
  void (*avg_pool2d_forward)(const float* x, const PoolGeometry& g, float* y) = nullptr;
  void (*avg_pool2d_backward)(const float* dy, const PoolGeometry& g, float* dx) = nullptr;
  // [N, HW, C] -> [N, C]. Backward writes every cell of dx; max: the gradient is shared equally by
  // the cells equal to the maximum (x and y are the forward's input and output), as Keras.
  void (*global_pool2d_forward)(bool max, const float* x, int64_t N, int64_t HW, int64_t C, float* y) = nullptr;
  void (*global_pool2d_backward)(bool max, const float* x, const float* y, const float* dy, int64_t N, int64_t HW,
                                 int64_t C, float* dx) = nullptr;
  // weight [B, T] = 1 / (valid steps) where mask (may be null) is non-zero, else 0; y [B, C].
  void (*global_avg_pool1d_forward)(const float* x, const float* mask, int64_t B, int64_t T, int64_t C, float* weight,
                                    float* y) = nullptr;
  void (*global_avg_pool1d_backward)(const float* dy, const float* weight, int64_t B, int64_t T, int64_t C,
                                     float* dx) = nullptr;  // dx fully written
};

// A whole sequence through a SimpleRNN / LSTM / GRU cell (nerve/ops/recurrent.h). The op owns
// every buffer below (the state kept between the passes), sized in time-major processing order;
// pointers marked "or null" are absent when the feature is off.
struct RnnGeometry {
  RnnOptions opt;
  int64_t B = 0, T = 0, F = 0, U = 0, G = 0;
};
struct RnnState {
  const float* kernel = nullptr;     // [F, G*U]
  const float* recurrent = nullptr;  // [U, G*U]
  const float* mask = nullptr;       // [B, T] or null
  const float* ikeep = nullptr;      // [B, F] or null
  const float* rkeep = nullptr;      // [B, U] or null
  float* xs = nullptr;               // [T, B, F] input in processing order, dropout applied
  float* gates = nullptr;            // [T, B, G*U] gate activations
  float* pre = nullptr;              // [T, B, G*U] pre-activations, or null when no activation needs them
  float* H = nullptr;                // [T+1, B, U] hidden states
  float* C = nullptr;                // [T+1, B, U] LSTM cell states, or null
  float* HD = nullptr;               // [T, B, U] dropped-out h (with rkeep), or null
  float* RH = nullptr;               // [T, B, U] GRU: recurrent part of the candidate, or null
};
struct RecurrentKernels {
  // Whether the backward pass needs the gates' pre-activations (RnnState::pre) for these cells.
  bool (*needs_pre_activation)(Activation a) = nullptr;
  // x [B, T, F], bias as rnn_sequence takes it (or null), h0 / c0 [B, U] (or null); fills the
  // state and writes all of out [B, T+2, U] (its c row zeros without a cell state).
  void (*forward)(const RnnGeometry& g, const RnnState& s, const float* x, const float* bias, const float* h0,
                  const float* c0, float* out) = nullptr;
  // From dout [B, T+2, U]: dh, dc [B, U] (always written), dx [B, T, F], dw [F, G*U], du [U, G*U],
  // db (bias-shaped), each null when not wanted.
  void (*backward)(const RnnGeometry& g, const RnnState& s, const float* dout, float* dh, float* dc, float* dx,
                   float* dw, float* du, float* db) = nullptr;
};

// Multi-head attention over [B, T, H * d] projections.
struct AttentionDims {
  int64_t B, Tq, Tk, H, dk, dv;
  float scale;
};
struct AttentionKernels {
  // P [B, H, Tq, Tk] = masked softmax(scale Q K^T) (mask [B, Tq, Tk] or null), out [B, Tq, H*dv]
  // = (P * keep) V, keep (dropout multipliers, P's shape) or null.
  void (*forward)(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                  bool causal, const float* keep, float* P, float* out) = nullptr;
  void (*backward)(const AttentionDims& d, const float* q, const float* k, const float* v, const float* mask,
                   bool causal, const float* P, const float* keep, const float* dout, float* dq, float* dk,
                   float* dv) = nullptr;
  void (*weights)(const AttentionDims& d, const float* q, const float* k, const float* mask, bool causal,
                  float* P) = nullptr;
};

// One loss over `rows` rows of C values (nerve/losses.h), its gradient computed with it.
struct LossParams {
  LossKind kind = LossKind::MeanSquaredError;
  bool logits = false, sparse = false;
  float delta = 1.f, label_smoothing = 0.f;
};
struct LossResult {
  double total = 0;      // sum over rows of weight * row loss
  int64_t bad_row = -1;  // sparse: the first row whose label is not an integer in [0, C)
};
struct LossKernels {
  // p [rows, C], t [rows, C] or [rows] labels (sparse), w [rows / rows_per_sample] or null;
  // g = d(total / rows) / dp.
  LossResult (*compute)(const LossParams& lp, const float* p, const float* t, const float* w, int64_t rows, int64_t C,
                        int64_t rows_per_sample, float* g) = nullptr;
};

struct KernelTable {
  TensorKernels tensor;
  ElementwiseKernels elementwise;
  MathKernels math;
  ActivationKernels activation;
  GemmKernels gemm;
  ConvKernels conv;
  OptimizerKernels optimizer;
  RegularizationKernels regularization;
  ShapeKernels shape;
  ReductionKernels reduction;
  EmbeddingKernels embedding;
  NormalizationKernels normalization;
  PoolingKernels pooling;
  RecurrentKernels recurrent;
  AttentionKernels attention;
  LossKernels losses;
  RandomKernels random;
  AugmentationKernels augmentation;
};

// The CPU backend's table (cpp/kernels/cpu/kernel_table.cpp); other host-memory devices may copy it.
const KernelTable& cpu_kernel_table();

}  // namespace nerve
