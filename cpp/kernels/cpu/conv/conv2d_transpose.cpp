// conv2d_transpose on the CPU. A transposed convolution is the adjoint of a convolution, so it runs
// on conv2d's kernels (Winograd, implicit GEMM, im2col/col2im, as conv2d.cpp chooses) with the
// roles of input and output swapped, for the conv2d geometry g that maps y's shape to x's:
//   forward  y  = conv2d's input gradient with dz = x
//   dx          = conv2d forward of dy
//   dw          = conv2d's kernel gradient with input dy and dz = x
//   db          = per-channel sums of dy
//
// Strided forward (a generator's upsampling layers), from 16 input channels: sub-pixel phases
// instead of GEMM + col2im. Output row ih = s * q + r only ever meets the kernel rows
// kh = s * j + (r + pad) mod s, so each of the s_h * s_w output phases is an ordinary stride-1
// convolution of x with a sub-kernel of ceil(K / s) taps a side, written straight into every s-th
// row and pixel of y by the implicit GEMM (bias in its epilogue). The same multiply-adds, with no
// [pixels, K*K*filters] patch matrix written and scattered back with col2im.
#include <algorithm>
#include <cstdint>

#include "cpu/aligned_buffer.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/conv/conv_threads.h"

namespace nerve::conv_kernels {

namespace {

// Input channels from which the implicit GEMM runs (conv2d.cpp's kImplicitMinChannels): fewer
// make each tap only a few k steps deep.
constexpr int64_t kPhaseMinChannels = 16;

// One axis of one output phase r (output indices s * q + r): kernel indices s * j + first,
// j < taps, meet input index q + shift - j.
struct Phase1D {
  int64_t first, taps, shift, out;
};

Phase1D phase_1d(const Window1D& w, int64_t r) {  // w: conv2d's window, in = output size here
  const int64_t s = w.stride, first = (r + w.pad_before) % s;
  const int64_t taps = first < w.kernel ? (w.kernel - first + s - 1) / s : 0;
  return Phase1D{first, taps, (r + w.pad_before) / s, r < w.in ? (w.in - r + s - 1) / s : 0};
}

// Sub-pixel phases apply when every phase is a convolution with at least one tap and no negative
// padding ((taps - 1) - shift >= 0), the stride is > 1 in some axis and dilation is 1.
bool use_phases(const ConvGeometry& g) {
  if (g.h.stride == 1 && g.w.stride == 1) return false;
  if (g.h.dilation != 1 || g.w.dilation != 1 || g.F < kPhaseMinChannels) return false;
  for (const Window1D* w : {&g.h, &g.w})
    for (int64_t r = 0; r < w->stride; ++r) {
      const Phase1D p = phase_1d(*w, r);
      if (p.taps == 0 || p.shift > p.taps - 1) return false;
    }
  return true;
}

void forward_by_phases(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N, float* y) {
  const int64_t Ci = g.F, Co = g.C, OW = g.W, sh = g.h.stride, sw = g.w.stride;
  const OutputLayout layout{g.H * OW * Co, sh * OW * Co, sw * Co};
  Epilogue ep;
  ep.bias = bias;
  for (int64_t rh = 0; rh < sh; ++rh)
    for (int64_t rw = 0; rw < sw; ++rw) {
      const Phase1D ph = phase_1d(g.h, rh), pw = phase_1d(g.w, rw);
      if (ph.out == 0 || pw.out == 0) continue;
      // The phase's stride-1 convolution: x [N, h.out, w.out, Ci] -> [N, ph.out, pw.out, Co],
      // tap t reading input index q - (taps - 1 - shift) + t, i.e. kernel index j = taps - 1 - t.
      ConvGeometry p;
      p.H = g.h.out;
      p.W = g.w.out;
      p.C = Ci;
      p.F = Co;
      p.h = Window1D{g.h.out, ph.taps, 1, 1, ph.taps - 1 - ph.shift, ph.out};
      p.w = Window1D{g.w.out, pw.taps, 1, 1, pw.taps - 1 - pw.shift, pw.out};
      // sub [th, tw, Ci, Co] = w [s * (taps - 1 - t) + first (both axes), Co, Ci]
      AlignedBuffer sub(ph.taps * pw.taps * Ci * Co);
      for (int64_t th = 0; th < ph.taps; ++th)
        for (int64_t tw = 0; tw < pw.taps; ++tw) {
          const int64_t kh = sh * (ph.taps - 1 - th) + ph.first, kw = sw * (pw.taps - 1 - tw) + pw.first;
          const float* src = w + (kh * g.w.kernel + kw) * Co * Ci;
          float* dst = sub.data() + (th * pw.taps + tw) * Ci * Co;
          for (int64_t co = 0; co < Co; ++co)
            for (int64_t ci = 0; ci < Ci; ++ci) dst[ci * Co + co] = src[co * Ci + ci];
        }
      float* base = y + (rh * OW + rw) * Co;
      const int64_t rows = N * ph.out;
      split_batch(row_threads(rows), rows,
                  [&](int, int64_t r0, int64_t r1) { conv_rows_implicit(x, p, sub.data(), base, layout, ep, r0, r1); });
    }
}

}  // namespace

void conv2d_transpose_forward(const float* x, const float* w, const float* bias, const ConvGeometry& g, int64_t N,
                              float* y) {
  if (use_phases(g)) {
    forward_by_phases(x, w, bias, g, N, y);
    return;
  }
  // conv2d_backward reads its input only for dw and its output only for a fused activation.
  conv2d_backward(nullptr, w, nullptr, x, g, N, Activation::Linear, 0.f, y, nullptr, nullptr);
  if (bias != nullptr) add_row_bias(y, bias, N * g.H * g.W, g.C);
}

void conv2d_transpose_backward(const float* x, const float* w, const float* dy, const ConvGeometry& g, int64_t N,
                               float* dx, float* dw, float* db) {
  if (dx != nullptr) conv2d_forward(dy, w, g, N, Epilogue{}, dx);
  if (dw != nullptr) conv2d_backward(dy, w, nullptr, x, g, N, Activation::Linear, 0.f, nullptr, dw, nullptr);
  if (db != nullptr) column_sums(dy, N * g.H * g.W, g.C, db);
}

}  // namespace nerve::conv_kernels
