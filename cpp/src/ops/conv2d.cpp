// conv2d(): 2-D convolution on NHWC images through nerve::sgemm.
//
// Why im2col (and not an implicit GEMM): with NHWC input and a [KH*KW*Cin, Cout] kernel, the
// patch matrix of a chunk of images feeds sgemm directly, bias + activation run in its epilogue,
// and building the patches costs a small fraction of the GEMM (measured in bench/conv_im2col.py).
// An implicit GEMM would have to live inside the GEMM's packing routines. The batch is processed
// in chunks so the patch matrix stays a few MB (cache-resident, bounded memory); a 1x1 stride-1
// convolution is a plain GEMM on the input with no patch matrix at all.
//
// Backward, chunk by chunk:  dW += cols^T dZ   and   dX = col2im(dZ W^T).
#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/conv_ops.h"
#include "nerve/gemm.h"
#include "nerve/ops.h"
#include "ops/conv_kernels.h"

namespace nerve {

namespace {

using conv_kernels::ConvGeometry;

// Target size of one chunk's patch matrix (floats): big enough for an efficient GEMM, small
// enough to stay in the last-level cache between im2col and the GEMM that reads it.
constexpr int64_t kPatchBudgetFloats = (4 << 20) / sizeof(float);

bool fusable(Activation a) { return activation_grad_from_output(a) && a != Activation::Sigmoid; }

bool is_pointwise(const ConvGeometry& g) {  // 1x1, stride 1, no padding: y = x @ W
  return g.h.kernel == 1 && g.w.kernel == 1 && g.h.stride == 1 && g.w.stride == 1 &&
         g.h.pad_before == 0 && g.w.pad_before == 0;
}

int64_t images_per_chunk(const ConvGeometry& g, int64_t N) {
  const int64_t per_image = std::max<int64_t>(1, g.rows_per_image() * g.patch());
  return std::max<int64_t>(1, std::min<int64_t>(N, kPatchBudgetFloats / per_image));
}

struct Conv2DNode : Node {
  Tensor x, w, y;  // detached: input, kernel, output after the fused activation
  ConvGeometry g;
  int64_t N;
  Activation act;
  float alpha;
  const char* name() const override { return "Conv2D"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    const int64_t P = g.patch(), F = g.F, rows = g.rows_per_image();
    const int64_t M = N * rows;
    Tensor dz = grad.contiguous();
    if (act != Activation::Linear) {
      Tensor d = Tensor::empty({M, F});
      activation_backward(act, alpha, nullptr, y.data(), dz.data(), d.data(), M * F);
      dz = d;
    }
    std::vector<Tensor> grads(3);
    const bool need_dx = inputs[0].requires_grad(), need_dw = inputs[1].requires_grad();
    if (inputs[2].defined() && inputs[2].requires_grad()) {
      grads[2] = Tensor::empty({F});
      conv_kernels::column_sums(dz.data(), M, F, grads[2].data());
    }
    Tensor dx = need_dx ? Tensor::empty(x.shape()) : Tensor();
    Tensor dw = need_dw ? Tensor::empty(w.shape()) : Tensor();
    if (is_pointwise(g)) {
      if (need_dw)
        sgemm(Trans::Yes, Trans::No, P, F, M, 1.f, x.data(), P, dz.data(), F, 0.f, dw.data(), F);
      if (need_dx)
        sgemm(Trans::No, Trans::Yes, M, P, F, 1.f, dz.data(), F, w.data(), F, 0.f, dx.data(), P);
    } else if (need_dw || need_dx) {
      const int64_t chunk = images_per_chunk(g, N);
      const int64_t in_image = g.H * g.W * g.C;
      float* cols = conv_kernels::scratch(0, chunk * rows * P);
      for (int64_t n0 = 0; n0 < N; n0 += chunk) {
        const int64_t nb = std::min(chunk, N - n0), r = nb * rows;
        const float* dz_c = dz.data() + n0 * rows * F;
        if (need_dw) {
          conv_kernels::im2col(x.data() + n0 * in_image, nb, g, cols);
          sgemm(Trans::Yes, Trans::No, P, F, r, 1.f, cols, P, dz_c, F, n0 == 0 ? 0.f : 1.f,
                dw.data(), F);
        }
        if (need_dx) {
          sgemm(Trans::No, Trans::Yes, r, P, F, 1.f, dz_c, F, w.data(), F, 0.f, cols, P);
          conv_kernels::col2im(cols, nb, g, dx.data() + n0 * in_image);
        }
      }
    }
    grads[0] = dx;
    grads[1] = dw;
    return grads;
  }
};

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& kernel, const Tensor& bias, const Conv2DOptions& opt,
              Activation act, float alpha) {
  if (x.dim() != 4)
    throw std::invalid_argument("conv2d: input must be 4-D [batch, height, width, channels], got shape " +
                                x.shape_string());
  if (kernel.dim() != 4)
    throw std::invalid_argument("conv2d: kernel must be 4-D [kh, kw, in_channels, filters], got shape " +
                                kernel.shape_string());
  if (kernel.size(2) != x.size(3))
    throw std::invalid_argument("conv2d: input of shape " + x.shape_string() + " has " +
                                std::to_string(x.size(3)) + " channels, the kernel of shape " +
                                kernel.shape_string() + " expects " + std::to_string(kernel.size(2)));
  const int64_t F = kernel.size(3);
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != F))
    throw std::invalid_argument("conv2d: bias of shape " + bias.shape_string() + " does not match " +
                                std::to_string(F) + " filters");
  if (act == Activation::Softmax)
    throw std::invalid_argument("conv2d: softmax is not an element-wise activation");
  ConvGeometry g;
  g.H = x.size(1);
  g.W = x.size(2);
  g.C = x.size(3);
  g.F = F;
  g.h = window_1d(g.H, kernel.size(0), opt.stride_h, opt.dilation_h, opt.padding, "conv2d", "height");
  g.w = window_1d(g.W, kernel.size(1), opt.stride_w, opt.dilation_w, opt.padding, "conv2d", "width");
  const int64_t N = x.size(0), rows = g.rows_per_image(), P = g.patch();

  Tensor xc = x.contiguous().detach(), wc = kernel.contiguous().detach();
  Tensor y = Tensor::empty({N, g.h.out, g.w.out, F});
  const Activation fused = fusable(act) ? act : Activation::Linear;
  Epilogue ep;
  ep.bias = bias.defined() ? bias.contiguous().data() : nullptr;
  ep.activation = fused;
  ep.alpha = alpha;
  if (is_pointwise(g)) {
    sgemm(Trans::No, Trans::No, N * rows, F, P, 1.f, xc.data(), P, wc.data(), F, 0.f, y.data(), F, ep);
  } else {
    const int64_t chunk = images_per_chunk(g, N);
    float* cols = conv_kernels::scratch(0, chunk * rows * P);
    for (int64_t n0 = 0; n0 < N; n0 += chunk) {
      const int64_t nb = std::min(chunk, N - n0);
      conv_kernels::im2col(xc.data() + n0 * g.H * g.W * g.C, nb, g, cols);
      sgemm(Trans::No, Trans::No, nb * rows, F, P, 1.f, cols, P, wc.data(), F, 0.f,
            y.data() + n0 * rows * F, F, ep);
    }
  }
  auto node = std::make_shared<Conv2DNode>();
  node->inputs = {x, kernel, bias};
  node->x = xc;
  node->w = wc;
  node->y = y.detach();
  node->g = g;
  node->N = N;
  node->act = fused;
  node->alpha = alpha;
  Tensor out = record(y, node);
  if (fused != act && act != Activation::Linear) out = activation(out, act, alpha);
  return out;
}

}  // namespace nerve
