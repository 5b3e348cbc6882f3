// bfloat16: the top 16 bits of an IEEE float32 (8 exponent bits, 7 mantissa bits). nerve keeps
// every tensor in float32; mixed precision rounds the operands of matrix products to bfloat16
// and sums their products in float32 (see gemm.h, sgemm_bf16).
#pragma once
#include <cstdint>
#include <cstring>

namespace nerve {

// Round to the nearest bfloat16, ties to even (what VCVTNEPS2BF16 and PyTorch do); NaN stays a
// (quiet) NaN, infinities stay infinite.
inline uint16_t float_to_bf16_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // NaN: keep it quiet
  u += 0x7fffu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

inline float bf16_bits_to_float(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// x rounded to the nearest bfloat16 value, as a float32.
inline float round_to_bf16(float x) { return bf16_bits_to_float(float_to_bf16_bits(x)); }

}  // namespace nerve
