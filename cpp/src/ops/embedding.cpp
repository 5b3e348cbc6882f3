// embedding() lookups and learned position embeddings. The lookups, their scatter-add gradient
// and the position sums are the device's embedding family (the CPU's in
// cpp/kernels/cpu/embedding/embedding.cpp).
#include "nerve/ops/embedding.h"

#include <stdexcept>

#include "nerve/autograd.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

struct EmbeddingNode : Node {
  Tensor indices;  // detached, contiguous: the table row of each lookup
  const char* name() const override { return "Embedding"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    std::vector<Tensor> grads(2);
    const Tensor& table = inputs[1];
    if (!table.requires_grad()) return grads;
    Tensor g = grad.contiguous();
    int64_t D = table.size(1);
    Tensor dt = Tensor::zeros(table.shape(), table.device());
    NERVE_KERNEL(dt.device(), embedding, scatter_add, "embedding")(indices.data(), indices.numel(), g.data(), D,
                                                                   dt.data());
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
      NERVE_KERNEL(dt.device(), embedding, position_backward, "add_position_embedding")(g.data(), B, TD, dt.data());
      grads[1] = dt;
    }
    return grads;
  }
};

}  // namespace

Tensor embedding(const Tensor& indices, const Tensor& table) {
  if (table.dim() != 2)
    throw std::invalid_argument("embedding: table must be 2-D (vocabulary, dim), got " + table.shape_string());
  check_same_device("embedding", indices, table);
  int64_t V = table.size(0), D = table.size(1);
  Tensor ic = indices.contiguous().detach();
  int64_t n = ic.numel();
  Shape out_shape = indices.shape();
  out_shape.push_back(D);
  Tensor out = Tensor::empty(out_shape, table.device());
  Tensor tc = table.contiguous();
  const int64_t bad =
      NERVE_KERNEL(table.device(), embedding, lookup, "embedding")(ic.data(), n, tc.data(), V, D, out.data());
  if (bad >= 0) {
    float v;  // the offending index, copied back for the message
    backend_for(ic.device()).copy_to_host(&v, ic.data() + bad, sizeof(float));
    throw std::invalid_argument("embedding: index " + std::to_string(v) + " at flat position " + std::to_string(bad) +
                                " is not an integer in [0, " + std::to_string(V) + ") (input_dim is " +
                                std::to_string(V) + ")");
  }
  auto node = std::make_shared<EmbeddingNode>();
  node->indices = ic;
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
  check_same_device("add_position_embedding", x, table);
  Tensor xc = x.contiguous(), tc = table.contiguous();
  Tensor out = Tensor::empty(x.shape(), x.device());
  NERVE_KERNEL(x.device(), embedding, add_position, "add_position_embedding")(xc.data(), tc.data(), B, T * D,
                                                                              out.data());
  auto node = std::make_shared<PositionNode>();
  // The table is used through its first T rows; its gradient keeps the full shape.
  node->inputs = {x, table};
  return record(out, node);
}

}  // namespace nerve
