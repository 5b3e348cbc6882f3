// Bidirectional: a recurrent layer run forwards and a copy run backwards, merged.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "nerve/layers/regularization.h"
#include "nerve/layers/wrappers.h"
#include "nerve/ops.h"

namespace nerve {

void Bidirectional::check_merge_mode(const std::string& owner, const std::string& merge_mode) {
  if (merge_mode != "concat" && merge_mode != "sum" && merge_mode != "mul" && merge_mode != "ave")
    throw std::invalid_argument(owner + ": merge_mode must be one of concat, sum, mul, ave, got '" + merge_mode + "'");
}

Bidirectional::Bidirectional(std::string name, std::shared_ptr<Recurrent> forward, std::shared_ptr<Recurrent> backward,
                             std::string merge_mode)
    : Layer(std::move(name)), fwd_(std::move(forward)), bwd_(std::move(backward)), merge_mode_(std::move(merge_mode)) {
  if (!fwd_ || !bwd_) throw std::invalid_argument(describe() + ": needs a forward and a backward layer");
  check_merge_mode(describe(), merge_mode_);
  const auto &f = fwd_->options(), &b = bwd_->options();
  if (f.return_sequences != b.return_sequences || f.go_backwards == b.go_backwards)
    throw std::invalid_argument(describe() +
                                ": the backward layer must match return_sequences and run the "
                                "other direction (go_backwards)");
  if (f.return_state || b.return_state)
    throw std::invalid_argument(describe() + ": return_state is not supported in Bidirectional");
}

Shape Bidirectional::output_shape(const Shape& s) const {
  Shape a = fwd_->output_shape(s), b = bwd_->output_shape(s);
  if (merge_mode_ == "concat") {
    a.back() += b.back();
    return a;
  }
  if (a != b)
    throw std::invalid_argument(describe() + ": merge_mode '" + merge_mode_ + "' needs equal outputs, got " +
                                batch_shape_str(a) + " and " + batch_shape_str(b));
  return a;
}

void Bidirectional::build_weights(const Shape& s, uint64_t seed) {
  fwd_->build(s, seed);
  bwd_->build(s, dropout_seed(seed, 0xbacull));
  for (auto* l : {fwd_.get(), bwd_.get()})
    for (const Tensor& w : l->weights()) adopt_weight(w, true);
}

Tensor Bidirectional::forward(const Tensor& x, bool training) {
  Tensor yf = fwd_->run(x, {}, {}, {}, training)[0];
  Tensor yb = bwd_->run(x, {}, {}, {}, training)[0];
  bool seq = fwd_->options().return_sequences;
  if (seq) yb = reverse_time(yb);  // align the backward outputs with the input's time order
  Tensor out;
  if (merge_mode_ == "concat")
    out = concat({yf, yb}, -1);
  else if (merge_mode_ == "sum")
    out = add(yf, yb);
  else if (merge_mode_ == "mul")
    out = mul(yf, yb);
  else
    out = scale(add(yf, yb), 0.5f);
  if (!seq) return out;
  const Tensor& mask = x.impl()->mask;
  if (mask.defined()) {
    // Keras's Bidirectional runs both layers with zero_output_for_mask: masked steps give
    // zeros (a plain RNN carries its last output there).
    const int64_t B = out.size(0), T = out.size(1), F = out.size(2);
    HostView steps(mask);
    std::vector<float> keep(static_cast<size_t>(B * T * F));
    for (int64_t bt = 0; bt < B * T; ++bt) std::fill_n(keep.data() + bt * F, F, steps[bt] != 0.f ? 1.f : 0.f);
    out = mul(out, Tensor::from_host(keep.data(), out.shape(), out.device()));
  }
  out.impl()->mask = mask;
  return out;
}

}  // namespace nerve
