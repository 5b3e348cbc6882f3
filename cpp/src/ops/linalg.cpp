// batched_matmul (nerve/ops/linalg.h): numpy's matmul as broadcast_to + reshape + one GEMM per
// matrix of the batch; the broadcasts' gradients sum over the repeated batch axes.
#include "nerve/ops/linalg.h"

#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/shape_ops.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct Bmm {
  int64_t batch, m, k, n;
};

// C[b] = op(A[b]) op(B[b]) for every b, with op(A) [M, K] and op(B) [K, N] (contiguous tensors).
void gemm_each(Trans ta, Trans tb, int64_t batch, int64_t M, int64_t N, int64_t K, const Tensor& A, const Tensor& B,
               const Tensor& C) {
  auto sgemm = NERVE_KERNEL(C.device(), gemm, sgemm, "matmul");
  const int64_t lda = std::max<int64_t>(1, ta == Trans::No ? K : M);
  const int64_t ldb = std::max<int64_t>(1, tb == Trans::No ? N : K), ldc = std::max<int64_t>(1, N);
  for (int64_t b = 0; b < batch; ++b) {
    sgemm(ta, tb, M, N, K, 1.f, A.data() + b * M * K, lda, B.data() + b * K * N, ldb, 0.f, C.data() + b * M * N, ldc,
          Epilogue{});
  }
}

struct BmmNode : Node {
  Bmm d;
  Tensor a, b;  // [batch, m, k], [batch, k, n], contiguous and detached
  const char* name() const override { return "matmul"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    std::vector<Tensor> grads(2);
    if (inputs[0].requires_grad()) {  // dA = dC B^T
      grads[0] = Tensor::empty(a.shape(), g.device());
      gemm_each(Trans::No, Trans::Yes, d.batch, d.m, d.k, d.n, g, b, grads[0]);
    }
    if (inputs[1].requires_grad()) {  // dB = A^T dC
      grads[1] = Tensor::empty(b.shape(), g.device());
      gemm_each(Trans::Yes, Trans::No, d.batch, d.k, d.n, d.m, a, g, grads[1]);
    }
    return grads;
  }
};

// [batch, m, k] @ [batch, k, n].
Tensor bmm(const Tensor& a, const Tensor& b) {
  Bmm d{a.size(0), a.size(1), a.size(2), b.size(2)};
  Tensor ac = a.contiguous().detach(), bc = b.contiguous().detach();
  Tensor out = Tensor::empty({d.batch, d.m, d.n}, a.device());
  if (out.numel() > 0) gemm_each(Trans::No, Trans::No, d.batch, d.m, d.n, d.k, ac, bc, out);
  auto node = std::make_shared<BmmNode>();
  node->inputs = {a, b};
  node->d = d;
  node->a = ac;
  node->b = bc;
  return record(out, node);
}

}  // namespace

Tensor batched_matmul(const Tensor& x1, const Tensor& x2) {
  check_same_device("matmul", x1, x2);
  if (x1.dim() == 0 || x2.dim() == 0)
    throw std::invalid_argument("matmul: operands must have at least 1 axis, got shapes " + x1.shape_string() +
                                " and " + x2.shape_string());
  Tensor a = x1.dim() == 1 ? x1.reshape({1, x1.size(0)}) : x1;
  Tensor b = x2.dim() == 1 ? x2.reshape({x2.size(0), 1}) : x2;
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  if (b.size(-2) != k)
    throw std::invalid_argument("matmul: shapes " + x1.shape_string() + " and " + x2.shape_string() +
                                " are incompatible: the last axis of x1 (" + std::to_string(k) +
                                ") must equal the second-to-last axis of x2 (" + std::to_string(b.size(-2)) + ")");
  Shape batch_a(a.shape().begin(), a.shape().end() - 2), batch_b(b.shape().begin(), b.shape().end() - 2);
  if (batch_b.empty() && !batch_a.empty()) {  // a stack of matrices times one: one GEMM of every row
    Shape out_shape = batch_a;
    out_shape.push_back(m);
    if (x2.dim() > 1) out_shape.push_back(n);
    const int64_t rows = shape_numel(batch_a) * m;
    return bmm(a.reshape({1, rows, k}), b.reshape({1, k, n})).reshape(out_shape);
  }
  Shape batch = broadcast_shapes(batch_a, batch_b, "matmul");
  const int64_t nb = shape_numel(batch);
  Shape a_full = batch, b_full = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  Tensor out = bmm(broadcast_to(a, a_full).reshape({nb, m, k}), broadcast_to(b, b_full).reshape({nb, k, n}));
  Shape out_shape = batch;
  if (x1.dim() > 1) out_shape.push_back(m);
  if (x2.dim() > 1) out_shape.push_back(n);
  return out.reshape(out_shape);
}

}  // namespace nerve
