// batch_norm(): normalisation per channel (the last axis) over every other axis. The input is a
// [rows, C] matrix; row blocks are split across threads and reduced in a fixed order.
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "cpu/parallel.h"
#include "nerve/autograd.h"
#include "nerve/ops/normalization.h"

namespace nerve {

namespace {

constexpr int64_t kGrainFloats = 1 << 14;

int reduce_threads(int64_t rows, int64_t C) {
#ifdef NERVE_HAVE_OPENMP
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
#else
  const int nt = 1;
#endif
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(nt, rows * C / kGrainFloats)));
}

// out_k[c] = sum over rows of f_k(row, c) for two statistics at once, in double, thread-blocked.
// f(row_ptr_index, c, s0, s1) accumulates into float block sums (64 rows) that fold into double.
template <class F>
void channel_reduce2(int64_t rows, int64_t C, F&& f, std::vector<double>& s0, std::vector<double>& s1) {
  const int nt = reduce_threads(rows, C);
  std::vector<double> part(static_cast<size_t>(2 * nt * C), 0.0);
  const int64_t chunk = (rows + nt - 1) / nt;
  parallel_for(nt, 1, [&](int64_t b, int64_t e) {
    std::vector<float> b0(static_cast<size_t>(C)), b1(static_cast<size_t>(C));
    for (int64_t t = b; t < e; ++t) {
      double* p0 = part.data() + 2 * t * C;
      double* p1 = p0 + C;
      const int64_t r0 = t * chunk, r1 = std::min(rows, r0 + chunk);
      for (int64_t r = r0; r < r1; r += 64) {
        std::fill(b0.begin(), b0.end(), 0.f);
        std::fill(b1.begin(), b1.end(), 0.f);
        for (int64_t i = r, ie = std::min(r1, r + 64); i < ie; ++i) f(i, b0.data(), b1.data());
        for (int64_t c = 0; c < C; ++c) {
          p0[c] += b0[c];
          p1[c] += b1[c];
        }
      }
    }
  });
  s0.assign(static_cast<size_t>(C), 0.0);
  s1.assign(static_cast<size_t>(C), 0.0);
  for (int t = 0; t < nt; ++t)
    for (int64_t c = 0; c < C; ++c) {
      s0[c] += part[2 * t * C + c];
      s1[c] += part[2 * t * C + C + c];
    }
}

// y[r, c] = x[r, c] * a[c] + b[c]
void affine_rows(const float* x, int64_t rows, int64_t C, const float* a, const float* b, float* y) {
  parallel_for(rows, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* xr = x + r * C;
      float* yr = y + r * C;
      for (int64_t c = 0; c < C; ++c) yr[c] = xr[c] * a[c] + b[c];
    }
  });
}

struct BatchNormNode : Node {
  Tensor x;                                 // detached input
  std::vector<float> mean, inv_std, gamma;  // per channel (gamma = 1 without scale)
  bool batch_stats;                         // training: the statistics depend on x
  const char* name() const override { return "BatchNormalization"; }

  std::vector<Tensor> backward(const Tensor& grad) override {
    Tensor dy = grad.contiguous();
    const int64_t C = static_cast<int64_t>(mean.size());
    const int64_t rows = C ? x.numel() / C : 0;
    const float *xp = x.data(), *dp = dy.data();
    const float *mu = mean.data(), *is = inv_std.data();
    std::vector<double> sum_dy, sum_dy_xhat;  // dbeta, dgamma
    channel_reduce2(
        rows, C,
        [&](int64_t r, float* s0, float* s1) {
          const float* xr = xp + r * C;
          const float* dr = dp + r * C;
          for (int64_t c = 0; c < C; ++c) {
            s0[c] += dr[c];
            s1[c] += dr[c] * (xr[c] - mu[c]) * is[c];
          }
        },
        sum_dy, sum_dy_xhat);
    std::vector<Tensor> grads(inputs.size());
    if (inputs[0].requires_grad()) {
      // train: dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat));  eval: dx = dy * gamma * inv_std
      std::vector<float> k(C), m_dy(C), m_dyx(C);
      const double inv_rows = rows ? 1.0 / static_cast<double>(rows) : 0.0;
      for (int64_t c = 0; c < C; ++c) {
        k[c] = gamma[c] * is[c];
        m_dy[c] = batch_stats ? static_cast<float>(sum_dy[c] * inv_rows) : 0.f;
        m_dyx[c] = batch_stats ? static_cast<float>(sum_dy_xhat[c] * inv_rows) : 0.f;
      }
      Tensor dx = Tensor::empty(x.shape(), x.device());
      float* o = dx.data();
      parallel_for(rows, std::max<int64_t>(1, kGrainFloats / std::max<int64_t>(C, 1)), [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          const float* xr = xp + r * C;
          const float* dr = dp + r * C;
          float* orow = o + r * C;
          for (int64_t c = 0; c < C; ++c) {
            const float xhat = (xr[c] - mu[c]) * is[c];
            orow[c] = k[c] * (dr[c] - m_dy[c] - xhat * m_dyx[c]);
          }
        }
      });
      grads[0] = dx;
    }
    auto to_tensor = [C](const std::vector<double>& v) {
      Tensor t = Tensor::empty({C});
      for (int64_t c = 0; c < C; ++c) t.data()[c] = static_cast<float>(v[c]);
      return t;
    };
    if (inputs[1].defined() && inputs[1].requires_grad()) grads[1] = to_tensor(sum_dy_xhat);
    if (inputs[2].defined() && inputs[2].requires_grad()) grads[2] = to_tensor(sum_dy);
    return grads;
  }
};

void check_channel_vector(const Tensor& t, int64_t C, const char* what, const Tensor& x) {
  if (t.defined() && (t.dim() != 1 || t.size(0) != C))
    throw std::invalid_argument(std::string("batch_norm: ") + what + " of shape " + t.shape_string() +
                                " does not match the " + std::to_string(C) + " channels of input " + x.shape_string());
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& moving_mean,
                  const Tensor& moving_variance, bool training, float momentum, float epsilon) {
  if (x.dim() < 2)
    throw std::invalid_argument("batch_norm: input needs a batch axis and a channel axis, got shape " +
                                x.shape_string());
  const int64_t C = x.size(-1), rows = C ? x.numel() / C : 0;
  check_channel_vector(gamma, C, "gamma", x);
  check_channel_vector(beta, C, "beta", x);
  if (!moving_mean.defined() || !moving_variance.defined())
    throw std::invalid_argument("batch_norm: the moving mean and variance are required");
  check_channel_vector(moving_mean, C, "moving_mean", x);
  check_channel_vector(moving_variance, C, "moving_variance", x);
  if (!(epsilon > 0.f)) throw std::invalid_argument("batch_norm: epsilon must be positive");
  if (training && rows == 0)
    throw std::invalid_argument("batch_norm: cannot compute batch statistics of an empty batch " + x.shape_string());

  Tensor xc = x.contiguous().detach();
  const float* xp = xc.data();
  std::vector<float> mean(C), inv_std(C), g(C, 1.f), a(C), b(C);
  float *mm = moving_mean.data(), *mv = moving_variance.data();
  if (training) {
    std::vector<double> s, unused;
    channel_reduce2(
        rows, C,
        [&](int64_t r, float* s0, float*) {
          const float* xr = xp + r * C;
          for (int64_t c = 0; c < C; ++c) s0[c] += xr[c];
        },
        s, unused);
    for (int64_t c = 0; c < C; ++c) mean[c] = static_cast<float>(s[c] / static_cast<double>(rows));
    std::vector<double> sq;  // second pass around the mean: no cancellation
    const float* mu = mean.data();
    channel_reduce2(
        rows, C,
        [&](int64_t r, float* s0, float*) {
          const float* xr = xp + r * C;
          for (int64_t c = 0; c < C; ++c) {
            const float d = xr[c] - mu[c];
            s0[c] += d * d;
          }
        },
        sq, unused);
    for (int64_t c = 0; c < C; ++c) {
      const double var = sq[c] / static_cast<double>(rows);  // biased, as Keras normalises with
      inv_std[c] = static_cast<float>(1.0 / std::sqrt(var + epsilon));
      mm[c] = mm[c] * momentum + mean[c] * (1.f - momentum);
      mv[c] = mv[c] * momentum + static_cast<float>(var) * (1.f - momentum);
    }
  } else {
    for (int64_t c = 0; c < C; ++c) {
      mean[c] = mm[c];
      inv_std[c] = 1.f / std::sqrt(mv[c] + epsilon);
    }
  }
  for (int64_t c = 0; c < C; ++c) {
    if (gamma.defined()) g[c] = gamma.data()[c];
    a[c] = g[c] * inv_std[c];
    b[c] = (beta.defined() ? beta.data()[c] : 0.f) - mean[c] * a[c];
  }
  Tensor y = Tensor::empty(x.shape(), x.device());
  affine_rows(xp, rows, C, a.data(), b.data(), y.data());

  auto node = std::make_shared<BatchNormNode>();
  node->inputs = {x, gamma, beta};
  node->x = xc;
  node->mean = std::move(mean);
  node->inv_std = std::move(inv_std);
  node->gamma = std::move(g);
  node->batch_stats = training;
  return record(y, node);
}

}  // namespace nerve
