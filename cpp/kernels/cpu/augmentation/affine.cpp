// Keras's affine transform of NHWC images as JAX computes it (keras/src/backend/jax/image.py on
// jax.scipy.ndimage.map_coordinates, order 0 or 1): the sample point of output (i, j) is
// (row b0 j + b1 i + b2, column a0 j + a1 i + a2) in float32; bilinear takes the four integer
// neighbours with weights (1 - f, f) per axis and maps each neighbour's index by the fill mode
// (constant: an index outside the image reads fill_value); nearest rounds half away from zero.
// The terms are summed in JAX's order so that results agree to float32 rounding.
#include <cmath>

#include "cpu/augmentation/augmentation.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

inline int64_t floor_mod(int64_t a, int64_t m) {
  const int64_t r = a % m;
  return r < 0 ? r + m : r;
}

// jax.scipy.ndimage's index fixers; -1 marks an index outside the image in constant mode.
inline int64_t fix_index(int64_t k, int64_t size, AffineFill fill) {
  switch (fill) {
    case AffineFill::Constant:
      return k >= 0 && k < size ? k : -1;
    case AffineFill::Nearest:
      return k < 0 ? 0 : (k >= size ? size - 1 : k);
    case AffineFill::Wrap:
      return floor_mod(k, size);
    case AffineFill::Reflect: {
      // _reflect_index_fixer: mirror(2k + 1, 2 size + 1) with half-wavelength 2 size, then halved
      const int64_t s = 2 * size;
      const int64_t m = std::abs(floor_mod(2 * k + 1 + s, 2 * s) - s);
      return (m - 1) / 2;  // m is odd and positive
    }
  }
  return -1;
}

// The (index, weight) pairs along one axis for a sample coordinate: one for nearest, two for
// bilinear; index -1: outside the image (constant mode).
struct Taps {
  int64_t index[2];
  float weight[2];
  int count;
};

inline Taps taps(float coordinate, int64_t size, const AffineGeometry& g) {
  Taps t{};
  if (g.interpolation == AffineInterpolation::Nearest) {
    t.index[0] = fix_index(static_cast<int64_t>(std::round(coordinate)), size, g.fill);
    t.weight[0] = 1.f;
    t.count = 1;
    return t;
  }
  const float lower = std::floor(coordinate);
  const float upper_weight = coordinate - lower;
  const int64_t k = static_cast<int64_t>(lower);
  t.index[0] = fix_index(k, size, g.fill);
  t.index[1] = fix_index(k + 1, size, g.fill);
  t.weight[0] = 1.f - upper_weight;
  t.weight[1] = upper_weight;
  t.count = 2;
  return t;
}

// Calls f(row, column, weight) for the taps of output pixel (i, j) of a sample, in JAX's order.
template <class F>
inline void for_each_tap(const float* t, int64_t i, int64_t j, const AffineGeometry& g, F&& f) {
  const float fi = static_cast<float>(i), fj = static_cast<float>(j);
  const float row = fi * t[4] + fj * t[3] + t[5];
  const float col = fi * t[1] + fj * t[0] + t[2];
  const Taps r = taps(row, g.H, g), c = taps(col, g.W, g);
  for (int a = 0; a < r.count; ++a)
    for (int b = 0; b < c.count; ++b) f(r.index[a], c.index[b], r.weight[a] * c.weight[b]);
}

}  // namespace

void affine_forward(const float* x, const AffineGeometry& g, const float* transforms, float* y) {
  const int64_t H = g.H, W = g.W, C = g.C;
  parallel_for(g.N * H, std::max<int64_t>(1, 4096 / std::max<int64_t>(W * C, 1)), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const int64_t n = r / H, i = r % H;
      const float* t = transforms + 8 * n;
      const float* img = x + n * H * W * C;
      for (int64_t j = 0; j < W; ++j) {
        float* out = y + (r * W + j) * C;
        for (int64_t c = 0; c < C; ++c) out[c] = 0.f;
        bool first = true;
        for_each_tap(t, i, j, g, [&](int64_t ri, int64_t ci, float w) {
          const float* px = ri >= 0 && ci >= 0 ? img + (ri * W + ci) * C : nullptr;
          for (int64_t c = 0; c < C; ++c) {
            const float v = w * (px ? px[c] : g.fill_value);
            out[c] = first ? v : out[c] + v;
          }
          first = false;
        });
      }
    }
  });
}

void affine_backward(const float* dy, const AffineGeometry& g, const float* transforms, float* dx) {
  const int64_t H = g.H, W = g.W, C = g.C;
  // Samples are independent: one sample's scatter-adds stay inside its own image, so samples run
  // in parallel without races.
  parallel_for(g.N, 1, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) {
      const float* t = transforms + 8 * n;
      float* img = dx + n * H * W * C;
      for (int64_t p = 0; p < H * W * C; ++p) img[p] = 0.f;
      for (int64_t i = 0; i < H; ++i)
        for (int64_t j = 0; j < W; ++j) {
          const float* g_out = dy + ((n * H + i) * W + j) * C;
          for_each_tap(t, i, j, g, [&](int64_t ri, int64_t ci, float w) {
            if (ri < 0 || ci < 0) return;  // a constant fill: no input pixel
            float* px = img + (ri * W + ci) * C;
            for (int64_t c = 0; c < C; ++c) px[c] += w * g_out[c];
          });
        }
    }
  });
}

}  // namespace nerve::kernels
