// Test-only devices, in the library so that Python tests can reach them (nerve._core._testing).
// The poison device: a second device for tests, registered only on request
// (nerve._core._testing.register_poison_device()). Its memory is host memory from its own
// allocator, which counts live allocations and fills freed blocks with NaN bytes (0xFF), so a
// tensor that outlives its storage, or an op that writes CPU memory for it, shows up as NaN or as
// a count that does not return to its baseline. Its kernel table is a copy of the CPU's: what it
// proves is the seam (allocation, copies, dispatch by device), not new arithmetic.
#pragma once
#include <cstdint>
#include <string>

#include "nerve/device.h"

namespace nerve::testing {

struct PoisonStats {
  int64_t live = 0;   // blocks allocated and not yet freed
  int64_t total = 0;  // blocks allocated since the device was registered
  int64_t live_bytes = 0;
};

// Registers the device on the first call; returns it ("poison:0") every time.
Device register_poison_device();
PoisonStats poison_stats();
// Nulls every kernel of one family ("pooling", "losses", ...; kernel_table.h) on the poison
// device, so that a test sees the error an op gives on a device without its kernel; restore puts
// the CPU's table back. Call register_poison_device() first.
void blank_poison_kernels(const std::string& family);
void restore_poison_kernels();

}  // namespace nerve::testing
