// How an op reaches its kernel: the kernel table of its inputs' device (cpp/kernels/kernel_table.h).
//   NERVE_KERNEL(x.device(), elementwise, add, "add")(a, b, out, n);
// looks the entry up (one indexed load), and throws, naming the op and the device, when that
// device has no such kernel. The kernel runs with denormals flushed (nerve/denormals.h).
#pragma once
#include <stdexcept>
#include <string>

#include "kernel_table.h"
#include "nerve/denormals.h"
#include "nerve/tensor.h"

namespace nerve {

inline const KernelTable& kernels_on(Device device) { return *backend_for(device).kernels; }

// A table entry that runs under DenormalsFlushed: every kernel, on every path, computes with
// denormals flushed, while the caller's thread gets its own mode back afterwards.
template <class Fn>
struct FlushedKernel;
template <class R, class... Args>
struct FlushedKernel<R (*)(Args...)> {
  R (*fn)(Args...);
  R operator()(Args... args) const {
    DenormalsFlushed scope;
    return fn(args...);
  }
};

template <class Fn>
FlushedKernel<Fn> require_kernel(Fn fn, const char* op, Device device) {
  if (!fn) throw std::runtime_error("op '" + std::string(op) + "' has no kernel on device " + device.str());
  return {fn};
}

// A tensor's memory as a kernel argument, null when the tensor is undefined (an optional input or
// gradient). Op files use it only in a NERVE_KERNEL call or to fill a kernel's argument struct
// (`s.field = kernel_arg(t);`): tests/test_device_rules.py keeps it so.
inline float* kernel_arg(const Tensor& t) { return t.defined() ? t.data() : nullptr; }

// Every input of an op must live where its output will: the first input's device.
inline void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  if (a.defined() && b.defined() && a.device() != b.device())
    throw std::invalid_argument(std::string(op) + ": inputs on different devices (" + a.device().str() + " and " +
                                b.device().str() + "); move one with Tensor.to()");
}

}  // namespace nerve

#define NERVE_KERNEL(device, family, kernel, op) \
  ::nerve::require_kernel(::nerve::kernels_on(device).family.kernel, op, device)
