// The Winograd F(4x4, 3x3) transforms, written once for a vector of NERVE_WINO_VLEN floats (GCC
// vector extensions) and compiled per ISA by transforms_<isa>.cpp. Each tile's rows of channels
// are processed a vector at a time by one template per transform, instantiated for the full
// vector, the narrower ones of a row's remainder, and a single float.
// Everything here is in an anonymous namespace except the getter the including file defines, and
// no standard-library header is included: nothing compiled with an ISA's flags can leak into
// code that runs on another path (see cpp/kernels/cpu/gemm/kernel.h).
#ifndef NERVE_WINO_VLEN
#error "define NERVE_WINO_VLEN (floats per vector) before including transforms_impl.h"
#endif
#include "transforms.h"

namespace nerve::winograd_detail {
namespace {

typedef float vf __attribute__((vector_size(NERVE_WINO_VLEN * sizeof(float))));
// Narrower vectors for a row's remainder, only where this ISA has them (a baseline TU must not
// pass 32-byte vectors around: that is the AVX ABI).
#if NERVE_WINO_VLEN > 8
typedef float v8 __attribute__((vector_size(8 * sizeof(float))));
#endif
#if NERVE_WINO_VLEN > 4
typedef float v4 __attribute__((vector_size(4 * sizeof(float))));
#endif
constexpr int64_t kVl = NERVE_WINO_VLEN;

// Loads and stores of a vector type V (unaligned) or of one float.
template <class V>
inline V ld(const float* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
template <>
inline float ld<float>(const float* p) {
  return *p;
}
template <class V>
inline void store_any(float* p, const V& v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// Runs body(V{}, i) (the vector type V as a tag) along a row of n floats: full vectors, then the
// remainder with 8- and 4-float vectors where narrower than the full one, then one float at a
// time. Rows of 12 or 40 channels stay vectorised: the scalar tail ran 12 filters at 0.49x the
// direct convolution's speed, the vector one at 1.15x.
template <class Body>
inline void along_row(int64_t n, const Body& body) {
  int64_t i = 0;
  for (; i + kVl <= n; i += kVl) body(vf{}, i);
#if NERVE_WINO_VLEN > 8
  if (i + 8 <= n) {
    body(v8{}, i);
    i += 8;
  }
#endif
#if NERVE_WINO_VLEN > 4
  if (i + 4 <= n) {
    body(v4{}, i);
    i += 4;
  }
#endif
  for (; i < n; ++i) body(0.f, i);
}

// B^T applied to a column of 6: B^T = [4  0 -5  0 1 0]
//                                     [0 -4 -4  1 1 0]
//                                     [0  4 -4 -1 1 0]
//                                     [0 -2 -1  2 1 0]
//                                     [0  2 -1 -2 1 0]
//                                     [0  4  0 -5 0 1]
template <class T>
inline void bt6(const T d[6], T r[6]) {
  const T a = d[4] - 4.f * d[2], b = d[3] - 4.f * d[1];  // shared by rows 1 and 2
  const T e = d[4] - d[2], f = 2.f * (d[3] - d[1]);      // shared by rows 3 and 4
  r[0] = 4.f * d[0] - 5.f * d[2] + d[4];
  r[1] = a + b;
  r[2] = a - b;
  r[3] = e + f;
  r[4] = e - f;
  r[5] = 4.f * d[1] - 5.f * d[3] + d[5];
}

// One vector (T = vf) or one float (T = float) of channels starting at c: V = B^T d B.
template <class T>
inline void input_at(const float* const p[36], int64_t c, float* v, int64_t ldv) {
  T t[6][6];  // t[i][j] = (B^T d)[i][j]
  for (int j = 0; j < 6; ++j) {
    T d[6], r[6];
    for (int i = 0; i < 6; ++i) d[i] = ld<T>(p[6 * i + j] + c);
    bt6(d, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {  // (B^T d) B: B^T on each row
    T r[6];
    bt6(t[i], r);
    for (int j = 0; j < 6; ++j) store_any(v + (6 * i + j) * ldv + c, r[j]);
  }
}

// A applied to a column of 4: A = [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]
template <class T>
inline void a6(const T y[4], T r[6]) {
  const T e = y[0] + y[2], o = y[1] + y[3];            // even / odd parts at +-1
  const T e2 = y[0] + 4.f * y[2], o2 = 2.f * y[1] + 8.f * y[3];  // at +-2
  r[0] = y[0];
  r[1] = e + o;
  r[2] = e - o;
  r[3] = e2 + o2;
  r[4] = e2 - o2;
  r[5] = y[3];
}

// Z = A dY A^T from the 4x4 block of dZ rows p[4r + s].
template <class T>
inline void grad_at(const float* const p[16], int64_t f, float* z, int64_t ldz) {
  T t[6][4];  // (A dY)
  for (int j = 0; j < 4; ++j) {
    T y[4], r[6];
    for (int i = 0; i < 4; ++i) y[i] = ld<T>(p[4 * i + j] + f);
    a6(y, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {  // (A dY) A^T: A on each row
    T r[6];
    a6(t[i], r);
    for (int j = 0; j < 6; ++j) store_any(z + (6 * i + j) * ldz + f, r[j]);
  }
}

// A^T applied to a column of 6: A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
template <class T>
inline void at4(const T m[6], T r[4]) {
  const T s1 = m[1] + m[2], d1 = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
  r[0] = m[0] + s1 + s2;
  r[1] = d1 + 2.f * d2;
  r[2] = s1 + 4.f * s2;
  r[3] = d1 + 8.f * d2 + m[5];
}

// The 4x4 output pixels out[4i + j] of one tile: A^T M A + bias, then relu.
template <class T>
inline void output_at(const float* m, int64_t ldm, int64_t f, float* const out[16], const float* bias,
                      bool relu) {
  T t[4][6];  // (A^T M)
  for (int j = 0; j < 6; ++j) {
    T c[6], r[4];
    for (int i = 0; i < 6; ++i) c[i] = ld<T>(m + (6 * i + j) * ldm + f);
    at4(c, r);
    for (int i = 0; i < 4; ++i) t[i][j] = r[i];
  }
  const T b = bias ? ld<T>(bias + f) : T{};
  const T zero{};
  for (int i = 0; i < 4; ++i) {  // (A^T M) A: A^T on each row
    T r[4];
    at4(t[i], r);
    for (int j = 0; j < 4; ++j) {
      T y = r[j] + b;
      if (relu) y = y < zero ? zero : y;  // as std::max(y, 0): NaN stays NaN
      store_any(out[4 * i + j] + f, y);
    }
  }
}

// G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
template <class T>
inline void g6(const T k[3], T r[6]) {
  const T s = k[0] + k[2];
  r[0] = 0.25f * k[0];
  r[1] = (-1.f / 6) * (s + k[1]);
  r[2] = (-1.f / 6) * (s - k[1]);
  r[3] = (1.f / 24) * k[0] + (1.f / 12) * k[1] + (1.f / 6) * k[2];
  r[4] = (1.f / 24) * k[0] - (1.f / 12) * k[1] + (1.f / 6) * k[2];
  r[5] = k[2];
}

// U = G g G^T from the 3x3 kernel rows p[3kh + kw].
template <class T>
inline void kernel_at(const float* const p[9], int64_t f, float* u, int64_t ldu) {
  T t[6][3];  // G g
  for (int j = 0; j < 3; ++j) {
    T k[3], r[6];
    for (int i = 0; i < 3; ++i) k[i] = ld<T>(p[3 * i + j] + f);
    g6(k, r);
    for (int i = 0; i < 6; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 6; ++i) {  // (G g) G^T: G on each row
    T r[6];
    g6(t[i], r);
    for (int j = 0; j < 6; ++j) store_any(u + (6 * i + j) * ldu + f, r[j]);
  }
}

// G^T applied to a column of 6: G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0;
//                                      0 -1/6 -1/6 1/6 1/6 1]
template <class T>
inline void gt3(const T m[6], T r[3]) {
  const T s = m[1] + m[2], d = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
  r[0] = 0.25f * m[0] - (1.f / 6) * s + (1.f / 24) * s2;
  r[1] = (-1.f / 6) * d + (1.f / 12) * d2;
  r[2] = (-1.f / 6) * s + (1.f / 6) * s2 + m[5];
}

// dW = G^T M G into the 3x3 kernel rows p[3kh + kw], from m[xi * ldm + f].
template <class T>
inline void kernel_grad_at(const float* m, int64_t ldm, int64_t f, float* const p[9]) {
  T t[3][6];  // G^T M
  for (int j = 0; j < 6; ++j) {
    T c[6], r[3];
    for (int i = 0; i < 6; ++i) c[i] = ld<T>(m + (6 * i + j) * ldm + f);
    gt3(c, r);
    for (int i = 0; i < 3; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < 3; ++i) {  // (G^T M) G: G^T on each row
    T r[3];
    gt3(t[i], r);
    for (int j = 0; j < 3; ++j) store_any(p[3 * i + j] + f, r[j]);
  }
}

void kernel_tile(const float* const p[9], int64_t F, float* u, int64_t ldu) {
  along_row(F, [&](auto tag, int64_t f) { kernel_at<decltype(tag)>(p, f, u, ldu); });
}

void kernel_grad_tile(const float* m, int64_t ldm, int64_t F, float* const p[9]) {
  along_row(F, [&](auto tag, int64_t f) { kernel_grad_at<decltype(tag)>(m, ldm, f, p); });
}

void input_tile(const float* const p[36], int64_t C, float* v, int64_t ldv) {
  along_row(C, [&](auto tag, int64_t c) { input_at<decltype(tag)>(p, c, v, ldv); });
}

void grad_tile(const float* const p[16], int64_t F, float* z, int64_t ldz) {
  along_row(F, [&](auto tag, int64_t f) { grad_at<decltype(tag)>(p, f, z, ldz); });
}

void output_tile(const float* m, int64_t ldm, int64_t F, float* const out[16], const float* bias, bool relu) {
  along_row(F, [&](auto tag, int64_t f) { output_at<decltype(tag)>(m, ldm, f, out, bias, relu); });
}

}  // namespace
}  // namespace nerve::winograd_detail
