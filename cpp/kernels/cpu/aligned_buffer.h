// A kernel's own 64-byte-aligned workspace (a transformed kernel, a gradient before the
// activation): host memory that belongs to the kernel call, not a tensor of any device.
#pragma once
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace nerve {

class AlignedBuffer {
 public:
  explicit AlignedBuffer(int64_t floats) {
    if (floats <= 0) return;
    size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!data_) throw std::bad_alloc();
  }
  float* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  std::unique_ptr<float, Free> data_;
};

}  // namespace nerve
