// GradientReducer over MPI, with no MPI at build time: libmpi is opened with dlopen at run time
// (the library mpi4py already loaded) and the communicator, datatype and operation handles come
// from mpi4py as integers (MPI._handleof). Open MPI's ABI only: its handles are pointers and
// MPI_STATUS_IGNORE is null. Why this design: python/nerve/distributed/README.md.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
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

class MpiGradientReducer : public GradientReducer {
 public:
  // library: the path of the libmpi mpi4py loaded. bucket_bytes: the most gradient bytes one
  // allreduce carries (the gradients are fused into buckets of this size). timeout_seconds: how
  // long one collective may wait for the other ranks: past it, a watchdog thread prints why and
  // aborts the whole job (MPI_Abort), so that a dead or stalled rank never leaves the others hanging.
  MpiGradientReducer(const std::string& library, MpiHandles handles, int64_t bucket_bytes, double timeout_seconds);
  ~MpiGradientReducer() override;
  MpiGradientReducer(const MpiGradientReducer&) = delete;
  MpiGradientReducer& operator=(const MpiGradientReducer&) = delete;

  bool reduce(const std::vector<Tensor>& params, double local_weight, bool finite) override;
  // Sums `values` over the ranks, in place.
  void allreduce_sum(std::vector<float>& values);
  void allreduce_sum(std::vector<double>& values);
  // Synchronized BatchNormalization's per-channel statistics (ReplicaSum), in double.
  void sum_over_replicas(double* values, int64_t n) override;
  // Sums the training statistics of one chunk over the ranks (loss, samples, metric states), so
  // that every rank reports the metrics of the global batch; steps stay this rank's.
  Stats reduce_stats(const Stats& stats);

  int rank() const { return handles_.rank; }
  int size() const { return handles_.size; }
  int64_t bucket_bytes() const { return bucket_bytes_; }
  double timeout_seconds() const { return timeout_.count(); }
  // Time spent in allreduces (gradients, and synchronized BatchNormalization statistics) and how
  // many gradient allreduces were made (for the benchmark's comm share).
  double comm_seconds() const { return comm_seconds_; }
  int64_t allreduce_calls() const { return calls_; }
  void reset_counters() { comm_seconds_ = 0, calls_ = 0; }

 private:
  // Blocking allreduces (sum) of at most bucket_bytes each, under the watchdog. Blocking rather
  // than MPI_Iallreduce polled with MPI_Test: Open MPI's blocking collectives were 5-10x faster
  // for 16 KiB-1 MiB here.
  void allreduce(const void* send, void* recv, int64_t count, uintptr_t datatype, size_t element_bytes);
  void watch();  // the watchdog thread

  using Allreduce = int (*)(const void*, void*, int, void*, void*, void*);
  using Abort = int (*)(void*, int);
  MpiHandles handles_;
  int64_t bucket_bytes_;
  std::chrono::duration<double> timeout_;
  Allreduce allreduce_ = nullptr;
  Abort abort_ = nullptr;
  // Watchdog: it wakes every timeout/10 (at most 1 s) and reads when the running collective
  // started (steady-clock nanoseconds; 0: none running). No signalling per collective: waking a
  // thread on every allreduce cost milliseconds on a loaded machine.
  std::atomic<int64_t> started_ns_{0};
  std::mutex mutex_;  // for stopping_ only
  std::condition_variable stop_;
  bool stopping_ = false;
  std::thread watchdog_;
  std::vector<float> flat_, summed_;  // reused: one step's packed gradients
  std::vector<double> bn_send_;       // reused: a synchronized BatchNormalization's statistics
  double comm_seconds_ = 0;
  int64_t calls_ = 0;
};

}  // namespace nerve
