// The depthwise convolution (Keras's DepthwiseConv2D, the first half of SeparableConv2D) on NHWC
// images: each input channel c has its own M = depth_multiplier filters, output channel c * M + m.
// A direct loop over taps whose inner loop runs over the channels (contiguous in NHWC and in the
// [KH, KW, C * M] kernel), so it vectorises; a full conv2d would multiply by a kernel that is zero
// off its diagonal. Threads split whole images (forward, dx) or images with one dW / db partial
// per thread added up in thread order (deterministic for a thread count).
#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu/conv/conv_kernels.h"
#include "cpu/conv/conv_threads.h"

namespace nerve::conv_kernels {

namespace {

// The first and one-past-last kernel taps k whose input cell o * stride - pad + k * dilation lies
// inside [0, in): the taps outside read the zero padding and are skipped.
void valid_taps(const Window1D& a, int64_t o, int64_t& first, int64_t& end) {
  const int64_t base = o * a.stride - a.pad_before;
  first = 0;
  while (first < a.kernel && base + first * a.dilation < 0) ++first;
  end = a.kernel;
  while (end > first && base + (end - 1) * a.dilation >= a.in) --end;
}

// out[c * M + m] += in[c] * w[c * M + m] over C channels (M == 1: one contiguous product).
inline void multiply_add(const float* in, const float* w, int64_t C, int64_t M, float* out) {
  if (M == 1) {
    for (int64_t c = 0; c < C; ++c) out[c] += in[c] * w[c];
    return;
  }
  for (int64_t c = 0; c < C; ++c)
    for (int64_t m = 0; m < M; ++m) out[c * M + m] += in[c] * w[c * M + m];
}

// The forward pass of images [n0, n1).
void forward_images(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t M, int64_t n0,
                    int64_t n1, float* y) {
  const int64_t CM = g.C * M, OH = g.h.out, OW = g.w.out;
  for (int64_t n = n0; n < n1; ++n) {
    const float* xn = x + n * g.H * g.W * g.C;
    for (int64_t oh = 0; oh < OH; ++oh) {
      int64_t kh0, kh1;
      valid_taps(g.h, oh, kh0, kh1);
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t kw0, kw1;
        valid_taps(g.w, ow, kw0, kw1);
        float* out = y + ((n * OH + oh) * OW + ow) * CM;
        if (bias)
          std::memcpy(out, bias, sizeof(float) * CM);
        else
          std::fill(out, out + CM, 0.f);
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          const int64_t ih = oh * g.h.stride - g.h.pad_before + kh * g.h.dilation;
          for (int64_t kw = kw0; kw < kw1; ++kw) {
            const int64_t iw = ow * g.w.stride - g.w.pad_before + kw * g.w.dilation;
            multiply_add(xn + (ih * g.W + iw) * g.C, w + (kh * g.w.kernel + kw) * CM, g.C, M, out);
          }
        }
      }
    }
  }
}

// dx (zeroed here), dw and db (accumulated into) from the output gradient of images [n0, n1).
void backward_images(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t M, int64_t n0,
                     int64_t n1, float* dx, float* dw, float* db) {
  const int64_t CM = g.C * M, OH = g.h.out, OW = g.w.out, image = g.H * g.W * g.C;
  if (dx) std::fill(dx + n0 * image, dx + n1 * image, 0.f);
  for (int64_t n = n0; n < n1; ++n) {
    const float* xn = x + n * image;
    float* dxn = dx ? dx + n * image : nullptr;
    for (int64_t oh = 0; oh < OH; ++oh) {
      int64_t kh0, kh1;
      valid_taps(g.h, oh, kh0, kh1);
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t kw0, kw1;
        valid_taps(g.w, ow, kw0, kw1);
        const float* d = dy + ((n * OH + oh) * OW + ow) * CM;
        if (db)
          for (int64_t o = 0; o < CM; ++o) db[o] += d[o];
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          const int64_t ih = oh * g.h.stride - g.h.pad_before + kh * g.h.dilation;
          for (int64_t kw = kw0; kw < kw1; ++kw) {
            const int64_t iw = ow * g.w.stride - g.w.pad_before + kw * g.w.dilation;
            const int64_t tap = (kh * g.w.kernel + kw) * CM, cell = (ih * g.W + iw) * g.C;
            if (dw) multiply_add(xn + cell, d, g.C, M, dw + tap);  // dw[tap, c*M+m] += x[c] * dy[c*M+m]
            if (dxn) {
              const float* wt = w + tap;
              float* dxc = dxn + cell;
              if (M == 1) {
                for (int64_t c = 0; c < g.C; ++c) dxc[c] += d[c] * wt[c];
              } else {
                for (int64_t c = 0; c < g.C; ++c) {
                  float s = 0.f;
                  for (int64_t m = 0; m < M; ++m) s += d[c * M + m] * wt[c * M + m];
                  dxc[c] += s;
                }
              }
            }
          }
        }
      }
    }
  }
}

}  // namespace

void depthwise_conv2d_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                              float* y) {
  const int64_t M = g.F / g.C;
  split_batch(batch_threads(N), N, [&](int, int64_t n0, int64_t n1) { forward_images(x, w, bias, g, M, n0, n1, y); });
}

void depthwise_conv2d_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                               float* dx, float* dw, float* db) {
  const int64_t M = g.F / g.C, CM = g.F, taps = g.h.kernel * g.w.kernel;
  const int nt = batch_threads(N);
  // One dW and db partial per thread (thread 0 writes the outputs themselves).
  std::vector<float> partials(static_cast<size_t>(nt - 1) * (taps + 1) * CM, 0.f);
  if (dw) std::fill(dw, dw + taps * CM, 0.f);
  if (db) std::fill(db, db + CM, 0.f);
  split_batch(nt, N, [&](int t, int64_t n0, int64_t n1) {
    float *pw = dw, *pb = db;
    if (t > 0) {
      float* p = partials.data() + static_cast<size_t>(t - 1) * (taps + 1) * CM;
      pw = dw ? p : nullptr;
      pb = db ? p + taps * CM : nullptr;
    }
    backward_images(x, w, dy, g, M, n0, n1, dx, pw, pb);
  });
  for (int t = 1; t < nt; ++t) {
    const float* p = partials.data() + static_cast<size_t>(t - 1) * (taps + 1) * CM;
    if (dw)
      for (int64_t i = 0; i < taps * CM; ++i) dw[i] += p[i];
    if (db)
      for (int64_t o = 0; o < CM; ++o) db[o] += p[taps * CM + o];
  }
}

}  // namespace nerve::conv_kernels
