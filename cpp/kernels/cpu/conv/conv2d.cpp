// conv2d on the CPU: the conv family's forward and backward kernels (kernel_table.h), on NHWC
// images through nerve's GEMM kernels.
//
// 3x3 kernels at stride 1 (most of a CNN's work) run as Winograd F(4x4, 3x3) from 3 input
// channels (cpu/winograd/winograd.h; forward, dX and dW): 36 multiplies per 4x4 output block instead of
// 144. Everything else, and all convolutions under set_conv_algorithm("direct"):
//
// Forward: an implicit GEMM (sgemm_taps) from 16 input channels up. For each block of output
// rows the input rows it reads are copied once into a zero-padded window; the micro-kernel then sums the KH*KW shifted
// products (A rows = output pixels at stride * C, K = C per tap) straight from that window, with
// bias + activation in its epilogue. Measured against im2col + sgemm (bench/conv_im2col.py,
// bench/train_vs_torch.py): no 9x patch matrix is written and read back, and the window stays in
// L2. With fewer input channels (a first layer) each tap is 1-15 k steps deep, and im2col chunks +
// sgemm (K = KH*KW*C) are faster, except at stride 1 on rows narrower than 32 pixels, where a
// block of rows is one GEMM (implicit_flat_rows) that sums all the taps in registers: the
// Conv2DTranspose(1) ending the VAE's decoder has such a dX. A 1x1 stride-1 convolution is a plain GEMM on the input.
//
// Backward, threads splitting the batch, per chunk of output rows:
//   dW: stride 1 from 16 channels, per kernel cell dW[t] += window(t)^T dZ over the padded grid
//   (no im2col); else dW^T += dZ^T cols from im2col chunks. A partial sum per thread.
//   dX = dZ convolved with the flipped kernel (stride 1, C >= 16: the same implicit GEMM, no
//   col2im), else dX = col2im(dZ W^T).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <vector>

#include "cpu/aligned_buffer.h"
#include "cpu/conv/conv_kernels.h"
#include "cpu/conv/conv_threads.h"
#include "cpu/conv/im2col_backward.h"
#include "cpu/elementwise/elementwise.h"
#include "cpu/winograd/winograd.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

namespace nerve::conv_kernels {

namespace {

// Input channels from which the implicit GEMM beats im2col + sgemm (bench/conv_im2col.py): with
// fewer, each tap is only a few k steps deep, and the transposed convolution for dX would have
// mostly empty register tiles.
constexpr int64_t kImplicitMinChannels = 16;
// Where Winograd beats the direct convolution (bench/conv_algorithms.py, 2 threads, 7x7 to 32x32
// images, 1-256 channels): from 3 input channels and 4 filters. Forward + backward it ran
// 1.08-1.16x (3 -> 32) to 2.4x (8 -> 16) faster, 2.1-2.2x on 64 -> 64 at 32x32. With 1 input
// channel (a grayscale first layer) each of its 36 GEMMs is 1 deep and it lost (0.78-0.88x);
// 2 was even.
constexpr int64_t kWinogradMinInputChannels = 3;
constexpr int64_t kWinogradMinFilters = 4;
// Winograd's kernel lives in the transform domain, 36 * C * F floats: the forward's U, and in the
// backward the flipped kernel for dX plus one dW accumulator per thread. Past this many bytes for
// the backward's (1 + threads) copies (C = F = 400 on 2 threads: 69 MB) `auto` runs the direct
// path, whose per-thread dW is 9 * C * F floats. A forced 'winograd' is not capped.
constexpr int64_t kWinogradMaxBytes = int64_t{64} << 20;

int64_t winograd_bytes(const ConvGeometry& g) {
  return (1 + static_cast<int64_t>(num_threads())) * winograd::kCells * g.C * g.F * int64_t{sizeof(float)};
}

bool use_winograd(const ConvGeometry& g) {
  if (!winograd::applicable(g)) return false;
  switch (conv_algorithm()) {
    case ConvAlgorithm::Direct:
      return false;
    case ConvAlgorithm::Winograd:
      return true;
    case ConvAlgorithm::Auto:
      break;
  }
  return g.C >= kWinogradMinInputChannels && g.F >= kWinogradMinFilters && winograd_bytes(g) <= kWinogradMaxBytes;
}

// Winograd mixes the 36 values of a 6x6 input tile before multiplying, so one Inf or NaN turns
// a whole 4x4 output tile (or up to four tiles) into NaN, where the direct path gives Inf or NaN
// only in the 3x3 neighbourhood it reaches: with a non-finite operand (kernels::all_finite) the
// direct path runs, and the results have direct's pattern.
bool is_pointwise(const ConvGeometry& g) {  // 1x1, stride 1, no padding: y = x @ W
  return g.h.kernel == 1 && g.w.kernel == 1 && g.h.stride == 1 && g.w.stride == 1 && g.h.pad_before == 0 &&
         g.w.pad_before == 0;
}

// Forward for output rows [r0, r1) through im2col chunks + sgemm (bias and activation in the
// epilogue): for few input channels, where each tap of the implicit GEMM would be 1-3 steps deep.
void forward_im2col(const float* x, const float* w, float* y, const ConvGeometry& g, const Epilogue& ep, int64_t r0,
                    int64_t r1) {
  const int64_t OW = g.w.out, P = g.patch(), F = g.F, chunk = rows_per_chunk(g);
  float* cols = scratch(0, chunk * OW * P);
  for (int64_t c0 = r0; c0 < r1; c0 += chunk) {
    const int64_t c1 = std::min(r1, c0 + chunk);
    im2col(x, g, c0, c1, cols);
    sgemm(Trans::No, Trans::No, (c1 - c0) * OW, F, P, 1.f, cols, P, w, F, 0.f, y + c0 * OW * F, F, ep);
  }
}

// The geometry of dX as a convolution of dZ (stride 1 only): the kernel flipped in both spatial
// axes with its channel axes swapped, padding (K - 1) * dilation - pad_before, output H x W.
ConvGeometry transposed_geometry(const ConvGeometry& g) {
  auto flip = [](const Window1D& w, int64_t in) {
    return Window1D{w.out, w.kernel, 1, w.dilation, (w.kernel - 1) * w.dilation - w.pad_before, in};
  };
  ConvGeometry t;
  t.H = g.h.out;
  t.W = g.w.out;
  t.C = g.F;
  t.F = g.C;
  t.h = flip(g.h, g.H);
  t.w = flip(g.w, g.W);
  return t;
}

// wf [KH, KW, F, C] with wf[kh][kw][f][c] = w[KH-1-kh][KW-1-kw][c][f].
// 64-byte aligned, not a std::vector: the implicit GEMM reads it a vector per row (a vector's
// 16-byte alignment splits those loads across lines).
AlignedBuffer flipped_kernel(const float* w, const ConvGeometry& g) {
  const int64_t KH = g.h.kernel, KW = g.w.kernel, C = g.C, F = g.F;
  AlignedBuffer wf(KH * KW * F * C);
  for (int64_t kh = 0; kh < KH; ++kh)
    for (int64_t kw = 0; kw < KW; ++kw) {
      const float* src = w + ((KH - 1 - kh) * KW + (KW - 1 - kw)) * C * F;
      float* dst = wf.data() + (kh * KW + kw) * F * C;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t f = 0; f < F; ++f) dst[f * C + c] = src[c * F + f];
    }
  return wf;
}

}  // namespace

void conv2d_forward(const float* x, const float* w, const ConvGeometry& g, int64_t N, const Epilogue& ep, float* y) {
  const int64_t F = g.F, rows = g.rows_per_image(), P = g.patch();
  const bool wino = use_winograd(g) && kernels::all_finite(x, N * g.H * g.W * g.C) && kernels::all_finite(w, P * F);
  // The implicit GEMM reads the kernel in place, a vector per row of F filters: a kernel that
  // wraps a numpy array (16-byte aligned) would split every such load across two cache lines,
  // measured 20.6 vs 26.5 ms for (32, 64, 32, 64) on 1 thread. Our own storage is 64-byte aligned.
  // (Winograd reads the kernel once, into its transform U: no copy for it.)
  AlignedBuffer aligned_w(0);
  if (!wino && reinterpret_cast<uintptr_t>(w) % 64 != 0) {
    aligned_w = AlignedBuffer(P * F);
    std::copy(w, w + P * F, aligned_w.data());
    w = aligned_w.data();
  }
  if (is_pointwise(g)) {
    sgemm(Trans::No, Trans::No, N * rows, F, P, 1.f, x, P, w, F, 0.f, y, F, ep);
  } else if (!wino && use_few_filters(g)) {
    conv2d_few_filters_forward(x, w, g, N, ep, y);
  } else if (wino) {
    AlignedBuffer U(winograd::kCells * g.C * F);
    winograd::transform_kernel(w, g.C, F, U.data());
    const int64_t tiles = winograd::tile_count(g, N);
    split_batch(row_threads(tiles), tiles,
                [&](int, int64_t t0, int64_t t1) { winograd::conv_tiles(x, g, U.data(), y, ep, t0, t1); });
  } else {
    // Threads split the output rows of the batch (whole images when there are enough).
    split_batch(row_threads(N * g.h.out), N * g.h.out, [&](int, int64_t r0, int64_t r1) {
      if (g.C >= kImplicitMinChannels || implicit_flat_rows(g))
        conv_rows_implicit(x, g, w, y, ep, r0, r1);
      else
        forward_im2col(x, w, y, g, ep, r0, r1);
    });
  }
}

void conv2d_backward(const float* x, const float* w, const float* y, const float* dy, const ConvGeometry& g, int64_t N,
                     Activation act, float alpha, float* dx, float* dw, float* db) {
  const int64_t P = g.patch(), F = g.F, rows = g.rows_per_image(), in_image = g.H * g.W * g.C;
  const int64_t M = N * rows;
  const bool need_dx = dx != nullptr, need_dw = dw != nullptr, need_db = db != nullptr;
  if (is_pointwise(g)) {
    const float* dz = dy;
    AlignedBuffer dz_buf(act != Activation::Linear ? M * F : 0);
    if (act != Activation::Linear) {
      activation_backward(act, alpha, nullptr, y, dy, dz_buf.data(), M * F);
      dz = dz_buf.data();
    }
    if (need_db) column_sums(dz, M, F, db);
    if (need_dw) sgemm(Trans::Yes, Trans::No, P, F, M, 1.f, x, P, dz, F, 0.f, dw, F);
    if (need_dx) sgemm(Trans::No, Trans::Yes, M, P, F, 1.f, dz, F, w, F, 0.f, dx, P);
  } else if (!use_winograd(g) && use_few_filters(g)) {
    AlignedBuffer dz_buf(act != Activation::Linear ? M * F : 0);
    if (act != Activation::Linear) activation_backward(act, alpha, nullptr, y, dy, dz_buf.data(), M * F);
    conv2d_few_filters_backward(x, w, act != Activation::Linear ? dz_buf.data() : dy, g, N, dx, dw, db);
  } else {
    const int nt = batch_threads(N);
    const bool stride1 = g.h.stride == 1 && g.w.stride == 1;
    // Then also for dX (its geometry is 3x3, stride 1 too); direct with a non-finite operand.
    // (x is read only for dW and w only for dX: Conv2DTranspose passes null for the one it skips.)
    const bool wino = use_winograd(g) && kernels::all_finite(dy, M * F) &&
                      (!need_dw || kernels::all_finite(x, N * in_image)) && (!need_dx || kernels::all_finite(w, P * F));
    const bool wino_dx = need_dx && wino, wino_dw = need_dw && wino;
    const bool implicit_dx = need_dx && !wino && stride1 && g.C >= kImplicitMinChannels;
    const bool implicit_dw = need_dw && !wino && stride1 && g.C >= kImplicitMinChannels;
    const bool dx_done = implicit_dx || wino_dx, dw_done = implicit_dw || wino_dw;
    const ConvGeometry gt = dx_done ? transposed_geometry(g) : ConvGeometry{};
    const AlignedBuffer wf = dx_done ? flipped_kernel(w, g) : AlignedBuffer(0);
    AlignedBuffer Uf(wino_dx ? winograd::kCells * F * g.C : 0);  // the flipped kernel in the Winograd domain
    if (wino_dx) winograd::transform_kernel(wf.data(), F, g.C, Uf.data());
    // dW per thread: [P, F] (implicit), [36, C, F] in the Winograd domain, or dW^T [F, P].
    const int64_t dw_floats = wino_dw ? winograd::kCells * g.C * F : P * F;
    // dZ, the gradient before the fused activation, for the whole batch (each thread makes its
    // images' share): the transposed convolution reads dZ rows around each dX row.
    AlignedBuffer dz_all(act != Activation::Linear ? M * F : 0);
    // Per thread: its own dW^T [F, P] += dZ^T cols (or, stride 1 from 16 channels, dW [P, F]
    // from the implicit kernel gradient, no im2col) and bias sums, added up (and dW^T
    // transposed) at the end. Measured faster than cols^T dZ: as the B operand the patches are
    // packed into L2-sized blocks, where as a transposed, unpacked A they stream from L3.
    std::vector<float> dwt(need_dw ? static_cast<size_t>(nt * dw_floats) : 0, 0.f);
    std::vector<float> dbt(need_db ? static_cast<size_t>(nt * F) : 0, 0.f);
    split_batch(nt, N, [&](int t, int64_t n0, int64_t n1) {
      const float* dz = pre_activation_grad(act, alpha, y, dy, dz_all.data(), n0 * rows * F, n1 * rows * F);
      std::vector<float> sums(need_db ? static_cast<size_t>(F) : 0);
      if (wino_dx) {
        const int64_t per_image = winograd::tile_count(gt, 1);
        winograd::conv_tiles(dz, gt, Uf.data(), dx, Epilogue{}, n0 * per_image, n1 * per_image);
      } else if (implicit_dx) {
        conv_rows_implicit(dz, gt, wf.data(), dx, Epilogue{}, n0 * g.H, n1 * g.H);
      } else if (need_dx) {
        std::fill(dx + n0 * in_image, dx + n1 * in_image, 0.f);
      }
      if (wino_dw) {
        const int64_t per_image = winograd::tile_count(g, 1);
        winograd::kernel_grad_tiles(x, dz, g, dwt.data() + t * dw_floats, n0 * per_image, n1 * per_image);
      } else if (implicit_dw) {
        conv_kernel_grad_implicit(x, dz, g, dwt.data() + t * P * F, n0 * g.h.out, n1 * g.h.out);
      }
      if (!need_db && (!need_dw || dw_done) && (dx_done || !need_dx)) return;
      im2col_backward_rows([](auto... a) { sgemm(a...); }, x, w, dz, g, n0 * g.h.out, n1 * g.h.out, sums.data(),
                           need_db ? dbt.data() + t * F : nullptr,
                           need_dw && !dw_done ? dwt.data() + t * P * F : nullptr, need_dx && !dx_done ? dx : nullptr);
    });
    if (need_db) add_thread_partials(dbt.data(), nt, F, db);
    if (wino_dw) {
      add_thread_partials(dwt.data(), nt, dw_floats, dwt.data());  // summed into thread 0's slot
      winograd::finish_kernel_grad(dwt.data(), g.C, F, dw);
    } else if (need_dw) {
      float* d = dw;
      for (int64_t p = 0; p < P; ++p)
        for (int64_t f = 0; f < F; ++f) {
          float sum = 0.f;
          for (int t = 0; t < nt; ++t) sum += implicit_dw ? dwt[(t * P + p) * F + f] : dwt[(t * F + f) * P + p];
          d[p * F + f] = sum;
        }
    }
  }
}

}  // namespace nerve::conv_kernels
