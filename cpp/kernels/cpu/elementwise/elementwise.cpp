#include "cpu/elementwise/elementwise.h"

#include <Eigen/Core>
#include <cmath>
#include <vector>

#include "cpu/parallel.h"

namespace nerve::kernels {

using Arr = Eigen::Map<Eigen::ArrayXf>;
using CArr = Eigen::Map<const Eigen::ArrayXf>;
constexpr int64_t kGrain = 1 << 15;

template <class F>
static void elementwise(int64_t n, F&& f) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) { f(b, e - b); });
}

void add(const float* a, const float* b, float* out, int64_t n) {
  elementwise(n, [&](int64_t o, int64_t m) { Arr(out + o, m) = CArr(a + o, m) + CArr(b + o, m); });
}
void sub(const float* a, const float* b, float* out, int64_t n) {
  elementwise(n, [&](int64_t o, int64_t m) { Arr(out + o, m) = CArr(a + o, m) - CArr(b + o, m); });
}
void mul(const float* a, const float* b, float* out, int64_t n) {
  elementwise(n, [&](int64_t o, int64_t m) { Arr(out + o, m) = CArr(a + o, m) * CArr(b + o, m); });
}
void scale(const float* a, float s, float* out, int64_t n) {
  elementwise(n, [&](int64_t o, int64_t m) { Arr(out + o, m) = CArr(a + o, m) * s; });
}
void axpy(float alpha, const float* x, float* y, int64_t n) {
  elementwise(n, [&](int64_t o, int64_t m) { Arr(y + o, m) += alpha * CArr(x + o, m); });
}

double sum(const float* a, int64_t n) {
  // Pairwise-ish: float blocks summed in double, fixed block order (deterministic).
  double total = 0;
  constexpr int64_t kBlock = 4096;
  for (int64_t o = 0; o < n; o += kBlock) total += CArr(a + o, std::min(kBlock, n - o)).sum();
  return total;
}

void column_sums(const float* x, int64_t rows, int64_t cols, float* out) {
  Arr acc(out, cols);
  acc.setZero();
  for (int64_t i = 0; i < rows; ++i) acc += CArr(x + i * cols, cols);
}

void softmax_rows(const float* x, float* y, int64_t rows, int64_t cols) {
  parallel_for(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(cols, 1)), [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      CArr xi(x + i * cols, cols);
      Arr yi(y + i * cols, cols);
      float mx = xi.maxCoeff();
      yi = (xi - mx).exp();
      yi /= yi.sum();
    }
  });
}

void softmax_rows_backward(const float* y, const float* dy, float* dx, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *yi = y + i * cols, *gi = dy + i * cols;
    double dot = 0;
    for (int64_t j = 0; j < cols; ++j) dot += double(gi[j]) * yi[j];
    for (int64_t j = 0; j < cols; ++j) dx[i * cols + j] = yi[j] * (gi[j] - static_cast<float>(dot));
  }
}

bool all_finite(const float* a, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    if (!std::isfinite(a[i])) return false;
  return true;
}

}  // namespace nerve::kernels
