// Sums over the data-parallel replicas (ranks) of the running training step: how synchronized
// BatchNormalization totals its per-channel statistics across the ranks' parts of the global
// batch. The Trainer opens a ReplicaSumScope around each training step when it has a
// GradientReducer (which is a ReplicaSum, see gradient_reducer.h); outside such a step there is
// none, and synchronized layers use this process's batch only (as Keras does on one replica).
#pragma once
#include <cstdint>

namespace nerve {

class ReplicaSum {
 public:
  virtual ~ReplicaSum() = default;
  // values[0..n) <- their sum over every replica. Collective: every rank must call it at the
  // same point of the same step with the same n.
  void sum(double* values, int64_t n) {
    ++sums_;
    sum_over_replicas(values, n);
  }
  int64_t sums() const { return sums_; }  // calls so far

 protected:
  virtual void sum_over_replicas(double* values, int64_t n) = 0;

 private:
  int64_t sums_ = 0;
};

// The running training step's replicas on this thread, or null.
ReplicaSum* current_replica_sum();

// Makes `replicas` current on this thread for its lifetime (null: none).
class ReplicaSumScope {
 public:
  explicit ReplicaSumScope(ReplicaSum* replicas);
  ~ReplicaSumScope();
  ReplicaSumScope(const ReplicaSumScope&) = delete;
  ReplicaSumScope& operator=(const ReplicaSumScope&) = delete;

 private:
  ReplicaSum* previous_;
};

}  // namespace nerve
