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

// Y = R X R^T for a 1-D transform R of n values into m (op(in, out), a functor below): R on each
// column of the n x n grid X, read as x(i, j), then on each row; y(i, j, value) takes the m x m
// result. All five transforms are of this form.
#define NERVE_WINO_INLINE inline __attribute__((always_inline))

template <int n, int m, class T, class X, class Op, class Y>
NERVE_WINO_INLINE void separable(const X& x, const Op& op, const Y& y) {
  T t[m][n];  // R X
  for (int j = 0; j < n; ++j) {
    T c[n], r[m];
    for (int i = 0; i < n; ++i) c[i] = x(i, j);
    op(c, r);
    for (int i = 0; i < m; ++i) t[i][j] = r[i];
  }
  for (int i = 0; i < m; ++i) {  // (R X) R^T: R on each row
    T r[m];
    op(t[i], r);
    for (int j = 0; j < m; ++j) y(i, j, r[j]);
  }
}

// B^T, 6 -> 6: [4  0 -5  0 1 0]
//              [0 -4 -4  1 1 0]
//              [0  4 -4 -1 1 0]
//              [0 -2 -1  2 1 0]
//              [0  2 -1 -2 1 0]
//              [0  4  0 -5 0 1]
struct Bt {
  template <class T>
  NERVE_WINO_INLINE void operator()(const T d[6], T r[6]) const {
    const T a = d[4] - 4.f * d[2], b = d[3] - 4.f * d[1];  // shared by rows 1 and 2
    const T e = d[4] - d[2], f = 2.f * (d[3] - d[1]);      // shared by rows 3 and 4
    r[0] = 4.f * d[0] - 5.f * d[2] + d[4];
    r[1] = a + b;
    r[2] = a - b;
    r[3] = e + f;
    r[4] = e - f;
    r[5] = 4.f * d[1] - 5.f * d[3] + d[5];
  }
};

// A, 4 -> 6: [1 0 0 0; 1 1 1 1; 1 -1 1 -1; 1 2 4 8; 1 -2 4 -8; 0 0 0 1]
struct A {
  template <class T>
  NERVE_WINO_INLINE void operator()(const T y[4], T r[6]) const {
    const T e = y[0] + y[2], o = y[1] + y[3];                      // even / odd parts at +-1
    const T e2 = y[0] + 4.f * y[2], o2 = 2.f * y[1] + 8.f * y[3];  // at +-2
    r[0] = y[0];
    r[1] = e + o;
    r[2] = e - o;
    r[3] = e2 + o2;
    r[4] = e2 - o2;
    r[5] = y[3];
  }
};

// A^T, 6 -> 4: [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
struct At {
  template <class T>
  NERVE_WINO_INLINE void operator()(const T m[6], T r[4]) const {
    const T s1 = m[1] + m[2], d1 = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
    r[0] = m[0] + s1 + s2;
    r[1] = d1 + 2.f * d2;
    r[2] = s1 + 4.f * s2;
    r[3] = d1 + 8.f * d2 + m[5];
  }
};

// G, 3 -> 6: [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
struct G {
  template <class T>
  NERVE_WINO_INLINE void operator()(const T k[3], T r[6]) const {
    const T s = k[0] + k[2];
    r[0] = 0.25f * k[0];
    r[1] = (-1.f / 6) * (s + k[1]);
    r[2] = (-1.f / 6) * (s - k[1]);
    r[3] = (1.f / 24) * k[0] + (1.f / 12) * k[1] + (1.f / 6) * k[2];
    r[4] = (1.f / 24) * k[0] - (1.f / 12) * k[1] + (1.f / 6) * k[2];
    r[5] = k[2];
  }
};

// G^T, 6 -> 3: [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1]
struct Gt {
  template <class T>
  NERVE_WINO_INLINE void operator()(const T m[6], T r[3]) const {
    const T s = m[1] + m[2], d = m[1] - m[2], s2 = m[3] + m[4], d2 = m[3] - m[4];
    r[0] = 0.25f * m[0] - (1.f / 6) * s + (1.f / 24) * s2;
    r[1] = (-1.f / 6) * d + (1.f / 12) * d2;
    r[2] = (-1.f / 6) * s + (1.f / 6) * s2 + m[5];
  }
};

// Each transform for one vector (or one float: T) of the channels starting at c.
template <class T>
inline void input_at(const float* const p[36], int64_t c, float* v, int64_t ldv) {  // B^T d B
  separable<6, 6, T>([&](int i, int j) { return ld<T>(p[6 * i + j] + c); }, Bt{},
                     [&](int i, int j, const T& r) { store_any(v + (6 * i + j) * ldv + c, r); });
}

template <class T>
inline void grad_at(const float* const p[16], int64_t f, float* z, int64_t ldz) {  // A dY A^T
  separable<4, 6, T>([&](int i, int j) { return ld<T>(p[4 * i + j] + f); }, A{},
                     [&](int i, int j, const T& r) { store_any(z + (6 * i + j) * ldz + f, r); });
}

template <class T>
inline void output_at(const float* m, int64_t ldm, int64_t f, float* const out[16], const float* bias,
                      bool relu) {  // A^T M A + bias, then relu
  const T b = bias ? ld<T>(bias + f) : T{};
  const T zero{};
  separable<6, 4, T>([&](int i, int j) { return ld<T>(m + (6 * i + j) * ldm + f); }, At{},
                     [&](int i, int j, const T& r) {
                       T y = r + b;
                       if (relu) y = y < zero ? zero : y;  // as std::max(y, 0): NaN stays NaN
                       store_any(out[4 * i + j] + f, y);
                     });
}

template <class T>
inline void kernel_at(const float* const p[9], int64_t f, float* u, int64_t ldu) {  // G g G^T
  separable<3, 6, T>([&](int i, int j) { return ld<T>(p[3 * i + j] + f); }, G{},
                     [&](int i, int j, const T& r) { store_any(u + (6 * i + j) * ldu + f, r); });
}

template <class T>
inline void kernel_grad_at(const float* m, int64_t ldm, int64_t f, float* const p[9]) {  // G^T M G
  separable<6, 3, T>([&](int i, int j) { return ld<T>(m + (6 * i + j) * ldm + f); }, Gt{},
                     [&](int i, int j, const T& r) { store_any(p[3 * i + j] + f, r); });
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
