// Reverse-mode autograd on small graphs: gradients against values worked out by hand (or from
// their closed form, evaluated in double), gradient accumulation across backward() calls and
// within one graph (a tensor read twice), gradients() for GradientTape, and NoGradGuard.
#include <cmath>
#include <vector>

#include "check.h"
#include "nerve/autograd.h"
#include "nerve/ops.h"

using namespace nerve;

static Tensor leaf(const std::vector<float>& v, const Shape& s) {
  Tensor t = Tensor::from_vector(v, s);
  t.set_requires_grad(true);
  return t;
}

static void check_all_near(const Tensor& got, const std::vector<double>& want, double tol) {
  CHECK(got.defined());
  if (!got.defined()) return;
  CHECK(static_cast<size_t>(got.numel()) == want.size());
  std::vector<float> g = got.to_vector();
  for (size_t i = 0; i < want.size() && i < g.size(); ++i) CHECK_NEAR(g[i], want[i], tol);
}

// f = sum(a * b + a): df/da = b + 1, df/db = a.
static void by_hand() {
  Tensor a = leaf({1, 2}, {2});
  Tensor b = leaf({3, 4}, {2});
  Tensor f = sum(add(mul(a, b), a));
  CHECK(f.item() == 1 * 3 + 1 + 2 * 4 + 2);
  CHECK(f.requires_grad() && f.grad_fn());
  f.backward();
  check_all_near(a.grad(), {4, 5}, 0);
  check_all_near(b.grad(), {1, 2}, 0);

  // g = mean(scale(a - b, 0.5)) = ((1-3) + (2-4)) / 4: dg/da = 0.25, dg/db = -0.25.
  Tensor a2 = leaf({1, 2}, {2}), b2 = leaf({3, 4}, {2});
  Tensor g = mean(scale(sub(a2, b2), 0.5f));
  CHECK_NEAR(g.item(), -1.0, 0);
  g.backward();
  check_all_near(a2.grad(), {0.25, 0.25}, 0);
  check_all_near(b2.grad(), {-0.25, -0.25}, 0);
}

// L = sum(y*y + 3y), y = x @ w: dL/dy = 2y + 3, dL/dx = dL/dy @ w^T, dL/dw = x^T @ dL/dy.
// y is read by two nodes (mul reads it twice, scale once), so its gradient is a sum.
static void matmul_graph() {
  const std::vector<float> xv = {0.5f, -1.f, 2.f, 1.5f, 0.25f, -0.75f};  // [2, 3]
  const std::vector<float> wv = {1.f, -2.f, 0.5f, 0.25f, -1.5f, 3.f};    // [3, 2]
  Tensor x = leaf(xv, {2, 3}), w = leaf(wv, {3, 2});
  Tensor y = matmul(x, w);
  Tensor L = sum(add(mul(y, y), scale(y, 3.f)));
  L.backward();

  double yd[2][2], gy[2][2], loss = 0;
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 2; ++j) {
      yd[i][j] = 0;
      for (int k = 0; k < 3; ++k) yd[i][j] += double(xv[i * 3 + k]) * wv[k * 2 + j];
      gy[i][j] = 2 * yd[i][j] + 3;
      loss += yd[i][j] * yd[i][j] + 3 * yd[i][j];
    }
  std::vector<double> gx(6), gw(6);
  for (int i = 0; i < 2; ++i)
    for (int k = 0; k < 3; ++k)
      for (int j = 0; j < 2; ++j) {
        gx[i * 3 + k] += gy[i][j] * wv[k * 2 + j];
        gw[k * 2 + j] += xv[i * 3 + k] * gy[i][j];
      }
  CHECK_NEAR(L.item(), loss, 1e-4);
  check_all_near(x.grad(), gx, 1e-4);
  check_all_near(w.grad(), gw, 1e-4);
  // y is an interior tensor: backward() gives gradients to leaves only.
  CHECK(!y.grad().defined());

  // Accumulation: a second backward through a fresh graph adds to the leaves' .grad.
  Tensor L2 = sum(add(mul(matmul(x, w), matmul(x, w)), scale(matmul(x, w), 3.f)));
  L2.backward();
  for (double& v : gx) v *= 2;
  for (double& v : gw) v *= 2;
  check_all_near(x.grad(), gx, 2e-4);
  check_all_near(w.grad(), gw, 2e-4);
}

// A dense layer with a fused sigmoid: L = mean(sigmoid(x @ w + b)).
// dL/dz = s (1 - s) / n, db = column sums of dL/dz, dw = x^T dL/dz.
static void dense_sigmoid() {
  const std::vector<float> xv = {1.f, 2.f, -1.f, 0.5f, 0.f, 3.f};  // [3, 2]
  const std::vector<float> wv = {0.3f, -0.2f, 0.1f, 0.4f};         // [2, 2]
  const std::vector<float> bv = {0.05f, -0.1f};
  Tensor x = leaf(xv, {3, 2}), w = leaf(wv, {2, 2}), b = leaf(bv, {2});
  Tensor L = mean(dense(x, w, b, Activation::Sigmoid));
  L.backward();
  std::vector<double> gx(6), gw(4), gb(2);
  double loss = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      double z = bv[j];
      for (int k = 0; k < 2; ++k) z += double(xv[i * 2 + k]) * wv[k * 2 + j];
      double s = 1 / (1 + std::exp(-z));
      loss += s / 6;
      double dz = s * (1 - s) / 6;
      gb[j] += dz;
      for (int k = 0; k < 2; ++k) {
        gw[k * 2 + j] += xv[i * 2 + k] * dz;
        gx[i * 2 + k] += dz * wv[k * 2 + j];
      }
    }
  CHECK_NEAR(L.item(), loss, 1e-6);
  check_all_near(x.grad(), gx, 1e-6);
  check_all_near(w.grad(), gw, 1e-6);
  check_all_near(b.grad(), gb, 1e-6);
}

static void tape_and_no_grad() {
  Tensor a = leaf({1, 2, 3}, {3});
  Tensor h = mul(a, a);  // interior
  Tensor f = sum(scale(h, 2.f));
  // gradients(): d f / d a = 4a, d f / d h = 2, and no .grad is written.
  std::vector<Tensor> g = gradients(f, {a, h});
  CHECK(g.size() == 2);
  check_all_near(g[0], {4, 8, 12}, 0);
  check_all_near(g[1], {2, 2, 2}, 0);
  CHECK(!a.grad().defined());
  // A source f does not depend on gets an undefined gradient.
  Tensor unrelated = leaf({7}, {1});
  CHECK(!gradients(f, {unrelated})[0].defined());

  // Non-scalar roots need an explicit gradient of the same shape.
  CHECK_THROWS(std::invalid_argument, h.backward());
  CHECK_THROWS(std::invalid_argument, h.backward(Tensor::full({2}, 1.f)));
  h.backward(Tensor::from_vector({1, 0, -1}, {3}));  // d/da sum(g * a^2) = 2 g a
  check_all_near(a.grad(), {2, 0, -6}, 0);

  {
    NoGradGuard guard;
    CHECK(!grad_enabled());
    Tensor n = mul(a, a);
    CHECK(!n.requires_grad() && !n.grad_fn());
  }
  CHECK(grad_enabled());
  Tensor plain = Tensor::from_vector({1, 2}, {2});
  CHECK(!mul(plain, plain).requires_grad());
  CHECK_THROWS(std::invalid_argument, sum(plain).backward());
  CHECK_THROWS(std::invalid_argument, f.set_requires_grad(false));
}

int main() {
  try {
    by_hand();
    matmul_graph();
    dense_sigmoid();
    tape_and_no_grad();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_autograd");
}
