#include "nerve/initializers.h"

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

#include "nerve/random.h"

namespace nerve {

namespace {
constexpr const char* kNames =
    "zeros, ones, constant, glorot_uniform, glorot_normal, he_uniform, he_normal, "
    "random_uniform, random_normal, orthogonal";
}

void check_initializer(const Initializer& init) {
  static const char* valid[] = {"zeros", "ones", "constant", "glorot_uniform", "glorot_normal",
                                "he_uniform", "he_normal", "random_uniform", "random_normal",
                                "orthogonal"};
  for (const char* v : valid)
    if (init.name == v) return;
  throw std::invalid_argument("unknown initializer '" + init.name + "'; valid names: " + kNames);
}

void initialize(Tensor& t, const Initializer& init, int64_t fan_in, int64_t fan_out, uint64_t seed) {
  check_initializer(init);
  float* p = t.data();
  int64_t n = t.numel();
  const std::string& name = init.name;
  if (name == "zeros" || name == "ones" || name == "constant") {
    float v = name == "zeros" ? 0.f : name == "ones" ? 1.f : init.value;
    for (int64_t i = 0; i < n; ++i) p[i] = v;
    return;
  }
  Rng rng(seed);
  double fin = std::max<int64_t>(fan_in, 1), fout = std::max<int64_t>(fan_out, 1);
  if (name == "random_uniform") {
    for (int64_t i = 0; i < n; ++i) p[i] = init.minval + (init.maxval - init.minval) * rng.uniform();
    return;
  }
  if (name == "random_normal") {
    for (int64_t i = 0; i < n; ++i) p[i] = init.mean + init.stddev * rng.normal();
    return;
  }
  if (name == "orthogonal") {
    // Keras: a normal matrix of shape (prod(shape[:-1]), shape[-1]), transposed to be tall,
    // replaced by Q of its QR decomposition with the signs of diag(R).
    int64_t cols = t.dim() ? t.size(-1) : 1, rows = cols ? n / cols : 0;
    int64_t r = std::max(rows, cols), c = std::min(rows, cols);
    Eigen::MatrixXd a(r, c);
    for (int64_t j = 0; j < c; ++j)
      for (int64_t i = 0; i < r; ++i) a(i, j) = rng.normal();
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(r, c);
    Eigen::MatrixXd rr = qr.matrixQR().topRows(c).triangularView<Eigen::Upper>();
    for (int64_t j = 0; j < c; ++j)
      if (rr(j, j) < 0) q.col(j) *= -1.0;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        p[i * cols + j] = static_cast<float>(rows >= cols ? q(i, j) : q(j, i)) * (init.value != 0.f ? init.value : 1.f);
    return;
  }
  bool glorot = name.rfind("glorot", 0) == 0;
  double var = glorot ? 2.0 / (fin + fout) : 2.0 / fin;  // Glorot: 2/(in+out); He: 2/in
  if (name.find("uniform") != std::string::npos) {
    float limit = static_cast<float>(std::sqrt(3.0 * var));
    for (int64_t i = 0; i < n; ++i) p[i] = limit * (2.f * rng.uniform() - 1.f);
  } else {
    // Keras draws from a truncated normal (|z| < 2) whose stddev is sqrt(var)/0.87962566.
    float stddev = static_cast<float>(std::sqrt(var) / 0.87962566103423978);
    for (int64_t i = 0; i < n; ++i) {
      float z;
      do z = rng.normal(); while (std::fabs(z) >= 2.f);
      p[i] = stddev * z;
    }
  }
}

}  // namespace nerve
