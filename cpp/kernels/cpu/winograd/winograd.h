// Winograd F(4x4, 3x3): a 3x3, stride-1 convolution with 36 multiplies per 4x4 block of output
// pixels instead of 144 (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015;
// interpolation points 0, +-1, +-2 and infinity, as in their paper).
//
// Per 4x4 output tile: the 6x6 input patch d becomes V = B^T d B, the kernel g becomes
// U = G g G^T (once per call), and y = A^T (sum over channels of U . V) A. The channel sums are 36
// GEMMs (one per cell xi of the 6x6 transform domain): M[xi] (tiles x F) = V[xi] (tiles x C) *
// U[xi] (C x F), run on nerve's GEMM over blocks of tiles that stay in L2. The kernel gradient
// is the adjoint: dW = G^T (sum over tiles of V[xi]^T Z[xi]) G with Z = A dY A^T.
// Rounding: the transforms' coefficients reach 8 (A) and 1/24 (G), so the output's error is
// several times the direct convolution's: about 1e-5 of the output's scale for 64 channels in
// float32, against 1e-6 direct (tests/test_conv2d_winograd.py holds it to float64 and PyTorch).
#pragma once
#include <cstdint>

#include "cpu/conv/conv_kernels.h"

namespace nerve::winograd {

using conv_kernels::ConvGeometry;

constexpr int kCells = 36;  // cells of the transform domain: U is [kCells, C, F]

// A 3x3 kernel at stride 1 and dilation 1 (any padding): what F(4x4, 3x3) computes.
bool applicable(const ConvGeometry& g);

// Tiles are the 4x4 blocks of the output, numbered t = (n * tiles_h + i) * tiles_w + j; the last
// row / column of tiles may hang over the output's edge (odd OH / OW).
int64_t tile_count(const ConvGeometry& g, int64_t N);

// U [36, C, F] = G g G^T for every (c, f), from w [3, 3, C, F] (Keras layout).
void transform_kernel(const float* w, int64_t C, int64_t F, float* U);

// The convolution's output for tiles [t0, t1), bias and activation applied (y at image 0, x too).
// Serial: callers split the tiles between threads.
void conv_tiles(const float* x, const ConvGeometry& g, const float* U, float* y, const Epilogue& ep, int64_t t0,
                int64_t t1);

// Mhat [36, C, F] += the kernel gradient of tiles [t0, t1) in the transform domain, from x and
// dZ [N, OH, OW, F] (the gradient at the convolution's output). Serial.
void kernel_grad_tiles(const float* x, const float* dz, const ConvGeometry& g, float* Mhat, int64_t t0, int64_t t1);

// dw [3, 3, C, F] = G^T Mhat G.
void finish_kernel_grad(const float* Mhat, int64_t C, int64_t F, float* dw);

}  // namespace nerve::winograd
