// 2-D pooling on NHWC images. Channels are contiguous, so every inner loop runs over C
// (vectorised); images or output rows are split across threads.
#include <algorithm>
#include <cstring>
#include <vector>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "cpu/parallel.h"
#include "cpu/pooling/pooling.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kGrainFloats = 1 << 14;

// One window cell of max-pool backward, over C channels: where the cell holds the maximum
// (x >= max, i.e. x == max), it receives the gradient still pending in rem, which then drops to 0
// (only the first maximum of a window gets it). kAccumulate: dx += the delivery (windows that
// overlap); else dx = it, where each input cell lies in exactly one window, so dx needs no zeros
// beforehand and is never read. Explicit SSE masks: GCC turns the two selects into a branch per
// element.
template <bool kAccumulate>
void deliver_to_max(const float* x, const float* max, float* rem, float* dx, int64_t C) {
  int64_t c = 0;
#ifdef __SSE2__
  for (; c + 4 <= C; c += 4) {
    const __m128 r4 = _mm_loadu_ps(rem + c);
    const __m128 hit = _mm_cmpge_ps(_mm_loadu_ps(x + c), _mm_loadu_ps(max + c));
    const __m128 got = _mm_and_ps(hit, r4);
    _mm_storeu_ps(dx + c, kAccumulate ? _mm_add_ps(_mm_loadu_ps(dx + c), got) : got);
    _mm_storeu_ps(rem + c, _mm_andnot_ps(hit, r4));
  }
#endif
  for (; c < C; ++c) {
    const bool hit = x[c] >= max[c];
    const float got = hit ? rem[c] : 0.f;
    dx[c] = kAccumulate ? dx[c] + got : got;
    rem[c] = hit ? 0.f : rem[c];
  }
}

// Windows that tile the input: stride = kernel, no padding, no cell left over at the end.
bool windows_tile(const Window1D& w) {
  return w.stride == w.kernel && w.dilation == 1 && w.pad_before == 0 && w.out * w.kernel == w.in;
}

}  // namespace

// Max pooling keeps no argmax: backward finds, per output, the first window cell equal to the
// maximum, which is the cell the strict '>' scan chose (the first maximum wins, as PyTorch).
void max_pool2d_forward(const float* x, const PoolGeometry& g, float* y) {
  const int64_t C = g.C, OH = g.h.out, OW = g.w.out;
  parallel_for(g.N * OH, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(OW * C * g.h.kernel * g.w.kernel, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   const int64_t n = t / OH, oh = t % OH;
                   const float* img = x + n * g.H * g.W * C;
                   const int64_t h0 = std::max<int64_t>(0, oh * g.h.stride - g.h.pad_before);
                   const int64_t h1 = std::min<int64_t>(g.H, oh * g.h.stride - g.h.pad_before + g.h.kernel);
                   for (int64_t ow = 0; ow < OW; ++ow) {
                     const int64_t w0 = std::max<int64_t>(0, ow * g.w.stride - g.w.pad_before);
                     const int64_t w1 = std::min<int64_t>(g.W, ow * g.w.stride - g.w.pad_before + g.w.kernel);
                     float* yo = y + (t * OW + ow) * C;
                     std::memcpy(yo, img + (h0 * g.W + w0) * C, static_cast<size_t>(C) * sizeof(float));
                     for (int64_t ih = h0; ih < h1; ++ih)
                       for (int64_t iw = (ih == h0 ? w0 + 1 : w0); iw < w1; ++iw) {
                         const float* xi = img + (ih * g.W + iw) * C;
                         for (int64_t c = 0; c < C; ++c) yo[c] = xi[c] > yo[c] ? xi[c] : yo[c];
                       }
                   }
                 }
               });
}

void avg_pool2d_forward(const float* x, const PoolGeometry& g, float* y) {
  const int64_t C = g.C, OH = g.h.out, OW = g.w.out;
  parallel_for(g.N * OH, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(OW * C * g.h.kernel * g.w.kernel, 1)),
               [&](int64_t b, int64_t e) {
                 for (int64_t t = b; t < e; ++t) {
                   const int64_t n = t / OH, oh = t % OH;
                   const float* img = x + n * g.H * g.W * C;
                   const int64_t h0 = std::max<int64_t>(0, oh * g.h.stride - g.h.pad_before);
                   const int64_t h1 = std::min<int64_t>(g.H, oh * g.h.stride - g.h.pad_before + g.h.kernel);
                   for (int64_t ow = 0; ow < OW; ++ow) {
                     const int64_t w0 = std::max<int64_t>(0, ow * g.w.stride - g.w.pad_before);
                     const int64_t w1 = std::min<int64_t>(g.W, ow * g.w.stride - g.w.pad_before + g.w.kernel);
                     float* yo = y + (t * OW + ow) * C;
                     std::fill(yo, yo + C, 0.f);
                     for (int64_t ih = h0; ih < h1; ++ih)
                       for (int64_t iw = w0; iw < w1; ++iw) {
                         const float* xi = img + (ih * g.W + iw) * C;
                         for (int64_t c = 0; c < C; ++c) yo[c] += xi[c];
                       }
                     const float inv = 1.f / static_cast<float>((h1 - h0) * (w1 - w0));  // padding not counted
                     for (int64_t c = 0; c < C; ++c) yo[c] *= inv;
                   }
                 }
               });
}

void max_pool2d_backward(const float* x, const float* y, const float* dy, const PoolGeometry& g, float* dx) {
  const int64_t C = g.C, OH = g.h.out, OW = g.w.out;
  const float *d = dy, *xp = x, *yp = y;
  float* o = dx;
  // dx comes uninitialised: where the windows tile the image (pool 2, stride 2 on even sizes,
  // the usual case) every cell is written once; otherwise each thread zeroes its images first
  // (in its own cache, instead of a serial pass over the whole tensor) and accumulates.
  const bool tiles = windows_tile(g.h) && windows_tile(g.w);
  const int64_t image = g.H * g.W * C;
  // One thread per image: windows of one image may overlap.
  parallel_for(g.N, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(OH * OW * C, 1)), [&](int64_t b, int64_t e) {
    // rem[c]: the output gradient not yet delivered (0 once the first maximum took it). The
    // inner loop is two branch-free selects over C, so it vectorises.
    std::vector<float> rem(static_cast<size_t>(C));
    for (int64_t n = b; n < e; ++n) {
      if (!tiles) std::memset(o + n * image, 0, static_cast<size_t>(image) * sizeof(float));
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = std::max<int64_t>(0, oh * g.h.stride - g.h.pad_before);
        const int64_t h1 = std::min<int64_t>(g.H, oh * g.h.stride - g.h.pad_before + g.h.kernel);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = std::max<int64_t>(0, ow * g.w.stride - g.w.pad_before);
          const int64_t w1 = std::min<int64_t>(g.W, ow * g.w.stride - g.w.pad_before + g.w.kernel);
          const int64_t out = ((n * OH + oh) * OW + ow) * C;
          const float* yo = yp + out;
          float* r = rem.data();
          std::memcpy(r, d + out, static_cast<size_t>(C) * sizeof(float));
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              const int64_t in = ((n * g.H + ih) * g.W + iw) * C;
              const float* xi = xp + in;
              float* oi = o + in;
              if (tiles)
                deliver_to_max<false>(xi, yo, r, oi, C);
              else
                deliver_to_max<true>(xi, yo, r, oi, C);
            }
        }
      }
    }
  });
}

void avg_pool2d_backward(const float* dy, const PoolGeometry& g, float* dx) {
  const int64_t C = g.C, OH = g.h.out, OW = g.w.out;
  const float* d = dy;
  float* o = dx;
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n)
      for (int64_t oh = 0; oh < OH; ++oh) {
        const int64_t h0 = std::max<int64_t>(0, oh * g.h.stride - g.h.pad_before);
        const int64_t h1 = std::min<int64_t>(g.H, oh * g.h.stride - g.h.pad_before + g.h.kernel);
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t w0 = std::max<int64_t>(0, ow * g.w.stride - g.w.pad_before);
          const int64_t w1 = std::min<int64_t>(g.W, ow * g.w.stride - g.w.pad_before + g.w.kernel);
          const float inv = 1.f / static_cast<float>((h1 - h0) * (w1 - w0));
          const float* di = d + ((n * OH + oh) * OW + ow) * C;
          for (int64_t ih = h0; ih < h1; ++ih)
            for (int64_t iw = w0; iw < w1; ++iw) {
              float* oi = o + ((n * g.H + ih) * g.W + iw) * C;
              for (int64_t c = 0; c < C; ++c) oi[c] += di[c] * inv;
            }
        }
      }
  });
}

void global_pool2d_forward(bool max, const float* xp, int64_t N, int64_t HW, int64_t C, float* yp) {
  parallel_for(N, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(HW * C, 1)), [&](int64_t b, int64_t e) {
    std::vector<double> acc(static_cast<size_t>(C));
    for (int64_t n = b; n < e; ++n) {
      const float* img = xp + n * HW * C;
      float* yo = yp + n * C;
      if (max) {
        std::memcpy(yo, img, static_cast<size_t>(C) * sizeof(float));
        for (int64_t i = 1; i < HW; ++i)
          for (int64_t c = 0; c < C; ++c) yo[c] = img[i * C + c] > yo[c] ? img[i * C + c] : yo[c];
      } else {
        std::fill(acc.begin(), acc.end(), 0.0);
        for (int64_t i = 0; i < HW; ++i)
          for (int64_t c = 0; c < C; ++c) acc[c] += img[i * C + c];
        for (int64_t c = 0; c < C; ++c) yo[c] = static_cast<float>(acc[c] / static_cast<double>(HW));
      }
    }
  });
}

// max: the gradient of each (n, c) is shared equally by every cell equal to its maximum, as
// Keras's GlobalMaxPooling2D (reduce_max's gradient in TensorFlow and JAX) does. Ties are common:
// a convolution over MNIST's blank borders gives many equal cells, and giving one of them (the
// first) the whole gradient made the discriminator's bias gradients, and the gradient a GAN's
// generator receives, differ from Keras.
void global_pool2d_backward(bool max, const float* xp, const float* yp, const float* d, int64_t N, int64_t HW,
                            int64_t C, float* o) {
  const float inv = 1.f / static_cast<float>(HW);
  parallel_for(N, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(HW * C, 1)), [&](int64_t b, int64_t e) {
    std::vector<float> share(static_cast<size_t>(max ? C : 0));
    for (int64_t n = b; n < e; ++n) {
      if (max) {
        const float* img = xp + n * HW * C;
        const float* yo = yp + n * C;
        std::fill(share.begin(), share.end(), 0.f);
        for (int64_t i = 0; i < HW; ++i)
          for (int64_t c = 0; c < C; ++c) share[c] += img[i * C + c] == yo[c] ? 1.f : 0.f;
        for (int64_t c = 0; c < C; ++c) share[c] = d[n * C + c] / share[c];  // >= 1 cell is the max
        for (int64_t i = 0; i < HW; ++i)
          for (int64_t c = 0; c < C; ++c) o[(n * HW + i) * C + c] = img[i * C + c] == yo[c] ? share[c] : 0.f;
      } else {
        for (int64_t i = 0; i < HW; ++i)
          for (int64_t c = 0; c < C; ++c) o[(n * HW + i) * C + c] = d[n * C + c] * inv;
      }
    }
  });
}

}  // namespace nerve::kernels
