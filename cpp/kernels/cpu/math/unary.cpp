// Unary element-wise math, clip and the cast to an integer type, with their gradients.
#include <cmath>

#include "cpu/math/broadcast_loop.h"
#include "cpu/math/math.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

// Forward y = f(x); grad: dx from x, y and dy.
struct Negative {
  float operator()(float x) const { return -x; }
  float grad(float, float, float g) const { return -g; }
};
struct Abs {
  float operator()(float x) const { return std::fabs(x); }
  float grad(float x, float, float g) const { return x >= 0.f ? g : -g; }  // JAX: +1 at 0
};
struct Square {
  float operator()(float x) const { return x * x; }
  float grad(float x, float, float g) const { return 2.f * x * g; }
};
struct Sqrt {
  float operator()(float x) const { return std::sqrt(x); }
  float grad(float, float y, float g) const { return g * 0.5f / y; }
};
struct Exp {
  float operator()(float x) const { return std::exp(x); }
  float grad(float, float y, float g) const { return g * y; }
};
struct Log {
  float operator()(float x) const { return std::log(x); }
  float grad(float x, float, float g) const { return g / x; }
};
struct Log1p {
  float operator()(float x) const { return std::log1p(x); }
  float grad(float x, float, float g) const { return g / (1.f + x); }
};
struct Sign {
  float operator()(float x) const { return x > 0.f ? 1.f : x < 0.f ? -1.f : x; }  // keeps 0, -0 and NaN
  float grad(float, float, float) const { return 0.f; }
};
struct LogicalNot {
  float operator()(float x) const { return x == 0.f ? 1.f : 0.f; }
  float grad(float, float, float) const { return 0.f; }
};
struct NotZero {
  float operator()(float x) const { return x != 0.f ? 1.f : 0.f; }
  float grad(float, float, float) const { return 0.f; }
};

template <class Visit>
void with_functor(UnaryOp op, Visit&& visit) {
  switch (op) {
    case UnaryOp::Negative:
      return visit(Negative{});
    case UnaryOp::Abs:
      return visit(Abs{});
    case UnaryOp::Square:
      return visit(Square{});
    case UnaryOp::Sqrt:
      return visit(Sqrt{});
    case UnaryOp::Exp:
      return visit(Exp{});
    case UnaryOp::Log:
      return visit(Log{});
    case UnaryOp::Log1p:
      return visit(Log1p{});
    case UnaryOp::Sign:
      return visit(Sign{});
    case UnaryOp::LogicalNot:
      return visit(LogicalNot{});
    case UnaryOp::NotZero:
      return visit(NotZero{});
  }
}

// d max(x, lo) / dx and d min(m, hi) / dm with JAX's halves on ties.
inline float share_above(float x, float bound) { return x > bound ? 1.f : x == bound ? 0.5f : 0.f; }

}  // namespace

void math_unary(UnaryOp op, const float* x, float* y, int64_t n) {
  with_functor(op, [&](auto f) {
    parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) y[i] = f(x[i]);
    });
  });
}

void math_unary_backward(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n) {
  with_functor(op, [&](auto f) {
    parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) dx[i] = f.grad(x[i], y[i], dy[i]);
    });
  });
}

// As jnp.clip: min(max(x, lo), hi), so hi wins when lo > hi.
void math_clip(const float* x, float lo, float hi, float* y, int64_t n) {
  parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float m = x[i] > lo ? x[i] : (lo > x[i] ? lo : (std::isnan(x[i]) ? x[i] : lo));
      y[i] = m < hi ? m : (hi < m ? hi : (std::isnan(m) ? m : hi));
    }
  });
}

void math_clip_backward(const float* x, float lo, float hi, const float* dy, float* dx, int64_t n) {
  parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float m = x[i] > lo ? x[i] : lo;
      dx[i] = dy[i] * share_above(x[i], lo) * share_above(hi, m);
    }
  });
}

void math_to_integer(const float* x, float lo, float hi, float* y, int64_t n) {
  parallel_for(n, kMathGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) y[i] = std::isnan(x[i]) ? 0.f : std::fmin(std::fmax(std::trunc(x[i]), lo), hi);
  });
}

}  // namespace nerve::kernels
