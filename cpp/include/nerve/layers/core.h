// Core layers: Dense (a fully connected layer) and Activation.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/activation.h"
#include "nerve/layers/layer.h"

namespace nerve {

class Dense : public Layer {
 public:
  Dense(std::string name, int64_t units, Activation activation = Activation::Linear, float activation_alpha = 0.f,
        bool use_bias = true, Initializer kernel_initializer = {}, Initializer bias_initializer = {"zeros"});
  const char* type() const override { return "Dense"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size_but_last(built); }
  int64_t units() const { return units_; }
  Activation activation() const { return activation_; }

 protected:
  void build_weights(const Shape& input_shape, uint64_t seed) override;
  Tensor forward(const Tensor& x, bool training) override;

 private:
  int64_t units_;
  Activation activation_;
  float alpha_;
  bool use_bias_;
  Initializer kernel_init_, bias_init_;
};

class ActivationLayer : public Layer {
 public:
  ActivationLayer(std::string name, Activation activation, float alpha = 0.f)
      : Layer(std::move(name)), activation_(activation), alpha_(alpha) {}
  const char* type() const override { return "Activation"; }
  Shape output_shape(const Shape& input_shape) const override;
  Shape input_spec(const Shape& built, size_t) const override { return any_size(built); }

 protected:
  Tensor forward(const Tensor& x, bool training) override;

 private:
  Activation activation_;
  float alpha_;
};

}  // namespace nerve
