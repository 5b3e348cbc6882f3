#include "cpu/reduction/reduction.h"

#include <cmath>
#include <limits>

#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kRowGrain = 64;

// The extreme of a row; NaN wins (numpy and jnp propagate it).
double extreme(bool max, const float* x, int64_t cols) {
  double best = x[0];
  for (int64_t c = 1; c < cols && !std::isnan(best); ++c) {
    double v = x[c];
    if (std::isnan(v) || (max ? v > best : v < best)) best = v;
  }
  return best;
}

double row_mean(const float* x, int64_t cols) {
  double s = 0;
  for (int64_t c = 0; c < cols; ++c) s += x[c];
  return cols ? s / static_cast<double>(cols) : std::numeric_limits<double>::quiet_NaN();
}

double reduce_row(ReduceKind kind, const float* x, int64_t cols) {
  switch (kind) {
    case ReduceKind::Sum: {
      double s = 0;
      for (int64_t c = 0; c < cols; ++c) s += x[c];
      return s;
    }
    case ReduceKind::Mean:
      return row_mean(x, cols);
    case ReduceKind::Prod: {
      double p = 1;
      for (int64_t c = 0; c < cols; ++c) p *= x[c];
      return p;
    }
    case ReduceKind::Max:
      return extreme(true, x, cols);
    case ReduceKind::Min:
      return extreme(false, x, cols);
    case ReduceKind::LogSumExp: {
      if (cols == 0) return -std::numeric_limits<double>::infinity();
      double m = extreme(true, x, cols);
      if (!std::isfinite(m)) return m;  // +inf, -inf (all -inf) or NaN
      double s = 0;
      for (int64_t c = 0; c < cols; ++c) s += std::exp(static_cast<double>(x[c]) - m);
      return m + std::log(s);
    }
    case ReduceKind::Var:
    case ReduceKind::Std: {
      double m = row_mean(x, cols), s = 0;
      for (int64_t c = 0; c < cols; ++c) s += (x[c] - m) * (x[c] - m);
      double v = cols ? s / static_cast<double>(cols) : std::numeric_limits<double>::quiet_NaN();
      return kind == ReduceKind::Var ? v : std::sqrt(v);
    }
  }
  return 0;
}

void row_backward(ReduceKind kind, const float* x, float y, float g, int64_t cols, float* dx) {
  switch (kind) {
    case ReduceKind::Sum:
      for (int64_t c = 0; c < cols; ++c) dx[c] = g;
      return;
    case ReduceKind::Mean: {
      float s = g / static_cast<float>(cols);
      for (int64_t c = 0; c < cols; ++c) dx[c] = s;
      return;
    }
    case ReduceKind::Prod: {
      // The product of every other cell, from prefix and suffix products (exact with zeros).
      double prefix = 1;
      for (int64_t c = 0; c < cols; ++c) {
        dx[c] = static_cast<float>(prefix);
        prefix *= x[c];
      }
      double suffix = 1;
      for (int64_t c = cols - 1; c >= 0; --c) {
        dx[c] = static_cast<float>(dx[c] * suffix * g);
        suffix *= x[c];
      }
      return;
    }
    case ReduceKind::Max:
    case ReduceKind::Min: {
      int64_t ties = 0;
      for (int64_t c = 0; c < cols; ++c) ties += x[c] == y;
      float share = ties ? g / static_cast<float>(ties) : 0.f;
      for (int64_t c = 0; c < cols; ++c) dx[c] = x[c] == y ? share : 0.f;
      return;
    }
    case ReduceKind::LogSumExp:
      for (int64_t c = 0; c < cols; ++c)
        dx[c] = static_cast<float>(g * std::exp(static_cast<double>(x[c]) - static_cast<double>(y)));
      return;
    case ReduceKind::Var:
    case ReduceKind::Std: {
      double m = row_mean(x, cols);
      double scale = 2.0 / static_cast<double>(cols);
      if (kind == ReduceKind::Std) scale = y > 0 ? 1.0 / (static_cast<double>(cols) * y) : 0.0;
      for (int64_t c = 0; c < cols; ++c) dx[c] = static_cast<float>(g * scale * (x[c] - m));
      return;
    }
  }
}

}  // namespace

void reduce_rows(ReduceKind kind, const float* x, int64_t rows, int64_t cols, float* out) {
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) out[r] = static_cast<float>(reduce_row(kind, x + r * cols, cols));
  });
}

void reduce_rows_backward(ReduceKind kind, const float* x, const float* y, const float* dy, int64_t rows, int64_t cols,
                          float* dx) {
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) row_backward(kind, x + r * cols, y[r], dy[r], cols, dx + r * cols);
  });
}

void arg_rows(bool max, const float* x, int64_t rows, int64_t cols, float* out) {
  parallel_for(rows, kRowGrain, [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* row = x + r * cols;
      int64_t best = 0;
      for (int64_t c = 1; c < cols && !std::isnan(row[best]); ++c)
        if (std::isnan(row[c]) || (max ? row[c] > row[best] : row[c] < row[best])) best = c;
      out[r] = static_cast<float>(best);
    }
  });
}

}  // namespace nerve::kernels
