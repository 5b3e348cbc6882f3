// Random ops (nerve/ops/random_ops.h): the seed generators' table and the draws, which check
// their arguments and call the device's random kernels (cpp/kernels/cpu/random/).
#include "nerve/ops/random_ops.h"

#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>

#include "nerve/autograd.h"
#include "nerve/random.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

struct SeedState {
  int64_t seed;
  int64_t counter;
};

std::mutex g_generators_mutex;
std::vector<SeedState>& generators() {
  static std::vector<SeedState> table;
  return table;
}

SeedState& generator_at(int64_t id, const char* what) {
  auto& table = generators();
  if (id < 0 || id >= static_cast<int64_t>(table.size()))
    throw std::invalid_argument(std::string(what) + ": no seed generator with id " + std::to_string(id));
  return table[static_cast<size_t>(id)];
}

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument(std::string(op) + ": shape " + shape_str(shape) + " has a negative dim");
}

void check_finite(const char* op, const char* name, double v) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string(op) + ": " + name + " must be finite, got " + std::to_string(v));
}

struct MaskNode : Node {  // dropout: dx = dy * mask
  Tensor mask;
  const char* name() const override { return "RandomDropout"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(g.shape(), g.device());
    NERVE_KERNEL(g.device(), elementwise, mul, "random_dropout")(g.data(), mask.data(), dx.data(), g.numel());
    return {dx};
  }
};

struct ShuffleNode : Node {  // shuffle: dx scattered back through the same permutations
  Tensor idx;                // int32 per element, in float slots
  int64_t outer, len, inner;
  const char* name() const override { return "RandomShuffle"; }
  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor g = grad.contiguous();
    Tensor dx = Tensor::empty(g.shape(), g.device());
    NERVE_KERNEL(g.device(), random, scatter_along_axis, "random_shuffle")(
        g.data(), reinterpret_cast<const int32_t*>(idx.data()), outer, len, inner, dx.data());
    return {dx};
  }
};

}  // namespace

// -- seeds -----------------------------------------------------------------------------------

uint64_t random_key(int64_t seed, int64_t counter) {
  return mix64(mix64(static_cast<uint64_t>(seed) ^ 0x243F6A8885A308D3ull) +
               static_cast<uint64_t>(counter) * 0x9E3779B97F4A7C15ull);
}

int64_t new_seed_generator(int64_t seed) {
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  generators().push_back({seed, 0});
  return static_cast<int64_t>(generators().size()) - 1;
}

uint64_t seed_generator_next(int64_t id) {
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  SeedState& s = generator_at(id, "seed generator");
  return random_key(s.seed, s.counter++);
}

std::pair<int64_t, int64_t> seed_generator_state(int64_t id) {
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  const SeedState& s = generator_at(id, "seed generator");
  return {s.seed, s.counter};
}

void set_seed_generator_state(int64_t id, int64_t seed, int64_t counter) {
  std::lock_guard<std::mutex> lock(g_generators_mutex);
  generator_at(id, "seed generator") = {seed, counter};
}

uint64_t global_random_key() { return next_seed(); }

// -- draws -----------------------------------------------------------------------------------

Tensor random_uniform(const Shape& shape, float minval, float maxval, uint64_t key) {
  check_shape("random_uniform", shape);
  check_finite("random_uniform", "minval", minval);
  check_finite("random_uniform", "maxval", maxval);
  if (!(minval < maxval))
    throw std::invalid_argument("random_uniform: minval must be < maxval, got minval=" + std::to_string(minval) +
                                ", maxval=" + std::to_string(maxval) + " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  NERVE_KERNEL(out.device(), random, uniform, "random_uniform")(key, minval, maxval, out.data(), out.numel());
  return out;
}

namespace {
Tensor normal_like(const char* op, const Shape& shape, float mean, float stddev, uint64_t key, bool truncated) {
  check_shape(op, shape);
  check_finite(op, "mean", mean);
  check_finite(op, "stddev", stddev);
  if (stddev < 0)
    throw std::invalid_argument(std::string(op) + ": stddev must be >= 0, got " + std::to_string(stddev) +
                                " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  if (truncated)
    NERVE_KERNEL(out.device(), random, truncated_normal, op)(key, mean, stddev, out.data(), out.numel());
  else
    NERVE_KERNEL(out.device(), random, normal, op)(key, mean, stddev, out.data(), out.numel());
  return out;
}
}  // namespace

Tensor random_normal(const Shape& shape, float mean, float stddev, uint64_t key) {
  return normal_like("random_normal", shape, mean, stddev, key, false);
}

Tensor random_truncated_normal(const Shape& shape, float mean, float stddev, uint64_t key) {
  return normal_like("random_truncated_normal", shape, mean, stddev, key, true);
}

Tensor random_randint(const Shape& shape, int64_t minval, int64_t maxval, uint64_t key) {
  check_shape("random_randint", shape);
  constexpr int64_t kExact = int64_t{1} << 24;  // float32 holds every integer up to here
  if (minval < -kExact || maxval > kExact)
    throw std::invalid_argument(
        "random_randint: minval and maxval must be within [-2^24, 2^24] (float32 holds "
        "integers exactly up to 2^24), got minval=" +
        std::to_string(minval) + ", maxval=" + std::to_string(maxval));
  if (!(minval < maxval))
    throw std::invalid_argument("random_randint: minval must be < maxval, got minval=" + std::to_string(minval) +
                                ", maxval=" + std::to_string(maxval) + " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  NERVE_KERNEL(out.device(), random, randint, "random_randint")(key, minval, maxval, out.data(), out.numel());
  return out;
}

Tensor random_categorical(const Tensor& logits, int64_t num_samples, uint64_t key) {
  if (logits.dim() != 2)
    throw std::invalid_argument("random_categorical: logits must be 2-D [batch, classes], got shape " +
                                logits.shape_string());
  if (logits.shape()[1] < 1)
    throw std::invalid_argument("random_categorical: logits of shape " + logits.shape_string() + " have no classes");
  if (num_samples < 0)
    throw std::invalid_argument("random_categorical: num_samples must be >= 0, got " + std::to_string(num_samples));
  Tensor l = logits.contiguous();
  const int64_t rows = l.shape()[0], classes = l.shape()[1];
  Tensor out = Tensor::empty({rows, num_samples}, l.device());
  int64_t bad = NERVE_KERNEL(l.device(), random, categorical, "random_categorical")(l.data(), rows, classes,
                                                                                    num_samples, key, out.data());
  if (bad >= 0)
    throw std::invalid_argument("random_categorical: row " + std::to_string(bad) + " of logits (shape " +
                                logits.shape_string() + ") is not a distribution: NaN, +inf or all -inf");
  return out;
}

Tensor random_gamma(const Shape& shape, double alpha, uint64_t key) {
  check_shape("random_gamma", shape);
  if (!(alpha > 0) || !std::isfinite(alpha))
    throw std::invalid_argument("random_gamma: alpha must be > 0 and finite, got " + std::to_string(alpha) +
                                " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  NERVE_KERNEL(out.device(), random, gamma, "random_gamma")(key, alpha, out.data(), out.numel());
  return out;
}

Tensor random_beta(const Shape& shape, double alpha, double beta, uint64_t key) {
  check_shape("random_beta", shape);
  if (!(alpha > 0) || !(beta > 0) || !std::isfinite(alpha) || !std::isfinite(beta))
    throw std::invalid_argument(
        "random_beta: alpha and beta must be > 0 and finite, got alpha=" + std::to_string(alpha) +
        ", beta=" + std::to_string(beta) + " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  NERVE_KERNEL(out.device(), random, beta, "random_beta")(key, alpha, beta, out.data(), out.numel());
  return out;
}

Tensor random_binomial(const Shape& shape, double counts, double p, uint64_t key) {
  check_shape("random_binomial", shape);
  if (!(counts >= 0 && counts <= 16777216.0) || counts != std::floor(counts))
    throw std::invalid_argument(
        "random_binomial: counts must be an integer in [0, 2^24] (float32 holds the "
        "result exactly), got " +
        std::to_string(counts) + " for shape " + shape_str(shape));
  if (!(p >= 0 && p <= 1))
    throw std::invalid_argument("random_binomial: probabilities must be in [0, 1], got " + std::to_string(p) +
                                " for shape " + shape_str(shape));
  Tensor out = Tensor::empty(shape);
  NERVE_KERNEL(out.device(), random, binomial, "random_binomial")(key, counts, p, out.data(), out.numel());
  return out;
}

// -- ops on a tensor -------------------------------------------------------------------------

Tensor random_dropout(const Tensor& x, float rate, const std::vector<int64_t>& noise_shape, uint64_t key) {
  if (!(rate >= 0.f && rate <= 1.f))
    throw std::invalid_argument("random_dropout: rate must be in [0, 1], got " + std::to_string(rate) +
                                " for inputs of shape " + x.shape_string());
  const Shape& shape = x.shape();
  const int64_t dim = x.dim();
  // noise shape right-aligned against x's: strides of the noise tensor, 0 along broadcast dims
  std::vector<int64_t> full(static_cast<size_t>(dim), 1);
  if (noise_shape.empty()) {
    full = shape;
  } else {
    const int64_t nd = static_cast<int64_t>(noise_shape.size());
    if (nd > dim)
      throw std::invalid_argument("random_dropout: noise_shape " + shape_str(noise_shape) +
                                  " has more dims than the inputs' shape " + x.shape_string());
    for (int64_t d = 0; d < nd; ++d) {
      const int64_t xd = dim - nd + d;
      const int64_t v = noise_shape[static_cast<size_t>(d)];
      if (v == -1 || v == shape[xd]) {
        full[xd] = shape[xd];
      } else if (v != 1) {
        throw std::invalid_argument("random_dropout: noise_shape " + shape_str(noise_shape) +
                                    " does not broadcast to the inputs' shape " + x.shape_string() + " at axis " +
                                    std::to_string(xd) + " (each dim must be 1, None or the inputs' dim)");
      }
    }
  }
  if (rate == 0.f) return x;
  std::vector<int64_t> strides(static_cast<size_t>(dim), 0);
  for (int64_t d = dim - 1, stride = 1; d >= 0; --d) {
    if (full[d] != 1) strides[d] = stride;
    stride *= full[d];
  }
  Tensor xc = x.contiguous();
  Tensor mask = Tensor::empty(shape, x.device());
  const float scale = rate < 1.f ? 1.f / (1.f - rate) : 0.f;
  NERVE_KERNEL(x.device(), random, dropout_mask, "random_dropout")(key, rate, scale, shape.data(), strides.data(), dim,
                                                                   mask.data());
  Tensor y = Tensor::empty(shape, x.device());
  NERVE_KERNEL(x.device(), elementwise, mul, "random_dropout")(xc.data(), mask.data(), y.data(), x.numel());
  auto node = std::make_shared<MaskNode>();
  node->inputs = {x};
  node->mask = mask;
  return record(y, node);
}

Tensor random_shuffle(const Tensor& x, int64_t axis, uint64_t key) {
  const int64_t dim = x.dim();
  if (dim == 0) throw std::invalid_argument("random_shuffle: cannot shuffle a scalar (shape [])");
  if (axis < -dim || axis >= dim)
    throw std::invalid_argument("random_shuffle: axis " + std::to_string(axis) + " is out of range for shape " +
                                x.shape_string());
  if (axis < 0) axis += dim;
  const Shape& shape = x.shape();
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d) outer *= shape[d];
  for (int64_t d = axis + 1; d < dim; ++d) inner *= shape[d];
  const int64_t len = shape[axis];
  if (len > INT32_MAX)
    throw std::invalid_argument("random_shuffle: axis " + std::to_string(axis) + " of shape " + x.shape_string() +
                                " is longer than 2^31 - 1");
  Tensor xc = x.contiguous();
  Tensor idx = Tensor::empty({x.numel()}, x.device());  // int32 indices in float slots
  NERVE_KERNEL(x.device(), random, permutation_indices, "random_shuffle")(key, outer, len, inner,
                                                                          reinterpret_cast<int32_t*>(idx.data()));
  Tensor y = Tensor::empty(shape, x.device());
  NERVE_KERNEL(x.device(), random, gather_along_axis, "random_shuffle")(
      xc.data(), reinterpret_cast<const int32_t*>(idx.data()), outer, len, inner, y.data());
  auto node = std::make_shared<ShuffleNode>();
  node->inputs = {x};
  node->idx = idx;
  node->outer = outer;
  node->len = len;
  node->inner = inner;
  return record(y, node);
}

}  // namespace nerve
