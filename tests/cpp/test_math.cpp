// The Keras-named element-wise math (nerve/ops/math.h) from C++: broadcasting shapes and their
// errors, gradients summed back over broadcast axes (worked out by hand), where, clip's bounds
// and the casts.
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
  for (size_t i = 0; i < want.size() && i < g.size(); ++i) CHECK_NEAR(g[i], want[i], 1e-6);
}

static void shapes_and_errors() {
  CHECK((broadcast_shapes("add", {3, 1}, {1, 4}) == Shape{3, 4}));
  CHECK((broadcast_shapes("add", {2, 3, 4}, {4}) == Shape{2, 3, 4}));
  CHECK((broadcast_shapes("add", {}, {2}) == Shape{2}));
  std::string message;
  try {
    binary_op(BinaryOp::Multiply, Tensor::zeros({2, 3}), Tensor::zeros({4}));
  } catch (const std::invalid_argument& e) {
    message = e.what();
  }
  CHECK(message == "multiply: shapes (2, 3) and (4,) cannot be broadcast together: axis -1 has sizes 3 and 4");
}

// f = sum(x * b + c): x [2, 3], b [3] (a row over the batch), c [2, 1] (a column):
// df/dx = b per row, df/db = column sums of x, df/dc = 3 per row.
static void broadcast_gradients() {
  Tensor x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor b = leaf({10, 20, 30}, {3});
  Tensor c = leaf({-1, 1}, {2, 1});
  Tensor y = binary_op(BinaryOp::Add, binary_op(BinaryOp::Multiply, x, b), c);
  check_values(y, {9, 39, 89, 41, 101, 181});
  sum(y).backward();
  check_values(x.grad(), {10, 20, 30, 10, 20, 30});
  check_values(b.grad(), {5, 7, 9});
  check_values(c.grad(), {3, 3});
}

// where(cond [2, 1], x1 [3], x2 []) with cond = (1, 0): row 0 takes x1, row 1 takes x2.
static void where_gradients() {
  Tensor cond = Tensor::from_vector({1, 0}, {2, 1});
  Tensor x1 = leaf({1, 2, 3}, {3});
  Tensor x2 = leaf({7}, {});
  Tensor y = where(cond, x1, x2);
  check_values(y, {1, 2, 3, 7, 7, 7});
  sum(y).backward();
  check_values(x1.grad(), {1, 1, 1});
  check_values(x2.grad(), {3});
}

static void clip_and_casts() {
  Tensor x = leaf({-1, 0, 0.5f, 1, 2}, {5});
  sum(clip(x, 0, 1)).backward();
  check_values(x.grad(), {0, 0.5f, 1, 0.5f, 0});  // halves on the bounds, as JAX
  Tensor v = Tensor::from_vector({-1.7f, 300, -300, 2.5f}, {4});
  check_values(cast(v, "uint8"), {0, 255, 0, 2});
  check_values(cast(v, "int8"), {-1, 127, -128, 2});
  check_values(cast(v, "bool"), {1, 1, 1, 1});
  bool refused = false;
  try {
    cast(v, "float64");
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  CHECK(refused);
}

int main() {
  shapes_and_errors();
  broadcast_gradients();
  where_gradients();
  clip_and_casts();
  return nerve_test::test_exit_code("test_math");
}
