#include "nerve/initializers.h"

#include <Eigen/Dense>
#include <cmath>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "nerve/names.h"
#include "nerve/random.h"

namespace nerve {

namespace {
constexpr const char* kNames[] = {"zeros",         "ones",
                                  "constant",      "glorot_uniform",
                                  "glorot_normal", "he_uniform",
                                  "he_normal",     "lecun_uniform",
                                  "lecun_normal",  "random_uniform",
                                  "random_normal", "truncated_normal",
                                  "orthogonal",    "variance_scaling"};

std::string valid_names() {
  std::string s;
  for (const char* n : kNames) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

// Keras's variance-scaling parameters for the named shortcuts.
Initializer as_variance_scaling(const Initializer& init) {
  Initializer v = init;
  const std::string& n = init.name;
  if (n == "variance_scaling") return v;
  v.scale = n.rfind("he_", 0) == 0 ? 2.f : 1.f;
  v.mode = n.rfind("glorot_", 0) == 0 ? "fan_avg" : "fan_in";
  v.distribution = n.find("uniform") != std::string::npos ? "uniform" : "truncated_normal";
  return v;
}

float truncated(Rng& rng) {  // standard normal redrawn beyond 2
  float z;
  do z = rng.normal();
  while (std::fabs(z) > 2.f);
  return z;
}

void orthogonal(float* p, const Shape& shape, float gain, Rng& rng) {
  if (shape.size() < 2)
    throw std::invalid_argument(
        "orthogonal initializer needs a weight with at least 2 dimensions, "
        "got shape " +
        shape_str(shape));
  int64_t cols = shape.back(), rows = shape_numel(shape) / std::max<int64_t>(cols, 1);
  int64_t big = std::max(rows, cols), small = std::min(rows, cols);
  Eigen::MatrixXd a(big, small);
  for (int64_t j = 0; j < small; ++j)
    for (int64_t i = 0; i < big; ++i) a(i, j) = rng.normal();
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(big, small);
  Eigen::MatrixXd r = qr.matrixQR().topLeftCorner(small, small);
  for (int64_t j = 0; j < small; ++j)
    if (r(j, j) < 0) q.col(j) *= -1.0;  // unique Q: positive diagonal of R
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) p[i * cols + j] = static_cast<float>(gain * (rows >= cols ? q(i, j) : q(j, i)));
}
}  // namespace

const std::vector<std::string>& initializer_name_list() {
  static const std::vector<std::string> names(std::begin(kNames), std::end(kNames));
  return names;
}

void check_initializer(const Initializer& init) {
  bool known = false;
  for (const char* v : kNames) known = known || init.name == v;
  if (!known) throw std::invalid_argument("unknown initializer '" + init.name + "'; valid names: " + valid_names());
  if (init.name == "variance_scaling") {
    if (!(init.scale > 0.f))
      throw std::invalid_argument("variance_scaling: scale must be > 0, got " + std::to_string(init.scale));
    if (init.mode != "fan_in" && init.mode != "fan_out" && init.mode != "fan_avg")
      throw std::invalid_argument("variance_scaling: mode must be fan_in, fan_out or fan_avg, got '" + init.mode + "'");
    if (init.distribution != "truncated_normal" && init.distribution != "untruncated_normal" &&
        init.distribution != "uniform")
      throw std::invalid_argument(
          "variance_scaling: distribution must be truncated_normal, "
          "untruncated_normal or uniform, got '" +
          init.distribution + "'");
  }
  if ((init.name == "random_normal" || init.name == "truncated_normal") && !(init.stddev >= 0.f))
    throw std::invalid_argument(init.name + ": stddev must be >= 0, got " + std::to_string(init.stddev));
}

namespace {
// The values on the host, from one random stream, so a seed gives the same weights on every device.
void fill_host(float* p, const Shape& shape, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  int64_t n = shape_numel(shape);
  const std::string& name = init.name;
  if (name == "zeros" || name == "ones" || name == "constant") {
    float v = name == "zeros" ? 0.f : name == "ones" ? 1.f : init.value;
    for (int64_t i = 0; i < n; ++i) p[i] = v;
    return;
  }
  Rng rng(seed);
  if (name == "random_uniform") {
    for (int64_t i = 0; i < n; ++i) p[i] = init.minval + (init.maxval - init.minval) * rng.uniform();
    return;
  }
  if (name == "random_normal") {
    for (int64_t i = 0; i < n; ++i) p[i] = init.mean + init.stddev * rng.normal();
    return;
  }
  if (name == "truncated_normal") {
    for (int64_t i = 0; i < n; ++i) p[i] = init.mean + init.stddev * truncated(rng);
    return;
  }
  if (name == "orthogonal") return orthogonal(p, shape, init.gain, rng);

  const Initializer vs = as_variance_scaling(init);
  double fin = static_cast<double>(fan_in), fout = static_cast<double>(fan_out);
  double fan = vs.mode == "fan_in" ? fin : vs.mode == "fan_out" ? fout : (fin + fout) / 2.0;
  double s = vs.scale / std::max(1.0, fan);
  if (vs.distribution == "uniform") {
    float limit = static_cast<float>(std::sqrt(3.0 * s));
    for (int64_t i = 0; i < n; ++i) p[i] = limit * (2.f * rng.uniform() - 1.f);
  } else if (vs.distribution == "untruncated_normal") {
    float stddev = static_cast<float>(std::sqrt(s));
    for (int64_t i = 0; i < n; ++i) p[i] = stddev * rng.normal();
  } else {
    // Keras's constant: the stddev of a standard normal truncated to (-2, 2).
    float stddev = static_cast<float>(std::sqrt(s) / 0.87962566103423978);
    for (int64_t i = 0; i < n; ++i) p[i] = stddev * truncated(rng);
  }
}

}  // namespace

void initialize(Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  check_initializer(init);
  if (init.seed >= 0) seed = static_cast<uint64_t>(init.seed) * 0x9E3779B97F4A7C15ull + 0x5EEDull;
  std::vector<float> host(static_cast<size_t>(t.numel()));
  fill_host(host.data(), t.shape(), init, fan_in, fan_out, seed);
  t.copy_from_host(host.data());
}

}  // namespace nerve
