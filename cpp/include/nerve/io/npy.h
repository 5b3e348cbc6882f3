// The .npy arrays inside a .nerve file: float32, little-endian, C order only (what
// python/nerve/saving/file_format.py writes with np.save). Format versions 1.0, 2.0 and 3.0 of
// the header are read; its dict is parsed strictly (descr, fortran_order, shape, nothing else).
// A malformed header or a size that does not match the shape is a ModelFileError.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nerve/io/model_file_error.h"

namespace nerve::io {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;  // row-major
};

// `label` names the array in error messages ("model.nerve: weights/00001.npy").
NpyArray parse_npy(const std::vector<uint8_t>& bytes, const std::string& label);
// A version 1.0 .npy of float32 `data` with `shape` (for tools and tests that hand arrays back).
std::vector<uint8_t> npy_bytes(const std::vector<int64_t>& shape, const float* data);

}  // namespace nerve::io
