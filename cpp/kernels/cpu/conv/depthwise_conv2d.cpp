// The depthwise convolution (Keras's DepthwiseConv2D, the first half of SeparableConv2D) on NHWC
// images: each input channel c has its own M = depth_multiplier filters, output channel c * M + m.
// A direct loop over taps whose inner loop runs over the channels (contiguous in NHWC and in the
// [KH, KW, C * M] kernel, the input repeated M times when M > 1), so it vectorises; a full conv2d would multiply by a
// kernel that is zero off its diagonal. Threads split whole images (forward, dx) or images with one dW / db partial per
// thread added up in thread order (deterministic for a thread count).
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

// out[o] += in[o] * w[o] over n channels: contiguous, so the compiler vectorises it.
inline void multiply_add(const float* in, const float* w, int64_t n, float* out) {
  for (int64_t o = 0; o < n; ++o) out[o] += in[o] * w[o];
}

// The input image with each channel repeated M times ([H, W, C * M], channel c * M + m = c), so
// that depth_multiplier > 1 runs the same contiguous loops as M = 1 (a strided c / m loop nest
// does not vectorise: 3.5x slower than PyTorch at M = 2 before).
const float* expanded_image(const float* xn, const ConvGeometry& g, int64_t M, std::vector<float>& buf) {
  if (M == 1) return xn;
  buf.resize(static_cast<size_t>(g.H * g.W * g.C * M));
  float* e = buf.data();
  for (int64_t p = 0; p < g.H * g.W; ++p)
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t m = 0; m < M; ++m) *e++ = xn[p * g.C + c];
  return buf.data();
}

// The forward pass of one image whose input xe has CM = g.F channels (expanded when M > 1).
void forward_image(const float* xe, const float* w, const float* bias, const ConvGeometry& g, float* yn) {
  const int64_t CM = g.F, OH = g.h.out, OW = g.w.out;
  for (int64_t oh = 0; oh < OH; ++oh) {
    int64_t kh0, kh1;
    valid_taps(g.h, oh, kh0, kh1);
    for (int64_t ow = 0; ow < OW; ++ow) {
      int64_t kw0, kw1;
      valid_taps(g.w, ow, kw0, kw1);
      float* out = yn + (oh * OW + ow) * CM;
      if (bias)
        std::memcpy(out, bias, sizeof(float) * CM);
      else
        std::fill(out, out + CM, 0.f);
      for (int64_t kh = kh0; kh < kh1; ++kh) {
        const int64_t ih = oh * g.h.stride - g.h.pad_before + kh * g.h.dilation;
        for (int64_t kw = kw0; kw < kw1; ++kw) {
          const int64_t iw = ow * g.w.stride - g.w.pad_before + kw * g.w.dilation;
          multiply_add(xe + (ih * g.W + iw) * CM, w + (kh * g.w.kernel + kw) * CM, CM, out);
        }
      }
    }
  }
}

// dxe (zeroed by the caller; CM channels, expanded like xe), dw and db (accumulated into) from one
// image's output gradient dyn.
void backward_image(const float* xe, const float* w, const float* dyn, const ConvGeometry& g, float* dxe, float* dw,
                    float* db) {
  const int64_t CM = g.F, OH = g.h.out, OW = g.w.out;
  for (int64_t oh = 0; oh < OH; ++oh) {
    int64_t kh0, kh1;
    valid_taps(g.h, oh, kh0, kh1);
    for (int64_t ow = 0; ow < OW; ++ow) {
      int64_t kw0, kw1;
      valid_taps(g.w, ow, kw0, kw1);
      const float* d = dyn + (oh * OW + ow) * CM;
      if (db)
        for (int64_t o = 0; o < CM; ++o) db[o] += d[o];
      for (int64_t kh = kh0; kh < kh1; ++kh) {
        const int64_t ih = oh * g.h.stride - g.h.pad_before + kh * g.h.dilation;
        for (int64_t kw = kw0; kw < kw1; ++kw) {
          const int64_t iw = ow * g.w.stride - g.w.pad_before + kw * g.w.dilation;
          const int64_t tap = (kh * g.w.kernel + kw) * CM, cell = (ih * g.W + iw) * CM;
          if (dw) multiply_add(xe + cell, d, CM, dw + tap);
          if (dxe) multiply_add(d, w + tap, CM, dxe + cell);
        }
      }
    }
  }
}

// The forward pass of images [n0, n1).
void forward_images(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t M, int64_t n0,
                    int64_t n1, float* y) {
  std::vector<float> buf;
  for (int64_t n = n0; n < n1; ++n)
    forward_image(expanded_image(x + n * g.H * g.W * g.C, g, M, buf), w, bias, g, y + n * g.h.out * g.w.out * g.F);
}

// dx, dw and db (accumulated into; dx written) from the output gradient of images [n0, n1).
void backward_images(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t M, int64_t n0,
                     int64_t n1, float* dx, float* dw, float* db) {
  const int64_t image = g.H * g.W * g.C;
  std::vector<float> buf, dbuf;
  for (int64_t n = n0; n < n1; ++n) {
    const float* xe = dw ? expanded_image(x + n * image, g, M, buf) : nullptr;
    float* dxe = nullptr;
    if (dx) {
      if (M == 1) {
        dxe = dx + n * image;
        std::fill(dxe, dxe + image, 0.f);
      } else {
        dbuf.assign(static_cast<size_t>(image * M), 0.f);
        dxe = dbuf.data();
      }
    }
    backward_image(xe, w, dy + n * g.h.out * g.w.out * g.F, g, dxe, dw, db);
    if (dx && M > 1)  // dx[c] is the sum of the expanded gradient's M copies of channel c
      for (int64_t i = 0; i < image; ++i) {
        float s = 0.f;
        for (int64_t m = 0; m < M; ++m) s += dbuf[i * M + m];
        dx[n * image + i] = s;
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
