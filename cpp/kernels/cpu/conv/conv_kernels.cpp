#include "cpu/conv/conv_kernels.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "cpu/parallel.h"
#ifdef NERVE_HAVE_OPENMP
#include <omp.h>
#endif

namespace nerve::conv_kernels {

namespace {
// Work per parallel task is at least this many floats moved, or fork/join costs dominate.
constexpr int64_t kGrainFloats = 1 << 14;

inline void copy_or_zero(float* dst, const float* src, int64_t n) {
  if (src)
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
  else
    std::memset(dst, 0, static_cast<size_t>(n) * sizeof(float));
}
}  // namespace

namespace {
// im2col of output row t (n * OH + oh) into `row` [OW, patch], kernel row by kernel row: one
// memcpy per run of KW * C floats when the run lies inside the input (dilation 1).
void im2col_row_by_runs(const float* x, const ConvGeometry& g, int64_t t, float* row) {
  const Window1D &wh = g.h, &ww = g.w;
  const int64_t C = g.C, patch = g.patch(), OW = ww.out;
  const bool runs = ww.dilation == 1;  // kernel columns inside the input are then contiguous
  const int64_t n = t / wh.out, oh = t % wh.out;
  const float* img = x + n * g.H * g.W * C;
  for (int64_t ow = 0; ow < OW; ++ow, row += patch) {
    const int64_t iw0 = ow * ww.stride - ww.pad_before;
    float* dst = row;
    for (int64_t kh = 0; kh < wh.kernel; ++kh) {
      const int64_t ih = oh * wh.stride - wh.pad_before + kh * wh.dilation;
      if (ih < 0 || ih >= g.H) {
        std::memset(dst, 0, static_cast<size_t>(ww.kernel * C) * sizeof(float));
        dst += ww.kernel * C;
        continue;
      }
      const float* src_row = img + ih * g.W * C;
      if (runs && iw0 >= 0 && iw0 + ww.kernel <= g.W) {  // the whole kernel row is inside
        std::memcpy(dst, src_row + iw0 * C, static_cast<size_t>(ww.kernel * C) * sizeof(float));
        dst += ww.kernel * C;
        continue;
      }
      for (int64_t kw = 0; kw < ww.kernel; ++kw, dst += C) {
        const int64_t iw = iw0 + kw * ww.dilation;
        copy_or_zero(dst, iw >= 0 && iw < g.W ? src_row + iw * C : nullptr, C);
      }
    }
  }
}

// The same row, column by column: for each kernel cell and channel, a strided loop over the
// output row, with the padding columns zeroed outside it. For few channels (a first layer's 1 or
// 3), where a kernel row is a run of 3-15 floats and a memcpy per run costs more than the copy.
void im2col_row_by_columns(const float* x, const ConvGeometry& g, int64_t t, float* row) {
  const Window1D &wh = g.h, &ww = g.w;
  const int64_t C = g.C, patch = g.patch(), OW = ww.out;
  const int64_t n = t / wh.out, oh = t % wh.out;
  const float* img = x + n * g.H * g.W * C;
  for (int64_t kh = 0; kh < wh.kernel; ++kh) {
    const int64_t ih = oh * wh.stride - wh.pad_before + kh * wh.dilation;
    for (int64_t kw = 0; kw < ww.kernel; ++kw) {
      // Output columns whose input column iw = ow * stride + shift is inside: [lo, hi).
      const int64_t shift = kw * ww.dilation - ww.pad_before;
      int64_t lo = shift >= 0 ? 0 : (-shift + ww.stride - 1) / ww.stride;
      int64_t hi = g.W - 1 - shift < 0 ? 0 : (g.W - 1 - shift) / ww.stride + 1;
      hi = std::min(hi, OW);
      if (ih < 0 || ih >= g.H) lo = hi = 0;
      lo = std::min(lo, hi);
      // The input row (read only for ow in [lo, hi), which is empty when ih is outside).
      const float* in_row = img + (ih >= 0 && ih < g.H ? ih : 0) * g.W * C;
      for (int64_t c = 0; c < C; ++c) {
        float* d = row + (kh * ww.kernel + kw) * C + c;
        const float* src = in_row + c;
        for (int64_t ow = 0; ow < lo; ++ow) d[ow * patch] = 0.f;
        for (int64_t ow = lo; ow < hi; ++ow) d[ow * patch] = src[(ow * ww.stride + shift) * C];
        for (int64_t ow = hi; ow < OW; ++ow) d[ow * patch] = 0.f;
      }
    }
  }
}
}  // namespace

void im2col(const float* x, const ConvGeometry& g, int64_t row_begin, int64_t row_end, float* cols) {
  const int64_t OW = g.w.out, patch = g.patch();
  const int64_t grain = std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(OW * patch, 1));
  const auto row_fn = g.w.kernel * g.C < 16 ? &im2col_row_by_columns : &im2col_row_by_runs;
  parallel_for(row_end - row_begin, grain, [&](int64_t b, int64_t e) {
    for (int64_t t = row_begin + b; t < row_begin + e; ++t) row_fn(x, g, t, cols + (t - row_begin) * OW * patch);
  });
}

void col2im_add(const float* cols, const ConvGeometry& g, int64_t row_begin, int64_t row_end, float* dx) {
  const Window1D &wh = g.h, &ww = g.w;
  const int64_t C = g.C, patch = g.patch(), OW = ww.out;
  const bool runs = ww.dilation == 1;
  for (int64_t t = row_begin; t < row_end; ++t) {
    const int64_t n = t / wh.out, oh = t % wh.out;
    float* img = dx + n * g.H * g.W * C;
    const float* row = cols + (t - row_begin) * OW * patch;
    for (int64_t ow = 0; ow < OW; ++ow, row += patch) {
      const int64_t iw0 = ow * ww.stride - ww.pad_before;
      const float* src = row;
      for (int64_t kh = 0; kh < wh.kernel; ++kh, src += ww.kernel * C) {
        const int64_t ih = oh * wh.stride - wh.pad_before + kh * wh.dilation;
        if (ih < 0 || ih >= g.H) continue;
        float* drow = img + ih * g.W * C;
        if (runs && iw0 >= 0 && iw0 + ww.kernel <= g.W) {  // the whole kernel row is inside
          float* d = drow + iw0 * C;
          for (int64_t i = 0; i < ww.kernel * C; ++i) d[i] += src[i];
          continue;
        }
        for (int64_t kw = 0; kw < ww.kernel; ++kw) {
          const int64_t iw = iw0 + kw * ww.dilation;
          if (iw < 0 || iw >= g.W) continue;
          float* d = drow + iw * C;
          const float* s = src + kw * C;
          for (int64_t c = 0; c < C; ++c) d[c] += s[c];
        }
      }
    }
  }
}

namespace {
// The zero-padded input window of a block of output rows, and the tap offsets into it.
struct PaddedWindow {
  int64_t Wp = 0, row_floats = 0, span = 0, stride = 1, block = 0;
  std::vector<int64_t> tap_off;  // (kh, kw) -> offset of that kernel cell, in floats

  explicit PaddedWindow(const ConvGeometry& g) {
    const Window1D &wh = g.h, &ww = g.w;
    // Padded width: every tap of every output pixel lands inside it.
    Wp = std::max(ww.pad_before + g.W, (ww.out - 1) * ww.stride + (ww.kernel - 1) * ww.dilation + 1);
    row_floats = Wp * g.C;
    span = (wh.kernel - 1) * wh.dilation + 1;  // input rows one output row reads
    stride = wh.stride;
    tap_off.resize(static_cast<size_t>(wh.kernel * ww.kernel));
    for (int64_t kh = 0; kh < wh.kernel; ++kh)
      for (int64_t kw = 0; kw < ww.kernel; ++kw)
        tap_off[kh * ww.kernel + kw] = kh * wh.dilation * row_floats + kw * ww.dilation * g.C;
    // Output rows per block: the window stays around 256 KiB (L2) when rows allow.
    block = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(1, wh.stride * row_floats));
  }
  // Input rows (window rows) that `out_rows` consecutive output rows read.
  int64_t rows_read(int64_t out_rows) const { return (out_rows - 1) * stride + span; }
  // Copies the input rows that output rows [oh0, oh1) of image n read into win, zero-padded.
  void fill(const float* x, const ConvGeometry& g, int64_t n, int64_t oh0, int64_t oh1, float* win) const {
    const int64_t C = g.C, pad_l = g.w.pad_before;
    const int64_t ih0 = oh0 * g.h.stride - g.h.pad_before;
    const int64_t nrows = rows_read(oh1 - oh0);
    const float* img = x + n * g.H * g.W * C;
    for (int64_t i = 0; i < nrows; ++i) {
      float* d = win + i * row_floats;
      const int64_t ih = ih0 + i;
      if (ih < 0 || ih >= g.H) {
        std::memset(d, 0, static_cast<size_t>(row_floats) * sizeof(float));
        continue;
      }
      std::memset(d, 0, static_cast<size_t>(pad_l * C) * sizeof(float));
      std::memcpy(d + pad_l * C, img + ih * g.W * C, static_cast<size_t>(g.W * C) * sizeof(float));
      std::memset(d + (pad_l + g.W) * C, 0, static_cast<size_t>((Wp - pad_l - g.W) * C) * sizeof(float));
    }
  }
};
}  // namespace

void conv_rows_implicit(const float* x, const ConvGeometry& g, const float* w, float* y, const Epilogue& ep,
                        int64_t row_begin, int64_t row_end) {
  const int64_t OW = g.w.out, F = g.F;
  conv_rows_implicit(x, g, w, y, OutputLayout{g.h.out * OW * F, OW * F, F}, ep, row_begin, row_end);
}

namespace {
// Output rows narrower than this at stride 1 run as one GEMM per block of rows (flat_rows below):
// a row of OW pixels alone fills ceil(OW / MR) register tiles, of which the last is mostly empty
// (OW = 7 on the 6-row AVX2 tile: 7 of 12 rows used; OW = 14: 14 of 18).
constexpr int64_t kFlatMaxOutputWidth = 32;

bool use_flat_rows(const ConvGeometry& g, const PaddedWindow& pw) {
  // The padded grid's extra columns are computed and dropped: at most a quarter of the work.
  return g.h.stride == 1 && g.w.stride == 1 && g.w.out < kFlatMaxOutputWidth && 4 * (pw.Wp - g.w.out) <= g.w.out;
}

// Stride 1, output rows [oh0, oh1) of image n whose input rows are in `win`: output pixel (oh, ow)
// reads the window at ((oh - oh0) * Wp + ow) * C + tap, so the block's rows are one GEMM with
// M = (rows - 1) * Wp + OW pixels on the padded grid, A rows C apart. Its result goes to `tmp`,
// and each row's first OW pixels are copied to y (the Wp - OW others straddle two rows).
void flat_rows(const ConvGeometry& g, const PaddedWindow& pw, const float* win, const float* w, float* tmp,
               float* y_image, const OutputLayout& out, const Epilogue& ep, int64_t oh0, int64_t oh1) {
  const int64_t C = g.C, F = g.F, OW = g.w.out, Wp = pw.Wp;
  const int64_t M = (oh1 - oh0 - 1) * Wp + OW;
  sgemm_taps(M, F, C, win, C, pw.tap_off.data(), static_cast<int>(pw.tap_off.size()), w, F, 0.f, tmp, F, ep);
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    const float* src = tmp + (oh - oh0) * Wp * F;
    float* dst = y_image + oh * out.row;
    if (out.pixel == F) {
      std::memcpy(dst, src, static_cast<size_t>(OW * F) * sizeof(float));
      continue;
    }
    for (int64_t ow = 0; ow < OW; ++ow)
      std::memcpy(dst + ow * out.pixel, src + ow * F, static_cast<size_t>(F) * sizeof(float));
  }
}
}  // namespace

bool implicit_flat_rows(const ConvGeometry& g) { return use_flat_rows(g, PaddedWindow(g)); }

void conv_rows_implicit(const float* x, const ConvGeometry& g, const float* w, float* y, const OutputLayout& out,
                        const Epilogue& ep, int64_t row_begin, int64_t row_end) {
  const int64_t C = g.C, F = g.F, OH = g.h.out, OW = g.w.out;
  const PaddedWindow pw(g);
  float* win = scratch(2, pw.rows_read(pw.block) * pw.row_floats);
  const bool flat = use_flat_rows(g, pw);
  float* tmp = flat ? scratch(3, pw.block * pw.Wp * F) : nullptr;
  for (int64_t r = row_begin; r < row_end;) {
    const int64_t n = r / OH, oh0 = r % OH;
    const int64_t oh1 = std::min({OH, oh0 + pw.block, oh0 + (row_end - r)});
    pw.fill(x, g, n, oh0, oh1, win);
    if (flat) {
      flat_rows(g, pw, win, w, tmp, y + n * out.image, out, ep, oh0, oh1);
      r += oh1 - oh0;
      continue;
    }
    for (int64_t oh = oh0; oh < oh1; ++oh)
      sgemm_taps(OW, F, C, win + (oh - oh0) * g.h.stride * pw.row_floats, g.w.stride * C, pw.tap_off.data(),
                 static_cast<int>(pw.tap_off.size()), w, F, 0.f, y + n * out.image + oh * out.row, out.pixel, ep);
    r += oh1 - oh0;
  }
}

void conv_kernel_grad_implicit(const float* x, const float* dz, const ConvGeometry& g, float* dw, int64_t row_begin,
                               int64_t row_end) {
  const int64_t C = g.C, F = g.F, OH = g.h.out, OW = g.w.out;
  const PaddedWindow pw(g);
  const int64_t Wp = pw.Wp;
  // The last tap of the last padded-grid pixel reads up to (KW-1)*dilation pixels past the
  // window's last row: a zeroed slack keeps those reads inside the buffer (and finite).
  const int64_t slack = ((g.w.kernel - 1) * g.w.dilation + 1) * C;
  float* win = scratch(2, pw.rows_read(pw.block) * pw.row_floats + slack);
  float* dzp = scratch(3, pw.block * Wp * F);
  for (int64_t r = row_begin; r < row_end;) {
    const int64_t n = r / OH, oh0 = r % OH;
    const int64_t oh1 = std::min({OH, oh0 + pw.block, oh0 + (row_end - r)});
    const int64_t rows = oh1 - oh0;
    pw.fill(x, g, n, oh0, oh1, win);
    std::memset(win + pw.rows_read(rows) * pw.row_floats, 0, static_cast<size_t>(slack) * sizeof(float));
    // dZ on the padded grid: Wp pixels a row, the Wp - OW extra ones zero, so that the pixels
    // of the block are one uniformly strided K dimension (stride C in the window).
    for (int64_t i = 0; i < rows; ++i) {
      float* d = dzp + i * Wp * F;
      std::memcpy(d, dz + ((n * OH + oh0 + i) * OW) * F, static_cast<size_t>(OW * F) * sizeof(float));
      std::memset(d + OW * F, 0, static_cast<size_t>((Wp - OW) * F) * sizeof(float));
    }
    // dW[t] (C x F) += window(t)^T dZp: one GEMM per kernel cell, K = rows * Wp pixels.
    for (size_t t = 0; t < pw.tap_off.size(); ++t)
      sgemm(Trans::Yes, Trans::No, C, F, rows * Wp, 1.f, win + pw.tap_off[t], C, dzp, F, 1.f,
            dw + static_cast<int64_t>(t) * C * F, F);
    r += rows;
  }
}

void add_row_bias(float* y, const float* bias, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
  }
}

void column_sums(const float* x, int64_t rows, int64_t cols, float* out) {
  int nt = 1;
#ifdef NERVE_HAVE_OPENMP
  nt = omp_in_parallel() ? 1 : num_threads();  // nerve's count, the same in every thread
#endif
  nt = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, rows * cols / kGrainFloats)));
  std::vector<double> partial(static_cast<size_t>(nt * cols), 0.0);
  const int64_t chunk = (rows + nt - 1) / nt;
  parallel_for(nt, 1, [&](int64_t b, int64_t e) {
    std::vector<float> block(static_cast<size_t>(cols));
    for (int64_t t = b; t < e; ++t) {
      double* acc = partial.data() + t * cols;
      const int64_t r0 = t * chunk, r1 = std::min(rows, r0 + chunk);
      // float sums over blocks of 64 rows, folded into double: fast and accurate enough
      for (int64_t r = r0; r < r1; r += 64) {
        std::fill(block.begin(), block.end(), 0.f);
        for (int64_t i = r, ie = std::min(r1, r + 64); i < ie; ++i) {
          const float* xr = x + i * cols;
          for (int64_t c = 0; c < cols; ++c) block[c] += xr[c];
        }
        for (int64_t c = 0; c < cols; ++c) acc[c] += block[c];
      }
    }
  });
  for (int64_t c = 0; c < cols; ++c) {
    double s = 0;
    for (int t = 0; t < nt; ++t) s += partial[t * cols + c];
    out[c] = static_cast<float>(s);
  }
}

float* scratch(int slot, int64_t floats) {
  struct Buf {
    float* p = nullptr;
    int64_t cap = 0;
    ~Buf() { std::free(p); }
  };
  thread_local Buf bufs[4];
  Buf& b = bufs[slot];
  if (floats > b.cap) {
    std::free(b.p);
    const size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    b.p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (!b.p) {
      b.cap = 0;
      throw std::bad_alloc();
    }
    b.cap = floats;
  }
  return b.p;
}

}  // namespace nerve::conv_kernels
