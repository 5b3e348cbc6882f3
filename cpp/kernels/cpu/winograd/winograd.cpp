#include "cpu/winograd/winograd.h"

#include <algorithm>
#include <cstring>

#include "cpu/winograd/transforms.h"
#include "nerve/gemm.h"
#include "nerve/runtime.h"

namespace nerve::winograd {

namespace {

constexpr int kTile = 4;   // output pixels per tile side
constexpr int kPatch = 6;  // input pixels per tile side: kTile + 3 - 1

int64_t tiles_h(const ConvGeometry& g) { return (g.h.out + kTile - 1) / kTile; }
int64_t tiles_w(const ConvGeometry& g) { return (g.w.out + kTile - 1) / kTile; }

// Tiles per block: its V [36, T, C] and M [36, T, F] (or Z) together about 512 KiB, so they are
// still in L2 when the 36 GEMMs read them (of 256-1024 KiB, 256 and 512 measured best on
// (32, 64, 32, 64) and (8, 256, 16, 256)); a multiple of the 14-row register tile.
int64_t block_tiles(int64_t C, int64_t F) {
  const int64_t t = (int64_t{512} << 10) / (kCells * (C + F) * int64_t(sizeof(float)));
  return std::max<int64_t>(14, t / 14 * 14);
}

// Floats between cells xi of a block's V (or M, Z): [T, C] each, rounded up to a cache line,
// plus one line so that the 36 cells of a tile do not all fall in the same L1 sets.
int64_t cell_stride(int64_t T, int64_t C) { return (T * C + 15) / 16 * 16 + 16; }

using winograd_detail::TransformKernels;

// The transform kernels of the active ISA (cpp/kernels/cpu/winograd).
const TransformKernels& transforms() {
  switch (active_isa()) {
#ifdef NERVE_GEMM_HAVE_AVX512
    case Isa::Avx512:
      return *winograd_detail::transforms_avx512();
#endif
#ifdef NERVE_GEMM_HAVE_AVX2
    case Isa::Avx2:
      return *winograd_detail::transforms_avx2();
#endif
    default:
      return *winograd_detail::transforms_generic();
  }
}

// The rows of the 6x6 input patch at (ih0, iw0) of image `img`: `zeros` outside the image.
void patch_rows(const float* img, const ConvGeometry& g, int64_t ih0, int64_t iw0, const float* zeros,
                const float* p[kCells]) {
  for (int r = 0; r < kPatch; ++r)
    for (int s = 0; s < kPatch; ++s) {
      const int64_t ih = ih0 + r, iw = iw0 + s;
      p[r * kPatch + s] = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W ? img + (ih * g.W + iw) * g.C : zeros;
    }
}

// Per-thread scratch: a row of zeros (reads outside the image) and a row that swallows writes
// to pixels outside the output, each `n` floats, in slot 1.
struct EdgeRows {
  const float* zeros;
  float* sink;
  explicit EdgeRows(int64_t n) {
    float* p = conv_kernels::scratch(1, 2 * n);
    std::memset(p, 0, static_cast<size_t>(n) * sizeof(float));
    zeros = p;
    sink = p + n;
  }
};

// One thread's blocks of tiles: the block size, V [36, T, C] and the other operand O [36, T, F]
// (M, the products, in the forward; Z, the transformed dZ, for dW), and the edge rows.
struct Blocks {
  int64_t T, ldv, ldo;
  float *V, *O;
  EdgeRows edge;
  explicit Blocks(const ConvGeometry& g)
      : T(block_tiles(g.C, g.F)), ldv(cell_stride(T, g.C)), ldo(cell_stride(T, g.F)),
        V(conv_kernels::scratch(2, kCells * ldv)), O(conv_kernels::scratch(3, kCells * ldo)), edge(std::max(g.C, g.F)) {
  }
};

// Tile t's image and its first output pixel.
struct TileOrigin {
  int64_t n, oh, ow;
};
TileOrigin tile_origin(const ConvGeometry& g, int64_t t) {
  const int64_t TH = tiles_h(g), TW = tiles_w(g);
  return {t / (TH * TW), kTile * (t / TW % TH), kTile * (t % TW)};
}

// V of tiles [b0, b0 + nb): the input transform of each tile's 6x6 patch of x.
void transform_inputs(const TransformKernels& tk, const float* x, const ConvGeometry& g, const Blocks& b, int64_t b0,
                      int64_t nb) {
  for (int64_t t = b0; t < b0 + nb; ++t) {
    const TileOrigin o = tile_origin(g, t);
    const float* p[kCells];
    patch_rows(x + o.n * g.H * g.W * g.C, g, o.oh - g.h.pad_before, o.ow - g.w.pad_before, b.edge.zeros, p);
    tk.input_tile(p, g.C, b.V + (t - b0) * g.C, b.ldv);
  }
}

}  // namespace

bool applicable(const ConvGeometry& g) {
  return g.h.kernel == 3 && g.w.kernel == 3 && g.h.stride == 1 && g.w.stride == 1 && g.h.dilation == 1 &&
         g.w.dilation == 1;
}

int64_t tile_count(const ConvGeometry& g, int64_t N) { return N * tiles_h(g) * tiles_w(g); }

void transform_kernel(const float* w, int64_t C, int64_t F, float* U) {
  const TransformKernels& tk = transforms();
  const int64_t CF = C * F;
  for (int64_t c = 0; c < C; ++c) {  // the rows of F filters of input channel c, per kernel cell
    const float* p[9];
    for (int cell = 0; cell < 9; ++cell) p[cell] = w + cell * CF + c * F;
    tk.kernel_tile(p, F, U + c * F, CF);
  }
}

void conv_tiles(const float* x, const ConvGeometry& g, const float* U, float* y, const Epilogue& ep, int64_t t0,
                int64_t t1) {
  const int64_t C = g.C, F = g.F, OH = g.h.out, OW = g.w.out;
  const TransformKernels& tk = transforms();
  const Blocks b(g);
  const bool relu = ep.activation == Activation::Relu, act_call = ep.activation != Activation::Linear && !relu;
  for (int64_t b0 = t0; b0 < t1; b0 += b.T) {
    const int64_t nb = std::min(b.T, t1 - b0);
    transform_inputs(tk, x, g, b, b0, nb);
    for (int xi = 0; xi < kCells; ++xi)  // M[xi] = V[xi] U[xi]
      sgemm(Trans::No, Trans::No, nb, F, C, 1.f, b.V + xi * b.ldv, C, U + xi * C * F, F, 0.f, b.O + xi * b.ldo, F);
    for (int64_t t = b0; t < b0 + nb; ++t) {
      const TileOrigin o = tile_origin(g, t);
      float* img = y + o.n * OH * OW * F;
      float* out[kTile * kTile];
      for (int r = 0; r < kTile; ++r)
        for (int s = 0; s < kTile; ++s)
          out[r * kTile + s] = o.oh + r < OH && o.ow + s < OW ? img + ((o.oh + r) * OW + o.ow + s) * F : b.edge.sink;
      tk.output_tile(b.O + (t - b0) * F, b.ldo, F, out, ep.bias, relu);
      if (act_call)  // the sink rows too: cheaper than a test, and nothing reads them
        for (float* row : out) activation_forward(ep.activation, ep.alpha, row, row, F);
    }
  }
}

void kernel_grad_tiles(const float* x, const float* dz, const ConvGeometry& g, float* Mhat, int64_t t0, int64_t t1) {
  const int64_t C = g.C, F = g.F, OH = g.h.out, OW = g.w.out;
  const TransformKernels& tk = transforms();
  const Blocks b(g);
  for (int64_t b0 = t0; b0 < t1; b0 += b.T) {
    const int64_t nb = std::min(b.T, t1 - b0);
    transform_inputs(tk, x, g, b, b0, nb);
    for (int64_t t = b0; t < b0 + nb; ++t) {  // Z: each tile's 4x4 block of dZ, zero past the edge
      const TileOrigin o = tile_origin(g, t);
      const float* img = dz + o.n * OH * OW * F;
      const float* q[kTile * kTile];
      for (int r = 0; r < kTile; ++r)
        for (int s = 0; s < kTile; ++s)
          q[kTile * r + s] = o.oh + r < OH && o.ow + s < OW ? img + ((o.oh + r) * OW + o.ow + s) * F : b.edge.zeros;
      tk.grad_tile(q, F, b.O + (t - b0) * F, b.ldo);
    }
    for (int xi = 0; xi < kCells; ++xi)  // Mhat[xi] += V[xi]^T Z[xi]
      sgemm(Trans::Yes, Trans::No, C, F, nb, 1.f, b.V + xi * b.ldv, C, b.O + xi * b.ldo, F, 1.f, Mhat + xi * C * F, F);
  }
}

void finish_kernel_grad(const float* Mhat, int64_t C, int64_t F, float* dw) {
  const TransformKernels& tk = transforms();
  const int64_t CF = C * F;
  for (int64_t c = 0; c < C; ++c) {
    float* p[9];
    for (int cell = 0; cell < 9; ++cell) p[cell] = dw + cell * CF + c * F;
    tk.kernel_grad_tile(Mhat + c * F, CF, F, p);
  }
}

}  // namespace nerve::winograd
