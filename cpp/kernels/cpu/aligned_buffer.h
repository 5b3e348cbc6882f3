// A kernel's own 64-byte-aligned workspace (a transformed kernel, a gradient before the
// activation): host memory that belongs to the kernel call, not a tensor of any device. It comes
// from the CPU allocator, whose cache of large blocks (nerve/cpu_memory.h) serves the same
// workspace to the next step: aligned_alloc here gave a CNN training step (MNIST, batch 64) fresh
// pages from the OS, 78% of its page faults, in conv2d_backward's pre-activation gradient.
#pragma once
#include <cstdint>
#include <memory>

#include "cpu/backend.h"

namespace nerve {

class AlignedBuffer {
 public:
  explicit AlignedBuffer(int64_t floats) {
    if (floats <= 0) return;
    size_t bytes = (static_cast<size_t>(floats) * sizeof(float) + 63) / 64 * 64;
    data_.reset(static_cast<float*>(cpu_backend().allocator->allocate(bytes)));  // throws on failure
  }
  float* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const { cpu_backend().allocator->deallocate(p); }
  };
  std::unique_ptr<float, Free> data_;
};

}  // namespace nerve
