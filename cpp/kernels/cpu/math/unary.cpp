// Unary element-wise math, clip and the cast to an integer type, with their gradients.
#include <cmath>
#include <limits>

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
struct ZeroGrad {
  float grad(float, float, float) const { return 0.f; }
};
struct Sin {
  float operator()(float x) const { return std::sin(x); }
  float grad(float x, float, float g) const { return g * std::cos(x); }
};
struct Cos {
  float operator()(float x) const { return std::cos(x); }
  float grad(float x, float, float g) const { return -g * std::sin(x); }
};
struct Tan {
  float operator()(float x) const { return std::tan(x); }
  float grad(float, float y, float g) const { return g * (1.f + y * y); }
};
struct Arcsin {
  float operator()(float x) const { return std::asin(x); }
  float grad(float x, float, float g) const { return g / std::sqrt(1.f - x * x); }
};
struct Arccos {
  float operator()(float x) const { return std::acos(x); }
  float grad(float x, float, float g) const { return -g / std::sqrt(1.f - x * x); }
};
struct Arctan {
  float operator()(float x) const { return std::atan(x); }
  float grad(float x, float, float g) const { return g / (1.f + x * x); }
};
struct Sinh {
  float operator()(float x) const { return std::sinh(x); }
  float grad(float x, float, float g) const { return g * std::cosh(x); }
};
struct Cosh {
  float operator()(float x) const { return std::cosh(x); }
  float grad(float x, float, float g) const { return g * std::sinh(x); }
};
struct Arcsinh {
  float operator()(float x) const { return std::asinh(x); }
  float grad(float x, float, float g) const { return g / std::sqrt(x * x + 1.f); }
};
struct Arccosh {
  float operator()(float x) const { return std::acosh(x); }
  float grad(float x, float, float g) const { return g / std::sqrt(x * x - 1.f); }
};
struct Arctanh {
  float operator()(float x) const { return std::atanh(x); }
  float grad(float x, float, float g) const { return g / (1.f - x * x); }
};
struct Floor : ZeroGrad {
  float operator()(float x) const { return std::floor(x); }
};
struct Ceil : ZeroGrad {
  float operator()(float x) const { return std::ceil(x); }
};
struct Round : ZeroGrad {
  float operator()(float x) const { return std::nearbyint(x); }  // half to even, as NumPy
};
struct Trunc : ZeroGrad {
  float operator()(float x) const { return std::trunc(x); }
};
struct Erf {
  float operator()(float x) const { return std::erf(x); }
  float grad(float x, float, float g) const { return g * 1.1283791670955126f * std::exp(-x * x); }
};
// Giles' single-precision approximation, refined by two Newton steps on erf(y) = x in double.
struct Erfinv {
  float operator()(float x) const {
    if (std::isnan(x) || x < -1.f || x > 1.f) return std::numeric_limits<float>::quiet_NaN();
    if (x == 1.f || x == -1.f) return x * std::numeric_limits<float>::infinity();
    double w = -std::log((1.0 - x) * (1.0 + x)), p;
    if (w < 5.0) {
      w -= 2.5;
      p = 2.81022636e-08;
      for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                       0.246640727, 1.50140941})
        p = c + p * w;
    } else {
      w = std::sqrt(w) - 3.0;
      p = -0.000200214257;
      for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                       1.00167406, 2.83297682})
        p = c + p * w;
    }
    double y = p * x;
    for (int i = 0; i < 2; ++i) y -= (std::erf(y) - x) / (1.1283791670955126 * std::exp(-y * y));
    return static_cast<float>(y);
  }
  float grad(float, float y, float g) const { return g * 0.886226925452758f * std::exp(y * y); }  // sqrt(pi) / 2
};
struct Log2 {
  float operator()(float x) const { return std::log2(x); }
  float grad(float x, float, float g) const { return g / (x * 0.6931471805599453f); }
};
struct Log10 {
  float operator()(float x) const { return std::log10(x); }
  float grad(float x, float, float g) const { return g / (x * 2.302585092994046f); }
};
struct Exp2 {
  float operator()(float x) const { return std::exp2(x); }
  float grad(float, float y, float g) const { return g * y * 0.6931471805599453f; }
};
struct Expm1 {
  float operator()(float x) const { return std::expm1(x); }
  float grad(float, float y, float g) const { return g * (y + 1.f); }
};
struct Rsqrt {
  float operator()(float x) const { return 1.f / std::sqrt(x); }
  float grad(float, float y, float g) const { return -0.5f * g * y * y * y; }
};
struct Reciprocal {
  float operator()(float x) const { return 1.f / x; }
  float grad(float, float y, float g) const { return -g * y * y; }
};
// log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)): no overflow, no log(0) for large |x|.
struct LogSigmoid {
  float operator()(float x) const { return std::fmin(x, 0.f) - std::log1p(std::exp(-std::fabs(x))); }
  float grad(float x, float, float g) const {
    const float e = std::exp(-std::fabs(x));  // sigmoid(-x), without overflow
    return g * (x >= 0.f ? e / (1.f + e) : 1.f / (1.f + e));
  }
};
struct IsNan : ZeroGrad {
  float operator()(float x) const { return std::isnan(x) ? 1.f : 0.f; }
};
struct IsInf : ZeroGrad {
  float operator()(float x) const { return std::isinf(x) ? 1.f : 0.f; }
};
struct IsFinite : ZeroGrad {
  float operator()(float x) const { return std::isfinite(x) ? 1.f : 0.f; }
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
    case UnaryOp::Sin:
      return visit(Sin{});
    case UnaryOp::Cos:
      return visit(Cos{});
    case UnaryOp::Tan:
      return visit(Tan{});
    case UnaryOp::Arcsin:
      return visit(Arcsin{});
    case UnaryOp::Arccos:
      return visit(Arccos{});
    case UnaryOp::Arctan:
      return visit(Arctan{});
    case UnaryOp::Sinh:
      return visit(Sinh{});
    case UnaryOp::Cosh:
      return visit(Cosh{});
    case UnaryOp::Arcsinh:
      return visit(Arcsinh{});
    case UnaryOp::Arccosh:
      return visit(Arccosh{});
    case UnaryOp::Arctanh:
      return visit(Arctanh{});
    case UnaryOp::Floor:
      return visit(Floor{});
    case UnaryOp::Ceil:
      return visit(Ceil{});
    case UnaryOp::Round:
      return visit(Round{});
    case UnaryOp::Trunc:
      return visit(Trunc{});
    case UnaryOp::Erf:
      return visit(Erf{});
    case UnaryOp::Erfinv:
      return visit(Erfinv{});
    case UnaryOp::Log2:
      return visit(Log2{});
    case UnaryOp::Log10:
      return visit(Log10{});
    case UnaryOp::Exp2:
      return visit(Exp2{});
    case UnaryOp::Expm1:
      return visit(Expm1{});
    case UnaryOp::Rsqrt:
      return visit(Rsqrt{});
    case UnaryOp::Reciprocal:
      return visit(Reciprocal{});
    case UnaryOp::LogSigmoid:
      return visit(LogSigmoid{});
    case UnaryOp::IsNan:
      return visit(IsNan{});
    case UnaryOp::IsInf:
      return visit(IsInf{});
    case UnaryOp::IsFinite:
      return visit(IsFinite{});
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
