// The Keras-named tensor ops from C++ (nerve/ops/reductions.h, shape_ops.h, linalg.h): values and
// gradients worked out by hand, and the errors' wording (op, axis, shape).
#include <functional>
#include <stdexcept>
#include <string>
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

static void check_values(const Tensor& got, const std::vector<float>& want) {
  CHECK(got.defined() && static_cast<size_t>(got.numel()) == want.size());
  if (!got.defined()) return;
  std::vector<float> g = got.to_vector();
  for (size_t i = 0; i < want.size() && i < g.size(); ++i) CHECK_NEAR(g[i], want[i], 1e-5);
}

static bool throws_with(const std::function<void()>& f, const std::string& text) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return std::string(e.what()).find(text) != std::string::npos;
  }
  return false;
}

// x = [[1, 5, 5], [2, 0, 4]]: sums, maxima (ties share the gradient), argmax.
static void reductions() {
  Tensor x = leaf({1, 5, 5, 2, 0, 4}, {2, 3});
  check_values(reduce(x, ReduceKind::Sum, std::vector<int64_t>{0}, false), {3, 5, 9});
  Tensor m = reduce(x, ReduceKind::Max, std::vector<int64_t>{-1}, true);
  CHECK(m.shape() == Shape({2, 1}));
  check_values(m, {5, 4});
  sum(m).backward();
  check_values(x.grad(), {0, 0.5f, 0.5f, 0, 0, 1});
  check_values(argmax(x, 1, false), {1, 2});
  check_values(argmin(x, std::nullopt, false), {4});
  CHECK(throws_with([&] { reduce(x, ReduceKind::Mean, std::vector<int64_t>{2}, false); },
                    "mean: axis 2 is out of bounds for a tensor of shape (2, 3)"));
}

// transpose and take: gradients permuted back and scatter-added (repeated indices accumulate).
static void shapes() {
  Tensor x = leaf({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor t = transpose(x, std::nullopt);
  check_values(t, {0, 3, 1, 4, 2, 5});
  Tensor picked = take(x, Tensor::from_vector({2, 2, -3}, {3}), 1);
  check_values(picked, {2, 2, 0, 5, 5, 3});
  sum(picked).backward();
  check_values(x.grad(), {1, 0, 2, 1, 0, 2});
  CHECK(throws_with([&] { take(x, Tensor::from_vector({3}, {1}), 1); },
                    "take: index 3 is out of bounds for axis 1 with size 3"));
  CHECK(throws_with([&] { reshape(x, {4, 2}); }, "reshape: cannot reshape a tensor of shape (2, 3)"));
}

// [2, 1, 2] @ [2, 2]: one GEMM per batch; the gradient of the shared matrix sums over the batch.
static void matmul_batched() {
  Tensor a = leaf({1, 2, 3, 4}, {2, 1, 2});
  Tensor b = leaf({1, 0, 0, 1}, {2, 2});
  Tensor c = batched_matmul(a, b);
  CHECK(c.shape() == Shape({2, 1, 2}));
  check_values(c, {1, 2, 3, 4});
  sum(c).backward();
  check_values(b.grad(), {4, 4, 6, 6});
  check_values(a.grad(), {1, 1, 1, 1});
  CHECK(throws_with([&] { batched_matmul(a, Tensor::zeros({3, 2})); }, "matmul: shapes (2, 1, 2) and (3, 2)"));
}

int main() {
  reductions();
  shapes();
  matmul_batched();
  return nerve_test::test_exit_code("test_ops_tensor");
}
