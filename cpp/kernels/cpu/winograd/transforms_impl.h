// The Winograd F(2x2, 3x3) transforms, written once for a vector of NERVE_WINO_VLEN floats (GCC
// vector extensions) and compiled per ISA by transforms_<isa>.cpp. Each tile's rows of channels
// are processed a vector at a time, then the remainder one float at a time, by the same template.
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
constexpr int64_t kVl = NERVE_WINO_VLEN;

inline vf load(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);  // an unaligned vector load
  return v;
}
inline void store(float* p, const vf& v) { __builtin_memcpy(p, &v, sizeof v); }
inline float load1(const float* p) { return *p; }
inline void store1(float* p, float v) { *p = v; }
inline vf load_any(const float* p, vf*) { return load(p); }
inline float load_any(const float* p, float*) { return load1(p); }
inline void store_any(float* p, const vf& v) { store(p, v); }
inline void store_any(float* p, float v) { store1(p, v); }

// One vector (T = vf) or one float (T = float) of channels starting at c.
template <class T>
inline void input_at(const float* const p[16], int64_t c, float* v, int64_t ldv) {
  T d[16];
  for (int i = 0; i < 16; ++i) d[i] = load_any(p[i] + c, static_cast<T*>(nullptr));
  T t[16];
  for (int j = 0; j < 4; ++j) {  // rows: B^T d, B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
    t[j] = d[j] - d[8 + j];
    t[4 + j] = d[4 + j] + d[8 + j];
    t[8 + j] = d[8 + j] - d[4 + j];
    t[12 + j] = d[4 + j] - d[12 + j];
  }
  for (int i = 0; i < 4; ++i) {  // columns: (B^T d) B
    const T* ti = t + 4 * i;
    store_any(v + (4 * i + 0) * ldv + c, ti[0] - ti[2]);
    store_any(v + (4 * i + 1) * ldv + c, ti[1] + ti[2]);
    store_any(v + (4 * i + 2) * ldv + c, ti[2] - ti[1]);
    store_any(v + (4 * i + 3) * ldv + c, ti[1] - ti[3]);
  }
}

template <class T>
inline void grad_at(const float* const p[4], int64_t f, float* z, int64_t ldz) {
  const T y00 = load_any(p[0] + f, static_cast<T*>(nullptr)), y01 = load_any(p[1] + f, static_cast<T*>(nullptr));
  const T y10 = load_any(p[2] + f, static_cast<T*>(nullptr)), y11 = load_any(p[3] + f, static_cast<T*>(nullptr));
  // rows: A dY (4 x 2), A = [1 0; 1 1; 1 -1; 0 -1]
  const T r[4][2] = {{y00, y01}, {y00 + y10, y01 + y11}, {y00 - y10, y01 - y11}, {-y10, -y11}};
  for (int i = 0; i < 4; ++i) {  // columns: (A dY) A^T
    store_any(z + (4 * i + 0) * ldz + f, r[i][0]);
    store_any(z + (4 * i + 1) * ldz + f, r[i][0] + r[i][1]);
    store_any(z + (4 * i + 2) * ldz + f, r[i][0] - r[i][1]);
    store_any(z + (4 * i + 3) * ldz + f, -r[i][1]);
  }
}

template <class T>
inline void output_at(const float* m, int64_t ldm, int64_t f, float* const out[4], const float* bias,
                      bool relu) {
  T t[2][4];
  for (int j = 0; j < 4; ++j) {  // rows: A^T M, A^T = [1 1 1 0; 0 1 -1 -1]
    const T m0 = load_any(m + j * ldm + f, static_cast<T*>(nullptr));
    const T m1 = load_any(m + (4 + j) * ldm + f, static_cast<T*>(nullptr));
    const T m2 = load_any(m + (8 + j) * ldm + f, static_cast<T*>(nullptr));
    const T m3 = load_any(m + (12 + j) * ldm + f, static_cast<T*>(nullptr));
    t[0][j] = m0 + m1 + m2;
    t[1][j] = m1 - m2 - m3;
  }
  const T b = bias ? load_any(bias + f, static_cast<T*>(nullptr)) : T{} ;
  T y[4];
  for (int i = 0; i < 2; ++i) {  // columns: (A^T M) A
    y[2 * i] = t[i][0] + t[i][1] + t[i][2] + b;
    y[2 * i + 1] = t[i][1] - t[i][2] - t[i][3] + b;
  }
  const T zero{};
  for (int k = 0; k < 4; ++k) {
    if (relu) y[k] = y[k] < zero ? zero : y[k];  // as std::max(y, 0): NaN stays NaN
    store_any(out[k] + f, y[k]);
  }
}

void input_tile(const float* const p[16], int64_t C, float* v, int64_t ldv) {
  int64_t c = 0;
  for (; c + kVl <= C; c += kVl) input_at<vf>(p, c, v, ldv);
  for (; c < C; ++c) input_at<float>(p, c, v, ldv);
}

void grad_tile(const float* const p[4], int64_t F, float* z, int64_t ldz) {
  int64_t f = 0;
  for (; f + kVl <= F; f += kVl) grad_at<vf>(p, f, z, ldz);
  for (; f < F; ++f) grad_at<float>(p, f, z, ldz);
}

void output_tile(const float* m, int64_t ldm, int64_t F, float* const out[4], const float* bias, bool relu) {
  int64_t f = 0;
  for (; f + kVl <= F; f += kVl) output_at<vf>(m, ldm, f, out, bias, relu);
  for (; f < F; ++f) output_at<float>(m, ldm, f, out, bias, relu);
}

}  // namespace
}  // namespace nerve::winograd_detail
