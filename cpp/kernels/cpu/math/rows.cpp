// Row-wise kernels over the last axis: argsort (stable, as numpy's kind="stable") and the
// running sum / product with their gradients.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "cpu/math/math.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

int64_t rows_grain(int64_t n) { return 1 + (1 << 14) / (n + 1); }

}  // namespace

void math_argsort_rows(const float* x, int64_t rows, int64_t n, bool descending, float* idx) {
  parallel_for(rows, rows_grain(n), [&](int64_t b, int64_t e) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t r = b; r < e; ++r) {
      const float* row = x + r * n;
      std::iota(order.begin(), order.end(), int64_t{0});
      // NaN sorts as the largest value, as numpy does.
      auto less = [row](int64_t i, int64_t j) {
        const float a = row[i], c = row[j];
        if (std::isnan(a)) return false;
        return std::isnan(c) || a < c;
      };
      if (descending)
        std::stable_sort(order.begin(), order.end(), [&](int64_t i, int64_t j) { return less(j, i); });
      else
        std::stable_sort(order.begin(), order.end(), less);
      for (int64_t k = 0; k < n; ++k) idx[r * n + k] = static_cast<float>(order[static_cast<size_t>(k)]);
    }
  });
}

void math_cumulative_rows(bool product, const float* x, int64_t rows, int64_t n, float* y) {
  parallel_for(rows, rows_grain(n), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      float acc = product ? 1.f : 0.f;
      for (int64_t k = 0; k < n; ++k) {
        acc = product ? acc * x[r * n + k] : acc + x[r * n + k];
        y[r * n + k] = acc;
      }
    }
  });
}

// cumsum: dx_i = sum_{j >= i} dy_j. cumprod: dx_i = sum_{j >= i} dy_j * prod_{k <= j, k != i} x_k,
// computed with the products left of i and a backward running sum, exact where x holds zeros.
void math_cumulative_rows_backward(bool product, const float* x, const float* dy, int64_t rows, int64_t n, float* dx) {
  parallel_for(rows, rows_grain(n), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) {
      const float* xr = x + r * n;
      const float* gr = dy + r * n;
      float* dr = dx + r * n;
      if (!product) {
        float acc = 0.f;
        for (int64_t k = n - 1; k >= 0; --k) dr[k] = acc += gr[k];
        continue;
      }
      float left = 1.f;  // prod_{k < i} x_k
      for (int64_t i = 0; i < n; ++i) {
        // sum_{j >= i} dy_j * prod_{i < k <= j} x_k, by Horner from the right
        double tail = 0.0;
        for (int64_t j = n - 1; j > i; --j) tail = (tail + gr[j]) * xr[j];
        dr[i] = static_cast<float>(left * (gr[i] + tail));
        left *= xr[i];
      }
    }
  });
}

}  // namespace nerve::kernels
