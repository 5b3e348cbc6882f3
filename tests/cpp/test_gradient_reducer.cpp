// The Trainer's data-parallel hook (nerve/gradient_reducer.h), without MPI: the reducer is
// called once per step between backward and the optimizer, with this rank's batch size; what it
// writes into the gradients is what the optimizer applies; returning false skips the step; a
// non-finite loss still calls it (so the other ranks are not left waiting).
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>
#include <vector>

#include "check.h"
#include "nerve/nerve.h"

using namespace nerve;

namespace {

// Records each call; multiplies every gradient by `factor`; returns `accept`.
struct FakeReducer : GradientReducer {
  float factor = 1.f;
  bool accept = true;
  std::vector<double> weights;
  std::vector<bool> finite;
  bool reduce(const std::vector<Tensor>& params, double local_weight, bool is_finite) override {
    weights.push_back(local_weight);
    finite.push_back(is_finite);
    for (const Tensor& p : params) {
      Tensor g = p.grad();
      if (!g.defined()) continue;
      std::vector<float> v = g.to_vector();
      for (float& x : v) x *= factor;
      p.set_grad(Tensor::from_vector(v, g.shape()));
    }
    return accept;
  }
};

std::shared_ptr<Sequential> model() {
  set_seed(3);
  auto m = std::make_shared<Sequential>();
  DenseArgs args;
  args.units = 2;
  m->add(std::make_shared<Dense>("dense", args));
  m->build({3});
  return m;
}

std::vector<std::vector<float>> weights_of(Model& m) {
  std::vector<std::vector<float>> out;
  for (const Tensor& w : m.trainable_weights()) out.push_back(w.to_vector());
  return out;
}

Trainer trainer(std::shared_ptr<Sequential> m, float lr) {
  return Trainer(m, {Loss{LossKind::MeanSquaredError}}, {}, std::make_shared<SGD>(lr), {});
}

const Tensor kX = Tensor::from_vector({1, 2, 3, -1, 0, 2, 0.5f, 1, -2, 2, 2, 2, -1, -1, 0}, {5, 3});
const Tensor kY = Tensor::from_vector({1, 0, 0, 1, 1, 1, 0, 0, 2, -1}, {5, 2});

// Doubling the gradients in the reducer is SGD with twice the learning rate.
void reducer_output_is_what_the_optimizer_applies() {
  auto a = model(), b = model();
  Trainer ta = trainer(a, 0.1f), tb = trainer(b, 0.2f);
  auto reducer = std::make_shared<FakeReducer>();
  reducer->factor = 2.f;
  ta.set_gradient_reducer(reducer);
  Stats s = ta.train({kX}, {kY}, Tensor(), {}, 2, 0, 3);
  tb.train({kX}, {kY}, Tensor(), {}, 2, 0, 3);
  CHECK(s.steps == 3);
  // one call per step, with the batch sizes 2, 2, 1
  CHECK(reducer->weights == (std::vector<double>{2, 2, 1}));
  auto wa = weights_of(*a), wb = weights_of(*b);
  for (size_t i = 0; i < wa.size(); ++i)
    for (size_t j = 0; j < wa[i].size(); ++j) CHECK_NEAR(wa[i][j], wb[i][j], 1e-6);
}

// A reducer that says "some rank was not finite": no weight moves, the stats say so.
void rejected_step_is_not_applied() {
  auto a = model();
  Trainer t = trainer(a, 0.1f);
  auto before = weights_of(*a);
  auto reducer = std::make_shared<FakeReducer>();
  reducer->accept = false;
  t.set_gradient_reducer(reducer);
  Stats s = t.train({kX}, {kY}, Tensor(), {}, 5, 0, 1);
  CHECK(s.non_finite);
  CHECK(reducer->weights.size() == 1);
  CHECK(weights_of(*a) == before);
}

// A NaN loss on this rank: the reducer is still called (finite=false), nothing is applied.
void non_finite_loss_still_joins_the_reduction() {
  auto a = model();
  Trainer t = trainer(a, 0.1f);
  auto before = weights_of(*a);
  auto reducer = std::make_shared<FakeReducer>();
  reducer->accept = false;  // what a real reducer answers when any rank's flag is set
  t.set_gradient_reducer(reducer);
  std::vector<float> bad = kY.to_vector();
  bad[0] = std::numeric_limits<float>::quiet_NaN();
  Stats s = t.train({kX}, {Tensor::from_vector(bad, {5, 2})}, Tensor(), {}, 5, 0, 1);
  CHECK(s.non_finite);
  CHECK(reducer->finite == std::vector<bool>{false});
  CHECK(weights_of(*a) == before);
}

}  // namespace

int main() {
  try {
    reducer_output_is_what_the_optimizer_applies();
    rejected_step_is_not_applied();
    non_finite_loss_still_joins_the_reduction();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_gradient_reducer");
}
