// Creation ops and the triangle masks (nerve/ops/creation.h).
#include "nerve/ops/creation.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "nerve/ops/math.h"
#include "ops/dispatch.h"

namespace nerve {

namespace {

void check_shape(const char* op, const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) throw std::invalid_argument(std::string(op) + ": shape " + shape_str(shape) + " has a negative dim");
}

constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max() / 4;

Tensor triangle(const char* op, const Tensor& x, int64_t lower, int64_t upper) {
  if (x.dim() < 2)
    throw std::invalid_argument(std::string(op) + ": x must have at least 2 axes, got shape " + x.shape_string());
  const int64_t rows = x.shape()[x.dim() - 2], cols = x.shape()[x.dim() - 1];
  Tensor mask = band(op, rows, cols, lower, upper);
  // where, not a product: inf and nan above the diagonal become 0, as jnp.tril gives.
  return where(mask, x, Tensor::zeros({}, x.device()));
}

}  // namespace

Tensor full(const Shape& shape, float value) {
  check_shape("full", shape);
  return Tensor::full(shape, value);
}

Tensor full_like(const Tensor& x, float value) { return Tensor::full(x.shape(), value, x.device()); }

Tensor arange(double start, double stop, double step) {
  if (step == 0.0 || !std::isfinite(step) || !std::isfinite(start) || !std::isfinite(stop))
    throw std::invalid_argument(
        "arange: start, stop and step must be finite and step non-zero, got start=" + std::to_string(start) +
        ", stop=" + std::to_string(stop) + ", step=" + std::to_string(step));
  const double count = std::ceil((stop - start) / step);
  const int64_t n = count > 0 ? static_cast<int64_t>(count) : 0;
  Tensor out = Tensor::empty({n});
  NERVE_KERNEL(out.device(), math, ramp, "arange")(start, step, out.data(), n);
  return out;
}

Tensor linspace(double start, double stop, int64_t num, bool endpoint) {
  if (num < 0) throw std::invalid_argument("linspace: num must be >= 0, got " + std::to_string(num));
  const int64_t div = endpoint ? num - 1 : num;
  const double step = div > 0 ? (stop - start) / static_cast<double>(div) : 0.0;
  Tensor out = Tensor::empty({num});
  NERVE_KERNEL(out.device(), math, ramp, "linspace")(start, step, out.data(), num);
  return out;
}

Tensor band(const char* op, int64_t rows, int64_t cols, int64_t lower, int64_t upper) {
  check_shape(op, {rows, cols});
  Tensor out = Tensor::empty({rows, cols});
  NERVE_KERNEL(out.device(), math, band, op)(rows, cols, lower, upper, out.data());
  return out;
}

Tensor tril(const Tensor& x, int64_t k) { return triangle("tril", x, -kNoLimit, k); }
Tensor triu(const Tensor& x, int64_t k) { return triangle("triu", x, k, kNoLimit); }

}  // namespace nerve
