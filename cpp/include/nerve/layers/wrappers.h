// Wrapper layers: Bidirectional (around a recurrent layer) and TimeDistributed.
#pragma once
#include <memory>
#include <string>

#include "nerve/layers/layer.h"
#include "nerve/layers/recurrent.h"

namespace nerve {

// Runs a recurrent layer forwards and a copy of it backwards, and merges the two.
class Bidirectional : public Layer {
 public:
  // merge_mode: one of merge_modes(). `backward` must have go_backwards set. The wrapped layers
  // are Python objects to the user, so the Keras default ("concat") lives in the Python class.
  Bidirectional(std::string name, std::shared_ptr<Recurrent> forward, std::shared_ptr<Recurrent> backward,
                std::string merge_mode);
  // Throws std::invalid_argument naming `owner` when merge_mode is not one of the modes.
  static void check_merge_mode(const std::string& owner, const std::string& merge_mode);
  const char* type() const override { return "Bidirectional"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }
  const std::shared_ptr<Recurrent>& forward_layer() const { return fwd_; }
  const std::shared_ptr<Recurrent>& backward_layer() const { return bwd_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  std::shared_ptr<Recurrent> fwd_, bwd_;
  std::string merge_mode_;
};

// Applies a layer to every timestep: [B, T, ...] -> the layer on [B*T, ...] -> [B, T, ...].
class TimeDistributed : public Layer {
 public:
  TimeDistributed(std::string name, std::shared_ptr<Layer> layer);
  const char* type() const override { return "TimeDistributed"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override;
  const std::shared_ptr<Layer>& layer() const { return inner_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  std::shared_ptr<Layer> inner_;
};

}  // namespace nerve
