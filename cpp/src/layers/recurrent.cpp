// SimpleRNN / LSTM / GRU layers (one fused sequence op each).
#include "nerve/layers/recurrent.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "nerve/layers/regularization.h"
#include "nerve/ops.h"

namespace nerve {

namespace {
// The fields SimpleRNN, LSTM and GRU share, in each table's Keras order.
template <class A>
ArgField<A> units_arg() {
  using Self = A;
  return NERVE_ARG(units).require().must("a positive int", arg_positive);
}
template <class A>
ArgField<A> rate_arg(double A::* member, const char* name) {
  return arg_field(name, member).must("a float in [0, 1)", arg_unit_interval);
}
template <class A>
ArgField<A> seed_arg() {
  using Self = A;
  return NERVE_ARG(seed).must("a non-negative int or None", arg_non_negative);
}

// Validates `args` (before the shared base is made) and gives the settings it runs on.
template <class A>
RecurrentOptions options_from(const A& a, const std::string& who) {
  A::table().validate(a, who);
  RecurrentOptions o;
  o.units = a.units;
  o.activation = activation_for_layer(who, a.activation.value_or("linear"));
  o.use_bias = a.use_bias;
  o.return_sequences = a.return_sequences;
  o.return_state = a.return_state;
  o.go_backwards = a.go_backwards;
  o.dropout = static_cast<float>(a.dropout);
  o.recurrent_dropout = static_cast<float>(a.recurrent_dropout);
  o.kernel_initializer = a.kernel_initializer;
  o.recurrent_initializer = a.recurrent_initializer;
  o.bias_initializer = a.bias_initializer;
  o.seed = a.seed;
  return o;
}
template <class A>
RecurrentOptions gated_options_from(const A& a, const std::string& who) {
  RecurrentOptions o = options_from(a, who);
  o.recurrent_activation = activation_for_layer(who, a.recurrent_activation.value_or("linear"));
  return o;
}
RecurrentOptions lstm_options_from(const LSTMArgs& a, const std::string& who) {
  RecurrentOptions o = gated_options_from(a, who);
  o.unit_forget_bias = a.unit_forget_bias;
  return o;
}
}  // namespace

const ArgTable<SimpleRNNArgs>& SimpleRNNArgs::table() {
  using Self = SimpleRNNArgs;
  static const ArgTable<SimpleRNNArgs> t{{
      units_arg<Self>(),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(recurrent_initializer),
      NERVE_ARG(bias_initializer),
      rate_arg(&Self::dropout, "dropout"),
      rate_arg(&Self::recurrent_dropout, "recurrent_dropout"),
      NERVE_ARG(return_sequences),
      NERVE_ARG(return_state),
      NERVE_ARG(go_backwards),
      seed_arg<Self>(),
  }};
  return t;
}
NERVE_REGISTER_LAYER(SimpleRNN, "SimpleRNN")

const ArgTable<LSTMArgs>& LSTMArgs::table() {
  using Self = LSTMArgs;
  static const ArgTable<LSTMArgs> t{{
      units_arg<Self>(),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ACTIVATION_ARG(recurrent_activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(recurrent_initializer),
      NERVE_ARG(bias_initializer),
      NERVE_ARG(unit_forget_bias),
      rate_arg(&Self::dropout, "dropout"),
      rate_arg(&Self::recurrent_dropout, "recurrent_dropout"),
      seed_arg<Self>(),
      NERVE_ARG(return_sequences),
      NERVE_ARG(return_state),
      NERVE_ARG(go_backwards),
  }};
  return t;
}
NERVE_REGISTER_LAYER(LSTM, "LSTM")

const ArgTable<GRUArgs>& GRUArgs::table() {
  using Self = GRUArgs;
  static const ArgTable<GRUArgs> t{{
      units_arg<Self>(),
      NERVE_ACTIVATION_ARG(activation),
      NERVE_ACTIVATION_ARG(recurrent_activation),
      NERVE_ARG(use_bias),
      NERVE_ARG(kernel_initializer),
      NERVE_ARG(recurrent_initializer),
      NERVE_ARG(bias_initializer),
      rate_arg(&Self::dropout, "dropout"),
      rate_arg(&Self::recurrent_dropout, "recurrent_dropout"),
      seed_arg<Self>(),
      NERVE_ARG(return_sequences),
      NERVE_ARG(return_state),
      NERVE_ARG(go_backwards),
  }};
  return t;
}
NERVE_REGISTER_LAYER(GRU, "GRU")

SimpleRNN::SimpleRNN(std::string name, SimpleRNNArgs args)
    : Recurrent(name, RnnCell::SimpleRNN, options_from(args, "SimpleRNN '" + name + "'")), args_(std::move(args)) {}

LSTM::LSTM(std::string name, LSTMArgs args)
    : Recurrent(name, RnnCell::LSTM, lstm_options_from(args, "LSTM '" + name + "'")), args_(std::move(args)) {}

GRU::GRU(std::string name, GRUArgs args)
    : Recurrent(name, RnnCell::GRU, gated_options_from(args, "GRU '" + name + "'")), args_(std::move(args)) {}

Recurrent::Recurrent(std::string name, RnnCell cell, RecurrentOptions options)
    : Layer(std::move(name)), cell_(cell), opt_(std::move(options)) {
  // units, rates and seed were checked by the layer's table; these rules are the cells' own.
  std::vector<Activation> used{opt_.activation};
  if (cell_ != RnnCell::SimpleRNN) used.push_back(opt_.recurrent_activation);
  for (Activation a : used)
    if (!rnn_cell_activation_ok(a))
      throw std::invalid_argument(describe() + ": activation '" + activation_name(a) + "' " +
                                  rnn_cell_activation_rule());
  check_initializer(opt_.kernel_initializer);
  check_initializer(opt_.recurrent_initializer);
  check_initializer(opt_.bias_initializer);
}

void Recurrent::check_input(const Shape& s) const {
  if (s.size() != 2)
    throw std::invalid_argument(describe() + ": expects a 3-D input (batch, timesteps, features), got " +
                                batch_shape_str(s) +
                                (s.size() == 1 ? "; reshape to (batch, timesteps, 1) "
                                                 "or add an Embedding first"
                                               : ""));
}

Shape Recurrent::input_spec(const Shape& built, size_t index) const {
  return index == 0 ? any_size_but_last(built) : built;  // any number of timesteps; states exact
}

Shape Recurrent::output_shape(const Shape& s) const {
  check_input(s);
  require_known_dim(describe(), s, 1, "the last axis (features)");
  if (opt_.return_sequences) return {s[0], opt_.units};
  return {opt_.units};
}

std::vector<Shape> Recurrent::output_shapes_many(const std::vector<Shape>& in) const {
  if (in.empty() || static_cast<int64_t>(in.size()) > 1 + state_count())
    throw std::invalid_argument(describe() + " takes the input and up to " + std::to_string(state_count()) +
                                " initial state(s), got " + std::to_string(in.size()) + " inputs");
  for (size_t i = 1; i < in.size(); ++i)
    if (in[i] != Shape{opt_.units})
      throw std::invalid_argument(describe() + ": initial state " + std::to_string(i - 1) + " must have shape " +
                                  batch_shape_str({opt_.units}) + ", got " + batch_shape_str(in[i]));
  std::vector<Shape> out{output_shape(in[0])};
  if (opt_.return_state)
    for (int64_t k = 0; k < state_count(); ++k) out.push_back({opt_.units});
  return out;
}

void Recurrent::build_weights(const Shape& s, uint64_t seed) {
  const int64_t F = s[1], U = opt_.units, GU = rnn_gate_count(cell_) * U;
  add_weight({F, GU}, opt_.kernel_initializer, F, GU, seed, true, "kernel");
  add_weight({U, GU}, opt_.recurrent_initializer, U, GU, seed ^ 0x5eedull, true, "recurrent", "recurrent_kernel");
  if (opt_.use_bias) {
    Shape bs = cell_ == RnnCell::GRU ? Shape{2, GU} : Shape{GU};
    Tensor b = add_weight(bs, opt_.bias_initializer, F, GU, seed ^ 0xb1a5ull, true, "bias");
    if (cell_ == RnnCell::LSTM && opt_.unit_forget_bias) {  // the forget gate's block starts at 1
      std::vector<float> values = b.to_vector();
      std::fill(values.begin() + U, values.begin() + 2 * U, 1.f);
      b.copy_from_host(values.data());
    }
  }
  seed_ = opt_.seed ? static_cast<uint64_t>(*opt_.seed) : seed;
}

void Recurrent::build_weights_many(const std::vector<Shape>& in, uint64_t seed) { build_weights(in[0], seed); }

std::vector<Tensor> Recurrent::run(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& mask,
                                   bool training) {
  if (!built()) throw std::logic_error(describe() + " is called before it is built");
  if (x.dim() != 3)
    throw std::invalid_argument(describe() + ": expects a 3-D input (batch, timesteps, features), got shape " +
                                x.shape_string());
  const Shape& built_for = input_shapes().at(0);
  if (x.size(2) != built_for[1])
    throw std::invalid_argument(describe() + ": expected input of shape " + batch_shape_str(built_for) + " (features " +
                                std::to_string(built_for[1]) + "), got " + x.shape_string());
  const int64_t B = x.size(0), T = x.size(1), U = opt_.units;
  if (c0.defined() && cell_ != RnnCell::LSTM)
    throw std::invalid_argument(describe() + " has one state (h); got an initial cell state too");
  Tensor m = mask.defined() ? mask : x.impl()->mask;
  Tensor ikeep, rkeep;
  if (training && opt_.dropout > 0.f)
    ikeep = dropout_keep_mask({B, x.size(2)}, opt_.dropout, dropout_seed(seed_, 2 * calls_));
  if (training && opt_.recurrent_dropout > 0.f)
    rkeep = dropout_keep_mask({B, U}, opt_.recurrent_dropout, dropout_seed(seed_, 2 * calls_ + 1));
  if (training) ++calls_;
  RnnOptions ro;
  ro.cell = cell_;
  ro.activation = opt_.activation;
  ro.recurrent_activation = opt_.recurrent_activation;
  ro.go_backwards = opt_.go_backwards;
  ro.precision = precision();
  Tensor packed;
  try {
    packed =
        rnn_sequence(ro, x, weights_[0], weights_[1], opt_.use_bias ? weights_[2] : Tensor(), h0, c0, m, ikeep, rkeep);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(describe() + ": " + e.what());
  }
  std::vector<Tensor> out;
  if (opt_.return_sequences) {
    out.push_back(narrow(packed, 1, 0, T));
    out.back().impl()->mask = m;
  } else {
    out.push_back(narrow(packed, 1, T, 1).reshape({B, U}));
  }
  out.push_back(opt_.return_sequences ? narrow(packed, 1, T, 1).reshape({B, U}) : out[0]);
  if (cell_ == RnnCell::LSTM) out.push_back(narrow(packed, 1, T + 1, 1).reshape({B, U}));
  return out;
}

Tensor Recurrent::forward(const Tensor& x, bool training) { return run(x, {}, {}, {}, training)[0]; }

std::vector<Tensor> Recurrent::forward_many(const std::vector<Tensor>& xs, bool training) {
  std::vector<Tensor> all =
      run(xs.at(0), xs.size() > 1 ? xs[1] : Tensor(), xs.size() > 2 ? xs[2] : Tensor(), Tensor(), training);
  if (!opt_.return_state) all.resize(1);
  return all;
}

}  // namespace nerve
