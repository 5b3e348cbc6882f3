// StepProgram (nerve/step_program.h), what an overridden train_step is traced into: a program of
// model call, compiled loss, penalty, gradient and optimizer update trains exactly as the
// built-in Trainer step over the same batches; bad inputs are refused with the reason.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <vector>

#include "check.h"
#include "nerve/nerve.h"
#include "nerve/step_program.h"

using namespace nerve;

namespace {

std::shared_ptr<Sequential> model() {
  set_seed(5);
  auto m = std::make_shared<Sequential>();
  DenseArgs args;
  args.units = 2;
  m->add(std::make_shared<Dense>("dense", args));
  m->build({3});
  return m;
}

const Tensor kX = Tensor::from_vector({1, 2, 3, -1, 0, 2, 0.5f, 1, -2, 2, 2, 2, -1, -1, 0}, {5, 3});
const Tensor kY = Tensor::from_vector({1, 0, 0, 1, 1, 1, 0, 0, 2, -1}, {5, 2});

// The Keras guide's step: y_pred = model(x); loss = mse + penalty; SGD on the gradients.
std::shared_ptr<StepProgram> guide_step(const std::shared_ptr<Sequential>& m, const std::shared_ptr<Optimizer>& opt) {
  auto p = std::make_shared<StepProgram>(2);  // values 0, 1: x, y
  std::vector<int64_t> weights;
  for (const Tensor& w : m->trainable_weights()) weights.push_back(p->add_capture(w));
  int64_t pred = p->add_model_call(m, {0}, 1, true);
  int64_t loss = p->add_loss(Loss{LossKind::MeanSquaredError}, {pred, 1});
  int64_t penalty = p->add_penalty(m);
  int64_t total = p->add_op("add", OpAttrs{}, {loss, penalty}, 1, {});
  int64_t grads = p->add_gradient(total, weights);
  std::vector<int64_t> gs;
  for (size_t i = 0; i < weights.size(); ++i) gs.push_back(grads + static_cast<int64_t>(i));
  p->add_apply_gradients(opt, gs, weights);
  p->set_outputs({total});
  return p;
}

std::vector<float> flat_weights(Model& m) {
  std::vector<float> out;
  for (const Tensor& w : m.trainable_weights())
    for (float v : w.to_vector()) out.push_back(v);
  return out;
}

void traced_step_trains_as_the_builtin_step() {
  auto a = model(), b = model();
  auto opt = std::make_shared<SGD>(0.1f);
  auto program = guide_step(a, opt);
  std::vector<int64_t> order = {4, 1, 3, 0, 2};
  std::vector<Tensor> last = program->run_chunk({kX, kY}, order, 2, 0, 3);
  Trainer t(b, {Loss{LossKind::MeanSquaredError}}, {}, std::make_shared<SGD>(0.1f), {});
  t.train({kX}, {kY}, Tensor(), order, 2, 0, 3);
  CHECK(opt->iterations == 3);
  CHECK(last.size() == 1 && last[0].numel() == 1);
  std::vector<float> wa = flat_weights(*a), wb = flat_weights(*b);
  CHECK(wa.size() == wb.size());
  for (size_t i = 0; i < wa.size(); ++i) CHECK_NEAR(wa[i], wb[i], 1e-6);
}

void bad_inputs_are_refused() {
  auto a = model();
  auto program = guide_step(a, std::make_shared<SGD>(0.1f));
  bool threw = false;
  try {
    program->run({kX});
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);  // two inputs traced
  threw = false;
  try {
    program->run_chunk({kX, Tensor::from_vector({1, 2}, {2, 1})}, {}, 2, 0, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);  // arrays of different lengths
  threw = false;
  try {
    program->add_gradient(0, {0});  // a gradient with respect to an input, not a weight
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

}  // namespace

int main() {
  try {
    traced_step_trains_as_the_builtin_step();
    bad_inputs_are_refused();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "unexpected exception: %s\n", e.what());
    return 1;
  }
  return nerve_test::test_exit_code("test_step_program");
}
