// Batch normalisation per channel (the last axis) over every other axis. The input is a
// [rows, C] matrix; row blocks are split across threads and reduced in a fixed order.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/normalization/normalization.h"
#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kGrainFloats = 1 << 14;

int reduce_threads(int64_t rows, int64_t C) {
#ifdef NERVE_HAVE_OPENMP
  const int nt = omp_in_parallel() ? 1 : num_threads();  // nerve's count, the same in every thread
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

}  // namespace

void batch_norm_forward(const float* xp, int64_t rows, int64_t C, bool training, float momentum, float epsilon,
                        const float* gamma, const float* beta, float* mm, float* mv, float* y, float* mean_out,
                        float* inv_std_out, ReplicaSum* replicas) {
  std::vector<float> mean(C), inv_std(C), g(C, 1.f), a(C), b(C);
  if (training) {
    std::vector<double> s, unused;
    channel_reduce2(
        rows, C,
        [&](int64_t r, float* s0, float*) {
          const float* xr = xp + r * C;
          for (int64_t c = 0; c < C; ++c) s0[c] += xr[c];
        },
        s, unused);
    double count = static_cast<double>(rows);
    if (replicas) {  // synchronized: every replica's sums and rows
      s.push_back(count);
      replicas->sum(s.data(), C + 1);
      count = s[static_cast<size_t>(C)];
    }
    for (int64_t c = 0; c < C; ++c) mean[c] = static_cast<float>(s[c] / count);
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
    if (replicas) replicas->sum(sq.data(), C);
    for (int64_t c = 0; c < C; ++c) {
      const double var = sq[c] / count;  // biased, as Keras normalises with
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
    if (gamma) g[c] = gamma[c];
    a[c] = g[c] * inv_std[c];
    b[c] = (beta ? beta[c] : 0.f) - mean[c] * a[c];
  }
  affine_rows(xp, rows, C, a.data(), b.data(), y);
  std::copy(mean.begin(), mean.end(), mean_out);
  std::copy(inv_std.begin(), inv_std.end(), inv_std_out);
}

void batch_norm_backward(const float* xp, const float* dp, int64_t rows, int64_t C, const float* mu, const float* is,
                         const float* gamma, bool batch_stats, float* o, float* dgamma, float* dbeta,
                         ReplicaSum* replicas) {
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
  if (o) {
    // train: dx = gamma * inv_std * (dy - mean(dy) - xhat * mean(dy * xhat));  eval: dx = dy * gamma * inv_std
    std::vector<float> k(C), m_dy(C), m_dyx(C);
    const double inv_rows = rows ? 1.0 / static_cast<double>(rows) : 0.0;
    std::vector<double> mean_dy(sum_dy), mean_dy_xhat(sum_dy_xhat);  // x inv_rows below
    if (batch_stats && replicas) {
      // Synchronized. dy here is this replica's: the gradient of its loss, a mean over its own
      // rows, which the GradientReducer later weights by its share rows/total. Replica r's dx
      // must be the global batch's dx_i over that share, which makes its mean terms
      // sum_s(rows_s * S_s) / (total * rows_r), S_s being replica s's sums: the plain
      // S_r / rows_r when every replica has the same rows.
      std::vector<double> v(static_cast<size_t>(2 * C + 1));
      for (int64_t c = 0; c < C; ++c) {
        v[c] = sum_dy[c] * static_cast<double>(rows);
        v[C + c] = sum_dy_xhat[c] * static_cast<double>(rows);
      }
      v[2 * C] = static_cast<double>(rows);
      replicas->sum(v.data(), 2 * C + 1);
      const double total = v[2 * C];
      for (int64_t c = 0; c < C; ++c) {
        mean_dy[c] = v[c] / total;
        mean_dy_xhat[c] = v[C + c] / total;
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      k[c] = (gamma ? gamma[c] : 1.f) * is[c];
      m_dy[c] = batch_stats ? static_cast<float>(mean_dy[c] * inv_rows) : 0.f;
      m_dyx[c] = batch_stats ? static_cast<float>(mean_dy_xhat[c] * inv_rows) : 0.f;
    }
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
  }
  for (int64_t c = 0; c < C; ++c) {
    if (dgamma) dgamma[c] = static_cast<float>(sum_dy_xhat[c]);
    if (dbeta) dbeta[c] = static_cast<float>(sum_dy[c]);
  }
}

}  // namespace nerve::kernels
