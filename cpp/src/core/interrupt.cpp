#include "nerve/interrupt.h"

#include <atomic>

namespace nerve {

namespace {
std::atomic<InterruptCheck> g_check{nullptr};
}

void set_interrupt_check(InterruptCheck check) { g_check.store(check, std::memory_order_release); }

InterruptCheck interrupt_check() { return g_check.load(std::memory_order_acquire); }

}  // namespace nerve
