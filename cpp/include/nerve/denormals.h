// Flush-to-zero and denormals-are-zero while nerve computes.
//
// A float below 1.18e-38 (a denormal) costs about a hundred cycles per operation on x86 instead of
// one. Adam's moments of rarely updated weights decay into that range: an MLP step at batch 1 went
// from 0.43 ms to 5.5 ms over four epochs (measured on this project's Xeon, issue 17). TensorFlow's
// threads flush denormals for the same reason. DenormalsFlushed sets the thread's MXCSR FTZ and
// DAZ bits for its lifetime and puts back what was there, so the caller's own numpy work keeps
// IEEE denormals. Every kernel-table call (ops/dispatch.h) and every parallel region opens one;
// nested scopes find the bits set and write nothing. set_flush_denormals(false) (or
// NERVE_FLUSH_DENORMALS=0) turns it off. Elsewhere than x86 it does nothing.
#pragma once
#include <atomic>

#if defined(__x86_64__) || defined(_M_X64)
#include <xmmintrin.h>
#define NERVE_HAVE_MXCSR 1
#endif

namespace nerve {

namespace detail {
extern std::atomic<bool> flush_denormals_on;  // runtime.cpp
}

// Whether kernels run with denormals flushed (default on; NERVE_FLUSH_DENORMALS=0 starts it off).
inline bool flush_denormals() { return detail::flush_denormals_on.load(std::memory_order_relaxed); }
void set_flush_denormals(bool on);
// True when this platform has the switch (x86-64).
constexpr bool flush_denormals_supported() {
#ifdef NERVE_HAVE_MXCSR
  return true;
#else
  return false;
#endif
}

class DenormalsFlushed {
 public:
  // On the calling thread: flush (when on) for the scope's lifetime.
  DenormalsFlushed() {
#ifdef NERVE_HAVE_MXCSR
    saved_ = _mm_getcsr();
    if ((saved_ & kBits) != kBits && flush_denormals()) set(saved_ | kBits);
#endif
  }
  // In a worker of a parallel region: exactly the mode the opening thread computes in
  // (mode_for_workers(), read before the region). OpenMP's pool threads are long-lived and are
  // born with their creator's mode, so they must be told both ways, not only switched on.
  explicit DenormalsFlushed(unsigned workers_mode) {
#ifdef NERVE_HAVE_MXCSR
    saved_ = _mm_getcsr();
    const unsigned want = (saved_ & ~kBits) | workers_mode;
    if (want != saved_) set(want);
#else
    (void)workers_mode;
#endif
  }
  ~DenormalsFlushed() {
#ifdef NERVE_HAVE_MXCSR
    if (restore_) _mm_setcsr(saved_);
#endif
  }
  DenormalsFlushed(const DenormalsFlushed&) = delete;
  DenormalsFlushed& operator=(const DenormalsFlushed&) = delete;

  // The FTZ/DAZ bits a parallel region's workers should use: flushed when on, else the caller's.
  static unsigned mode_for_workers() {
#ifdef NERVE_HAVE_MXCSR
    return flush_denormals() ? kBits : (_mm_getcsr() & kBits);
#else
    return 0;
#endif
  }

 private:
#ifdef NERVE_HAVE_MXCSR
  static constexpr unsigned kBits = 0x8040;  // FTZ (bit 15) | DAZ (bit 6)
  void set(unsigned csr) {
    _mm_setcsr(csr);
    restore_ = true;
  }
  unsigned saved_ = 0;
  bool restore_ = false;
#endif
};

}  // namespace nerve
