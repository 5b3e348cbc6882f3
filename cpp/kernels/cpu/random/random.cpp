// nerve.random's CPU kernels. Element i of a draw takes its bits from a hash of (key, i)
// (splitmix64's finaliser over a Weyl sequence, as the dropout kernel does), so each kernel is a
// parallel loop and gives the same numbers at any thread count.
#include "cpu/random/random.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "cpu/parallel.h"

namespace nerve::kernels {

namespace {

constexpr int64_t kGrain = 1 << 14;

inline uint64_t mix64(uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// 64 random bits for counter i of stream `key`.
inline uint64_t bits_at(uint64_t key, uint64_t i) { return mix64(key + (i + 1) * 0x9E3779B97F4A7C15ull); }

inline double unit_closed_open(uint64_t b) { return static_cast<double>(b >> 11) * 0x1.0p-53; }   // [0, 1)
inline double unit_open(uint64_t b) { return (static_cast<double>(b >> 11) + 0.5) * 0x1.0p-53; }  // (0, 1)

// A standard normal from two counters (Box-Muller, cosine branch only: one value per pair keeps
// element i independent of its neighbours).
inline double standard_normal(uint64_t key, uint64_t i) {
  const double u1 = unit_open(bits_at(key, 2 * i));
  const double u2 = unit_closed_open(bits_at(key, 2 * i + 1));
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

// A sequential stream of its own for element i (a draw by rejection takes a varying number of
// values): value j is a hash of (bits of (key, i), j).
struct ElementStream {
  uint64_t base;
  uint64_t j = 0;
  uint64_t next() { return bits_at(base, j++); }
  double uniform_open() { return unit_open(next()); }
  double normal() {
    const double u1 = uniform_open(), u2 = unit_closed_open(next());
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
};

ElementStream stream_at(uint64_t key, int64_t i) {
  return {bits_at(key ^ 0x3C6EF372FE94F82Bull, static_cast<uint64_t>(i))};
}

// Gamma(alpha, 1): Marsaglia and Tsang's squeeze method; alpha < 1 boosted as
// Gamma(alpha + 1) * U^(1 / alpha).
double gamma_draw(ElementStream& st, double alpha) {
  if (alpha < 1.0) return gamma_draw(st, alpha + 1.0) * std::pow(st.uniform_open(), 1.0 / alpha);
  const double d = alpha - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x, v;
    do {
      x = st.normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = st.uniform_open();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

double beta_draw(ElementStream& st, double a, double b) {
  const double x = gamma_draw(st, a), y = gamma_draw(st, b);
  if (x + y > 0) return x / (x + y);
  return st.uniform_open() < a / (a + b) ? 1.0 : 0.0;  // both underflowed (tiny a and b): an endpoint
}

}  // namespace

void random_uniform(uint64_t key, float minval, float maxval, float* out, int64_t n) {
  const double span = static_cast<double>(maxval) - static_cast<double>(minval);
  // float rounding may land on maxval: the largest float below it keeps the interval half-open
  const float below_max = std::nextafter(maxval, minval);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      const float v = static_cast<float>(minval + span * unit_closed_open(bits_at(key, i)));
      out[i] = v < maxval ? v : below_max;
    }
  });
}

void random_normal(uint64_t key, float mean, float stddev, float* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) out[i] = static_cast<float>(mean + stddev * standard_normal(key, i));
  });
}

void random_truncated_normal(uint64_t key, float mean, float stddev, float* out, int64_t n) {
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      // Re-draw from a fresh stream per attempt until |z| <= 2 (95.4% accept each time); after
      // 64 attempts (probability 1e-86) the last value is clamped.
      double z = 0;
      for (uint64_t attempt = 0; attempt < 64; ++attempt) {
        z = standard_normal(mix64(key ^ (attempt * 0xD1B54A32D192ED03ull)), i);
        if (std::fabs(z) <= 2.0) break;
      }
      z = std::clamp(z, -2.0, 2.0);
      out[i] = static_cast<float>(mean + stddev * z);
    }
  });
}

void random_randint(uint64_t key, int64_t minval, int64_t maxval, float* out, int64_t n) {
  const uint64_t span = static_cast<uint64_t>(maxval - minval);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      // Lemire's multiply-shift: the high word of bits * span is in [0, span), bias <= span / 2^64
      const uint64_t r = static_cast<uint64_t>((static_cast<unsigned __int128>(bits_at(key, i)) * span) >> 64);
      out[i] = static_cast<float>(minval + static_cast<int64_t>(r));
    }
  });
}

int64_t random_categorical(const float* logits, int64_t rows, int64_t classes, int64_t samples, uint64_t key,
                           float* out) {
  std::atomic<int64_t> bad{std::numeric_limits<int64_t>::max()};
  parallel_for(rows, 1, [&](int64_t b, int64_t e) {
    std::vector<double> cdf(static_cast<size_t>(classes));
    for (int64_t r = b; r < e; ++r) {
      const float* l = logits + r * classes;
      // softmax weights relative to the row's maximum, accumulated in double
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < classes; ++k) m = std::max(m, static_cast<double>(l[k]));
      double total = 0;
      for (int64_t k = 0; k < classes; ++k) {
        total += std::exp(static_cast<double>(l[k]) - m);
        cdf[k] = total;
      }
      if (!std::isfinite(m) || !(total > 0) || !std::isfinite(total)) {
        int64_t prev = bad.load();
        while (r < prev && !bad.compare_exchange_weak(prev, r)) {
        }
        for (int64_t s = 0; s < samples; ++s) out[r * samples + s] = 0.f;
        continue;
      }
      for (int64_t s = 0; s < samples; ++s) {
        const double target = unit_closed_open(bits_at(key, static_cast<uint64_t>(r * samples + s))) * total;
        // first class whose cumulative weight passes the target (a zero-weight class never does)
        auto it = std::upper_bound(cdf.begin(), cdf.end(), target);
        int64_t k = std::min<int64_t>(it - cdf.begin(), classes - 1);
        out[r * samples + s] = static_cast<float>(k);
      }
    }
  });
  const int64_t first = bad.load();
  return first == std::numeric_limits<int64_t>::max() ? -1 : first;
}

void random_dropout_mask(uint64_t key, float rate, float scale, const int64_t* shape, const int64_t* noise_strides,
                         int64_t dim, float* mask) {
  int64_t n = 1;
  for (int64_t d = 0; d < dim; ++d) n *= shape[d];
  // kept when a 24-bit uniform draw is >= rate (exact to 2^-24); rate 1 keeps nothing
  const uint64_t threshold = static_cast<uint64_t>(static_cast<double>(rate) * 16777216.0);
  parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      int64_t rest = i, noise_index = 0;
      for (int64_t d = dim - 1; d >= 0; --d) {
        noise_index += (rest % shape[d]) * noise_strides[d];
        rest /= shape[d];
      }
      const bool keep = (bits_at(key, static_cast<uint64_t>(noise_index)) >> 40) >= threshold;
      mask[i] = keep ? scale : 0.f;
    }
  });
}

void random_gamma(uint64_t key, double alpha, float* out, int64_t n) {
  parallel_for(n, 1 << 12, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      ElementStream st = stream_at(key, i);
      out[i] = static_cast<float>(gamma_draw(st, alpha));
    }
  });
}

void random_beta(uint64_t key, double alpha, double beta, float* out, int64_t n) {
  parallel_for(n, 1 << 12, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      ElementStream st = stream_at(key, i);
      out[i] = static_cast<float>(beta_draw(st, alpha, beta));
    }
  });
}

void random_binomial(uint64_t key, double counts, double p, float* out, int64_t n) {
  parallel_for(n, 1 << 12, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      ElementStream st = stream_at(key, i);
      // Knuth's splitting (TAOCP 3.4.1): the a-th smallest of m uniforms is Beta(a, m + 1 - a);
      // where it falls against p halves the trials left, so O(log counts) beta draws, then
      // Bernoulli trials for the last few.
      double m = counts, q = p, k = 0;
      while (m > 16 && q > 0 && q < 1) {
        const double a = 1 + std::floor(m / 2), bb = m + 1 - a;
        const double x = beta_draw(st, a, bb);
        if (x >= q) {
          m = a - 1;
          q = q / x;
        } else {
          k += a;
          m = bb - 1;
          q = (q - x) / (1 - x);
        }
      }
      if (q >= 1) {
        k += m;
      } else if (q > 0) {
        for (int64_t t = 0; t < static_cast<int64_t>(m); ++t) k += st.uniform_open() < q ? 1 : 0;
      }
      out[i] = static_cast<float>(k);
    }
  });
}

void permutation_indices(uint64_t key, int64_t outer, int64_t len, int64_t inner, int32_t* idx) {
  parallel_for(outer * inner, 1, [&](int64_t b, int64_t e) {
    for (int64_t s = b; s < e; ++s) {
      const int64_t o = s / inner, in = s % inner;
      int32_t* p = idx + o * len * inner + in;
      for (int64_t j = 0; j < len; ++j) p[j * inner] = static_cast<int32_t>(j);
      // Fisher-Yates, one stream per slice
      const uint64_t slice_key = mix64(key ^ static_cast<uint64_t>(s) * 0xA0761D6478BD642Full);
      for (int64_t j = len - 1; j > 0; --j) {
        const uint64_t r =
            static_cast<uint64_t>((static_cast<unsigned __int128>(bits_at(slice_key, static_cast<uint64_t>(j))) *
                                   static_cast<uint64_t>(j + 1)) >>
                                  64);
        std::swap(p[j * inner], p[static_cast<int64_t>(r) * inner]);
      }
    }
  });
}

void gather_along_axis(const float* x, const int32_t* idx, int64_t outer, int64_t len, int64_t inner, float* y) {
  parallel_for(outer * len, 64, [&](int64_t b, int64_t e) {
    for (int64_t oj = b; oj < e; ++oj) {
      const int64_t o = oj / len;
      const float* xo = x + o * len * inner;
      const int32_t* ip = idx + oj * inner;
      float* yp = y + oj * inner;
      for (int64_t i = 0; i < inner; ++i) yp[i] = xo[static_cast<int64_t>(ip[i]) * inner + i];
    }
  });
}

void scatter_along_axis(const float* dy, const int32_t* idx, int64_t outer, int64_t len, int64_t inner, float* dx) {
  // each (o, i) slice is a permutation, so every dx element is written exactly once: no races
  // when the outer blocks are split
  parallel_for(outer * len, 64, [&](int64_t b, int64_t e) {
    for (int64_t oj = b; oj < e; ++oj) {
      const int64_t o = oj / len;
      float* dxo = dx + o * len * inner;
      const int32_t* ip = idx + oj * inner;
      const float* dyp = dy + oj * inner;
      for (int64_t i = 0; i < inner; ++i) dxo[static_cast<int64_t>(ip[i]) * inner + i] = dyp[i];
    }
  });
}

}  // namespace nerve::kernels
