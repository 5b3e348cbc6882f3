// The recurrent cells' gate math (gates.h), written once for a vector of NERVE_GATES_VLEN floats
// (GCC vector extensions) and compiled per ISA by gates_<isa>.cpp. The functions are Eigen's
// float ones (Cephes' expf as Eigen's pexp_float, Eigen's rational tanh), which the Eigen code
// these kernels replace ran 4 floats at a time: the results agree to a few ulps.
// Everything here is in an anonymous namespace except the getter the including file defines, and
// no standard-library header is included: nothing compiled with an ISA's flags can leak into
// code that runs on another path (see cpp/kernels/cpu/gemm/kernel.h).
#ifndef NERVE_GATES_VLEN
#error "define NERVE_GATES_VLEN (floats per vector) before including gates_impl.h"
#endif
#include "gates.h"
#if NERVE_GATES_VLEN == 16 && defined(__AVX512F__) || NERVE_GATES_VLEN == 8 && defined(__AVX__)
#include <immintrin.h>  // intrinsics only (always-inline builtins): no code to merge across ISAs
#endif

namespace nerve::rnn_gates_detail {
namespace {

typedef float vf __attribute__((vector_size(NERVE_GATES_VLEN * sizeof(float))));
typedef int vi __attribute__((vector_size(NERVE_GATES_VLEN * sizeof(int))));
typedef unsigned vu __attribute__((vector_size(NERVE_GATES_VLEN * sizeof(unsigned))));
constexpr int64_t kVl = NERVE_GATES_VLEN;

#define NERVE_GATES_INLINE inline __attribute__((always_inline))
// The loop bodies given to along() are inlined too: as calls, each vector paid a call, the
// reload of some twenty constants, and loads and stores through the stack (the memcpy of a
// length only known inside the call), which cost more than its arithmetic. Inlined, the full
// vectors of the main loop are plain loads and stores.
#define NERVE_GATES_INLINE_LAMBDA __attribute__((always_inline))

NERVE_GATES_INLINE vf splat(float v) { return vf{} + v; }

// k floats from p (k < kVl: the rest of the vector is 0) and back.
NERVE_GATES_INLINE vf load(const float* p, int64_t k) {
  vf v = vf{};
  if (k == kVl)
    __builtin_memcpy(&v, p, sizeof v);
  else
    __builtin_memcpy(&v, p, k * sizeof(float));
  return v;
}
NERVE_GATES_INLINE void store(float* p, vf v, int64_t k) {
  if (k == kVl)
    __builtin_memcpy(p, &v, sizeof v);
  else
    __builtin_memcpy(p, &v, k * sizeof(float));
}

// min(x, hi) and max(x, lo), keeping a NaN x: one instruction each with AVX (whose min and max
// return their second operand when either is NaN), a compare and a blend otherwise. (The
// AVX-512 forms are the zero-masking ones with every lane set, the same instruction: GCC 12 warns
// that the plain ones' undefined source "may be used uninitialized".)
NERVE_GATES_INLINE vf at_most(vf x, vf hi) {
#if NERVE_GATES_VLEN == 16 && defined(__AVX512F__)
  return (vf)_mm512_maskz_min_ps(0xFFFF, (__m512)hi, (__m512)x);
#elif NERVE_GATES_VLEN == 8 && defined(__AVX__)
  return (vf)_mm256_min_ps((__m256)hi, (__m256)x);
#else
  return x > hi ? hi : x;
#endif
}
NERVE_GATES_INLINE vf at_least(vf x, vf lo) {
#if NERVE_GATES_VLEN == 16 && defined(__AVX512F__)
  return (vf)_mm512_maskz_max_ps(0xFFFF, (__m512)lo, (__m512)x);
#elif NERVE_GATES_VLEN == 8 && defined(__AVX__)
  return (vf)_mm256_max_ps((__m256)lo, (__m256)x);
#else
  return x < lo ? lo : x;
#endif
}

// exp(x): x = m ln2 + r with |r| <= ln2 / 2, exp(r) by Cephes' polynomial, 2^m through the
// exponent bits. x is clamped to where 2^m is a normal float; a NaN stays NaN (the comparisons
// are false for it, and the polynomial carries it).
NERVE_GATES_INLINE vf exp_v(vf x) {
  const vf hi = splat(88.0f), lo = splat(-87.33654f);
  x = at_least(at_most(x, hi), lo);
  const vf magic = splat(12582912.f);  // 1.5 * 2^23: adding it rounds to an integer
  const vf m = (x * 1.44269504088896341f + magic) - magic;
  vf r = x - m * 0.693359375f;
  r = r - m * -2.12194440e-4f;
  const vf r2 = r * r;
  vf y = splat(1.9875691500E-4f);
  y = y * r + 1.3981999507E-3f;
  y = y * r + 8.3334519073E-3f;
  y = y * r + 4.1665795894E-2f;
  y = y * r + 1.6666665459E-1f;
  y = y * r + 5.0000001201E-1f;
  y = y * r2 + r + 1.f;
  const vu bits = (vu)(__builtin_convertvector(m, vi) + 127) << 23;
  vf scale;
  __builtin_memcpy(&scale, &bits, sizeof scale);
  return y * scale;
}

// 1 / x for the positive, finite x of sigmoid's and tanh's denominators. A vector division is the
// slowest instruction of the gate math (AVX-512: ~16 cycles per vector, on the one port that also
// multiplies), and each unit of an LSTM step takes five of them. With AVX the CPU's reciprocal
// estimate (14 bits on AVX-512, 12 on AVX2) plus one Newton step r + r (1 - x r) is within 1-2 ulp
// of the quotient at a quarter of its cost. A NaN stays NaN.
NERVE_GATES_INLINE vf recip_v(vf x) {
#if NERVE_GATES_VLEN == 16 && defined(__AVX512F__)
  const vf r = (vf)_mm512_maskz_rcp14_ps(0xFFFF, (__m512)x);
#elif NERVE_GATES_VLEN == 8 && defined(__AVX__)
  const vf r = (vf)_mm256_rcp_ps((__m256)x);
#else
  return 1.f / x;
#endif
#if NERVE_GATES_VLEN == 16 && defined(__AVX512F__) || NERVE_GATES_VLEN == 8 && defined(__AVX__)
  return r + r * (1.f - x * r);
#endif
}

NERVE_GATES_INLINE vf sigmoid_v(vf x) { return recip_v(1.f + exp_v(-x)); }

// Eigen's generic_fast_tanh_float: a 13/6 rational approximation on the clamped input, x itself
// below 0.0004 in magnitude. The clamp is where the approximation reaches 1 (with FMA, as the
// AVX2 and AVX-512 builds contract, or without).
NERVE_GATES_INLINE vf tanh_v(vf a) {
#if NERVE_GATES_VLEN > 4
  const float c = 7.99881172180175781f;
#else
  const float c = 7.90531110763549805f;
#endif
  const vf x = at_least(at_most(a, splat(c)), splat(-c));
  const vf x2 = x * x;
  vf p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = x2 * p + -8.60467152213735e-11f;
  p = x2 * p + 5.12229709037114e-08f;
  p = x2 * p + 1.48572235717979e-05f;
  p = x2 * p + 6.37261928875436e-04f;
  p = x2 * p + 4.89352455891786e-03f;
  p = x * p;
  vf q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = x2 * q + 2.26843463243900e-03f;
  q = x2 * q + 4.89352518554385e-03f;
  const vf abs_a = a < 0.f ? -a : a;
  // The approximate quotient may pass 1 by an ulp where it saturates.
  const vf y = at_least(at_most(p * recip_v(q), splat(1.f)), splat(-1.f));
  return abs_a < 0.0004f ? a : y;
}

// Runs body(i, k) over [0, n) in vectors: k = kVl, then the remainder k < kVl once.
template <class Body>
NERVE_GATES_INLINE void along(int64_t n, const Body& body) {
  int64_t i = 0;
  for (; i + kVl <= n; i += kVl) body(i, kVl);
  if (i < n) body(i, n - i);
}

void sigmoid(float* p, int64_t n) {
  along(n, [&](int64_t i, int64_t k) NERVE_GATES_INLINE_LAMBDA { store(p + i, sigmoid_v(load(p + i, k)), k); });
}

void tanh(float* p, int64_t n) {
  along(n, [&](int64_t i, int64_t k) NERVE_GATES_INLINE_LAMBDA { store(p + i, tanh_v(load(p + i, k)), k); });
}

void lstm_cell(float* z, const float* c_prev, float* c, float* h, int64_t U) {
  along(U, [&](int64_t j, int64_t k) NERVE_GATES_INLINE_LAMBDA {
    const vf i = sigmoid_v(load(z + j, k));
    const vf f = sigmoid_v(load(z + U + j, k));
    const vf g = tanh_v(load(z + 2 * U + j, k));
    const vf o = sigmoid_v(load(z + 3 * U + j, k));
    store(z + j, i, k);
    store(z + U + j, f, k);
    store(z + 2 * U + j, g, k);
    store(z + 3 * U + j, o, k);
    const vf cn = f * load(c_prev + j, k) + i * g;
    store(c + j, cn, k);
    store(h + j, o * tanh_v(cn), k);
  });
}

void lstm_cell_backward(const float* g, const float* c_prev, const float* c, const float* dh, float* dc, float* dz,
                        int64_t U) {
  along(U, [&](int64_t j, int64_t k) NERVE_GATES_INLINE_LAMBDA {
    const vf i = load(g + j, k), f = load(g + U + j, k), gg = load(g + 2 * U + j, k), o = load(g + 3 * U + j, k);
    const vf d = load(dh + j, k);
    const vf ac = tanh_v(load(c + j, k));
    const vf dct = load(dc + j, k) + d * o * (1.f - ac * ac);  // total gradient reaching c
    store(dz + j, dct * gg * (i * (1.f - i)), k);
    store(dz + U + j, dct * load(c_prev + j, k) * (f * (1.f - f)), k);
    store(dz + 2 * U + j, dct * i * (1.f - gg * gg), k);
    store(dz + 3 * U + j, d * ac * (o * (1.f - o)), k);
    store(dc + j, dct * f, k);
  });
}

}  // namespace
}  // namespace nerve::rnn_gates_detail
