// GradientReducer over MPI, with no MPI at build time: libmpi is opened with dlopen at run time
// (the library mpi4py already loaded) and the communicator, datatype and operation handles come
// from mpi4py as integers (MPI._handleof). Open MPI's ABI only: its handles are pointers and
// MPI_STATUS_IGNORE is null. Why this design: python/nerve/distributed/README.md.
#pragma once
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "nerve/gradient_reducer.h"
#include "nerve/trainer.h"

namespace nerve {

// The handles of one communicator, as mpi4py gives them (MPI._handleof).
struct MpiHandles {
  uintptr_t comm = 0;     // MPI_Comm
  uintptr_t float32 = 0;  // MPI_FLOAT
  uintptr_t float64 = 0;  // MPI_DOUBLE
  uintptr_t sum = 0;      // MPI_SUM
  int rank = 0, size = 1;
};

// A collective that did not complete in time: another rank died or stalled. Python sees a
// RuntimeError carrying this message.
struct CollectiveTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class MpiGradientReducer : public GradientReducer {
 public:
  // library: the path of the libmpi mpi4py loaded. bucket_bytes: the most gradient bytes one
  // allreduce carries (the gradients are fused into buckets of this size). timeout_seconds: how
  // long one collective may wait for the other ranks before CollectiveTimeout.
  MpiGradientReducer(const std::string& library, MpiHandles handles, int64_t bucket_bytes, double timeout_seconds);

  bool reduce(const std::vector<Tensor>& params, double local_weight, bool finite) override;
  // Sums `values` over the ranks, in place.
  void allreduce_sum(std::vector<float>& values);
  void allreduce_sum(std::vector<double>& values);
  // Sums the training statistics of one chunk over the ranks (loss, samples, metric states), so
  // that every rank reports the metrics of the global batch; steps stay this rank's.
  Stats reduce_stats(const Stats& stats);

  int rank() const { return handles_.rank; }
  int size() const { return handles_.size; }
  int64_t bucket_bytes() const { return bucket_bytes_; }
  double timeout_seconds() const { return timeout_.count(); }
  // Time spent in gradient allreduces and how many were made (for the benchmark's comm share).
  double comm_seconds() const { return comm_seconds_; }
  int64_t allreduce_calls() const { return calls_; }
  void reset_counters() { comm_seconds_ = 0, calls_ = 0; }

 private:
  // One non-blocking allreduce (sum), polled until done or until the timeout.
  void allreduce(const void* send, void* recv, int64_t count, uintptr_t datatype, size_t element_bytes);

  using Iallreduce = int (*)(const void*, void*, int, void*, void*, void*, void**);
  using Test = int (*)(void**, int*, void*);
  MpiHandles handles_;
  int64_t bucket_bytes_;
  std::chrono::duration<double> timeout_;
  Iallreduce iallreduce_ = nullptr;
  Test test_ = nullptr;
  std::vector<float> flat_, summed_;  // reused: one step's packed gradients
  double comm_seconds_ = 0;
  int64_t calls_ = 0;
};

}  // namespace nerve
