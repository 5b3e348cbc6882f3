// One model, several Python threads: fit on a model while another thread predicts with it, or
// predict from four threads at once. The C++ work runs without the GIL, so these calls would
// otherwise read weights an optimizer step is writing (and layers keep per-call state, such as
// the activity penalty of the last call). Every model has a RunLock; a training step, an
// evaluation step and each predicted batch hold it, so each sees the weights of whole steps.
// It is a ticket lock: threads get it in the order they asked, so a fit releasing and re-taking
// it between steps cannot starve a waiting predict. It is reentrant: an inference pass runs
// Python's signal handlers between layers (nerve/interrupt.h) while holding it, and a handler
// that predicts with the same model must not wait for itself.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace nerve {

class RunLock {
 public:
  void lock() {
    const std::thread::id me = std::this_thread::get_id();
    std::unique_lock<std::mutex> guard(mutex_);
    if (owner_ == me) {
      ++depth_;
      return;
    }
    const uint64_t ticket = next_ticket_++;
    if (ticket != serving_) turn_.wait(guard, [&] { return ticket == serving_; });
    owner_ = me;
    depth_ = 1;
  }
  void unlock() {
    {
      std::lock_guard<std::mutex> guard(mutex_);
      if (--depth_ > 0) return;
      owner_ = std::thread::id();
      ++serving_;
      if (serving_ == next_ticket_) return;  // nobody waits
    }
    turn_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable turn_;
  uint64_t next_ticket_ = 0;
  uint64_t serving_ = 0;
  std::thread::id owner_;
  int64_t depth_ = 0;
};

}  // namespace nerve
