// Recurrent layers (Keras semantics): SimpleRNN / LSTM / GRU through one Recurrent class.
// Inputs are [batch, timesteps, features]. A padding mask ([batch, timesteps] of 0/1) travels on
// the tensor (TensorImpl::mask): Embedding(mask_zero) sets it; sequence layers read it and pass
// it on when they keep the time axis.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/layers/layer.h"
#include "nerve/ops/recurrent.h"

namespace nerve {

struct RecurrentOptions {
  int64_t units = 0;
  Activation activation = Activation::Tanh;
  Activation recurrent_activation = Activation::Sigmoid;
  bool use_bias = true;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  float dropout = 0.f;
  float recurrent_dropout = 0.f;
  bool unit_forget_bias = true;  // LSTM: forget-gate bias starts at 1
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer recurrent_initializer{"orthogonal"};
  Initializer bias_initializer{"zeros"};
};

// SimpleRNN, LSTM and GRU (reset_after=True, Keras 3 default). Weights: kernel [F, G*U],
// recurrent_kernel [U, G*U], bias [G*U] (GRU: [2, 3U]); gate blocks in Keras order.
class Recurrent : public Layer {
 public:
  Recurrent(std::string name, RnnCell cell, RecurrentOptions options);
  const char* type() const override { return rnn_cell_name(cell_); }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t index) const override;
  // [output, h] (SimpleRNN, GRU) or [output, h, c] (LSTM) with return_state, else [output].
  std::vector<Shape> output_shapes_many(const std::vector<Shape>& input_shapes) const override;
  // The whole computation: x [B, T, F]; initial states and mask may be undefined (the mask then
  // comes from x). Returns {output, last h, last c (LSTM only)}.
  std::vector<Tensor> run(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& mask, bool training);
  RnnCell cell() const { return cell_; }
  const RecurrentOptions& options() const { return opt_; }
  int64_t state_count() const { return cell_ == RnnCell::LSTM ? 2 : 1; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  void build_weights_many(const std::vector<Shape>& input_shapes, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;
  // xs = {x, initial states...}
  std::vector<Tensor> forward_many(const std::vector<Tensor>& xs, bool training) override;

 private:
  void check_input(const Shape& input_shape) const;
  RnnCell cell_;
  RecurrentOptions opt_;
  uint64_t seed_ = 0, calls_ = 0;  // dropout masks: seed_ mixed with a per-call counter
};

}  // namespace nerve
