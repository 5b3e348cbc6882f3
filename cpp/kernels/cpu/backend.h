// The CPU backend record (the registry's slot 0) and its allocator, for the registry and for
// host-memory devices that reuse the CPU's copies and kernels (cpp/kernels/poison).
#pragma once
#include "nerve/device.h"

namespace nerve {

const Backend& cpu_backend();
// memcpy: the copies of every device whose memory is host memory.
void host_memcpy(void* dst, const void* src, size_t nbytes);

}  // namespace nerve
