// Recurrent layers (Keras semantics): SimpleRNN, LSTM and GRU, each with its own arguments, on
// one shared implementation (Recurrent).
// Inputs are [batch, timesteps, features]. A padding mask ([batch, timesteps] of 0/1) travels on
// the tensor (TensorImpl::mask): Embedding(mask_zero) sets it; sequence layers read it and pass
// it on when they keep the time axis.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nerve/layers/arguments.h"
#include "nerve/layers/layer.h"
#include "nerve/ops/recurrent.h"

namespace nerve {

// SimpleRNN's, LSTM's and GRU's arguments (Keras names, order and defaults; see
// nerve/layers/arguments.h). The weights' roles are "kernel", "recurrent" (the recurrent kernel:
// recurrent_regularizer) and "bias".
struct SimpleRNNArgs {
  int64_t units = 0;  // required
  std::optional<std::string> activation{"tanh"};
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer recurrent_initializer{"orthogonal"};
  Initializer bias_initializer{"zeros"};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  std::optional<int64_t> seed;  // dropout masks; None: the layer's build seed
  static const ArgTable<SimpleRNNArgs>& table();
};

struct LSTMArgs {
  int64_t units = 0;  // required
  std::optional<std::string> activation{"tanh"};
  std::optional<std::string> recurrent_activation{"sigmoid"};
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer recurrent_initializer{"orthogonal"};
  Initializer bias_initializer{"zeros"};
  bool unit_forget_bias = true;  // the forget gate's bias starts at 1
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  std::optional<int64_t> seed;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  static const ArgTable<LSTMArgs>& table();
};

struct GRUArgs {
  int64_t units = 0;  // required
  std::optional<std::string> activation{"tanh"};
  std::optional<std::string> recurrent_activation{"sigmoid"};
  bool use_bias = true;
  Initializer kernel_initializer{"glorot_uniform"};
  Initializer recurrent_initializer{"orthogonal"};
  Initializer bias_initializer{"zeros"};
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  std::optional<int64_t> seed;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  static const ArgTable<GRUArgs>& table();
};

// What the shared implementation runs on, made from a layer's Args (which hold the defaults).
struct RecurrentOptions {
  int64_t units = 0;
  Activation activation{};
  Activation recurrent_activation{};  // unused by SimpleRNN
  bool use_bias = false;
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  float dropout = 0.f;
  float recurrent_dropout = 0.f;
  bool unit_forget_bias = false;  // LSTM only
  Initializer kernel_initializer, recurrent_initializer, bias_initializer;
  std::optional<int64_t> seed;
};

// The base of SimpleRNN, LSTM and GRU (below). Weights: kernel [F, G*U], recurrent_kernel
// [U, G*U], bias [G*U] (GRU: [2, 3U], reset_after=True); gate blocks in Keras order.
class Recurrent : public Layer {
 public:
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
  Recurrent(std::string name, RnnCell cell, RecurrentOptions options);
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

class SimpleRNN : public Recurrent {
 public:
  using Args = SimpleRNNArgs;
  SimpleRNN(std::string name, SimpleRNNArgs args);
  const SimpleRNNArgs& args() const { return args_; }

 private:
  SimpleRNNArgs args_;
};

class LSTM : public Recurrent {
 public:
  using Args = LSTMArgs;
  LSTM(std::string name, LSTMArgs args);
  const LSTMArgs& args() const { return args_; }

 private:
  LSTMArgs args_;
};

// reset_after=True only (the Keras 3 default; bias [2, 3U]).
class GRU : public Recurrent {
 public:
  using Args = GRUArgs;
  GRU(std::string name, GRUArgs args);
  const GRUArgs& args() const { return args_; }

 private:
  GRUArgs args_;
};

}  // namespace nerve
