// CPU kernels of the shape family (kernel_table.h): block copies along one axis for concat,
// narrow, reverse_time and zero padding (copies.cpp); gathers, scatter-adds and the strided write
// of slicing's gradient (indexing.cpp); upsampling (upsampling.cpp) and repeats (repeat.cpp).
#pragma once
#include <cstdint>

namespace nerve::kernels {

void copy_blocks(const float* src, int64_t src_stride, float* dst, int64_t dst_stride, int64_t rows, int64_t width);
void narrow_copy(const float* src, int64_t src_len, int64_t src_start, float* dst, int64_t dst_len, int64_t dst_start,
                 int64_t len, int64_t outer, int64_t inner);
void reverse_time(const float* src, int64_t B, int64_t T, int64_t inner, float* dst);
void pad2d_copy(const float* src, float* dst, int64_t N, int64_t H, int64_t W, int64_t C, int64_t top, int64_t left,
                int64_t PH, int64_t PW, bool to_padded);
// indexing.cpp
void strided_assign(const float* src, const int64_t* shape, const int64_t* strides, int64_t dim, float* dst);
void gather_axis(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n, float* dst);
void scatter_add_axis(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t n,
                      float* dsrc);
void gather_along_axis(const float* src, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                       float* dst);
void scatter_add_along_axis(const float* dy, int64_t outer, int64_t V, int64_t inner, const float* idx, int64_t J,
                            float* dsrc);
// upsampling.cpp
void upsample2d(const float* x, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw, bool bilinear,
                float* y);
void upsample2d_backward(const float* dy, int64_t N, int64_t H, int64_t W, int64_t C, int64_t sh, int64_t sw,
                         bool bilinear, float* dx);
// repeat.cpp
void repeat_rows(const float* x, int64_t B, int64_t n, int64_t F, float* y);
void sum_repeats(const float* dy, int64_t B, int64_t n, int64_t F, float* dx);

}  // namespace nerve::kernels
