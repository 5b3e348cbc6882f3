// conv2d with few filters (F < kFewFiltersMax from kFewFiltersMinChannels input channels, e.g. the 7x7 convolution to 1
// channel that ends a DCGAN generator), as GEMMs whose N is the kernel's taps * filters instead of the filters alone.
// The implicit GEMM and im2col + sgemm both put F on the GEMM's N axis: with F = 1 every register
// tile is 1 column wide and the forward runs as a matrix-vector product (measured 2 GFLOP/s,
// bench/conv_few_filters.py). Here, per image, with T = KH * KW taps and Wr [C, T * F]
// (Wr[c, t * F + f] = w[t][c][f]):
//   forward  Z  = X Wr                       [H * W, T * F]   (a GEMM, N = T * F)
//            y[o, f] = sum_t Z[in(o, t), t * F + f]           (a gather, T adds per output)
//   backward G[in, t * F + f] = dZ[o, f] where in(o, t) = in   (the gather's adjoint, zeros elsewhere)
//            dX = G Wr^T,  dWr += X^T G,  db = column sums of dZ
// where in(o, t) = (oh * sh - ph + kh * dh, ow * sw - pw + kw * dw), any stride and dilation.
// set_conv_algorithm("direct") turns this path off (bench/conv_few_filters.py compares the two).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "cpu/aligned_buffer.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/conv/conv_threads.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

namespace nerve::conv_kernels {

namespace {

// Filters below which this path beats the implicit GEMM / im2col, and the input channels from which
// its GEMMs (K = C for Z and dX's transpose) are deep enough to pay. bench/conv_few_filters.py, 2
// threads at load ~15, forward + backward direct / this: 2.9x for (128, 28x28, 128 -> 1, 7x7),
// 1.3-1.4x for 64 -> 1, 2, 4, 8 filters; but 0.65-0.83x from 8 or 32 channels to 1 filter, 3x3.
constexpr int64_t kFewFiltersMax = 9;
constexpr int64_t kFewFiltersMinChannels = 64;

// Wr [C, T * F] from w [T, C, F].
AlignedBuffer taps_as_columns(const float* w, const ConvGeometry& g) {
  const int64_t T = g.h.kernel * g.w.kernel, C = g.C, F = g.F;
  AlignedBuffer wr(C * T * F);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t f = 0; f < F; ++f) wr.data()[c * T * F + t * F + f] = w[(t * C + c) * F + f];
  return wr;
}

// The input coordinate kernel cell k of output cell o reads, or -1 in the padding.
inline int64_t input_at(const Window1D& a, int64_t o, int64_t k) {
  const int64_t i = o * a.stride - a.pad_before + k * a.dilation;
  return i >= 0 && i < a.in ? i : -1;
}

// The output coordinate whose kernel cell k reads input coordinate i, or -1 if none.
inline int64_t output_at(const Window1D& a, int64_t i, int64_t k) {
  const int64_t num = i + a.pad_before - k * a.dilation;
  if (num < 0 || num % a.stride != 0) return -1;
  const int64_t o = num / a.stride;
  return o < a.out ? o : -1;
}

}  // namespace

bool use_few_filters(const ConvGeometry& g) {
  return conv_algorithm() != ConvAlgorithm::Direct && g.F < kFewFiltersMax && g.h.kernel * g.w.kernel > 1 &&
         g.C >= kFewFiltersMinChannels;
}

void conv2d_few_filters_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep,
                                float* y) {
  const int64_t KW = g.w.kernel, T = g.h.kernel * KW, F = g.F, TF = T * F;
  const int64_t HW = g.H * g.W, OH = g.h.out, OW = g.w.out;
  const AlignedBuffer wr = taps_as_columns(w, g);
  split_batch(batch_threads(N), N, [&](int, int64_t n0, int64_t n1) {
    float* z = scratch(0, HW * TF);
    for (int64_t n = n0; n < n1; ++n) {
      sgemm(Trans::No, Trans::No, HW, TF, g.C, 1.f, x + n * HW * g.C, g.C, wr.data(), TF, 0.f, z, TF, Epilogue{});
      float* yn = y + n * OH * OW * F;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          float* out = yn + (oh * OW + ow) * F;
          for (int64_t f = 0; f < F; ++f) out[f] = ep.bias ? ep.bias[f] : 0.f;
          for (int64_t kh = 0; kh < g.h.kernel; ++kh) {
            const int64_t ih = input_at(g.h, oh, kh);
            if (ih < 0) continue;
            for (int64_t kw = 0; kw < KW; ++kw) {
              const int64_t iw = input_at(g.w, ow, kw);
              if (iw < 0) continue;
              const float* src = z + (ih * g.W + iw) * TF + (kh * KW + kw) * F;
              for (int64_t f = 0; f < F; ++f) out[f] += src[f];
            }
          }
        }
      if (ep.activation != Activation::Linear) activation_forward(ep.activation, ep.alpha, yn, yn, OH * OW * F);
    }
  });
}

void conv2d_few_filters_backward(const float* x, const float* w, const float* dz, const ConvGeometry& g, int64_t N,
                                 float* dx, float* dw, float* db) {
  const int64_t KW = g.w.kernel, T = g.h.kernel * KW, C = g.C, F = g.F, TF = T * F;
  const int64_t HW = g.H * g.W, OHW = g.h.out * g.w.out;
  const AlignedBuffer wr = taps_as_columns(w, g);
  const int nt = batch_threads(N);
  std::vector<float> dwr(dw != nullptr ? static_cast<size_t>(nt * C * TF) : 0, 0.f);  // per thread [C, T * F]
  if (dx != nullptr || dw != nullptr)
    split_batch(nt, N, [&](int t, int64_t n0, int64_t n1) {
      float* gcols = scratch(0, HW * TF);
      for (int64_t n = n0; n < n1; ++n) {
        const float* dzn = dz + n * OHW * F;
        for (int64_t ih = 0; ih < g.H; ++ih)
          for (int64_t iw = 0; iw < g.W; ++iw) {
            float* row = gcols + (ih * g.W + iw) * TF;
            for (int64_t kh = 0; kh < g.h.kernel; ++kh) {
              const int64_t oh = output_at(g.h, ih, kh);
              for (int64_t kw = 0; kw < KW; ++kw) {
                float* cell = row + (kh * KW + kw) * F;
                const int64_t ow = oh < 0 ? -1 : output_at(g.w, iw, kw);
                if (ow < 0)
                  std::fill(cell, cell + F, 0.f);
                else
                  std::copy(dzn + (oh * g.w.out + ow) * F, dzn + (oh * g.w.out + ow + 1) * F, cell);
              }
            }
          }
        if (dx != nullptr)
          sgemm(Trans::No, Trans::Yes, HW, C, TF, 1.f, gcols, TF, wr.data(), TF, 0.f, dx + n * HW * C, C, Epilogue{});
        if (dw != nullptr)
          sgemm(Trans::Yes, Trans::No, C, TF, HW, 1.f, x + n * HW * C, C, gcols, TF, 1.f, dwr.data() + t * C * TF, TF,
                Epilogue{});
      }
    });
  if (dw != nullptr)
    for (int64_t tap = 0; tap < T; ++tap)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t f = 0; f < F; ++f) {
          float sum = 0.f;
          for (int th = 0; th < nt; ++th) sum += dwr[(th * C + c) * TF + tap * F + f];
          dw[(tap * C + c) * F + f] = sum;
        }
  if (db != nullptr) column_sums(dz, N * OHW, F, db);
}

}  // namespace nerve::conv_kernels
