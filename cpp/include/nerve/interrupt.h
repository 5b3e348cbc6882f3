// Stopping long loops on request (Ctrl-C in Python).
//
// fit's chunks, evaluate and predict run many batches in one call with the GIL released, so a
// Python signal handler cannot run until the call returns (a Ctrl-C 3 s into a long predict took
// effect at 22 s, issue 18). Such loops make an InterruptPoll and call it between batches: at most
// every kInterval it runs the check a host installed (the Python module's runs the pending
// signal handlers, which raise KeyboardInterrupt, and throws that). It is called only between
// batches, so an interrupted fit keeps the weights of its last completed step. C++ programs
// install nothing and the poll costs a clock read per batch.
#pragma once
#include <chrono>

namespace nerve {

// Throws to stop the loop that called it; returns to let it go on.
using InterruptCheck = void (*)();
// Null: no check (the default).
void set_interrupt_check(InterruptCheck check);
InterruptCheck interrupt_check();

class InterruptPoll {
 public:
  // Short enough for a prompt Ctrl-C, long enough that the check (the GIL taken once) costs
  // nothing measurable per step.
  static constexpr std::chrono::milliseconds kInterval{20};
  InterruptPoll() : next_(std::chrono::steady_clock::now() + kInterval) {}
  // Between two batches: runs the installed check when kInterval has passed since the loop
  // began or since the last check.
  void operator()() {
    auto now = std::chrono::steady_clock::now();
    if (now < next_) return;
    next_ = now + kInterval;
    if (InterruptCheck check = interrupt_check()) check();
  }

 private:
  std::chrono::steady_clock::time_point next_;
};

}  // namespace nerve
