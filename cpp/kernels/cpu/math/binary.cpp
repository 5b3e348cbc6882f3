// Broadcasting binary ops and their gradients. Each op is a small functor so that every loop is
// instantiated (and vectorised) per op; the switch on the op runs once per call.
#include <cmath>

#include "cpu/math/broadcast_loop.h"
#include "cpu/math/math.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

using Layout = BroadcastGeometry::Layout;

// d max(a, b): 1 to the larger operand, 1/2 each on a tie (JAX's convention).
inline float larger_share(float a, float b) { return a > b ? 1.f : a == b ? 0.5f : 0.f; }
inline float truth(bool v) { return v ? 1.f : 0.f; }

// Forward functors: y = f(a, b). Backward functors: (da, db) from a, b, y and dy.
struct Add {
  float operator()(float a, float b) const { return a + b; }
  void grad(float, float, float, float g, float& da, float& db) const { da = g, db = g; }
};
struct Subtract {
  float operator()(float a, float b) const { return a - b; }
  void grad(float, float, float, float g, float& da, float& db) const { da = g, db = -g; }
};
struct Multiply {
  float operator()(float a, float b) const { return a * b; }
  void grad(float a, float b, float, float g, float& da, float& db) const { da = g * b, db = g * a; }
};
struct Divide {
  float operator()(float a, float b) const { return a / b; }
  void grad(float a, float b, float, float g, float& da, float& db) const { da = g / b, db = -g * a / (b * b); }
};
struct Power {
  float operator()(float a, float b) const { return std::pow(a, b); }
  // As JAX: d/da = b a^(b-1) (NaN at 0^0 included); d/db = y log(a), taken as 0 where a == 0.
  void grad(float a, float b, float y, float g, float& da, float& db) const {
    da = g * b * std::pow(a, b - 1.f);
    db = a == 0.f ? 0.f : g * y * std::log(a);
  }
};
struct Maximum {
  float operator()(float a, float b) const { return a > b ? a : (b > a ? b : (std::isnan(a) ? a : b)); }
  void grad(float a, float b, float, float g, float& da, float& db) const {
    da = g * larger_share(a, b), db = g * larger_share(b, a);
  }
};
struct Minimum {
  float operator()(float a, float b) const { return a < b ? a : (b < a ? b : (std::isnan(a) ? a : b)); }
  void grad(float a, float b, float, float g, float& da, float& db) const {
    da = g * larger_share(b, a), db = g * larger_share(a, b);
  }
};
// NumPy's mod: a - floor(a / b) * b, with the sign of b.
struct Mod {
  float operator()(float a, float b) const {
    float r = std::fmod(a, b);
    if (r != 0.f && ((r < 0.f) != (b < 0.f))) r += b;
    return r;
  }
  void grad(float a, float b, float, float g, float& da, float& db) const { da = g, db = -g * std::floor(a / b); }
};
struct FloorDivide {
  float operator()(float a, float b) const { return std::floor(a / b); }
  void grad(float, float, float, float, float& da, float& db) const { da = 0.f, db = 0.f; }
};
// log(e^a + e^b) = max + log1p(e^-|a - b|); the gradients are the softmax of (a, b).
struct LogAddExp {
  float operator()(float a, float b) const {
    if (a == b) return a + 0.6931471805599453f;  // also keeps inf + log 2 = inf, not inf - inf
    const float m = a > b ? a : b;
    return m + std::log1p(std::exp(-std::fabs(a - b)));
  }
  void grad(float a, float b, float y, float g, float& da, float& db) const {
    da = g * std::exp(a - y), db = g * std::exp(b - y);
  }
};
struct NoGrad {
  void grad(float, float, float, float, float& da, float& db) const { da = 0.f, db = 0.f; }
};
struct Equal : NoGrad {
  float operator()(float a, float b) const { return truth(a == b); }
};
struct NotEqual : NoGrad {
  float operator()(float a, float b) const { return truth(a != b); }
};
struct Less : NoGrad {
  float operator()(float a, float b) const { return truth(a < b); }
};
struct LessEqual : NoGrad {
  float operator()(float a, float b) const { return truth(a <= b); }
};
struct Greater : NoGrad {
  float operator()(float a, float b) const { return truth(a > b); }
};
struct GreaterEqual : NoGrad {
  float operator()(float a, float b) const { return truth(a >= b); }
};
struct LogicalAnd : NoGrad {
  float operator()(float a, float b) const { return truth(a != 0.f && b != 0.f); }
};
struct LogicalOr : NoGrad {
  float operator()(float a, float b) const { return truth(a != 0.f || b != 0.f); }
};
struct LogicalXor : NoGrad {
  float operator()(float a, float b) const { return truth((a != 0.f) != (b != 0.f)); }
};

template <class F>
void forward(F f, const float* a, const float* b, float* out, const BroadcastGeometry& g) {
  const Layout la = g.layout[0], lb = g.layout[1];
  parallel_for(g.numel, kMathGrain, [&](int64_t begin, int64_t end) {
    if (la == Layout::Flat && lb == Layout::Flat) {
      for (int64_t i = begin; i < end; ++i) out[i] = f(a[i], b[i]);
    } else if (la == Layout::Flat && lb == Layout::Scalar) {
      const float bv = b[0];
      for (int64_t i = begin; i < end; ++i) out[i] = f(a[i], bv);
    } else if (la == Layout::Scalar && lb == Layout::Flat) {
      const float av = a[0];
      for (int64_t i = begin; i < end; ++i) out[i] = f(av, b[i]);
    } else if (la == Layout::Flat && lb == Layout::Block) {
      for_each_block(begin, end, g.stretch[1], g.size[1], [&](int64_t i, int64_t j) { out[i] = f(a[i], b[j]); });
    } else if (la == Layout::Block && lb == Layout::Flat) {
      for_each_block(begin, end, g.stretch[0], g.size[0], [&](int64_t i, int64_t j) { out[i] = f(a[j], b[i]); });
    } else {
      for_each_broadcast(g, begin, end, [&](int64_t i, int64_t oa, int64_t ob, int64_t) { out[i] = f(a[oa], b[ob]); });
    }
  });
}

template <class F>
void backward(F f, const float* a, const float* b, const float* y, const float* dy, float* da, float* db,
              const BroadcastGeometry& g) {
  if (g.layout[0] == Layout::Flat && g.layout[1] == Layout::Flat) {
    parallel_for(g.numel, kMathGrain, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        float ga, gb;
        f.grad(a[i], b[i], y[i], dy[i], ga, gb);
        if (da) da[i] = ga;
        if (db) db[i] = gb;
      }
    });
    return;
  }
  // A broadcast operand receives the sum of the gradients of every output element it reached:
  // one ordered pass (deterministic); a one-value operand sums in double.
  if (g.layout[0] == Layout::Flat && g.layout[1] == Layout::Block) {  // a bias, a column
    for_each_block(0, g.numel, g.stretch[1], g.size[1], [&](int64_t i, int64_t j) {
      float ga, gb;
      f.grad(a[i], b[j], y[i], dy[i], ga, gb);
      if (da) da[i] = ga;
      if (db) db[j] += gb;
    });
    return;
  }
  if (g.layout[0] == Layout::Block && g.layout[1] == Layout::Flat) {
    for_each_block(0, g.numel, g.stretch[0], g.size[0], [&](int64_t i, int64_t j) {
      float ga, gb;
      f.grad(a[j], b[i], y[i], dy[i], ga, gb);
      if (da) da[j] += ga;
      if (db) db[i] = gb;
    });
    return;
  }
  double sa = 0, sb = 0;
  const bool scalar_a = g.layout[0] == Layout::Scalar, scalar_b = g.layout[1] == Layout::Scalar;
  for_each_broadcast(g, 0, g.numel, [&](int64_t i, int64_t oa, int64_t ob, int64_t) {
    float ga, gb;
    f.grad(a[oa], b[ob], y[i], dy[i], ga, gb);
    if (da) scalar_a ? void(sa += ga) : void(da[oa] += ga);
    if (db) scalar_b ? void(sb += gb) : void(db[ob] += gb);
  });
  if (da && scalar_a) da[0] = static_cast<float>(sa);
  if (db && scalar_b) db[0] = static_cast<float>(sb);
}

template <class Visit>
void with_functor(BinaryOp op, Visit&& visit) {
  switch (op) {
    case BinaryOp::Add:
      return visit(Add{});
    case BinaryOp::Subtract:
      return visit(Subtract{});
    case BinaryOp::Multiply:
      return visit(Multiply{});
    case BinaryOp::Divide:
      return visit(Divide{});
    case BinaryOp::Power:
      return visit(Power{});
    case BinaryOp::Maximum:
      return visit(Maximum{});
    case BinaryOp::Minimum:
      return visit(Minimum{});
    case BinaryOp::Mod:
      return visit(Mod{});
    case BinaryOp::FloorDivide:
      return visit(FloorDivide{});
    case BinaryOp::LogAddExp:
      return visit(LogAddExp{});
    case BinaryOp::Equal:
      return visit(Equal{});
    case BinaryOp::NotEqual:
      return visit(NotEqual{});
    case BinaryOp::Less:
      return visit(Less{});
    case BinaryOp::LessEqual:
      return visit(LessEqual{});
    case BinaryOp::Greater:
      return visit(Greater{});
    case BinaryOp::GreaterEqual:
      return visit(GreaterEqual{});
    case BinaryOp::LogicalAnd:
      return visit(LogicalAnd{});
    case BinaryOp::LogicalOr:
      return visit(LogicalOr{});
    case BinaryOp::LogicalXor:
      return visit(LogicalXor{});
  }
}

}  // namespace

void math_binary(BinaryOp op, const float* a, const float* b, float* out, const BroadcastGeometry& g) {
  with_functor(op, [&](auto f) { forward(f, a, b, out, g); });
}

void math_binary_backward(BinaryOp op, const float* a, const float* b, const float* y, const float* dy, float* da,
                          float* db, const BroadcastGeometry& g) {
  with_functor(op, [&](auto f) { backward(f, a, b, y, dy, da, db, g); });
}

}  // namespace nerve::kernels
