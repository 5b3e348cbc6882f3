// batched_matmul (nerve/ops/linalg.h): numpy's matmul as broadcast_to + reshape + one GEMM per
// matrix of the batch; the broadcasts' gradients sum over the repeated batch axes.
#include "nerve/ops/linalg.h"

#include <algorithm>
#include <stdexcept>

#include "nerve/autograd.h"
#include "nerve/ops/shape_ops.h"
#include "ops/dispatch.h"
#include "tensor/small_block_pool.h"

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

// How the GEMM reads a 2-D operand in place: its rows contiguous (No) or its columns (Yes: the
// transpose of a contiguous matrix, as ops.transpose(x) or x.T gives), with the leading dimension
// of the stored matrix. False for other layouts, which are copied first.
bool gemm_layout(const Tensor& t, Trans& trans, int64_t& ld) {
  const int64_t rows = t.size(0), cols = t.size(1);
  if (rows == 0 || cols == 0) return false;  // nothing to read: the contiguous path handles it
  const Shape& st = t.strides();
  if ((cols == 1 || st[1] == 1) && (rows == 1 || st[0] >= cols)) {
    trans = Trans::No;
    ld = rows == 1 ? cols : st[0];
    return true;
  }
  if ((rows == 1 || st[0] == 1) && (cols == 1 || st[1] >= rows)) {
    trans = Trans::Yes;
    ld = cols == 1 ? rows : st[1];
    return true;
  }
  return false;
}

// A 2-D operand as the GEMM reads it: itself when gemm_layout allows, else a contiguous copy.
struct GemmOperand {
  Tensor t;  // detached
  Trans trans = Trans::No;
  int64_t ld = 1;
};
GemmOperand gemm_operand(const Tensor& x) {
  GemmOperand o;
  if (gemm_layout(x, o.trans, o.ld)) {
    o.t = x.detach();
  } else {
    o.t = x.contiguous().detach();
    o.trans = Trans::No;
    o.ld = std::max<int64_t>(1, x.size(1));
  }
  return o;
}
Trans flip(Trans t) { return t == Trans::No ? Trans::Yes : Trans::No; }

// dA = dC op(B)^T and dB = op(A)^T dC, reading A and B as the forward product did (in place).
struct Matmul2dNode : Node {
  GemmOperand a, b;  // op(a) [m, k], op(b) [k, n]
  const char* name() const override { return "matmul"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    const int64_t m = g.size(0), n = g.size(1), k = a.t.size(1);
    auto sgemm = NERVE_KERNEL(g.device(), gemm, sgemm, "matmul");
    const int64_t ldg = std::max<int64_t>(1, n);
    std::vector<Tensor> grads(2);
    if (inputs[0].requires_grad()) {
      grads[0] = Tensor::empty({m, k}, g.device());
      sgemm(Trans::No, flip(b.trans), m, k, n, 1.f, g.data(), ldg, b.t.data(), b.ld, 0.f, grads[0].data(),
            std::max<int64_t>(1, k), Epilogue{});
    }
    if (inputs[1].requires_grad()) {
      grads[1] = Tensor::empty({k, n}, g.device());
      sgemm(flip(a.trans), Trans::No, k, n, m, 1.f, a.t.data(), a.ld, g.data(), ldg, 0.f, grads[1].data(), ldg,
            Epilogue{});
    }
    return grads;
  }
};

// [m, k] @ [k, n] with no broadcast, reshape or copy of an operand the GEMM can read in place:
// the weight gradient of a Dense layer written by hand (ops.matmul(ops.transpose(x), dy)) is
// read transposed, as the Dense op's own backward does, instead of being copied first.
Tensor matmul_2d(const Tensor& x1, const Tensor& x2) {
  const int64_t m = x1.size(0), k = x1.size(1), n = x2.size(1);
  GemmOperand a = gemm_operand(x1), b = gemm_operand(x2);
  Tensor out = Tensor::empty({m, n}, x1.device());
  if (out.numel() > 0)
    NERVE_KERNEL(out.device(), gemm, sgemm, "matmul")(a.trans, b.trans, m, n, k, 1.f, a.t.data(), a.ld, b.t.data(),
                                                      b.ld, 0.f, out.data(), std::max<int64_t>(1, n), Epilogue{});
  auto node = detail::make_pooled<Matmul2dNode>();
  node->inputs = {x1, x2};
  node->a = std::move(a);
  node->b = std::move(b);
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
  if (x1.dim() == 2 && x2.dim() == 2) return matmul_2d(x1, x2);
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
