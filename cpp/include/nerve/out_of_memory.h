// A failed allocation that says what was being allocated. It derives from std::bad_alloc, so
// C++ callers catch it as before, and pybind11 turns it into Python's MemoryError with this
// message instead of the bare "std::bad_alloc".
#pragma once

#include <cstddef>
#include <new>
#include <string>

namespace nerve {

class OutOfMemory : public std::bad_alloc {
 public:
  explicit OutOfMemory(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

// "4.0 TB", "381.5 MB", "12 bytes": a byte count as people read it (decimal units).
std::string readable_bytes(double nbytes);

}  // namespace nerve
