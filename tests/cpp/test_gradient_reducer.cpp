// The Trainer's data-parallel hook (nerve/gradient_reducer.h), without MPI: the reducer is
// called once per step between backward and the optimizer, with this rank's batch size; what it
// writes into the gradients is what the optimizer applies; returning false skips the step; a
// non-finite loss still calls it (so the other ranks are not left waiting). And synchronized
// BatchNormalization on two in-process replicas (threads whose reducer sums between them) trains
// as one process on the global batch.
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
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
  void sum_over_replicas(double*, int64_t) override {}  // one replica: the sums are this one's
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

// Two replicas in one process: each collective waits for both threads' values and gives both
// their sum (a 2-party MPI_Allreduce).
struct PairSum {
  std::mutex m;
  std::condition_variable cv;
  std::vector<double> total;
  int arrived = 0, generation = 0, left = 0;
  void sum(double* v, int64_t n) {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [&] { return left == 0; });  // the previous collective fully read
    if (arrived == 0)
      total.assign(v, v + n);
    else
      for (int64_t i = 0; i < n; ++i) total[size_t(i)] += v[i];
    const int gen = generation;
    if (++arrived == 2) {
      arrived = 0, left = 2, ++generation;
      cv.notify_all();
    } else {
      cv.wait(lock, [&] { return generation != gen; });
    }
    std::copy(total.begin(), total.end(), v);
    if (--left == 0) cv.notify_all();
  }
};

// A GradientReducer over PairSum, weighting by batch size as MpiGradientReducer does.
struct PairReducer : GradientReducer {
  explicit PairReducer(PairSum& pair) : pair(pair) {}
  PairSum& pair;
  bool reduce(const std::vector<Tensor>& params, double local_weight, bool is_finite) override {
    std::vector<double> flat = {local_weight, is_finite ? 0.0 : 1.0};
    for (const Tensor& p : params)
      for (float g : p.grad().to_vector()) flat.push_back(g * local_weight);
    pair.sum(flat.data(), int64_t(flat.size()));
    size_t at = 2;
    for (const Tensor& p : params) {
      std::vector<float> g(size_t(p.numel()));
      for (float& x : g) x = float(flat[at++] / flat[0]);
      p.set_grad(Tensor::from_vector(g, p.shape()));
    }
    return flat[1] == 0.0;
  }
  void sum_over_replicas(double* v, int64_t n) override { pair.sum(v, n); }
};

std::shared_ptr<Sequential> bn_model() {
  set_seed(5);
  auto m = std::make_shared<Sequential>();
  DenseArgs hidden;
  hidden.units = 4;
  hidden.use_bias = false;
  m->add(std::make_shared<Dense>("hidden", hidden));
  BatchNormalizationArgs bn;
  bn.synchronized = true;
  bn.momentum = 0.5;
  m->add(std::make_shared<BatchNormalization>("bn", bn));
  DenseArgs out;
  out.units = 2;
  m->add(std::make_shared<Dense>("out", out));
  m->build({3});
  return m;
}

// Every weight, moving statistics included (kernel, gamma, beta, moving mean and variance, ...).
std::vector<std::vector<float>> all_weights(const Sequential& m) {
  std::vector<std::vector<float>> out;
  for (const auto& layer : m.layers())
    for (const Tensor& w : layer->weights()) out.push_back(w.to_vector());
  return out;
}

// Global batches of 4 rows (kX's 5 rows and 3 more): replica 0 trains on rows 0-1 and 4-5,
// replica 1 on 2-3 and 6-7; one process on all 8 with batch 4. Same weights and moving
// statistics; plain BatchNormalization on the replicas would differ.
void synchronized_batch_norm_trains_as_the_global_batch() {
  std::vector<float> x = kX.to_vector(), y = kY.to_vector();
  for (float v : {0.5f, -2.f, 1.f, 3.f, 1.f, -1.f, 0.f, 0.f, 1.f}) x.push_back(v);
  for (float v : {2.f, 0.f, -1.f, 1.f, 0.f, 0.f}) y.push_back(v);
  auto rows = [](const std::vector<float>& a, std::vector<int> r, int64_t width) {
    std::vector<float> out;
    for (int i : r) out.insert(out.end(), a.begin() + i * width, a.begin() + (i + 1) * width);
    return Tensor::from_vector(out, {int64_t(r.size()), width});
  };
  auto whole = bn_model();
  trainer(whole, 0.1f)
      .train({rows(x, {0, 1, 2, 3, 4, 5, 6, 7}, 3)}, {rows(y, {0, 1, 2, 3, 4, 5, 6, 7}, 2)}, Tensor(), {}, 4, 0, 2);
  PairSum pair;
  std::shared_ptr<Sequential> replica[2] = {bn_model(), bn_model()};
  const std::vector<int> part[2] = {{0, 1, 4, 5}, {2, 3, 6, 7}};
  std::thread threads[2];
  for (int r = 0; r < 2; ++r)
    threads[r] = std::thread([&, r] {
      Trainer t = trainer(replica[r], 0.1f);
      t.set_gradient_reducer(std::make_shared<PairReducer>(pair));
      t.train({rows(x, part[r], 3)}, {rows(y, part[r], 2)}, Tensor(), {}, 2, 0, 2);
    });
  for (auto& t : threads) t.join();
  auto want = all_weights(*whole), start = all_weights(*bn_model());
  CHECK(want[3] != start[3]);  // the moving mean moved
  for (int r = 0; r < 2; ++r) {
    auto got = all_weights(*replica[r]);
    for (size_t i = 0; i < want.size(); ++i)
      for (size_t j = 0; j < want[i].size(); ++j) CHECK_NEAR(got[i][j], want[i][j], 1e-6);
  }
}

}  // namespace

int main() {
  try {
    reducer_output_is_what_the_optimizer_applies();
    rejected_step_is_not_applied();
    non_finite_loss_still_joins_the_reduction();
    synchronized_batch_norm_trains_as_the_global_batch();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_gradient_reducer");
}
