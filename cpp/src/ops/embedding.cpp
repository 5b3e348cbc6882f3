// embedding() lookups and learned position embeddings.
#include "nerve/ops/embedding.h"

#include <Eigen/Core>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "cpu/elementwise/elementwise.h"
#include "nerve/autograd.h"

namespace nerve {

namespace {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;

struct EmbeddingNode : Node {
  std::vector<int64_t> rows;  // table row of each lookup
  const char* name() const override { return "Embedding"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    std::vector<Tensor> grads(2);
    const Tensor& table = inputs[1];
    if (!table.requires_grad()) return grads;
    Tensor g = grad.contiguous();
    int64_t D = table.size(1);
    Tensor dt = Tensor::zeros(table.shape(), table.device());
    for (size_t i = 0; i < rows.size(); ++i)  // scatter-add: repeated tokens accumulate
      Arr(dt.data() + rows[i] * D, D) += CArr(g.data() + i * D, D);
    grads[1] = dt;
    return grads;
  }
};

struct PositionNode : Node {
  const char* name() const override { return "PositionEmbedding"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    std::vector<Tensor> grads(2);
    Tensor g = grad.contiguous();
    if (inputs[0].requires_grad()) grads[0] = g;
    if (inputs[1].requires_grad()) {
      int64_t B = g.size(0), TD = g.size(1) * g.size(2);
      Tensor dt = Tensor::zeros(inputs[1].shape(), inputs[1].device());
      Arr acc(dt.data(), TD);
      for (int64_t b = 0; b < B; ++b) acc += CArr(g.data() + b * TD, TD);
      grads[1] = dt;
    }
    return grads;
  }
};

}  // namespace

Tensor embedding(const Tensor& indices, const Tensor& table) {
  if (table.dim() != 2)
    throw std::invalid_argument("embedding: table must be 2-D (vocabulary, dim), got " + table.shape_string());
  int64_t V = table.size(0), D = table.size(1);
  Tensor ic = indices.contiguous();
  int64_t n = ic.numel();
  auto node = std::make_shared<EmbeddingNode>();
  node->rows.resize(n);
  const float* ip = ic.data();
  for (int64_t i = 0; i < n; ++i) {
    float v = ip[i];
    if (!(v >= 0.f && v < static_cast<float>(V)) || v != std::floor(v))
      throw std::invalid_argument("embedding: index " + std::to_string(v) + " at flat position " + std::to_string(i) +
                                  " is not an integer in [0, " + std::to_string(V) + ") (input_dim is " +
                                  std::to_string(V) + ")");
    node->rows[i] = static_cast<int64_t>(v);
  }
  Shape out_shape = indices.shape();
  out_shape.push_back(D);
  Tensor out = Tensor::empty(out_shape);
  Tensor tc = table.contiguous();
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(out.data() + i * D, tc.data() + node->rows[i] * D, static_cast<size_t>(D) * sizeof(float));
  node->inputs = {indices, table};
  return record(out, node);
}

Tensor add_position_embedding(const Tensor& x, const Tensor& table) {
  if (x.dim() != 3)
    throw std::invalid_argument("add_position_embedding: input must be (batch, timesteps, dim), got " +
                                x.shape_string());
  int64_t B = x.size(0), T = x.size(1), D = x.size(2);
  if (table.dim() != 2 || table.size(1) != D || table.size(0) < T)
    throw std::invalid_argument("add_position_embedding: position table of shape " + table.shape_string() +
                                " cannot cover input of shape " + x.shape_string() + " (need at least (" +
                                std::to_string(T) + ", " + std::to_string(D) + "))");
  Tensor xc = x.contiguous(), tc = table.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.device());
  for (int64_t b = 0; b < B; ++b) kernels::add(xc.data() + b * T * D, tc.data(), out.data() + b * T * D, T * D);
  auto node = std::make_shared<PositionNode>();
  // The table is used through its first T rows; its gradient keeps the full shape.
  node->inputs = {x, table};
  return record(out, node);
}

}  // namespace nerve
