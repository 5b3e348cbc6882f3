// XOR with nerve's C++ library alone: a 2-16-1 sigmoid network, MSE, SGD lr 0.1.
// Build: cmake -S . -B build -DNERVE_BUILD_PYTHON=OFF -DNERVE_BUILD_EXAMPLES=ON && cmake --build build
// Run:   ./build/examples/cpp/xor_cpp
#include <cstdio>

#include "nerve/nerve.h"

int main() {
  using namespace nerve;
  set_seed(42);
  auto model = std::make_shared<Sequential>();
  DenseArgs hidden, output;  // arguments as in Keras: Dense(16, activation="sigmoid")
  hidden.units = 16;
  hidden.activation = "sigmoid";
  output.units = 1;
  output.activation = "sigmoid";
  model->add(std::make_shared<Dense>("hidden", hidden));
  model->add(std::make_shared<Dense>("output", output));
  model->build({2});

  Tensor x = Tensor::from_vector({0, 0, 0, 1, 1, 0, 1, 1}, {4, 2});
  Tensor y = Tensor::from_vector({0, 1, 1, 0}, {4, 1});
  // One loss and one list of metrics per output; inputs and targets are lists (one array here).
  Trainer trainer(model, {Loss{LossKind::MeanSquaredError}}, /*loss_weights=*/{}, std::make_shared<SGD>(0.1f),
                  {{MetricSpec{MetricKind::BinaryAccuracy}}});
  for (int epoch = 1; epoch <= 10000; ++epoch) {
    Stats s = trainer.train({x}, {y}, /*sample_weight=*/Tensor(), /*order=*/{}, 4, 0, 1);
    if (epoch % 2000 == 0)
      std::printf("epoch %5d  loss %.5f  accuracy %.2f\n", epoch, s.loss_sum / s.samples, trainer.metric_results(s)[0]);
  }
  // Inference needs only the model.
  Tensor p = Predictor(model).predict({x}, 4).at(0);
  int correct = 0;
  for (int i = 0; i < 4; ++i) {
    float out = p.data()[i];
    correct += (out > 0.5f) == (y.data()[i] > 0.5f);
    std::printf("%g xor %g -> %.3f\n", x.data()[2 * i], x.data()[2 * i + 1], out);
  }
  std::printf("%d/4 correct\n", correct);
  return correct == 4 ? 0 : 1;
}
