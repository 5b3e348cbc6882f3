#include "cpu/elementwise/elementwise.h"

#include <Eigen/Core>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
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

namespace {

// Integer bit tests (an exponent of all ones is an Inf or a NaN) with no branch per element, so
// the loop vectorises, which std::isfinite's does not.
bool all_finite_serial(const float* a, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, a + i, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

}  // namespace

// One pass over memory: a large array (predict's input, checked before the forward pass: 16 MiB
// for Dense(1024) on 4,096 rows, about 3% of that predict on one thread) is split between the
// threads; below 4 MiB a fork costs more than it saves.
bool all_finite(const float* a, int64_t n) {
  std::atomic<bool> finite{true};
  parallel_for(n, int64_t{1} << 20, [&](int64_t b, int64_t e) {
    if (!all_finite_serial(a + b, e - b)) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load(std::memory_order_relaxed);
}

}  // namespace nerve::kernels
